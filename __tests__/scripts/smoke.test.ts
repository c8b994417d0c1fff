// npm run smoke against local HTTPS servers with certificates from a throwaway CA, standing in for the
// hosts: every hostname resolves to 127.0.0.1, the test CA is trusted, and each failure the smoke test
// exists for is staged once (missing header, bad certificate, no redirect, unprotected protected URL).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';

import { SmokeRow, SmokeTarget, passed, smokeTargets } from '../../lib/smoke';
import { EnvironmentSpec } from '../../lib/spec';
import { parseSmokeArgs, runSmoke } from '../../scripts/smoke';
import { specOf } from '../support/platform';
import { hasTool, itWithTools, run } from '../support/tools';

const ROOT = path.resolve(__dirname, '..', '..');
const spec = specOf();
const production = spec.environments.find((environment) => environment.name === 'production')!;
const staging = spec.environments.find((environment) => environment.name === 'staging')!;
const targets: SmokeTarget[] = [...smokeTargets(production), ...smokeTargets(staging)];
const hostnames = [...new Set(targets.map((target) => target.hostname))];

type Fault = 'missing-header' | 'unprotected' | 'no-redirect' | 'wrong-name' | 'untrusted' | 'staging-issuer';
/** Hostname → what goes wrong there in the current test. */
const faults = new Map<string, Fault>();

interface Pki { dir: string; caFile: string; ca: string; good: tls.SecureContext; wrongName: tls.SecureContext; untrusted: tls.SecureContext; stagingIssuer: tls.SecureContext }
let pki: Pki;
let httpsServer: https.Server;
let httpServer: http.Server;
let ports: { https: number; http: number };

function openssl(args: string[], cwd: string): void {
  const result = run('openssl', args, { cwd });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

/** A CA (its subject given) and a leaf for `names` signed by it; returns the leaf's secure context. */
function issue(dir: string, name: string, caSubject: string, names: readonly string[]): { context: tls.SecureContext; ca: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', `${name}-ca.key`, '-out', `${name}-ca.pem`, '-days', '30', '-subj', caSubject], dir);
  openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${names[0]}`], dir);
  writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${names.map((host) => `DNS:${host}`).join(',')}\n`);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${name}-ca.pem`, '-CAkey', `${name}-ca.key`, '-CAcreateserial',
    '-out', `${name}.pem`, '-days', '30', '-extfile', `${name}.ext`], dir);
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  return { context: tls.createSecureContext({ key: read(`${name}.key`), cert: read(`${name}.pem`) }), ca: read(`${name}-ca.pem`) };
}

function hostOf(request: http.IncomingMessage): string {
  return (request.headers.host ?? '').replace(/:\d+$/, '');
}

const SECURE_HEADERS = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** Answers as the edge would: pages with the security headers, 401 for basic auth, a redirect to the portal for SSO. */
function edge(request: http.IncomingMessage, response: http.ServerResponse): void {
  const host = hostOf(request);
  const target = targets.find((candidate) => candidate.hostname === host);
  const fault = faults.get(host);
  if (!target) {
    response.writeHead(404).end();
  } else if (target.protection === 'basic' && fault !== 'unprotected') {
    response.writeHead(401, { 'www-authenticate': 'Basic realm="traefik"' }).end();
  } else if (target.protection.startsWith('sso') && fault !== 'unprotected') {
    response.writeHead(302, { location: `https://${target.authHost}/?rd=${encodeURIComponent(target.url)}` }).end();
  } else {
    const headers: Record<string, string> = { ...SECURE_HEADERS, 'content-type': 'text/html' };
    if (fault === 'missing-header') delete headers['x-frame-options'];
    response.writeHead(200, headers).end('<!doctype html><title>ok</title>');
  }
}

const haveOpenssl = hasTool('openssl');

