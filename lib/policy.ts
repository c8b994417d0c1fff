// The platform's policy rules: what every synthesized platform stack must satisfy, each with an id,
// a one-line reason and a severity, and the pure checks behind them. constructs/policy.ts applies
// them to the construct tree at synth; an exception is accepted per construct, with a reason.

import { CatalogImageName, IMAGE_CATALOG, ImageReferenceError, parseImageReference } from './images';
import { EnvironmentSpec } from './spec';

export type PolicyRuleId =
  | 'MAMBO-P001' | 'MAMBO-P002' | 'MAMBO-P003' | 'MAMBO-P004' | 'MAMBO-P005'
  | 'MAMBO-P006' | 'MAMBO-P007' | 'MAMBO-P008' | 'MAMBO-P009' | 'MAMBO-P010';

export interface PolicyRule {
  readonly id: PolicyRuleId;
  /** What the rule is about, in a few words. */
  readonly title: string;
  /** Why it exists, in one line. */
  readonly reason: string;
  /** An error fails the synth; a warning is reported and the synth goes on. */
  readonly severity: 'error' | 'warning';
}

const rule = (id: PolicyRuleId, severity: PolicyRule['severity'], title: string, reason: string): PolicyRule => ({ id, severity, title, reason });

export const POLICY_RULES: Readonly<Record<PolicyRuleId, PolicyRule>> = {
  'MAMBO-P001': rule('MAMBO-P001', 'error', 'published port',
    'only the edge publishes ports, and only 80 and 443: everything else is reached through it (monitoring ports never)'),
  'MAMBO-P002': rule('MAMBO-P002', 'error', 'memory limit',
    'every container has a memory limit, so one runaway cannot starve the host and the budget adds up'),
  'MAMBO-P003': rule('MAMBO-P003', 'error', 'pinned image',
    'images are pinned to a version tag, never latest or untagged, so a deploy is repeatable'),
  'MAMBO-P004': rule('MAMBO-P004', 'error', 'router TLS',
    'every router serves HTTPS on websecure with TLS; plain HTTP only redirects'),
  'MAMBO-P005': rule('MAMBO-P005', 'error', 'router DNS',
    'every hostname a router matches has a DNS record in the environment, or its certificate can never be issued'),
  'MAMBO-P006': rule('MAMBO-P006', 'warning', 'volume backup',
    'every volume is registered with its host and covered by backups'),
  'MAMBO-P007': rule('MAMBO-P007', 'error', 'plain secret',
    'no secret-looking literal in a container\'s environment: secrets come from sensitive variables or generated values'),
  'MAMBO-P008': rule('MAMBO-P008', 'error', 'host access',
    'no privileged container and no host network, PID or IPC namespace, except the system containers the platform names'),
  'MAMBO-P009': rule('MAMBO-P009', 'error', 'docker socket',
    'the Docker socket is mounted only into the read-only socket proxy (POST=0); everything else asks the proxy'),
  'MAMBO-P010': rule('MAMBO-P010', 'error', 'no-new-privileges',
    'every container runs with no-new-privileges, so no setuid binary can raise a process\'s privileges'),
};

/** The ports the edge publishes. */
export const EDGE_PORTS: readonly number[] = [80, 443];

/**
 * The system containers allowed host access (privileged, host PID/network): the node exporter reads the
 * host's own metrics, cAdvisor every container's. Named by catalog image; nothing else gets an exemption
 * without `Policy.accept`.
 */
export const HOST_ACCESS_IMAGES: readonly CatalogImageName[] = ['nodeExporter', 'cadvisor'];

/** The one image that may mount the Docker socket: the read-only proxy Traefik asks. */
export const DOCKER_SOCKET_IMAGES: readonly CatalogImageName[] = ['socketProxy'];

/** Host paths that are, or contain, the Docker socket. */
export const DOCKER_SOCKET_PATHS: readonly string[] = ['/var/run/docker.sock', '/run/docker.sock', '/var/run', '/run'];

