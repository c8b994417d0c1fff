// The typed platform the constructs build from: validated config with defaults filled, plus what
// is derived from it once (full hostnames and their zones, the primary host, warnings).

import * as ipaddr from 'ipaddr.js';

import { AppAuth, AppDefinition, BlueGreenRelease, CompanionDefinition, HealthcheckSpec, RestartPolicy } from './app-definition';
import { BackupsSpec, resolveBackups } from './backups';
import { ConfigError } from './config-error';
import { AppConfig, EnvironmentConfig, PlatformConfig } from './config-schema';
import { recordValueProblem } from './dns-records';
import {
  DefaultedEnvironmentConfig, DefaultedHostConfig, EnvironmentTier, TierDefaults, checkRecordsApart, environmentRoot, sharedVariableWarnings,
  withEnvironmentDefaults,
} from './environments';
import { LOCATIONS, OsFamily, SERVER_TYPES, ServerType, osFamilyOf } from './hetzner-catalog';
import { ImageReferenceError, catalogImageRef, parseImageReference } from './images';
import { ObservabilitySpec, resolveObservability } from './observability-config';
import {
  RegistrySpec, ServicesSpec, appUpdatePolicy, resolveWatchedServices, serveServices, serviceNetworks, withPrivateRegistry,
} from './optional-services';
import { SSO_PORTAL_SERVICE, SsoSpec, resolveSso, ssoPolicyOf } from './sso';
import { SubnetError, planSubnets } from './subnets';
import { DEFAULT_APP_MIDDLEWARES, EdgeMiddleware } from './traefik';

export interface PlatformSpec {
  readonly project: string;
  readonly environments: readonly EnvironmentSpec[];
  /** Things that are allowed but risky (SSH open to the world); main.ts prints them. */
  readonly warnings: readonly string[];
}

export interface EnvironmentSpec extends Omit<EnvironmentConfig, 'hosts' | 'apps' | 'networks' | 'sso' | 'services' | 'observability' | 'backups' | 'maintenance'> {
  /** Backups and the maintenance jobs' schedules, checked with the scripts' validators (lib/backups.ts). */
  readonly backups: BackupsSpec;
  /** Metrics, logs, dashboards and alerts, with their defaults filled (lib/observability-config.ts). */
  readonly observability: ObservabilitySpec;
  /** The optional services switched on (lib/optional-services.ts); each is undefined when off. */
  readonly services: ServicesSpec;
  /** Single sign-on, when the environment has an `sso` section. */
  readonly sso?: SsoSpec;
  readonly name: string;
  readonly hosts: readonly HostSpec[];
  readonly apps: readonly AppSpec[];
  readonly networks: NetworkPlan;
  /** Decides the defaults (lib/environments.ts). */
  readonly tier: EnvironmentTier;
  /** Between short hostnames and the domain: `staging` → grafana.staging.example.com; `''` for none. */
  readonly hostnameSuffix: string;
  /** Prefix of the environment's Terraform variables (`''` or `staging_`). */
  readonly variablePrefix: string;
  readonly letsEncrypt: 'production' | 'staging';
  readonly hcloud: { readonly tokenEnv: string };
  /** Domains whose zone this environment creates; it only adds records to its other domains. */
  readonly managedZones: readonly string[];
  /** Retention the tier asks for (metrics, logs, backups). */
  readonly retention: TierDefaults['retention'];
  /** Origins the cors-api middleware allows, when configured; else any https origin under the environment's domains. */
  readonly corsOrigins?: readonly string[];
  /** Runs the platform's own services (edge dashboard, observability, backoffice). The first host. */
  readonly primaryHost: HostSpec;
  /** Every hostname the environment serves, resolved to a zone; DNS records are made for each. */
  readonly hostnames: readonly ServedHostname[];
}

/** The platform's Docker networks and their subnets. */
export interface NetworkPlan {
  readonly pool: string;
  readonly subnetPrefix: number;
  /** `web`, `monitoring`, `socket`, then one per app (by app name). */
  readonly subnets: Readonly<Record<string, string>>;
}

/**
 * The networks every host has, in the order they take the pool's first subnets: `web` (the edge
 * and apps), `monitoring`, `socket` (the edge and the socket proxy), and `edge`, the one with a
 * route out that the edge publishes its ports on. The platform's own apps come next.
 */
