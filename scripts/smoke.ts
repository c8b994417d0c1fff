// npm run smoke -- <env>: requests every public URL the environment serves (lib/smoke.ts derives them
// from platform.yaml) and checks the answer, the certificate, the security headers, the redirect from
// HTTP and that protected URLs ask for authentication. Prints a table; exits 1 on any failure.
//
//   npm run smoke -- staging
//   npm run smoke -- staging --resolve '*:203.0.113.10'   # before DNS has propagated
//   npm run smoke -- staging --ca le-staging-roots.pem     # trust Let's Encrypt's staging roots
//
// Options: --config <file>, --resolve <host|*>:<ip> (repeatable), --ca <pem file> (repeatable),
// --https-port <n>, --http-port <n>, --timeout <ms>.

import * as dns from 'node:dns';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { LookupFunction } from 'node:net';
import * as tls from 'node:tls';

import { APP_DEFINITIONS } from '../apps';
import { configFileFrom, loadPlatformFile } from '../lib/config';
import { ConfigError } from '../lib/config-error';
import { SmokeObservation, SmokeRow, SmokeTarget, judge, passed, renderSmokeTable, smokeTargets } from '../lib/smoke';
import { EnvironmentSpec } from '../lib/spec';

export interface SmokeOptions {
  /** Host name (or `*`) → address, instead of DNS; like curl's --resolve. */
  readonly resolve?: Readonly<Record<string, string>>;
  /** Extra PEM certificates to trust besides the system's roots. */
  readonly ca?: readonly string[];
  /** @default 443 */
  readonly httpsPort?: number;
  /** @default 80 */
  readonly httpPort?: number;
  /** Per request. @default 10000 */
  readonly timeoutMs?: number;
}

const DAY_MS = 86_400_000;

/** Resolves the names given in `resolve`; everything else through the system resolver. */
function lookupWith(resolve: Readonly<Record<string, string>> | undefined): LookupFunction | undefined {
  if (!resolve || Object.keys(resolve).length === 0) return undefined;
  const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const address = resolve[hostname] ?? resolve['*'];
    if (address === undefined) {
      dns.lookup(hostname, options as never, callback as never);
      return;
    }
    const family = address.includes(':') ? 6 : 4;
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
  return lookup;
}