/** Whether an image reference belongs to one of the catalog images (any tag). */
export function isCatalogImage(reference: string, names: readonly CatalogImageName[]): boolean {
  try {
    const { repository } = parseImageReference(reference);
    return names.some((name) => IMAGE_CATALOG[name].repository === repository);
  } catch {
    return false;
  }
}

/** What is wrong with an image reference, or undefined when it is pinned. */
export function imageProblem(reference: string): string | undefined {
  try {
    parseImageReference(reference);
    return undefined;
  } catch (error) {
    if (error instanceof ImageReferenceError) return `uses ${error.message}`;
    throw error;
  }
}

// Names that hold a secret by convention; `_FILE` (a path to one) and `_ENV` (the name of one) do not.
const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|PASS|SECRET|SECRET_KEY|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|(ENCRYPTION|SIGNING|MASTER)_?KEY|CREDENTIALS?)$/i;
// Values that are secrets whatever their name: provider token formats, private keys, credentials in URLs.
const SECRET_VALUE = [
  /^gh[pousr]_[A-Za-z0-9]{30,}$/, /^github_pat_[A-Za-z0-9_]{30,}$/, /^glpat-[A-Za-z0-9_-]{20,}$/, /^xox[abpr]-[A-Za-z0-9-]{10,}$/,
  /^sk_(live|test)_[A-Za-z0-9]{16,}$/, /^AKIA[0-9A-Z]{16}$/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^/@\s]+@/i,
];

/** Whether a Terraform value is (or contains) a reference, i.e. comes from a variable or a resource. */
export function isReference(value: string): boolean {
  return /(^|[^$])\$\{/.test(value);
}

/**
 * For a `NAME=value` environment entry: why it looks like a secret written in plain text, or undefined.
 * A value that refers to a variable or a generated secret is fine however it is named.
 */
export function plainSecretProblem(entry: string): string | undefined {
  const separator = entry.indexOf('=');
  const name = separator === -1 ? entry : entry.slice(0, separator);
  const value = separator === -1 ? '' : entry.slice(separator + 1);
  if (value === '' || isReference(value)) return undefined;
  // A switch named after what it turns on (GF_AUTH_PROXY_ENABLE_LOGIN_TOKEN=false) holds no secret.
  if (SECRET_NAME.test(name) && !/^(true|false)$/i.test(value)) return `sets ${name} to a literal value`;
  if (SECRET_VALUE.some((pattern) => pattern.test(value))) return `sets ${name} to a value shaped like a credential`;
  return undefined;
}

/** The hostnames a Traefik rule matches with Host(`…`); rules without Host match any name and give none. */
export function hostsInRule(rule: string): string[] {
  return [...rule.matchAll(/Host\(\s*`([^`]+)`\s*\)/g)].map((match) => match[1].toLowerCase());
}

/** Every name an environment's DNS zones hold: served hostnames, apexes when on, and extra A/AAAA/CNAME records. */
export function dnsNamesOf(environment: Pick<EnvironmentSpec, 'hostnames' | 'domains' | 'dns'>): string[] {
  const names = new Set(environment.hostnames.map((hostname) => hostname.fqdn));
  if (environment.dns.apex) environment.domains.forEach((domain) => names.add(domain));
  for (const record of environment.dns.records) {
    if (!['A', 'AAAA', 'CNAME'].includes(record.type)) continue;
    const zone = record.zone ?? environment.domains[0];
    names.add(record.name === '@' ? zone : `${record.name}.${zone}`);
  }
  return [...names];
}

/** Whether `hostname` has a record among `names`, counting wildcards (`*.example.com`). */
export function hasDnsName(hostname: string, names: readonly string[]): boolean {
  return names.some((name) => name === hostname || (name.startsWith('*.') && hostname.endsWith(name.slice(1)) && !hostname.slice(0, -(name.length - 1)).includes('.')));
}