export const PLATFORM_NETWORKS = ['web', 'monitoring', 'socket', 'edge'] as const;

/** Apps the platform deploys itself; their names are not free for platform.yaml. */
export const PLATFORM_APPS = ['backoffice'] as const;

/** An app merged with its definition, defaults filled and hostnames resolved. */
export interface AppSpec {
  readonly name: string;
  readonly description: string;
  readonly image: string;
  readonly port: number;
  readonly hostnames: readonly ServedHostname[];
  readonly host: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly env: Readonly<Record<string, string>>;
  /** Secret environment variables and the sensitive Terraform variable that feeds each. */
  readonly secrets: readonly { readonly env: string; readonly variable: string }[];
  readonly healthcheck?: HealthcheckSpec;
  readonly middlewares: readonly EdgeMiddleware[];
  readonly auth: AppAuth;
  readonly metrics?: { readonly path: string; readonly port: number };
  readonly volumes: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
  readonly companions: readonly CompanionSpec[];
  readonly internal: boolean;
  readonly subnet: string;
  readonly user?: string;
  readonly keepCapabilities: boolean;
  readonly restart: RestartPolicy;
  /** Never updated behind Terraform's back. */
  readonly critical: boolean;
  /** Watchtower may replace the container when the image behind its tag changes. */
  readonly autoUpdate: boolean;
  /** Blue/green: the image of each colour (`image` is the live colour's). */
  readonly release?: Required<Pick<BlueGreenRelease, 'live' | 'keepIdleFor'>> & { readonly images: Partial<Record<'blue' | 'green', string>> };
}

export interface CompanionSpec extends Required<Omit<CompanionDefinition, 'public' | 'healthcheck'>> {
  readonly name: string;
  readonly healthcheck?: HealthcheckSpec;
}

export interface HostSpec extends DefaultedHostConfig {
  readonly name: string;
  readonly type: ServerType;
  readonly osFamily: OsFamily;
}

export interface ServedHostname {
  /** Full name, e.g. `grafana.example.com`. */
  readonly fqdn: string;
  /** The environment domain (DNS zone) it belongs to. */
  readonly zone: string;
  /** The record name inside the zone; `@` for the apex. */
  readonly recordName: string;
  /** The host whose address the records point at. */
  readonly host: string;
  /** What serves it, e.g. `platform.grafana` or `app.shop`. */
  readonly service: string;
  /** Where it was configured, for error messages. */
  readonly configPath: readonly PropertyKey[];
}

/** Builds the error for a value at a path in the config; the YAML loader adds file, line and column. */
export type ConfigFailure = (where: ReadonlyArray<PropertyKey>, found: string, expected: string) => ConfigError;

const plainFailure: ConfigFailure = (where, found, expected) =>
  new ConfigError('(config object)', where.map(String).join('.'), found, expected);

/**
 * Checks what spans fields and derives the rest. `appDefinitions` are what `apps.<name>.from` may
 * name (main.ts passes those in apps/).
 */
export function resolvePlatform(
  config: PlatformConfig, fail: ConfigFailure = plainFailure, appDefinitions: Readonly<Record<string, AppDefinition>> = {},
): PlatformSpec {
  const warnings: string[] = [];
  const defaulted = withEnvironmentDefaults(config.environments, fail);
  const environments = Object.entries(defaulted).map(([name, environment]) =>
    resolveEnvironment(config.project, name, environment, fail, warnings, appDefinitions));
  // Environments share zones but never a DNS name, and share secrets only when the config says so.
  checkRecordsApart(environments, fail);
  const explicitPrefixes = new Set(Object.keys(config.environments).filter((name) => config.environments[name].variablePrefix !== undefined));
  warnings.push(...sharedVariableWarnings(environments, explicitPrefixes, fail));
  return { project: config.project, environments, warnings };
}

