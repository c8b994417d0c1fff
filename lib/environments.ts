// Several environments in one platform.yaml: the defaults each tier brings (staging: Let's Encrypt's
// staging endpoint, hostnames under staging.<domain>, no Hetzner backups), who owns a DNS zone two
// environments share, and the checks that keep environments apart (names, records, keys, secrets).

import { ConfigError } from './config-error';
import { EnvironmentConfig, HostConfig } from './config-schema';
import { EnvironmentTier } from './environment-schema';

export type { EnvironmentTier } from './environment-schema';

/** What a tier changes when the config leaves a field out. */
export interface TierDefaults {
  readonly letsEncrypt: 'production' | 'staging';
  /** Hetzner Cloud backups of each host (+20 % of the server price). */
  readonly hostBackups: boolean;
  /** Delete and rebuild protection of each host. */
  readonly hostProtection: boolean;
  /** How long the observability and backup parts keep data. */
  readonly retention: {
    readonly metrics: string;
    readonly logs: string;
    readonly localBackupDays: number;
    readonly remoteBackupDays: number;
  };
}

// A cax11 is already the smallest ARM type, so staging saves on what it keeps, not on the host.
export const TIER_DEFAULTS: { readonly [tier in EnvironmentTier]: TierDefaults } = {
  production: {
    letsEncrypt: 'production',
    hostBackups: true,
    hostProtection: true,
    retention: { metrics: '7d', logs: '7d', localBackupDays: 7, remoteBackupDays: 30 },
  },
  staging: {
    // Untrusted certificates, but no production rate limits for an environment that is rebuilt often.
    letsEncrypt: 'staging',
    hostBackups: false,
    hostProtection: false,
    retention: { metrics: '3d', logs: '3d', localBackupDays: 3, remoteBackupDays: 7 },
  },
};

/** The environment whose variables and token keep their plain names. */
export const PRIMARY_ENVIRONMENT = 'production';

export type DefaultedHostConfig = HostConfig & {
  readonly backups: boolean;
  readonly protection: { readonly delete: boolean; readonly rebuild: boolean };
};

/** An environment's config with every tier-dependent and cross-environment default filled. */
export type DefaultedEnvironmentConfig = Omit<EnvironmentConfig, 'hosts' | 'hcloud'> & {
  readonly tier: EnvironmentTier;
  readonly hostnameSuffix: string;
  readonly variablePrefix: string;
  readonly letsEncrypt: 'production' | 'staging';
  readonly hcloud: { readonly tokenEnv: string };
  readonly hosts: Readonly<Record<string, DefaultedHostConfig>>;
  /** The domains whose hcloud_zone this environment creates; it only adds records to the others. */
  readonly managedZones: readonly string[];
  readonly retention: TierDefaults['retention'];
};

type Failure = (where: ReadonlyArray<PropertyKey>, found: string, expected: string) => ConfigError;

export function tierOf(name: string, configured: EnvironmentTier | undefined): EnvironmentTier {
  return configured ?? (name === 'staging' ? 'staging' : 'production');
}

/** `TF_VAR_` names and Terraform variable names are snake case. */
function snake(name: string): string {
  return name.replace(/-/g, '_');
}

/**
 * Fills the defaults that depend on the tier or on the other environments, and refuses what would make
 * two environments collide in Hetzner: one zone created twice, records written with a token of the wrong
 * project, one SSH key uploaded twice to a project.
 */
