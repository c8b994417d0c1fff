// The schema of platform.yaml: every field, its type, its default and what is allowed. The loader
// (config.ts) validates a parsed document against it; the README's configuration reference follows it.

import * as ipaddr from 'ipaddr.js';
import { z } from 'zod';

import { LOCATIONS, SERVER_TYPES, SUPPORTED_IMAGES, osFamilyOf } from './hetzner-catalog';
import { APP_AUTH_MODES } from './app-definition';
import { backupsSchema, maintenanceSchema } from './backups';
import { environmentOperationsShape } from './environment-schema';
import { observabilitySchema } from './observability-config';
import { servicesSchema } from './optional-services';
import { EDGE_MIDDLEWARES } from './traefik';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A DNS name such as `example.com` or `shop.example.com`: lower-case labels, at least one dot. */
export function isDomainName(value: string): boolean {
  if (value.length > 253 || !value.includes('.')) return false;
  const labels = value.split('.');
  return labels.every((label) => LABEL.test(label)) && /[a-z]/.test(labels[labels.length - 1]);
}

export function isCidr(value: string): boolean {
  if (!value.includes('/')) return false;
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected the NAME of an environment variable, such as API_KEY');
const name = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'expected a lower-case name: letters, digits and dashes, starting with a letter');
const domain = z.string().refine(isDomainName, 'expected a domain name such as example.com (lower case, at least one dot)');
const cidr = z.string().refine(isCidr, 'expected a CIDR such as 203.0.113.7/32 or 2001:db8::/48');

/** A hostname as written in config: a label under the primary domain (`grafana`), `@` for the apex, or a full name. */
const hostname = z.string().refine(
  (value) => value === '@' || LABEL.test(value) || isDomainName(value),
  'expected a subdomain label (grafana), "@" for the apex, or a full domain name (shop.example.com)',
);

const serverTypeName = z.string().refine((value) => value in SERVER_TYPES, {
  message: `expected a Hetzner server type: ${Object.keys(SERVER_TYPES).join(', ')}`,
});
const locationName = z.string().refine((value) => value in LOCATIONS, {
  message: `expected a Hetzner location: ${Object.keys(LOCATIONS).join(', ')}`,
});
const imageName = z.string().refine((value) => osFamilyOf(value) !== undefined, {
  message: `expected a supported OS image: ${SUPPORTED_IMAGES}`,
});

const sshPublicKey = z.string().regex(
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]{40,}( \S.*)?$/,
  'expected an OpenSSH public key line (ssh-ed25519 AAAA… comment)',
);

export const hostSchema = z.strictObject({
  /** Hetzner server type. ARM (cax*) by default; the type decides the platform of every image. */
  serverType: serverTypeName.default('cax11'),
  location: locationName.default('nbg1'),
  image: imageName.default('debian-12'),
  /** Hetzner Cloud backups (daily snapshots kept 7 days, +20 % of the server price). @default on for production, off for staging */
  backups: z.boolean().optional(),
  /** Delete and rebuild protection: a `terraform destroy` must first switch these off. @default on for production, off for staging */
  protection: z.strictObject({ delete: z.boolean().optional(), rebuild: z.boolean().optional() }).prefault({}),
  /** A public IPv6 address (and AAAA records); IPv4 is always on. */
  ipv6: z.boolean().default(true),
  labels: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a label key'), z.string().max(63)).default({}),
  /** Where this host sits on the private network, when the environment has one. */
  privateIp: z.ipv4().optional(),
});

const extraRecordSchema = z.strictObject({
  /** The zone the record belongs to; one of the environment's domains. @default the first domain */
  zone: domain.optional(),
  /** Name relative to the zone; `@` for the apex. */
  name: z.string().regex(/^(@|\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9])?)*)$/, 'expected "@" or a relative record name'),
  type: z.enum(['MX', 'TXT', 'CNAME', 'CAA', 'SRV', 'A', 'AAAA']),
  values: z.array(z.string().min(1)).min(1),
  ttl: z.int().min(60).max(86400).optional(),
});

