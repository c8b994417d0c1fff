// Smoke tests after a deploy, as data: every public URL an environment serves (derived from its
// hostnames, never listed by hand) with what it must answer, the verdicts on what a request observed,
// and the table the runner prints. scripts/smoke.ts does the requests.

import { AppAuth } from './app-definition';
import { SSO_PORTAL_SERVICE } from './sso';
import { EnvironmentSpec } from './spec';

/** How a URL is protected at the edge: open, basic auth (401), or SSO (a redirect to the portal). */
export type Protection = AppAuth;

/** The platform's dashboards: protected like `sso.dashboards` says, basic auth without SSO. */
export const PLATFORM_DASHBOARDS = ['platform.traefik', 'platform.grafana', 'platform.backoffice'] as const;

/** Response headers the edge's `security-headers` middleware sets, with what each must contain. */
export const SECURITY_HEADERS: readonly { readonly name: string; readonly test: RegExp; readonly expected: string }[] = [
  { name: 'strict-transport-security', test: /max-age=(3153[6-9]\d{3}|315[4-9]\d{4}|31[6-9]\d{5}|3[2-9]\d{6}|[4-9]\d{7}|\d{9,})/, expected: 'max-age of a year or more' },
  { name: 'x-content-type-options', test: /^nosniff$/i, expected: 'nosniff' },
  { name: 'x-frame-options', test: /^deny$/i, expected: 'DENY' },
  { name: 'referrer-policy', test: /\S/, expected: 'a referrer policy' },
];

export interface SmokeTarget {
  readonly url: string;
  readonly hostname: string;
  /** What serves it: `platform.grafana`, `app.reader`, … */
  readonly service: string;
  readonly protection: Protection;
  /** Whether the response must carry SECURITY_HEADERS (routes with the security-headers middleware). */
  readonly securityHeaders: boolean;
  /** For SSO: where the edge must send an anonymous visitor. */
  readonly authHost?: string;
  /** Let's Encrypt's staging endpoint issues the certificate: its chain is not publicly trusted. */
  readonly stagingCertificate: boolean;
}

/**
 * Every public URL of the environment: the platform's services and the apps' hostnames. A host's own
 * name (its reverse DNS) is not a URL: nothing is routed to it.
 */
export function smokeTargets(environment: EnvironmentSpec): SmokeTarget[] {
  const dashboards: Protection = environment.sso?.dashboards ?? 'basic';
  const portals = environment.hostnames.filter((hostname) => hostname.service === SSO_PORTAL_SERVICE);

  return environment.hostnames
    .filter((hostname) => !hostname.service.startsWith('host.'))
    .map((hostname) => {
      const app = environment.apps.find((candidate) => `app.${candidate.name}` === hostname.service);
      const protection: Protection = app
        ? app.auth
        : (PLATFORM_DASHBOARDS as readonly string[]).includes(hostname.service) ? dashboards : 'none';
      const portal = portals.find((candidate) => candidate.zone === hostname.zone) ?? portals[0];
      return {
        url: `https://${hostname.fqdn}/`,
        hostname: hostname.fqdn,
        service: hostname.service,
        protection,
        securityHeaders: app ? app.middlewares.includes('security-headers') : true,
        authHost: protection.startsWith('sso') ? portal?.fqdn : undefined,
        stagingCertificate: environment.letsEncrypt === 'staging',
      };
    });
}

/** What a request to a target observed; the runner fills it, the checks below judge it. */
export interface SmokeObservation {
  /** The HTTPS request; `error` when there was no response at all. */
  readonly https: {
    readonly error?: string;
    readonly status?: number;
    readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  };
  readonly certificate: {
    /** The chain verifies against the trusted roots. */
    readonly trusted: boolean;
    readonly trustError?: string;
    /** The certificate names the hostname (SAN). */
    readonly matchesHostname: boolean;
    readonly validTo?: string;
    readonly daysLeft?: number;
    readonly issuer?: string;
  } | undefined;
  readonly http: { readonly error?: string; readonly status?: number; readonly location?: string };
}

export type CheckName = 'status' | 'certificate' | 'headers' | 'redirect' | 'protection';

export interface CheckResult {
  readonly check: CheckName;
  readonly ok: boolean;
  /** Short, for the table: `200`, `valid, 89 days`, `missing x-frame-options`. */
  readonly detail: string;
}

/** Certificates closer to expiry than this fail: renewal should have happened (Let's Encrypt renews at 30 days). */
export const MIN_CERTIFICATE_DAYS = 14;

