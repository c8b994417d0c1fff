// The smoke tests' URL list comes from the spec, never from a hand-kept list; each verdict follows
// from what a request observed.
import { SECURITY_HEADERS, SmokeObservation, SmokeTarget, judge, passed, renderSmokeTable, smokeTargets } from '../../lib/smoke';
import { PRODUCTION, specOf } from '../support/platform';

const spec = specOf();
const production = spec.environments.find((environment) => environment.name === 'production')!;
const staging = spec.environments.find((environment) => environment.name === 'staging')!;

describe('the URLs an environment serves', () => {
  it('are every served hostname but the hosts\' own names', () => {
    for (const environment of [production, staging]) {
      const served = environment.hostnames.filter((hostname) => !hostname.service.startsWith('host.')).map((hostname) => `https://${hostname.fqdn}/`);
      expect(smokeTargets(environment).map((target) => target.url)).toEqual(served);
    }
    expect(smokeTargets(staging).map((target) => target.url)).toEqual(expect.arrayContaining([
      'https://grafana.staging.mambo-cloud.example/', 'https://reader.staging.mambo-cloud.example/',
    ]));
  });

  it('follow the config: a new app hostname is a new URL', () => {
    const grown = specOf((document) => document.setIn([...PRODUCTION, 'apps', 'reader', 'hostnames'], ['reader', 'news.mambo-shop.example']));
    expect(smokeTargets(grown.environments[0]).map((target) => target.url)).toContain('https://news.mambo-shop.example/');
  });

  it('protect the dashboards as sso.dashboards says, basic auth without SSO, and apps as their auth says', () => {
    const byService = (environment: typeof production) => Object.fromEntries(smokeTargets(environment).map((target) => [target.service, target.protection]));
    expect(byService(staging)).toMatchObject({ 'platform.traefik': 'basic', 'platform.grafana': 'basic', 'platform.backoffice': 'basic', 'app.reader': 'none' });
    const dashboards = production.sso?.dashboards ?? 'basic';
    expect(byService(production)).toMatchObject({ 'platform.traefik': dashboards, 'platform.grafana': dashboards, 'app.reader': 'none' });
    const withBasic = specOf((document) => document.setIn([...PRODUCTION, 'apps', 'reader', 'auth'], 'basic'));
    expect(byService(withBasic.environments[0])['app.reader']).toBe('basic');
  });

  it('send SSO-protected URLs to the portal of their own domain', () => {
    const sso = smokeTargets(production).filter((target) => target.protection.startsWith('sso'));
    for (const target of sso) expect(target.authHost).toBe(`auth.${target.hostname.split('.').slice(-2).join('.')}`);
  });

  it('accept Let\'s Encrypt staging certificates only where the environment uses them', () => {
    expect(smokeTargets(staging).every((target) => target.stagingCertificate)).toBe(true);
    expect(smokeTargets(production).some((target) => target.stagingCertificate)).toBe(false);
  });
});

