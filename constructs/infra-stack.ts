// The `<env>-infra` stack: everything that exists in Hetzner Cloud for one environment — SSH keys,
// hosts, the private network, DNS zones and records. The platform stack reads its hosts' addresses.

import { TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';

import { Network } from '../.gen/providers/hcloud/network';
import { NetworkSubnet } from '../.gen/providers/hcloud/network-subnet';
import { PlacementGroup } from '../.gen/providers/hcloud/placement-group';
import { HcloudProvider } from '../.gen/providers/hcloud/provider';
import { SshKey } from '../.gen/providers/hcloud/ssh-key';
import { LOCATIONS } from '../lib/hetzner-catalog';
import { EnvironmentSpec } from '../lib/spec';
import { DnsZone } from './dns-zone';
import { HetznerArmHost } from './hetzner-arm-host';

export interface InfraStackProps {
  /** Prefix of every resource name, e.g. `mambo`. */
  readonly project: string;
  readonly environment: EnvironmentSpec;
}

export class InfraStack extends TerraformStack {
  readonly environment: EnvironmentSpec;
  readonly hosts: Readonly<Record<string, HetznerArmHost>>;
  readonly zones: Readonly<Record<string, DnsZone>>;

  constructor(scope: Construct, id: string, props: InfraStackProps) {
    super(scope, id);
    const { environment, project } = props;
    const prefix = `${project}-${environment.name}`;
    const labels = { environment: environment.name, project };
    this.environment = environment;

    new HcloudProvider(this, 'hcloud', { token: tokenFrom(this, environment.hcloud.tokenEnv) });

    const sshKeys = environment.ssh.keys.map((key) =>
      new SshKey(this, `ssh-key-${key.name}`, { name: `${prefix}-${key.name}`, publicKey: key.publicKey, labels }));

    const privateNetwork = environment.privateNetwork && this.privateNetwork(prefix, environment, labels);

    const placementGroup = environment.hosts.length > 1
      ? new PlacementGroup(this, 'placement-group', { name: `${prefix}-spread`, type: 'spread', labels })
      : undefined;

    const hosts: Record<string, HetznerArmHost> = {};
    for (const host of environment.hosts) {
      hosts[host.name] = new HetznerArmHost(this, `host-${host.name}`, {
        name: `${prefix}-${host.name}`,
        serverType: host.serverType,
        location: host.location,
        image: host.image,
        sshKeys,
        deployKeys: environment.ssh.keys.map((key) => key.publicKey),
        deployUser: environment.ssh.deployUser,
        sshAllowedCidrs: environment.ssh.allowedCidrs,
        backups: host.backups,
        deleteProtection: host.protection.delete,
        rebuildProtection: host.protection.rebuild,
        ipv6: host.ipv6,
        // The platform's own labels last: config cannot override them.
        labels: { ...host.labels, ...labels, host: host.name },
        privateNetwork: privateNetwork && { ...privateNetwork, ip: host.privateIp },
        placementGroup,
        // Docker's TLS port, for HCP Terraform runs that reach the hosts without SSH (docker.transport: tls).
        extraInbound: environment.docker.transport === 'tls'
          ? [{ direction: 'in', protocol: 'tcp', port: String(environment.docker.tls.port), sourceIps: [...environment.docker.tls.allowedCidrs], description: 'Docker API over TLS (client certificates)' }]
          : undefined,
        // The host's own served name (`main.<domain>`, or `main.staging.<domain>` in staging).
        reverseDns: environment.hostnames.find((hostname) => hostname.service === `host.${host.name}`)?.fqdn
          ?? `${host.name}.${environment.domains[0]}`,
      });
    }
    this.hosts = hosts;

    this.zones = this.dns(environment, hosts, labels);
    this.outputs(hosts);
  }

  private privateNetwork(prefix: string, environment: EnvironmentSpec, labels: Record<string, string>) {
    const range = environment.privateNetwork!;
    const network = new Network(this, 'private-network', { name: `${prefix}-private`, ipRange: range.ipRange, labels });
    const subnet = new NetworkSubnet(this, 'private-subnet', {
      networkId: Token.asNumber(network.id),
      type: 'cloud',
      networkZone: LOCATIONS[environment.primaryHost.location].networkZone,
      ipRange: range.subnet,
    });
    return { network, subnet };
  }

  private dns(environment: EnvironmentSpec, hosts: Record<string, HetznerArmHost>, labels: Record<string, string>) {
    const zones: Record<string, DnsZone> = {};
    for (const domain of environment.domains) {
      const props = { domain, ttl: environment.dns.ttl, labels, deleteProtection: environment.dns.deleteProtection };
      // A zone two environments share is created by one of them (spec: managedZones); the other adds records.
      zones[domain] = environment.managedZones.includes(domain)
        ? new DnsZone(this, `zone-${domain}`, props)
        : DnsZone.fromDomain(this, `zone-${domain}`, domain, environment.dns.ttl);
    }

    for (const hostname of environment.hostnames) {
      zones[hostname.zone].pointAt(hostname.recordName, hosts[hostname.host]);
    }

    if (environment.dns.apex) {
      // The environment's apex: the domain itself, or `<hostnameSuffix>.<domain>`.
      const root = environment.hostnameSuffix || '@';
      for (const zone of Object.values(zones)) {
        if (!zone.hasRecord(root, 'A') && !zone.hasRecord(root, 'CNAME')) zone.pointAt(root, hosts[environment.primaryHost.name]);
      }
    }

    for (const record of environment.dns.records) {
      zones[record.zone ?? environment.domains[0]].addRecord(record.name, record.type, record.values, record.ttl);
    }
    return zones;
  }

  private outputs(hosts: Record<string, HetznerArmHost>) {
    for (const [name, host] of Object.entries(hosts)) {
      new TerraformOutput(this, `${name}-ipv4`, { value: host.ipv4Address, description: `Public IPv4 of host ${name}` })
        .overrideLogicalId(`${name}_ipv4`);
      if (host.ipv6Enabled) {
        new TerraformOutput(this, `${name}-ipv6`, { value: host.ipv6Address, description: `Public IPv6 of host ${name}` })
          .overrideLogicalId(`${name}_ipv6`);
      }
      new TerraformOutput(this, `${name}-ssh`, { value: host.sshCommand, description: `Shell on host ${name} as the deploy user` })
        .overrideLogicalId(`${name}_ssh`);
    }
  }
}

/** The provider reads HCLOUD_TOKEN itself; any other source is a sensitive variable fed by TF_VAR_<name>. */
function tokenFrom(scope: Construct, tokenEnv: string): string | undefined {
  if (tokenEnv === 'HCLOUD_TOKEN') return undefined;
  const variable = new TerraformVariable(scope, tokenEnv.slice('TF_VAR_'.length), {
    type: 'string',
    sensitive: true,
    nullable: false,
    description: `Hetzner Cloud API token (set ${tokenEnv})`,
  });
  return variable.stringValue;
}