export function withEnvironmentDefaults(
  environments: Readonly<Record<string, EnvironmentConfig>>, fail: Failure,
): Record<string, DefaultedEnvironmentConfig> {
  const defaulted: Record<string, DefaultedEnvironmentConfig> = {};
  const zoneOwner = new Map<string, string>();
  const listedBy = new Map<string, string>();

  for (const [name, environment] of Object.entries(environments)) {
    const at = (...rest: PropertyKey[]) => ['environments', name, ...rest];
    const tier = tierOf(name, environment.tier);
    const defaults = TIER_DEFAULTS[tier];
    const variablePrefix = environment.variablePrefix ?? (name === PRIMARY_ENVIRONMENT ? '' : `${snake(name)}_`);
    const tokenEnv = environment.hcloud.tokenEnv ?? (name === PRIMARY_ENVIRONMENT ? 'HCLOUD_TOKEN' : `TF_VAR_${variablePrefix}hcloud_token`);

    const managedZones = zonesManagedBy(name, environment, listedBy, fail);
    for (const domain of managedZones) {
      const owner = zoneOwner.get(domain);
      if (owner) {
        throw fail(at('dns', 'manageZones'), `${JSON.stringify(environment.dns.manageZones)}, but environment ${owner} creates the zone ${domain} already`,
          `expected one environment to create each zone: \`manageZones: false\` here, or a list of the domains this one owns`);
      }
      zoneOwner.set(domain, name);
    }
    for (const domain of environment.domains) if (!listedBy.has(domain)) listedBy.set(domain, name);

    const hosts = Object.fromEntries(Object.entries(environment.hosts).map(([hostName, host]) => [hostName, {
      ...host,
      backups: host.backups ?? defaults.hostBackups,
      protection: { delete: host.protection.delete ?? defaults.hostProtection, rebuild: host.protection.rebuild ?? defaults.hostProtection },
    }]));

    defaulted[name] = {
      ...environment,
      tier,
      hostnameSuffix: environment.hostnameSuffix ?? (tier === 'staging' ? name : ''),
      variablePrefix,
      letsEncrypt: environment.letsEncrypt ?? defaults.letsEncrypt,
      hcloud: { ...environment.hcloud, tokenEnv },
      hosts,
      managedZones,
      retention: defaults.retention,
    };
  }

  checkSharedProjects(defaulted, zoneOwner, fail);
  return defaulted;
}

/**
 * `dns.manageZones`: true (all the environment's domains), false (none), a list, or left out: then each
 * domain no earlier environment lists, so with production first, staging adds records to its zones.
 */
function zonesManagedBy(name: string, environment: EnvironmentConfig, listedBy: Map<string, string>, fail: Failure): string[] {
  const setting = environment.dns.manageZones;
  if (setting === true) return [...environment.domains];
  if (setting === false) return [];
  if (setting === undefined) return environment.domains.filter((domain) => !listedBy.has(domain));
  setting.forEach((domain, index) => {
    if (!environment.domains.includes(domain)) {
      throw fail(['environments', name, 'dns', 'manageZones', index], `"${domain}"`, `expected one of the environment's domains: ${environment.domains.join(', ')}`);
    }
  });
  return [...setting];
}

/**
 * A zone lives in one Hetzner project, so whoever adds records to it needs that project's token; and a
 * project refuses a second SSH key with the same fingerprint.
 */
function checkSharedProjects(environments: Record<string, DefaultedEnvironmentConfig>, zoneOwner: Map<string, string>, fail: Failure): void {
  const entries = Object.entries(environments);
  for (const [name, environment] of entries) {
    for (const domain of environment.domains) {
      const owner = zoneOwner.get(domain);
      if (!owner || owner === name) continue;
      const ownerToken = environments[owner].hcloud.tokenEnv;
      if (environment.hcloud.tokenEnv !== ownerToken) {
        throw fail(['environments', name, 'hcloud', 'tokenEnv'],
          `${environment.hcloud.tokenEnv}, while the zone ${domain} is created by environment ${owner} with ${ownerToken}`,
          `expected ${ownerToken} (records can only be written with a token of the zone's Hetzner project), or a domain of this environment's own`);
      }
    }
  }

  for (const [index, [name, environment]] of entries.entries()) {
    for (const [earlierName, earlier] of entries.slice(0, index)) {
      if (earlier.hcloud.tokenEnv !== environment.hcloud.tokenEnv) continue;
      environment.ssh.keys.forEach((key, keyIndex) => {
        const twin = earlier.ssh.keys.find((other) => keyMaterial(other.publicKey) === keyMaterial(key.publicKey));
        if (twin) {
          throw fail(['environments', name, 'ssh', 'keys', keyIndex, 'publicKey'],
            `the public key of environments.${earlierName}.ssh.keys "${twin.name}", in the same Hetzner project (${environment.hcloud.tokenEnv})`,
            'expected a key of its own (Hetzner refuses a second key with the same fingerprint in a project), or a project of its own (hcloud.tokenEnv)');
        }
      });
    }
  }
}