const duration = z.string().regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 30s, 5m or 1h');
const absolutePath = z.string().regex(/^\/[^\0]*$/, 'expected an absolute path inside the container');
const volumes = z.record(name, absolutePath);

const healthcheckSchema = z.strictObject({
  command: z.array(z.string().min(1)).min(2).refine((command) => ['CMD', 'CMD-SHELL'].includes(command[0]), 'expected an exec-form command starting with CMD or CMD-SHELL'),
  interval: duration.optional(),
  timeout: duration.optional(),
  retries: z.int().min(1).max(20).optional(),
  startPeriod: duration.optional(),
});

const companionSchema = z.strictObject({
  kind: z.enum(['postgres', 'generic']),
  image: z.string().optional(),
  memoryMiB: z.int().min(16, 'expected at least 16 MiB'),
  cpus: z.number().positive().max(64).optional(),
  env: z.record(envVarName, z.string()).optional(),
  volumes: volumes.optional(),
  healthcheck: healthcheckSchema.optional(),
  /** Companions are never exposed: they never join the web network and publish nothing. */
  public: z.literal(false, { error: 'expected companions to stay private: they never join the web network; expose the app instead' }).optional(),
  passwordEnv: envVarName.optional(),
});

const appSchema = z.strictObject({
  /** Start from a definition in apps/ (e.g. `gitea`); the fields below override it. */
  from: z.string().optional(),
  description: z.string().optional(),
  image: z.string().optional(),
  port: z.int('expected an integer port').min(1, 'expected a port from 1 to 65535').max(65535, 'expected a port from 1 to 65535').optional(),
  /** Where the app is served: labels under the primary domain, `@`, or full names in the environment's domains. */
  hostnames: z.array(hostname).min(1, 'expected at least one hostname'),
  /** The host it runs on. @default the first host */
  host: name.optional(),
  memoryMiB: z.int().min(16, 'expected at least 16 MiB').optional(),
  cpus: z.number().positive().max(64).optional(),
  env: z.record(envVarName, z.string()).optional(),
  secrets: z.array(envVarName).optional(),
  healthcheck: healthcheckSchema.optional(),
  middlewares: z.array(z.enum(EDGE_MIDDLEWARES)).optional(),
  auth: z.enum(APP_AUTH_MODES).optional(),
  metrics: z.strictObject({ path: z.string().regex(/^\//, 'expected a path such as /metrics'), port: z.int().min(1).max(65535).optional() }).optional(),
  volumes: volumes.optional(),
  companions: z.record(name, companionSchema).optional(),
  internal: z.boolean().optional(),
  /** Pin the app network's subnet; @default a stable slot of `networks.pool` picked from the app's name */
  subnet: cidr.optional(),
  user: z.string().optional(),
  keepCapabilities: z.boolean().optional(),
  restart: z.enum(['no', 'on-failure', 'always', 'unless-stopped']).optional(),
  /** Blue/green releases: the edge routes to the live colour; `npm run release` edits this block. */
  release: z.strictObject({
    strategy: z.literal('blue-green'),
    live: z.enum(['blue', 'green']),
    blue: z.string().optional(),
    green: z.string().optional(),
    keepIdleFor: duration.optional(),
  }).optional(),
  /** A critical app is never updated behind Terraform's back. @default true */
  critical: z.boolean().optional(),
  /** Watchtower replaces the container when the image behind its tag changes; non-critical apps only. @default false */
  autoUpdate: z.boolean().optional(),
  /** `image` is a path in the environment's private registry (`shop:1.4.0`). @default false */
  privateRegistry: z.boolean().optional(),
});

/** `TF_VAR_<name>`: the environment variable that feeds the sensitive Terraform variable `<name>`. */
const tfVarEnv = z.string().regex(/^TF_VAR_[a-z][a-z0-9_]*$/, 'expected TF_VAR_<name> with a lower-case name (a sensitive Terraform variable)');
/** Authelia's durations: a number and a unit (s, m, h, d, w, M for months, y). */
const ssoDuration = z.string().regex(/^\d+(s|m|h|d|w|M|y)$/, 'expected a duration such as 15m, 1h, 1w or 1M (a month)');

const ssoUserSchema = z.strictObject({
  displayName: z.string().min(1),
  email: z.email('expected an e-mail address'),
  groups: z.array(name).default([]),
  /** Feeds the user's argon2id hash. @default TF_VAR_sso_user_<user>_password_hash */
  passwordHashEnv: tfVarEnv.optional(),
});

/** Single sign-on through Authelia: the portal, its users, and how dashboards are protected. */
const ssoSchema = z.strictObject({
  /** Users by login name; each password is an argon2id hash in a sensitive variable, never in this file. */
  users: z.record(z.string().regex(/^[a-z][a-z0-9._-]{0,31}$/, 'expected a lower-case login name'), ssoUserSchema)
    .refine((users) => Object.keys(users).length > 0, 'expected at least one user'),
  /** How the platform's dashboards (Traefik, Grafana, backoffice) are protected. */
  dashboards: z.enum(APP_AUTH_MODES).exclude(['none']).default('sso-2fa'),
  /** What Authelia answers for a hostname that reaches it without a rule. */
  defaultPolicy: z.enum(['deny', 'one_factor', 'two_factor']).default('deny'),
  /** Mail for one-time codes and notices. Omitted: they are written to a file on Authelia's volume. */
  smtp: z.strictObject({
    address: z.string().regex(/^(smtp|submissions?):\/\/[^:/\s]+(:\d{1,5})?$/, 'expected an SMTP address such as submission://smtp.example.com:587'),
    sender: z.string().regex(/^([^<>\n]+ <[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'expected a sender such as "Mambo <auth@example.com>"'),
    /** The SMTP login. @default no login */
    usernameEnv: tfVarEnv.optional(),
    /** @default TF_VAR_sso_smtp_password */
    passwordEnv: tfVarEnv.optional(),
  }).optional(),
  session: z.strictObject({
    expiration: ssoDuration.default('1h'),
    inactivity: ssoDuration.default('15m'),
    rememberMe: ssoDuration.default('1M'),
  }).prefault({}),
});

const rateTier = (average: number, burst: number) =>
  z.strictObject({ average: z.int().min(1).default(average), burst: z.int().min(1).default(burst) }).prefault({});

export const environmentSchema = z.strictObject({
  /** DNS zones this environment serves; the first is the primary domain that short hostnames live under. */
  domains: z.array(domain).min(1, 'expected at least one domain'),
  /** Which Let's Encrypt endpoint issues certificates. @default production; staging for a staging tier */
  letsEncrypt: z.enum(['production', 'staging']).optional(),
  /** Contact address registered with Let's Encrypt. */
  acmeEmail: z.email('expected an e-mail address'),
  hcloud: z.strictObject({
    /**
     * Where the Hetzner Cloud API token comes from: `HCLOUD_TOKEN` (read by the provider itself) or
     * `TF_VAR_<name>` (a sensitive Terraform variable `<name>`, so environments can use separate projects).
     * @default HCLOUD_TOKEN for the environment named production, TF_VAR_<variablePrefix>hcloud_token for the others
     */
    tokenEnv: z.string().refine((value) => value === 'HCLOUD_TOKEN' || /^TF_VAR_[a-z][a-z0-9_]*$/.test(value), {
      message: 'expected HCLOUD_TOKEN (read by the provider) or TF_VAR_<name> with a lower-case name (a sensitive Terraform variable)',
    }).optional(),
  }).prefault({}),
  ssh: z.strictObject({
    /** Who may reach port 22. Keep it to your own addresses; 0.0.0.0/0 is accepted with a warning. */
    allowedCidrs: z.array(cidr).min(1, 'expected at least one CIDR allowed to reach SSH'),
    /** Public keys installed for root (emergencies) and the deploy user. */
    keys: z.array(z.strictObject({ name, publicKey: sshPublicKey })).min(1, 'expected at least one SSH public key'),
    /** The non-root user, in the docker group, that Terraform's docker provider connects as. */
    deployUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a Unix user name').default('deploy'),
  }),
  hosts: z.record(name, hostSchema).refine((hosts) => Object.keys(hosts).length > 0, 'expected at least one host'),
  /** An optional Hetzner private network that every host of the environment joins. */
  privateNetwork: z.strictObject({
    ipRange: cidr.default('10.0.0.0/16'),
    subnet: cidr.default('10.0.1.0/24'),
  }).optional(),
  dns: z.strictObject({
    /**
     * Create the zones in Hetzner DNS (their nameservers must be set at the registrar): true, false, or a list of
     * domains. @default each domain no earlier environment lists; the others only get records
     */
    manageZones: z.union([z.boolean(), z.array(domain)], { error: 'expected true, false or a list of the environment\'s domains' }).optional(),
    ttl: z.int().min(60).max(86400).default(300),
    /** Delete protection on the zones this environment creates; switch off before a destroy. */
    deleteProtection: z.boolean().default(true),
    /** A/AAAA records at the apex of every domain, pointing at the primary host. */
    apex: z.boolean().default(true),
    records: z.array(extraRecordSchema).default([]),
  }).prefault({}),
  edge: z.strictObject({
    /** Rate-limit tiers per client IP, named by apps as rate-global, rate-strict and rate-api. */
    rateLimits: z.strictObject({ global: rateTier(100, 200), strict: rateTier(10, 20), api: rateTier(50, 100) }).prefault({}),
    /** Origins the cors-api middleware allows. @default the environment's own https origins */
    corsOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'expected an origin such as https://app.example.com')).optional(),
  }).prefault({}),
  networks: z.strictObject({
    /** Address pool the platform's Docker networks take their subnets from. */
    pool: cidr.default('172.30.0.0/16'),
    /** Size of each network's subnet. */
    subnetPrefix: z.int().min(16).max(28).default(24),
  }).prefault({}),
  apps: z.record(name, appSchema).default({}),
  /** Hostnames of the platform's own services, each a label under the primary domain or a full name. */
  platformHostnames: z.strictObject({
    traefik: hostname.default('traefik'),
    grafana: hostname.default('grafana'),
    backoffice: hostname.default('backoffice'),
    /** The SSO portal: a label, served under every domain of the environment (a session cookie per domain). */
    auth: z.string().regex(LABEL, 'expected a subdomain label such as auth: the portal is served under every domain').default('auth'),
  }).prefault({}),
  /** Single sign-on with Authelia. Omitted: no SSO, and the dashboards use basic auth. */
  sso: ssoSchema.optional(),
  /** Optional services, each off by default: watchtower, portainer, registry, uptime (see optional-services.ts). */
  services: servicesSchema,
  /** Backups of every host: schedule, retention, a remote restic repository, extra paths (see backups.ts). */
  backups: backupsSchema,
  /** When the maintenance jobs run from cron: health check, TLS check, cleanup (see backups.ts). */
  maintenance: maintenanceSchema,
  /** Metrics, logs, dashboards and alerts to ntfy on the primary host (see observability-config.ts). */
  observability: observabilitySchema,
  /** Tier, hostname suffix, variable prefix, state backend, docker access: see environment-schema.ts. */
  ...environmentOperationsShape,
});

export type SsoConfig = z.output<typeof ssoSchema>;

export const platformSchema = z.strictObject({
  /** Prefix of every resource name in Hetzner and Docker. */
  project: name.default('mambo'),
  environments: z.record(name, environmentSchema).refine((envs) => Object.keys(envs).length > 0, 'expected at least one environment'),
});

export type PlatformConfig = z.output<typeof platformSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type HostConfig = z.output<typeof hostSchema>;
export type ExtraRecordConfig = z.output<typeof extraRecordSchema>;
export type AppConfig = z.output<typeof appSchema>;
export type CompanionConfig = z.output<typeof companionSchema>;