describe('judging what a request observed', () => {
  const target: SmokeTarget = {
    url: 'https://reader.example.com/', hostname: 'reader.example.com', service: 'app.reader', protection: 'none', securityHeaders: true, stagingCertificate: false,
  };
  const secureHeaders = {
    'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
  };
  const good: SmokeObservation = {
    https: { status: 200, headers: secureHeaders },
    certificate: { trusted: true, matchesHostname: true, daysLeft: 80, issuer: "Let's Encrypt R11" },
    http: { status: 308, location: 'https://reader.example.com/' },
  };
  const failed = (observation: SmokeObservation, of: SmokeTarget = target) =>
    judge(of, observation).filter((result) => !result.ok).map((result) => `${result.check}: ${result.detail}`);

  it('passes a page with a trusted certificate, the headers and a permanent redirect', () => {
    expect(failed(good)).toEqual([]);
  });

  it('fails a missing or weak security header, naming it', () => {
    const { 'x-frame-options': _dropped, ...rest } = secureHeaders;
    expect(failed({ ...good, https: { status: 200, headers: rest } })).toEqual(['headers: x-frame-options: expected DENY']);
    expect(failed({ ...good, https: { status: 200, headers: { ...secureHeaders, 'strict-transport-security': 'max-age=300' } } }))
      .toEqual(['headers: strict-transport-security: expected max-age of a year or more']);
    expect(SECURITY_HEADERS.map((header) => header.name)).toHaveLength(4);
  });

  it('fails a certificate that is untrusted, for another name, or about to expire', () => {
    expect(failed({ ...good, certificate: { ...good.certificate!, trusted: false, trustError: 'SELF_SIGNED_CERT_IN_CHAIN' } }))
      .toEqual(['certificate: untrusted: SELF_SIGNED_CERT_IN_CHAIN']);
    expect(failed({ ...good, certificate: { ...good.certificate!, matchesHostname: false } })).toEqual(['certificate: not issued for reader.example.com']);
    expect(failed({ ...good, certificate: { ...good.certificate!, daysLeft: 3 } })).toEqual(['certificate: expires in 3 days (< 14)']);
  });

  it('accepts an untrusted Let\'s Encrypt staging certificate in an environment that uses them', () => {
    const staged = { ...good, certificate: { ...good.certificate!, trusted: false, issuer: '(STAGING) Let\'s Encrypt (STAGING) Ersatz Edamame E1' } };
    expect(failed(staged, { ...target, stagingCertificate: true })).toEqual([]);
    expect(failed(staged)).toHaveLength(1);
  });

  it('fails an HTTP answer that is not a permanent redirect to the same name over https', () => {
    expect(failed({ ...good, http: { status: 200 } })).toEqual(['redirect: HTTP 200; expected 301/308 to https']);
    expect(failed({ ...good, http: { status: 302, location: 'https://reader.example.com/' } })).toHaveLength(1);
    expect(failed({ ...good, http: { status: 301, location: 'https://evil.example/' } })).toHaveLength(1);
  });

  it('demands a basic-auth challenge or a redirect to the portal from protected URLs', () => {
    const basic = { ...target, protection: 'basic' as const };
    expect(failed({ ...good, https: { status: 401, headers: { 'www-authenticate': 'Basic realm="traefik"' } } }, basic)).toEqual([]);
    expect(failed(good, basic)).toEqual(['protection: 200 without a Basic challenge; expected 401 (basic auth)']);

    const sso = { ...target, protection: 'sso-2fa' as const, authHost: 'auth.example.com' };
    expect(failed({ ...good, https: { status: 302, headers: { location: 'https://auth.example.com/?rd=https%3A%2F%2Freader.example.com%2F' } } }, sso)).toEqual([]);
    expect(failed(good, sso)).toEqual(['protection: 200; expected a redirect to auth.example.com']);
    expect(failed({ ...good, https: { status: 302, headers: { location: 'https://elsewhere.example/' } } }, sso)).toHaveLength(1);
  });

  it('fails a URL that does not answer at all', () => {
    expect(failed({ https: { error: 'connect ECONNREFUSED' }, certificate: undefined, http: { error: 'connect ECONNREFUSED' } })).toEqual([
      'status: no response: connect ECONNREFUSED', 'certificate: no certificate seen', 'redirect: no HTTP response: connect ECONNREFUSED',
    ]);
  });

  it('prints a table with a row per URL and the failures spelled out', () => {
    const rows = [{ target, results: judge(target, good) }, { target: { ...target, url: 'https://x.example.com/', hostname: 'x.example.com' }, results: judge(target, { ...good, http: { status: 200 } }) }];
    const table = renderSmokeTable('production', rows);
    expect(table.split('\n')[0]).toMatch(/^URL\s+protection\s+response\s+certificate\s+headers\s+http→https\s+result$/);
    expect(table).toMatch(/https:\/\/reader\.example\.com\/\s+none\s+ok\s+ok\s+ok\s+ok\s+PASS/);
    expect(table).toContain('Smoke tests, production: 1 of 2 URLs failed:');
    expect(table).toContain('  https://x.example.com/ redirect: HTTP 200; expected 301/308 to https');
    expect(passed(rows)).toBe(false);
  });
});
