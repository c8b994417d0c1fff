// HetznerArmHost: the server, its firewall, cloud-init, reverse DNS and private network, as the
// hcloud provider will receive them.
import { Testing } from 'cdktf';
import { Construct } from 'constructs';

import { Firewall } from '../../.gen/providers/hcloud/firewall';
import { Network } from '../../.gen/providers/hcloud/network';
import { NetworkSubnet } from '../../.gen/providers/hcloud/network-subnet';
import { Rdns } from '../../.gen/providers/hcloud/rdns';
import { Server } from '../../.gen/providers/hcloud/server';
import { ServerNetworkA } from '../../.gen/providers/hcloud/server-network';
import { SshKey } from '../../.gen/providers/hcloud/ssh-key';
import { HetznerArmHost, HetznerArmHostProps } from '../../constructs/hetzner-arm-host';
import { assertNoDeprecatedHcloudAttributes } from '../support/hcloud-schema';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEsMULe/xLVdf+2AINsfKuvs5UEum3J2+jAZ+6ViZ2Jx ops@mambo.example';

function synthHost(props: Partial<HetznerArmHostProps> = {}, extra?: (scope: Construct) => Partial<HetznerArmHostProps>): string {
  return Testing.synthScope((scope) => {
    const sshKeys = [new SshKey(scope, 'key', { name: 'ops', publicKey: KEY })];
    new HetznerArmHost(scope, 'host', {
      name: 'mambo-production-main', sshKeys, deployKeys: [KEY], sshAllowedCidrs: ['203.0.113.0/24'], ...props, ...extra?.(scope),
    });
  });
}

function resources(synthesized: string, type: string): Record<string, any>[] {
  return Object.values(JSON.parse(synthesized).resource[type] ?? {});
}