beforeAll(async () => {
  if (!haveOpenssl) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'mambo-smoke-'));
  const good = issue(dir, 'good', '/O=Mambo Test/CN=Mambo Test CA', hostnames);
  const wrongName = issue(dir, 'wrong', '/O=Mambo Test/CN=Mambo Test CA 2', ['other.example']);
  const untrusted = issue(dir, 'untrusted', '/O=Somebody/CN=Somebody Else CA', hostnames);
  const stagingIssuer = issue(dir, 'staging', "/O=(STAGING) Let's Encrypt/CN=(STAGING) Ersatz Edamame E1", hostnames);
  const caFile = path.join(dir, 'trusted.pem');
  writeFileSync(caFile, `${good.ca}${wrongName.ca}`);
  pki = { dir, caFile, ca: readFileSync(caFile, 'utf8'), good: good.context, wrongName: wrongName.context, untrusted: untrusted.context, stagingIssuer: stagingIssuer.context };

  httpsServer = https.createServer({
    SNICallback: (servername, callback) => {
      const fault = faults.get(servername);
      callback(null, fault === 'wrong-name' ? pki.wrongName : fault === 'untrusted' ? pki.untrusted : fault === 'staging-issuer' ? pki.stagingIssuer : pki.good);
    },
  }, edge);
  httpServer = http.createServer((request, response) => {
    const host = hostOf(request);
    if (faults.get(host) === 'no-redirect') response.writeHead(200, { 'content-type': 'text/html' }).end('plain http');
    else response.writeHead(308, { location: `https://${host}${request.url}` }).end();
  });
  await Promise.all([httpsServer, httpServer].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  ports = { https: (httpsServer.address() as AddressInfo).port, http: (httpServer.address() as AddressInfo).port };
});

