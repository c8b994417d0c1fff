// The typed platform the constructs build from: validated config with defaults filled, plus what
// is derived from it once (full hostnames and their zones, the primary host, warnings).

import * as ipaddr from 'ipaddr.js';

import { ConfigError } from './config-error';
import { EnvironmentConfig, HostConfig, PlatformConfig } from './config-schema';
import { recordValueProblem } from './dns-records';
import { LOCATIONS, OsFamily, SERVER_TYPES, ServerType, osFamilyOf } from './hetzner-catalog';

export interface PlatformSpec {
  readonly project: string;
  readonly environments: readonly EnvironmentSpec[];
  /** Things that are allowed but risky (SSH open to the world); main.ts prints them. */
  readonly warnings: readonly string[];
}

export interface EnvironmentSpec extends Omit<EnvironmentConfig, 'hosts'> {
  readonly name: string;
  readonly hosts: readonly HostSpec[];
  /** Runs the platform's own services (edge dashboard, observability, backoffice). The first host. */
  readonly primaryHost: HostSpec;
  /** Every hostname the environment serves, resolved to a zone; DNS records are made for each. */
  readonly hostnames: readonly ServedHostname[];
}

export interface HostSpec extends HostConfig {
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

export function resolvePlatform(config: PlatformConfig, fail: ConfigFailure = plainFailure): PlatformSpec {
  const warnings: string[] = [];
  const environments = Object.entries(config.environments).map(([name, environment]) =>
    resolveEnvironment(name, environment, fail, warnings));
  return { project: config.project, environments, warnings };
}

function resolveEnvironment(name: string, environment: EnvironmentConfig, fail: ConfigFailure, warnings: string[]): EnvironmentSpec {
  const at = (...rest: PropertyKey[]) => ['environments', name, ...rest];

  const duplicateDomain = environment.domains.find((domain, index) => environment.domains.indexOf(domain) !== index);
  if (duplicateDomain) throw fail(at('domains'), `"${duplicateDomain}" twice`, 'expected each domain once');

  const hosts = Object.entries(environment.hosts).map(([hostName, host]) => resolveHost(hostName, host, environment, at, fail));

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
    const served = resolveHostname(label, environment.domains, service, host, configPath, fail);
    const taken = hostnames.find((existing) => existing.fqdn === served.fqdn);
    if (taken) {
      throw fail(configPath, `"${served.fqdn}", already served by ${taken.service} (${taken.configPath.map(String).join('.')})`,
        'expected each hostname to be served once');
    }
    hostnames.push(served);
  };

  for (const [service, label] of Object.entries(environment.platformHostnames)) {
    serve(label, `platform.${service}`, primaryHost.name, at('platformHostnames', service));
  }
  // Each host's own name (`main.example.com`): what its reverse DNS points back to.
  for (const host of hosts) {
    serve(host.name, `host.${host.name}`, host.name, at('hosts', host.name));
  }

  return { ...environment, name, hosts, primaryHost, hostnames };
}

function resolveHost(
  name: string, host: HostConfig, environment: EnvironmentConfig, at: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure,
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

/** Turns a configured hostname (label, `@` or full name) into its full name and zone. */
export function resolveHostname(
  label: string, domains: readonly string[], service: string, host: string, configPath: PropertyKey[], fail: ConfigFailure = plainFailure,
): ServedHostname {
  const fqdn = label === '@' ? domains[0] : label.includes('.') ? label : `${label}.${domains[0]}`;
  const zone = [...domains].sort((a, b) => b.length - a.length).find((domain) => fqdn === domain || fqdn.endsWith(`.${domain}`));
  if (!zone) {
    throw fail(configPath, `"${fqdn}"`, `expected a hostname inside one of the environment's domains: ${domains.join(', ')}`);
  }
  const recordName = fqdn === zone ? '@' : fqdn.slice(0, -(zone.length + 1));
  return { fqdn, zone, recordName, host, service, configPath };
}