function resolveEnvironment(
  projectName: string, name: string, environment: DefaultedEnvironmentConfig, fail: ConfigFailure, warnings: string[], appDefinitions: Readonly<Record<string, AppDefinition>>,
): EnvironmentSpec {
  const at = (...rest: PropertyKey[]) => ['environments', name, ...rest];

  const duplicateDomain = environment.domains.find((domain, index) => environment.domains.indexOf(domain) !== index);
  if (duplicateDomain) throw fail(at('domains'), `"${duplicateDomain}" twice`, 'expected each domain once');

  const hosts = Object.entries(environment.hosts).map(([hostName, host]) => resolveHost(hostName, host, environment, at, fail));
  for (const host of hosts) {
    const longest = `${projectName}-${name}-${host.name}-firewall`;
    if (longest.length > 63) {
      throw fail(at('hosts', host.name), `names such as "${longest}" (${longest.length} characters)`,
        'expected project, environment and host names short enough for Hetzner names of at most 63 characters');
    }
  }
  environment.ssh.keys.forEach((key, index) => {
    const first = environment.ssh.keys.findIndex((other) => other.name === key.name || other.publicKey.split(' ')[1] === key.publicKey.split(' ')[1]);
    if (first !== index) {
      throw fail(at('ssh', 'keys', index), `the same key name or key as ssh.keys[${first}]`, 'expected each key once, under its own name (Hetzner refuses duplicates)');
    }
  });

  for (const cidr of environment.ssh.allowedCidrs) {
    if (ipaddr.parseCIDR(cidr)[1] === 0) {
      warnings.push(`${name}: SSH is open to the world (${cidr} in environments.${name}.ssh.allowedCidrs); ` +
        'list your own addresses instead');
    }
  }

  environment.dns.records.forEach((record, index) => {
    if (record.zone !== undefined && !environment.domains.includes(record.zone)) {
      throw fail(at('dns', 'records', index, 'zone'), `"${record.zone}"`, `expected one of the environment's domains: ${environment.domains.join(', ')}`);
    }
    record.values.forEach((value, valueIndex) => {
      const problem = recordValueProblem(record.type, value);
      if (problem) throw fail(at('dns', 'records', index, 'values', valueIndex), `"${value}" for a ${record.type} record`, problem);
    });
  });

  const primaryHost = hosts[0];
  const hostnames: ServedHostname[] = [];
  const serve = (label: string, service: string, host: string, configPath: PropertyKey[]) => {
    const served = resolveHostname(label, environment.domains, service, host, configPath, fail, environment.hostnameSuffix);
    const taken = hostnames.find((existing) => existing.fqdn === served.fqdn);
    if (taken) {
      throw fail(configPath, `"${served.fqdn}", already served by ${taken.service} (${taken.configPath.map(String).join('.')})`,
        'expected each hostname to be served once');
    }
    hostnames.push(served);
  };

  for (const [service, label] of Object.entries(environment.platformHostnames)) {
    // The SSO portal exists only with SSO, once per domain: a session cookie needs its portal inside its domain.
    if (service === 'auth') {
      if (environment.sso) environment.domains.forEach((domain) => serve(`${label}.${environmentRoot(domain, environment.hostnameSuffix)}`, SSO_PORTAL_SERVICE, primaryHost.name, at('platformHostnames', service)));
      continue;
    }
    serve(label, `platform.${service}`, primaryHost.name, at('platformHostnames', service));
  }
  const { registry, portainer } = serveServices(environment.services, {
    variablePrefix: environment.variablePrefix, primaryHost: primaryHost.name, hasSso: environment.sso !== undefined,
  }, serve, () => hostnames, at, fail);
  // Each host's own name (`main.example.com`): what its reverse DNS points back to.
  for (const host of hosts) {
    serve(host.name, `host.${host.name}`, host.name, at('hosts', host.name));
  }

  const networks = planNetworks(environment, at, fail);
  const apps = Object.entries(environment.apps).map(([appName, app]) => {
    const resolved = resolveApp(appName, app, environment, hosts, networks, appDefinitions, registry, at, fail);
    app.hostnames.forEach((label, index) => serve(label, `app.${appName}`, resolved.host, at('apps', appName, 'hostnames', index)));
    return { ...resolved, hostnames: hostnames.filter((hostname) => hostname.service === `app.${appName}`) };
  });

  checkRecordSets(environment, hostnames, at, fail);

  // Cookies and portals live under the environment's root: staging's session never reaches production's names.
  const roots = environment.domains.map((domain) => environmentRoot(domain, environment.hostnameSuffix));
  const sso = environment.sso && resolveSso(environment.sso, environment.platformHostnames.auth, roots, environment.variablePrefix);
  const watched = resolveWatchedServices(environment.services, { apps, hostnames, sso, portainer, letsEncrypt: environment.letsEncrypt }, at, fail);
  const services: ServicesSpec = { registry, portainer, ...watched };
  const observability = resolveObservability(environment.observability, {
    project: projectName, environment: name, retention: environment.retention, servicesNtfy: environment.services.ntfy,
  }, at, fail);
  const backups = resolveBackups(environment.backups, environment.maintenance, {
    namePrefix: `${projectName}-${name}`, variablePrefix: environment.variablePrefix, retention: environment.retention, apps,
  }, at, fail);
  const { apps: _apps, networks: _networks, sso: _sso, services: _services, observability: _observability, backups: _backups, maintenance: _maintenance, ...rest } = environment;
  return { ...rest, name, hosts, primaryHost, hostnames, apps, networks, sso, services, observability, backups, corsOrigins: environment.edge.corsOrigins };
}