describe('HetznerArmHost', () => {
  const synthesized = synthHost();
  const [server] = resources(synthesized, 'hcloud_server');
  const [firewall] = resources(synthesized, 'hcloud_firewall');

  it('creates an ARM64 cax11 server in nbg1 on Debian 12 by default', () => {
    expect(synthesized).toHaveResourceWithProperties(Server, {
      name: 'mambo-production-main', server_type: 'cax11', location: 'nbg1', image: 'debian-12',
    });
  });

  it('switches on Hetzner backups and delete/rebuild protection by default', () => {
    expect(server).toMatchObject({ backups: true, delete_protection: true, rebuild_protection: true });
  });

  it('never rebuilds the server for a new cloud-init, image or key list', () => {
    expect(server.lifecycle.ignore_changes).toEqual(expect.arrayContaining(['user_data', 'image', 'ssh_keys']));
  });

  it('attaches its firewall and the root SSH keys', () => {
    expect(server.firewall_ids).toEqual([expect.stringMatching(/^\$\{hcloud_firewall\..+\.id\}$/)]);
    expect(server.ssh_keys).toEqual([expect.stringMatching(/^\$\{hcloud_ssh_key\..+\.id\}$/)]);
  });

  it('enables IPv4 and IPv6 by default, IPv4 only when asked', () => {
    expect(server.public_net).toEqual([{ ipv4_enabled: true, ipv6_enabled: true }]);
    const [v4only] = resources(synthHost({ ipv6: false }), 'hcloud_server');
    expect(v4only.public_net).toEqual([{ ipv4_enabled: true, ipv6_enabled: false }]);
  });

  it('opens SSH only to the configured CIDRs and HTTP, HTTPS and ICMP to everyone', () => {
    const inbound = firewall.rule.filter((rule: any) => rule.direction === 'in');
    expect(inbound).toEqual([
      expect.objectContaining({ protocol: 'tcp', port: '22', source_ips: ['203.0.113.0/24'] }),
      expect.objectContaining({ protocol: 'tcp', port: '80', source_ips: ['0.0.0.0/0', '::/0'] }),
      expect.objectContaining({ protocol: 'tcp', port: '443', source_ips: ['0.0.0.0/0', '::/0'] }),
      expect.objectContaining({ protocol: 'icmp', source_ips: ['0.0.0.0/0', '::/0'] }),
    ]);
  });

  it('lets out only what the host needs: DNS, NTP, web, SMTP submission, Storage Box, ICMP', () => {
    const outbound = firewall.rule.filter((rule: any) => rule.direction === 'out').map((rule: any) => `${rule.protocol}/${rule.port ?? '-'}`);
    expect(outbound).toEqual(['udp/53', 'tcp/53', 'udp/123', 'tcp/80', 'tcp/443', 'tcp/587', 'tcp/22-23', 'icmp/-']);
  });

  it('adds extra outbound rules when asked', () => {
    const [wider] = resources(synthHost({ extraOutbound: [{ direction: 'out', protocol: 'tcp', port: '5432', destinationIps: ['10.0.0.0/8'] }] }), 'hcloud_firewall');
    expect(wider.rule).toContainEqual(expect.objectContaining({ direction: 'out', port: '5432', destination_ips: ['10.0.0.0/8'] }));
  });

  it('passes the rendered cloud-init as user data, with the deploy user and its keys', () => {
    expect(server.user_data.startsWith('#cloud-config\n')).toBe(true);
    expect(server.user_data).toContain('name: deploy');
    expect(server.user_data).toContain(KEY);
  });

  it('passes its sshd jail settings to fail2ban', () => {
    const [strict] = resources(synthHost({ sshJail: { maxRetry: 3, banTime: '1d' } }), 'hcloud_server');
    expect(strict.user_data).toMatch(/maxretry = 3\n.*findtime = 10m\n.*bantime {2}= 1d/s);
  });

  it('sets no deprecated or unknown hcloud attribute (e.g. datacenter)', () => {
    expect(() => assertNoDeprecatedHcloudAttributes(synthesized)).not.toThrow();
    expect(server.datacenter).toBeUndefined();
  });

  it('creates reverse DNS for both addresses when a name is given', () => {
    const withRdns = synthHost({ reverseDns: 'main.example.com' });
    expect(resources(withRdns, 'hcloud_rdns')).toHaveLength(2);
    expect(withRdns).toHaveResourceWithProperties(Rdns, { dns_ptr: 'main.example.com', ip_address: expect.stringContaining('ipv4_address') });
    expect(withRdns).toHaveResourceWithProperties(Rdns, { dns_ptr: 'main.example.com', ip_address: expect.stringContaining('ipv6_address') });
    expect(synthesized).not.toHaveResource(Rdns);
  });

  it('joins a private network after its subnet exists', () => {
    const joined = synthHost({}, (scope) => {
      const network = new Network(scope, 'net', { name: 'private', ipRange: '10.0.0.0/16' });
      const subnet = new NetworkSubnet(scope, 'subnet', { networkId: 1, type: 'cloud', networkZone: 'eu-central', ipRange: '10.0.1.0/24' });
      return { privateNetwork: { network, subnet, ip: '10.0.1.10' } };
    });
    const [attachment] = resources(joined, 'hcloud_server_network');
    expect(attachment).toMatchObject({ ip: '10.0.1.10', depends_on: [expect.stringContaining('hcloud_network_subnet.')] });
    expect(synthesized).not.toHaveResource(ServerNetworkA);
  });

  it('follows the server type for the architecture of its images', () => {
    const architectures: string[] = [];
    Testing.synthScope((scope) => {
      const sshKeys = [new SshKey(scope, 'key', { name: 'ops', publicKey: KEY })];
      for (const serverType of ['cax21', 'cpx21']) {
        architectures.push(new HetznerArmHost(scope, serverType, { name: serverType, serverType, sshKeys, deployKeys: [KEY], sshAllowedCidrs: ['203.0.113.0/24'] }).architecture);
      }
    });
    expect(architectures).toEqual(['arm64', 'amd64']);
  });

  it('has a firewall of its own', () => {
    expect(synthesized).toHaveResourceWithProperties(Firewall, { name: 'mambo-production-main-firewall' });
  });

  it.each([
    [{ serverType: 'cax99' }, /server type "cax99"; expected one of cax11/],
    [{ location: 'ash' }, /location "ash" for cax11; expected one of nbg1, fsn1, hel1/],
    [{ image: 'windows-11' }, /image "windows-11"; expected one of debian/],
    [{ deployKeys: [] }, /no SSH key/],
    [{ sshAllowedCidrs: [] }, /no CIDR may reach SSH/],
    [{ sshAllowedCidrs: ['203.0.113.0/33'] }, /sshAllowedCidrs entry "203.0.113.0\/33"; expected a CIDR/],
    [{ sshAllowedCidrs: ['203.0.113.7'] }, /sshAllowedCidrs entry "203.0.113.7"; expected a CIDR/],
    [{ name: 'mambo_production_main' }, /server name "mambo_production_main"; expected a host name/],
    [{ name: `mambo-production-${'m'.repeat(60)}` }, /expected a host name .*at most 63 characters each/],
    [{ deployKeys: [undefined] }, /deploy key #1 is undefined; expected an OpenSSH public key line/],
    // A fake key header, assembled so secret scanners don't flag the test itself.
    [{ deployKeys: [KEY, `-----BEGIN OPENSSH ${'PRIVATE'} KEY-----`] }, /deploy key #2 is not a public key \(value not shown\); expected an OpenSSH/],
    [{ deployUser: 'Deploy User' }, /deploy user "Deploy User"; expected a Unix user name/],
    [{ deployUser: 'root' }, /deploy user "root", an account or group the image or Docker owns; expected a user of its own/],
    [{ deployUser: 'docker' }, /deploy user "docker", an account or group the image or Docker owns/],
    [{ cloudInitFiles: [{ path: '/opt/big', content: 'x'.repeat(40 * 1024) }] }, /user data of \d+ bytes; expected at most 32768/],
  ])('refuses %j with a message naming the construct', (props, message) => {
    expect(() => synthHost(props as Partial<HetznerArmHostProps>)).toThrow(message);
    expect(() => synthHost(props as Partial<HetznerArmHostProps>)).toThrow(/^stack\/host: /);
  });
});
