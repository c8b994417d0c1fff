// The edge's static and dynamic configuration, rendered and parsed back, and its router labels.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { parse } from 'yaml';

import { ACME_SERVERS, EdgeModel, renderTraefikDynamic, renderTraefikStatic } from '../../lib/traefik';
import { routerRule, traefikLabels } from '../../lib/traefik-labels';
import { itWithTools, run } from '../support/tools';

const model: EdgeModel = {
  letsEncrypt: 'production',
  acmeEmail: 'ops@example.com',
  acmeStorage: '/acme/acme.json',
  dockerEndpoint: 'tcp://socket-proxy:2375',
  webNetwork: 'mambo-production-web',
  dynamicConfigDir: '/etc/traefik/dynamic',
  basicAuthUsersFile: '/etc/traefik/basic-auth.htpasswd',
  rateLimits: { global: { average: 100, burst: 200 }, strict: { average: 10, burst: 20 }, api: { average: 50, burst: 100 } },
  corsOrigins: [],
  domains: ['example.com'],
  internalPort: 8082,
};

describe('static configuration', () => {
  const config = parse(renderTraefikStatic(model));

  it('redirects web to websecure permanently', () => {
    expect(config.entryPoints.web).toEqual({
      address: ':80',
      http: { redirections: { entryPoint: { to: 'websecure', scheme: 'https', permanent: true } } },
    });
    expect(config.entryPoints.websecure.address).toBe(':443');
  });

  it('issues certificates from the le resolver over HTTP-01 on the web entrypoint', () => {
    expect(config.certificatesResolvers.le.acme).toEqual({
      email: 'ops@example.com', storage: '/acme/acme.json', caServer: ACME_SERVERS.production, httpChallenge: { entryPoint: 'web' },
    });
    expect(config.entryPoints.websecure.http.tls.certResolver).toBe('le');
  });

  it('uses Let\'s Encrypt staging when the environment says so', () => {
    const staging = parse(renderTraefikStatic({ ...model, letsEncrypt: 'staging' }));
    expect(staging.certificatesResolvers.le.acme.caServer).toBe('https://acme-staging-v02.api.letsencrypt.org/directory');
  });

  it('reads Docker through the socket proxy and exposes nothing by default', () => {
    expect(config.providers.docker).toMatchObject({ endpoint: 'tcp://socket-proxy:2375', exposedByDefault: false, network: 'mambo-production-web', watch: true });
    expect(config.providers.docker.defaultRule).toBe('Host(`{{ normalize .Name }}.invalid`)');
    expect(config.providers.file).toEqual({ directory: '/etc/traefik/dynamic', watch: true });
  });

  it('serves ping and Prometheus metrics on an internal entrypoint only', () => {
    expect(config.entryPoints.internal.address).toBe(':8082');
    expect(config.ping.entryPoint).toBe('internal');
    expect(config.metrics.prometheus).toMatchObject({ entryPoint: 'internal', addServicesLabels: true, addRoutersLabels: true });
  });

  it('writes JSON access logs without request headers other than the user agent', () => {
    expect(config.accessLog.format).toBe('json');
    expect(config.accessLog.fields.headers).toEqual({ defaultMode: 'drop', names: { 'User-Agent': 'keep' } });
  });

  it('keeps the dashboard off the insecure port', () => {
    expect(config.api).toEqual({ dashboard: true });
  });
});