afterAll(async () => {
  if (!haveOpenssl) return;
  await Promise.all([httpsServer, httpServer].map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(pki.dir, { recursive: true, force: true });
});

beforeEach(() => faults.clear());

async function smoke(environment: EnvironmentSpec, trustTestCa = true): Promise<SmokeRow[]> {
  return runSmoke(environment, {
    resolve: { '*': '127.0.0.1' }, ca: trustTestCa ? [pki.ca] : [], httpsPort: ports.https, httpPort: ports.http, timeoutMs: 5000,
  });
}

/** `url check: detail` for every failed check. */
function failures(rows: readonly SmokeRow[]): string[] {
  return rows.flatMap((row) => row.results.filter((result) => !result.ok).map((result) => `${row.target.url} ${result.check}: ${result.detail}`));
}

const urlOf = (environment: EnvironmentSpec, service: string) => smokeTargets(environment).find((target) => target.service === service)!;

describe('npm run smoke against local HTTPS servers', () => {
  itWithTools('openssl')('passes production: public pages, dashboards behind SSO, the portals', async () => {
    const rows = await smoke(production);
    expect(failures(rows)).toEqual([]);
    expect(rows.map((row) => row.target.url)).toEqual(smokeTargets(production).map((target) => target.url));
    expect(passed(rows)).toBe(true);
  });

  itWithTools('openssl')('passes staging: dashboards behind basic auth', async () => {
    const rows = await smoke(staging);
    expect(failures(rows)).toEqual([]);
    const traefik = rows.find((row) => row.target.service === 'platform.traefik')!;
    expect(traefik.results.find((result) => result.check === 'protection')).toEqual({ check: 'protection', ok: true, detail: '401 basic auth' });
  });

  itWithTools('openssl')('fails a page without a security header', async () => {
    const reader = urlOf(production, 'app.reader');
    faults.set(reader.hostname, 'missing-header');
    expect(failures(await smoke(production))).toEqual([`${reader.url} headers: x-frame-options: expected DENY`]);
  });

  itWithTools('openssl')('fails a certificate issued for another name', async () => {
    const grafana = urlOf(production, 'platform.grafana');
    faults.set(grafana.hostname, 'wrong-name');
    expect(failures(await smoke(production))).toEqual([`${grafana.url} certificate: not issued for ${grafana.hostname}`]);
  });

  itWithTools('openssl')('fails a certificate from an untrusted issuer', async () => {
    const reader = urlOf(production, 'app.reader');
    faults.set(reader.hostname, 'untrusted');
    expect(failures(await smoke(production))).toEqual([expect.stringMatching(new RegExp(`^${reader.url.replace(/\./g, '\\.')} certificate: untrusted: `))]);
  });

  itWithTools('openssl')('accepts Let\'s Encrypt staging certificates in staging only', async () => {
    for (const target of smokeTargets(staging)) faults.set(target.hostname, 'staging-issuer');
    expect(failures(await smoke(staging, false))).toEqual([]);

    const reader = urlOf(production, 'app.reader');
    faults.set(reader.hostname, 'staging-issuer');
    expect(failures(await smoke(production))).toHaveLength(1);
  });

  itWithTools('openssl')('fails a hostname whose HTTP port does not redirect to HTTPS', async () => {
    const backoffice = urlOf(staging, 'platform.backoffice');
    faults.set(backoffice.hostname, 'no-redirect');
    expect(failures(await smoke(staging))).toEqual([`${backoffice.url} redirect: HTTP 200; expected 301/308 to https`]);
  });

  itWithTools('openssl')('fails a protected URL that answers without authentication', async () => {
    const traefikStaging = urlOf(staging, 'platform.traefik');
    faults.set(traefikStaging.hostname, 'unprotected');
    expect(failures(await smoke(staging))).toEqual([`${traefikStaging.url} protection: 200 without a Basic challenge; expected 401 (basic auth)`]);

    const grafana = urlOf(production, 'platform.grafana');
    faults.set(grafana.hostname, 'unprotected');
    expect(failures(await smoke(production))).toEqual([`${grafana.url} protection: 200; expected a redirect to ${grafana.authHost}`]);
  });

  itWithTools('openssl')('prints the table and exits 1 on a failure, 0 when all pass (the command line)', async () => {
    // The servers answer from this process: the child must run without blocking it.
    const runAsync = (environment: string) => new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [
        '-r', 'ts-node/register/transpile-only', path.join(ROOT, 'scripts', 'smoke.ts'), environment,
        '--resolve', '*:127.0.0.1', '--ca', pki.caFile, '--https-port', String(ports.https), '--http-port', String(ports.http),
      ], { cwd: ROOT });
      let stdout = '';
      child.stdout.on('data', (chunk) => { stdout += chunk; });
      child.on('close', (status) => resolve({ status, stdout }));
    });

    const ok = await runAsync('staging');
    expect(ok.stdout).toMatch(/^URL\s+protection\s+response/);
    expect(ok.stdout).toContain(`Smoke tests, staging: all ${smokeTargets(staging).length} URLs passed.`);
    expect(ok.status).toBe(0);

    faults.set(urlOf(staging, 'app.reader').hostname, 'no-redirect');
    const failing = await runAsync('staging');
    expect(failing.stdout).toContain(`Smoke tests, staging: 1 of ${smokeTargets(staging).length} URLs failed:`);
    expect(failing.status).toBe(1);
  });
});

describe('the command line', () => {
  it('takes the environment, curl-style --resolve, --ca files and ports', () => {
    const command = parseSmokeArgs(['staging', '--resolve', 'grafana.staging.mambo-cloud.example:203.0.113.10', '--ca', 'roots.pem', '--https-port', '8443', '--config', 'other.yaml'],
      (file) => `pem of ${file}`);
    expect(command).toEqual({
      environment: 'staging',
      config: 'other.yaml',
      options: { resolve: { 'grafana.staging.mambo-cloud.example': '203.0.113.10' }, ca: ['pem of roots.pem'], httpsPort: 8443, httpPort: undefined, timeoutMs: undefined },
    });
  });

  it('refuses what it does not know', () => {
    expect(() => parseSmokeArgs([])).toThrow('expected one environment name');
    expect(() => parseSmokeArgs(['staging', '--resolve', 'nocolon'])).toThrow('expected <host or *>:<ip>');
    expect(() => parseSmokeArgs(['staging', '--verbose'])).toThrow('unknown option --verbose');
  });
});

describe('npm run smoke -- --help', () => {
  it('prints its usage and exits 0', () => {
    const root = path.resolve(__dirname, '..', '..');
    const result = spawnSync(process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(root, 'scripts', 'smoke.ts'), '--help'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run smoke -- <env>/);
  });
});