function requestOnce(
  module: typeof http | typeof https, url: string, options: https.RequestOptions, timeoutMs: number,
): Promise<{ response: http.IncomingMessage; socket: tls.TLSSocket | undefined }> {
  return new Promise((resolve, reject) => {
    const request = module.request(url, { ...options, method: 'GET', agent: false }, (response) => {
      const socket = response.socket instanceof tls.TLSSocket ? response.socket : undefined;
      response.resume();
      resolve({ response, socket });
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

function urlWithPort(url: string, port: number, defaultPort: number): string {
  if (port === defaultPort) return url;
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString();
}

export async function observe(target: SmokeTarget, options: SmokeOptions = {}): Promise<SmokeObservation> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const lookup = lookupWith(options.resolve);
  const headers = { 'user-agent': 'mambo-smoke/1', accept: 'text/html' };
  const ca = options.ca && options.ca.length > 0 ? [...tls.rootCertificates, ...options.ca] : undefined;

  let httpsResult: SmokeObservation['https'];
  let certificate: SmokeObservation['certificate'];
  try {
    const { response, socket } = await requestOnce(https, urlWithPort(target.url, options.httpsPort ?? 443, 443), {
      headers, lookup, servername: target.hostname, ca, rejectUnauthorized: false,
    }, timeoutMs);
    httpsResult = { status: response.statusCode, headers: response.headers };
    const peer = socket?.getPeerCertificate();
    if (socket && peer && Object.keys(peer).length > 0) {
      const validTo = new Date(peer.valid_to);
      certificate = {
        trusted: socket.authorized,
        trustError: socket.authorizationError ? String(socket.authorizationError) : undefined,
        matchesHostname: tls.checkServerIdentity(target.hostname, peer) === undefined,
        validTo: peer.valid_to,
        daysLeft: Math.floor((validTo.getTime() - Date.now()) / DAY_MS),
        issuer: [peer.issuer?.O, peer.issuer?.CN].filter(Boolean).join(' '),
      };
    }
  } catch (error) {
    httpsResult = { error: (error as Error).message };
  }

  let httpResult: SmokeObservation['http'];
  try {
    const plain = target.url.replace(/^https:/, 'http:');
    const { response } = await requestOnce(http, urlWithPort(plain, options.httpPort ?? 80, 80), { headers, lookup }, timeoutMs);
    httpResult = { status: response.statusCode, location: response.headers.location };
  } catch (error) {
    httpResult = { error: (error as Error).message };
  }

  return { https: httpsResult, certificate, http: httpResult };
}

export async function runSmoke(environment: EnvironmentSpec, options: SmokeOptions = {}): Promise<SmokeRow[]> {
  const targets = smokeTargets(environment);
  // A handful of URLs: one at a time keeps the output readable and the edge's rate limits untouched.
  const rows: SmokeRow[] = [];
  for (const target of targets) rows.push({ target, results: judge(target, await observe(target, options)) });
  return rows;
}

export interface SmokeCommand {
  readonly environment: string;
  /** `--config <file>`; else $MAMBO_CONFIG or the default platform.yaml. */
  readonly config?: string;
  readonly options: SmokeOptions;
}

/** Parses `<env> [--config file] [--resolve host:ip] [--ca file] [--https-port n] [--http-port n] [--timeout ms]`. */
export function parseSmokeArgs(argv: readonly string[], readFile: (file: string) => string = (file) => readFileSync(file, 'utf8')): SmokeCommand {
  const resolve: Record<string, string> = {};
  const ca: string[] = [];
  const numbers: Record<string, number> = {};
  const positional: string[] = [];
  let config: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--resolve') {
      const entry = value();
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new Error(`--resolve ${entry}: expected <host or *>:<ip>`);
      resolve[entry.slice(0, colon)] = entry.slice(colon + 1);
    } else if (arg === '--ca') {
      ca.push(readFile(value()));
    } else if (arg === '--config') {
      config = value();
    } else if (['--https-port', '--http-port', '--timeout'].includes(arg)) {
      const number = Number(value());
      if (!Number.isInteger(number) || number <= 0) throw new Error(`${arg}: expected a positive integer`);
      numbers[arg] = number;
    } else if (arg.startsWith('--')) {
      throw new Error(`unknown option ${arg}; expected --resolve, --ca, --https-port, --http-port, --timeout or --config`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) throw new Error('expected one environment name: npm run smoke -- <env>');
  return {
    environment: positional[0],
    config,
    options: { resolve, ca, httpsPort: numbers['--https-port'], httpPort: numbers['--http-port'], timeoutMs: numbers['--timeout'] },
  };
}

const USAGE = `usage: npm run smoke -- <env> [--config <file>] [--resolve <host or *>:<ip>] [--ca <file>]
                              [--https-port <n>] [--http-port <n>] [--timeout <ms>]
Requests every public URL the environment serves and checks its status, certificate, security headers,
the redirect from HTTP and, for protected URLs, that authentication is demanded. Exit 0 when all pass.`;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let command: SmokeCommand;
  let environment: EnvironmentSpec | undefined;
  try {
    command = parseSmokeArgs(argv);
    const spec = loadPlatformFile(configFileFrom(command.config ? ['--config', command.config] : [], process.env), APP_DEFINITIONS);
    environment = spec.environments.find((candidate) => candidate.name === command.environment);
    if (!environment) {
      throw new Error(`no environment "${command.environment}"; expected one of ${spec.environments.map((candidate) => candidate.name).join(', ')}`);
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return error instanceof ConfigError ? 1 : 2;
  }

  const rows = await runSmoke(environment, command.options);
  console.log(renderSmokeTable(environment.name, rows));
  return passed(rows) ? 0 : 1;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(2);
  });
}