/**
 * DNS record sets are one per zone, name and type, and a CNAME stands alone: check the records the
 * hostnames, the apex and the extra records will make, so a clash is a config error with its path.
 */
function checkRecordSets(
  environment: EnvironmentConfig, hostnames: readonly ServedHostname[], at: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure,
): void {
  const sets = new Map<string, { types: Map<string, string> }>();
  const add = (zone: string, recordName: string, type: string, what: string, where: PropertyKey[]) => {
    const key = `${zone}|${recordName.toLowerCase()}`;
    const set = sets.get(key) ?? { types: new Map<string, string>() };
    const existing = set.types.get(type);
    if (existing) {
      throw fail(where, `a ${type} record for "${recordName}" in ${zone}, which ${existing} makes already`, 'expected each name and type once (several values go in one record)');
    }
    const cname = set.types.get('CNAME');
    if ((type === 'CNAME' && set.types.size > 0) || cname) {
      const other = type === 'CNAME' ? [...set.types.values()][0] : cname;
      throw fail(where, `a ${type} record for "${recordName}" in ${zone} beside the records ${other} makes`, 'expected a CNAME to be the only record of its name');
    }
    set.types.set(type, what);
    sets.set(key, set);
  };

  for (const hostname of hostnames) add(hostname.zone, hostname.recordName, 'A', hostname.service, [...hostname.configPath]);
  if (environment.dns.apex) {
    for (const domain of environment.domains) {
      if (!sets.get(`${domain}|@`)?.types.has('A')) add(domain, '@', 'A', 'dns.apex', at('dns', 'apex'));
    }
  }
  environment.dns.records.forEach((record, index) => {
    const type = record.type === 'AAAA' ? 'A' : record.type;
    add(record.zone ?? environment.domains[0], record.name, type, `dns.records[${index}]`, at('dns', 'records', index));
  });
}

function planNetworks(environment: EnvironmentConfig, at: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure): NetworkPlan {
  const { pool, subnetPrefix } = environment.networks;
  if (environment.privateNetwork) {
    const [poolAddress, poolLength] = ipaddr.parseCIDR(pool);
    const [privateAddress, privateLength] = ipaddr.parseCIDR(environment.privateNetwork.ipRange);
    if (poolAddress.kind() === privateAddress.kind()
      && (poolAddress.match(privateAddress, privateLength) || privateAddress.match(poolAddress, poolLength))) {
      throw fail(at('networks', 'pool'), `"${pool}", which overlaps privateNetwork.ipRange ${environment.privateNetwork.ipRange}`,
        'expected a Docker pool apart from the private network');
    }
  }
  try {
    const requests = [
      ...Object.entries(environment.apps).map(([appName, app]) => ({ name: appName, subnet: app.subnet })),
      ...serviceNetworks(environment.services).map((network) => ({ name: network })),
    ];
    return { pool, subnetPrefix, subnets: planSubnets(pool, subnetPrefix, [...PLATFORM_NETWORKS, ...PLATFORM_APPS], requests).subnets };
  } catch (error) {
    if (!(error instanceof SubnetError)) throw error;
    const where = error.networkName && error.networkName in environment.apps ? at('apps', error.networkName, 'subnet') : at('networks', 'pool');
    throw fail(where, error.found, error.expected);
  }
}