describe('dynamic configuration', () => {
  const config = parse(renderTraefikDynamic(model));
  const middlewares = config.http.middlewares;

  it('defines the three rate-limit tiers with their bursts', () => {
    expect(middlewares['rate-global'].rateLimit).toEqual({ average: 100, burst: 200, period: '1s' });
    expect(middlewares['rate-strict'].rateLimit).toEqual({ average: 10, burst: 20, period: '1s' });
    expect(middlewares['rate-api'].rateLimit).toEqual({ average: 50, burst: 100, period: '1s' });
  });

  it('sends HSTS with preload, nosniff, frame deny and a referrer policy', () => {
    expect(middlewares['security-headers'].headers).toMatchObject({
      stsSeconds: 31536000, stsPreload: true, stsIncludeSubdomains: true, contentTypeNosniff: true, frameDeny: true,
      referrerPolicy: 'strict-origin-when-cross-origin',
    });
  });

  it('compresses and redirects to HTTPS', () => {
    expect(middlewares.compression).toEqual({ compress: { minResponseBodyBytes: 1024 } });
    expect(middlewares['https-redirect']).toEqual({ redirectScheme: { scheme: 'https', permanent: true } });
  });

  it('allows CORS from the environment\'s domains by default, or from listed origins', () => {
    const [regex] = middlewares['cors-api'].headers.accessControlAllowOriginListRegex;
    expect(new RegExp(regex).test('https://app.example.com')).toBe(true);
    expect(new RegExp(regex).test('https://example.com')).toBe(true);
    expect(new RegExp(regex).test('https://example.com.evil.test')).toBe(false);
    expect(new RegExp(regex).test('http://app.example.com')).toBe(false);
    const listed = parse(renderTraefikDynamic({ ...model, corsOrigins: ['https://a.example.org'] }));
    expect(listed.http.middlewares['cors-api'].headers.accessControlAllowOriginList).toEqual(['https://a.example.org']);
  });

  it('asks for basic auth from a users file, never inline users', () => {
    expect(middlewares['basic-auth']).toEqual({ basicAuth: { usersFile: '/etc/traefik/basic-auth.htpasswd', removeHeader: true } });
  });

  it('requires TLS 1.2 or newer with strict SNI for every router', () => {
    expect(config.tls.options.default).toMatchObject({ minVersion: 'VersionTLS12', sniStrict: true });
  });
});

itWithTools('yamllint')('both files pass yamllint', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mambo-traefik-'));
  const files = [['static.yml', renderTraefikStatic(model)], ['dynamic.yml', renderTraefikDynamic(model)]].map(([name, text]) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  });
  const result = run('yamllint', ['-d', '{extends: default, rules: {document-start: disable, line-length: {max: 160}}}', ...files]);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
});

describe('router labels', () => {
  const labels = traefikLabels({
    name: 'shop', hostnames: ['shop.example.com', 'example.com'], port: 3000, webNetwork: 'mambo-production-web',
    middlewares: ['rate-api', 'security-headers'], basicAuth: true,
  });

  it('enable the container on the web network only', () => {
    expect(labels['traefik.enable']).toBe('true');
    expect(labels['traefik.docker.network']).toBe('mambo-production-web');
  });

  it('route every hostname over websecure with TLS from le', () => {
    expect(labels['traefik.http.routers.shop.rule']).toBe('Host(`shop.example.com`) || Host(`example.com`)');
    expect(labels['traefik.http.routers.shop.entrypoints']).toBe('websecure');
    expect(labels['traefik.http.routers.shop.tls']).toBe('true');
    expect(labels['traefik.http.routers.shop.tls.certresolver']).toBe('le');
  });

  it('chain the named middlewares from the file provider first, authentication last', () => {
    expect(labels['traefik.http.routers.shop.middlewares']).toBe('rate-api@file,security-headers@file,basic-auth@file');
  });

  it('send traffic to the app\'s port', () => {
    expect(labels['traefik.http.routers.shop.service']).toBe('shop');
    expect(labels['traefik.http.services.shop.loadbalancer.server.port']).toBe('3000');
  });

  it('route to an internal service without a port when asked', () => {
    const dashboard = traefikLabels({ name: 'dash', hostnames: ['t.example.com'], port: 0, webNetwork: 'web', middlewares: [], service: 'api@internal' });
    expect(dashboard['traefik.http.routers.dash.service']).toBe('api@internal');
    expect(Object.keys(dashboard).some((key) => key.startsWith('traefik.http.services.'))).toBe(false);
    expect(dashboard['traefik.http.routers.dash.middlewares']).toBeUndefined();
  });

  it('build a Host rule per hostname', () => {
    expect(routerRule(['a.example.com'])).toBe('Host(`a.example.com`)');
  });

  it('keep private paths (the metrics endpoint) off the internet', () => {
    expect(routerRule(['a.example.com', 'b.example.com'], ['/metrics']))
      .toBe('(Host(`a.example.com`) || Host(`b.example.com`)) && !PathPrefix(`/metrics`)');
  });
});