const header = (observation: SmokeObservation, name: string): string | undefined => {
  const value = observation.https.headers?.[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

export function judge(target: SmokeTarget, observation: SmokeObservation): CheckResult[] {
  const results: CheckResult[] = [];
  const { https, certificate, http } = observation;

  if (https.error !== undefined || https.status === undefined) {
    results.push({ check: 'status', ok: false, detail: `no response: ${https.error ?? 'unknown error'}` });
  } else {
    results.push(...judgeResponse(target, observation, https.status));
  }

  if (!certificate) {
    results.push({ check: 'certificate', ok: false, detail: 'no certificate seen' });
  } else if (!certificate.matchesHostname) {
    results.push({ check: 'certificate', ok: false, detail: `not issued for ${target.hostname}` });
  } else if (!certificate.trusted && !(target.stagingCertificate && /staging/i.test(certificate.issuer ?? ''))) {
    results.push({ check: 'certificate', ok: false, detail: `untrusted: ${certificate.trustError ?? 'unknown issuer'}` });
  } else if (certificate.daysLeft !== undefined && certificate.daysLeft < MIN_CERTIFICATE_DAYS) {
    results.push({ check: 'certificate', ok: false, detail: `expires in ${certificate.daysLeft} days (< ${MIN_CERTIFICATE_DAYS})` });
  } else {
    const staging = certificate.trusted ? '' : ', Let\'s Encrypt staging';
    results.push({ check: 'certificate', ok: true, detail: `valid${staging}, ${certificate.daysLeft ?? '?'} days left` });
  }

  const expectedLocation = new RegExp(`^https://${escapeRegExp(target.hostname)}(:\\d+)?/`);
  if (http.error !== undefined || http.status === undefined) {
    results.push({ check: 'redirect', ok: false, detail: `no HTTP response: ${http.error ?? 'unknown error'}` });
  } else if (![301, 308].includes(http.status) || !expectedLocation.test(http.location ?? '')) {
    results.push({ check: 'redirect', ok: false, detail: `HTTP ${http.status}${http.location ? ` to ${http.location}` : ''}; expected 301/308 to https` });
  } else {
    results.push({ check: 'redirect', ok: true, detail: `${http.status} to https` });
  }
  return results;
}

function judgeResponse(target: SmokeTarget, observation: SmokeObservation, status: number): CheckResult[] {
  const results: CheckResult[] = [];
  const location = header(observation, 'location') ?? '';

  if (target.protection === 'none') {
    results.push(status < 400
      ? { check: 'status', ok: true, detail: String(status) }
      : { check: 'status', ok: false, detail: `${status}; expected a page (below 400)` });
  } else if (target.protection === 'basic') {
    const challenge = /^basic/i.test(header(observation, 'www-authenticate') ?? '');
    results.push(status === 401 && challenge
      ? { check: 'protection', ok: true, detail: '401 basic auth' }
      : { check: 'protection', ok: false, detail: `${status}${challenge ? '' : ' without a Basic challenge'}; expected 401 (basic auth)` });
  } else {
    const toPortal = target.authHost !== undefined && location.startsWith(`https://${target.authHost}/`);
    results.push([302, 303, 307].includes(status) && toPortal
      ? { check: 'protection', ok: true, detail: `${status} to ${target.authHost}` }
      : { check: 'protection', ok: false, detail: `${status}${location ? ` to ${location}` : ''}; expected a redirect to ${target.authHost ?? 'the SSO portal'}` });
  }

  // An auth middleware answers before the headers middleware runs, so only pages are held to the headers.
  if (target.securityHeaders && target.protection === 'none') {
    const missing = SECURITY_HEADERS.filter((expected) => !expected.test.test(header(observation, expected.name) ?? ''));
    results.push(missing.length === 0
      ? { check: 'headers', ok: true, detail: 'HSTS, nosniff, frame deny, referrer' }
      : { check: 'headers', ok: false, detail: missing.map((expected) => `${expected.name}: expected ${expected.expected}`).join('; ') });
  }
  return results;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface SmokeRow {
  readonly target: SmokeTarget;
  readonly results: readonly CheckResult[];
}

export function passed(rows: readonly SmokeRow[]): boolean {
  return rows.every((row) => row.results.every((result) => result.ok));
}

/** A plain-text table, one row per URL, the failed checks spelled out below it. */
export function renderSmokeTable(environment: string, rows: readonly SmokeRow[]): string {
  const cell = (row: SmokeRow, checks: CheckName[]) => {
    const found = row.results.filter((result) => checks.includes(result.check));
    if (found.length === 0) return '-';
    return found.every((result) => result.ok) ? 'ok' : 'FAIL';
  };
  const table = [
    ['URL', 'protection', 'response', 'certificate', 'headers', 'http→https', 'result'],
    ...rows.map((row) => [
      row.target.url,
      row.target.protection,
      cell(row, ['status', 'protection']),
      cell(row, ['certificate']),
      cell(row, ['headers']),
      cell(row, ['redirect']),
      row.results.every((result) => result.ok) ? 'PASS' : 'FAIL',
    ]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
  const lines = table.map((line) => line.map((value, column) => value.padEnd(widths[column])).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));

  const failures = rows.flatMap((row) => row.results.filter((result) => !result.ok)
    .map((result) => `  ${row.target.url} ${result.check}: ${result.detail}`));
  const failed = rows.filter((row) => row.results.some((result) => !result.ok)).length;
  const summary = failed === 0
    ? `Smoke tests, ${environment}: all ${rows.length} URLs passed.`
    : `Smoke tests, ${environment}: ${failed} of ${rows.length} URLs failed:`;
  return [...lines, '', summary, ...failures].join('\n');
}