function resolveApp(
  name: string, app: AppConfig, environment: DefaultedEnvironmentConfig, hosts: readonly HostSpec[], networks: NetworkPlan,
  appDefinitions: Readonly<Record<string, AppDefinition>>, registry: RegistrySpec | undefined, at: (...rest: PropertyKey[]) => PropertyKey[],
  fail: ConfigFailure,
): Omit<AppSpec, 'hostnames'> {
  const where = (...rest: PropertyKey[]) => at('apps', name, ...rest);
  if ((PLATFORM_APPS as readonly string[]).includes(name)) {
    throw fail(at('apps', name), `an app named "${name}"`, `expected another name: ${PLATFORM_APPS.join(', ')} is the platform's own`);
  }

  let definition: Partial<AppDefinition> = {};
  if (app.from !== undefined) {
    definition = appDefinitions[app.from];
    if (!definition) {
      throw fail(where('from'), `"${app.from}"`, `expected an app definition in apps/: ${Object.keys(appDefinitions).join(', ') || '(none)'}`);
    }
  }
  const merged = withPrivateRegistry({ ...definition, ...stripUndefined(app) }, registry, where, fail);
  const updates = appUpdatePolicy(merged, environment.services, where, fail);

  const release = merged.release && resolveRelease(merged.release, merged.image, where, fail);
  if (release && !merged.healthcheck) {
    throw fail(where('healthcheck'), 'nothing', 'expected a healthcheck: a blue/green release switches traffic only to a healthy colour');
  }
  const image = release ? release.images[release.live] : merged.image;
  if (image === undefined) throw fail(where('image'), 'nothing', 'expected a pinned image such as ghcr.io/org/app:1.2.3 (or `from:` an app definition)');
  checkImage(image, where('image'), fail);
  if (merged.port === undefined) throw fail(where('port'), 'nothing', 'expected the port the app listens on, 1 to 65535');

  const host = app.host ?? hosts[0].name;
  if (!hosts.some((candidate) => candidate.name === host)) {
    throw fail(where('host'), `"${host}"`, `expected one of the environment's hosts: ${hosts.map((candidate) => candidate.name).join(', ')}`);
  }

  const companions = Object.entries({ ...definition.companions, ...app.companions }).map(([companionName, companion]) => {
    const image = companion.image ?? (companion.kind === 'postgres' ? catalogImageRef('postgres') : undefined);
    if (image === undefined) throw fail(where('companions', companionName, 'image'), 'nothing', 'expected a pinned image for a generic companion');
    checkImage(image, where('companions', companionName, 'image'), fail);
    const defaultVolumes = companion.kind === 'postgres' ? { [`${companionName}-data`]: '/var/lib/postgresql/data' } : {};
    return {
      name: companionName,
      kind: companion.kind,
      image,
      memoryMiB: companion.memoryMiB,
      cpus: companion.cpus ?? 0.5,
      env: companion.env ?? {},
      volumes: companion.volumes ?? defaultVolumes,
      healthcheck: companion.healthcheck,
      passwordEnv: companion.passwordEnv ?? 'DATABASE_PASSWORD',
    };
  });

  const appVolumes = merged.volumes ?? {};
  const volumeNames = [...Object.keys(appVolumes), ...companions.flatMap((companion) => Object.keys(companion.volumes))];
  const duplicateVolume = volumeNames.find((volume, index) => volumeNames.indexOf(volume) !== index);
  if (duplicateVolume) throw fail(where('volumes'), `volume "${duplicateVolume}" twice (app and companion)`, 'expected each volume name once per app');

  const secrets = (merged.secrets ?? []).map((secret) => ({ env: secret, variable: `${environment.variablePrefix}app_${name}_${secret}`.toLowerCase().replace(/-/g, '_') }));
  const plain = Object.keys(merged.env ?? {}).find((key) => merged.secrets?.includes(key));
  if (plain) throw fail(where('env', plain), 'a value for a name listed in secrets', 'expected secrets to come only from their sensitive variable');

  return {
    name,
    description: merged.description ?? name,
    image,
    release,
    port: merged.port,
    host,
    memoryMiB: merged.memoryMiB ?? 256,
    cpus: merged.cpus ?? 0.5,
    env: merged.env ?? {},
    secrets,
    healthcheck: merged.healthcheck,
    middlewares: merged.middlewares ?? DEFAULT_APP_MIDDLEWARES,
    auth: checkAuth(merged.auth ?? 'none', environment, host === hosts[0].name, where, fail),
    metrics: merged.metrics && { path: merged.metrics.path, port: merged.metrics.port ?? merged.port },
    volumes: appVolumes,
    files: definition.files ?? {},
    companions,
    internal: merged.internal ?? false,
    subnet: networks.subnets[name],
    user: merged.user,
    keepCapabilities: merged.keepCapabilities ?? false,
    restart: merged.restart ?? 'unless-stopped',
    ...updates,
  };
}