function keyMaterial(publicKey: string): string {
  return publicKey.split(/\s+/).slice(0, 2).join(' ');
}

/** The name an environment's short hostnames and apex live under in a domain: `staging.example.com` or `example.com`. */
export function environmentRoot(domain: string, hostnameSuffix: string): string {
  return hostnameSuffix ? `${hostnameSuffix}.${domain}` : domain;
}

/** What the checks below need of a resolved environment. */
export interface EnvironmentRecords {
  readonly name: string;
  readonly domains: readonly string[];
  readonly hostnameSuffix: string;
  readonly dns: { readonly apex: boolean; readonly records: readonly { readonly zone?: string; readonly name: string }[] };
  readonly hostnames: readonly { readonly fqdn: string; readonly zone: string; readonly recordName: string; readonly configPath: readonly PropertyKey[] }[];
}

/**
 * Two environments never write the same record name in a shared zone: each name (hostnames, the
 * environment's apex, extra records) belongs to one environment.
 */
export function checkRecordsApart(environments: readonly EnvironmentRecords[], fail: Failure): void {
  const owners = new Map<string, { environment: string; where: string }>();
  for (const environment of environments) {
    const claims: { key: string; label: string; where: ReadonlyArray<PropertyKey> }[] = [];
    for (const hostname of environment.hostnames) {
      claims.push({ key: `${hostname.zone}|${hostname.recordName}`, label: hostname.fqdn, where: hostname.configPath });
    }
    if (environment.dns.apex) {
      for (const domain of environment.domains) {
        const root = environmentRoot(domain, environment.hostnameSuffix);
        const recordName = root === domain ? '@' : root.slice(0, -(domain.length + 1));
        claims.push({ key: `${domain}|${recordName}`, label: root, where: ['environments', environment.name, 'dns', 'apex'] });
      }
    }
    environment.dns.records.forEach((record, index) => {
      const zone = record.zone ?? environment.domains[0];
      const label = record.name === '@' ? zone : `${record.name}.${zone}`;
      claims.push({ key: `${zone}|${record.name.toLowerCase()}`, label, where: ['environments', environment.name, 'dns', 'records', index] });
    });

    for (const claim of claims) {
      const owner = owners.get(claim.key);
      if (owner && owner.environment !== environment.name) {
        throw fail(claim.where, `"${claim.label}", which environment ${owner.environment} serves already (${owner.where})`,
          'expected each DNS name to belong to one environment: give this one a hostnameSuffix or other hostnames');
      }
      if (!owner) owners.set(claim.key, { environment: environment.name, where: claim.where.map(String).join('.') });
    }
  }
}

/** Environments that share a variable prefix share secrets: allowed only when the config sets the prefix. */
export function sharedVariableWarnings(
  environments: readonly { readonly name: string; readonly variablePrefix: string }[], explicit: ReadonlySet<string>, fail: Failure,
): string[] {
  const warnings: string[] = [];
  environments.forEach((environment, index) => {
    const twin = environments.slice(0, index).find((other) => other.variablePrefix === environment.variablePrefix);
    if (!twin) return;
    if (!explicit.has(environment.name)) {
      throw fail(['environments', environment.name, 'variablePrefix'], `"${environment.variablePrefix}", the prefix of environment ${twin.name} too`,
        'expected a prefix of its own, so a TF_VAR_ meant for one environment never feeds another');
    }
    warnings.push(`${environment.name}: shares its Terraform variables (secrets) with ${twin.name} ` +
      `(variablePrefix "${environment.variablePrefix}" in environments.${environment.name})`);
  });
  return warnings;
}