function resolveRelease(release: BlueGreenRelease, image: string | undefined, where: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure) {
  // A colour without its own image runs the app's `image`; the live one must end up with one.
  const images = { blue: release.blue ?? (release.live === 'blue' ? image : undefined), green: release.green ?? (release.live === 'green' ? image : undefined) };
  if (images[release.live] === undefined) {
    throw fail(where('release', release.live), 'nothing', `expected an image for the live colour ${release.live} (or the app's \`image\`)`);
  }
  for (const colour of ['blue', 'green'] as const) {
    if (images[colour] !== undefined) checkImage(images[colour]!, where('release', colour), fail);
  }
  return { live: release.live, keepIdleFor: release.keepIdleFor ?? '1h', images };
}

/** SSO needs the environment's `sso` section, and runs on the primary host, whose edge alone reaches it. */
function checkAuth(auth: AppAuth, environment: EnvironmentConfig, onPrimaryHost: boolean, where: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure): AppAuth {
  if (ssoPolicyOf(auth) === undefined) return auth;
  if (!environment.sso) throw fail(where('auth'), `"${auth}" without an \`sso\` section in the environment`, 'expected `sso` (users, dashboards) first, or auth none or basic');
  // Limitation: Authelia answers the primary host's edge over its web network; another host's edge would need
  // the portal's public URL and trusted forwarded headers between the edges.
  if (!onPrimaryHost) throw fail(where('host'), `an app with auth "${auth}" off the primary host`, 'expected the primary host, where SSO runs');
  return auth;
}

function checkImage(image: string, where: PropertyKey[], fail: ConfigFailure): void {
  try {
    parseImageReference(image);
  } catch (error) {
    if (error instanceof ImageReferenceError) throw fail(where, error.found, error.expected);
    throw error;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function resolveHost(
  name: string, host: DefaultedHostConfig, environment: EnvironmentConfig, at: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure,
): HostSpec {
  const type = SERVER_TYPES[host.serverType];
  if (!type.locations.includes(host.location)) {
    throw fail(at('hosts', name, 'location'), `"${host.location}" (${LOCATIONS[host.location].city}) for server type ${type.name}`,
      `expected a location that sells ${type.name}: ${type.locations.join(', ')}`);
  }

  if (host.privateIp !== undefined) {
    if (!environment.privateNetwork) {
      throw fail(at('hosts', name, 'privateIp'), `"${host.privateIp}"`, 'expected `privateNetwork` to be set for the environment first');
    }
    const subnet = ipaddr.parseCIDR(environment.privateNetwork.subnet);
    if (!ipaddr.parse(host.privateIp).match(subnet)) {
      throw fail(at('hosts', name, 'privateIp'), `"${host.privateIp}"`, `expected an address inside ${environment.privateNetwork.subnet}`);
    }
  }

  return { ...host, name, type, osFamily: osFamilyOf(host.image) as OsFamily };
}

/**
 * Turns a configured hostname (label, `@` or full name) into its full name and zone. Labels and `@` live
 * under the environment's root: the primary domain, or `<hostnameSuffix>.<primary domain>`.
 */
export function resolveHostname(
  label: string, domains: readonly string[], service: string, host: string, configPath: PropertyKey[], fail: ConfigFailure = plainFailure,
  hostnameSuffix = '',
): ServedHostname {
  const root = environmentRoot(domains[0], hostnameSuffix);
  const fqdn = label === '@' ? root : label.includes('.') ? label : `${label}.${root}`;
  const zone = [...domains].sort((a, b) => b.length - a.length).find((domain) => fqdn === domain || fqdn.endsWith(`.${domain}`));
  if (!zone) {
    throw fail(configPath, `"${fqdn}"`, `expected a hostname inside one of the environment's domains: ${domains.join(', ')}`);
  }
  const recordName = fqdn === zone ? '@' : fqdn.slice(0, -(zone.length + 1));
  return { fqdn, zone, recordName, host, service, configPath };
}
