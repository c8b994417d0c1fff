// One platform host on Hetzner Cloud: the server (ARM64 cax11 by default), its firewall, cloud-init
// that prepares Docker and the deploy user, reverse DNS and an optional private network attachment.

import { Token } from 'cdktf';
import { Construct } from 'constructs';

import { Firewall, FirewallRule } from '../.gen/providers/hcloud/firewall';
import { Network } from '../.gen/providers/hcloud/network';
import { NetworkSubnet } from '../.gen/providers/hcloud/network-subnet';
import { PlacementGroup } from '../.gen/providers/hcloud/placement-group';
import { Rdns } from '../.gen/providers/hcloud/rdns';
import { Server } from '../.gen/providers/hcloud/server';
import { ServerNetworkA } from '../.gen/providers/hcloud/server-network';
import { SshKey } from '../.gen/providers/hcloud/ssh-key';
import { CloudInitFile, CloudInitModel, renderCloudInit } from '../lib/cloud-init';
import { isCidr } from '../lib/config-schema';
import { LOCATIONS, SERVER_TYPES, SUPPORTED_IMAGES, ServerType, osFamilyOf } from '../lib/hetzner-catalog';
import { CpuArchitecture } from '../lib/images';

export interface HetznerArmHostProps {
  /** Server name in Hetzner, also its hostname, e.g. `mambo-production-main`. */
  readonly name: string;
  /** @default 'cax11' (2 ARM64 vCPUs, 4 GiB) */
  readonly serverType?: string;
  /** @default 'nbg1' */
  readonly location?: string;
  /** OS image; Debian/Ubuntu and AlmaLinux/Rocky are supported by the cloud-init. @default 'debian-12' */
  readonly image?: string;
  /** Hetzner SSH keys installed for root (emergency access). */
  readonly sshKeys: readonly SshKey[];
  /** OpenSSH public key lines for the deploy user. */
  readonly deployKeys: readonly string[];
  /** Non-root user in the docker group that Terraform's docker provider connects as. @default 'deploy' */
  readonly deployUser?: string;
  /** CIDRs allowed to reach port 22. */
  readonly sshAllowedCidrs: readonly string[];
  /** Hetzner Cloud backups. @default true */
  readonly backups?: boolean;
  /** Refuse deletion through the API; switch off and deploy before a destroy. @default true */
  readonly deleteProtection?: boolean;
  /** Refuse a rebuild (re-imaging) through the API. @default true */
  readonly rebuildProtection?: boolean;
  /** A public IPv6 address besides IPv4. @default true */
  readonly ipv6?: boolean;
  /** Hetzner labels of the server and its firewall, besides `managed-by: mambo`. @default none */
  readonly labels?: Record<string, string>;
  /** Join a private network, optionally at a fixed address. @default no private network */
  readonly privateNetwork?: { readonly network: Network; readonly subnet: NetworkSubnet; readonly ip?: string };
  /** Spread hosts over physical machines. @default none */
  readonly placementGroup?: PlacementGroup;
  /** Name the public addresses resolve back to (PTR); should resolve forward too. @default Hetzner's own name */
  readonly reverseDns?: string;
  /** Outbound rules besides what every host needs (see DEFAULT_OUTBOUND). @default none */
  readonly extraOutbound?: readonly FirewallRule[];
  /** Inbound rules besides SSH, HTTP(S) and ICMP, such as Docker's TLS port. @default none */
  readonly extraInbound?: readonly FirewallRule[];
  /** Files written by cloud-init on first boot. @default none */
  readonly cloudInitFiles?: readonly CloudInitFile[];
  /** fail2ban's sshd jail. @default 5 failures within 10 minutes ban the address for 1 hour */
  readonly sshJail?: CloudInitModel['sshJail'];
}

const ANYWHERE = ['0.0.0.0/0', '::/0'];

const HOSTNAME = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/i;
const UNIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const OPENSSH_PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) \S+/;

// cloud-init would not create these but amend them: `root` would become the Docker user, `docker`
// clashes with the group Docker's packages own, the images' default users carry sudo.
const RESERVED_USERS = new Set([
  'root', 'docker', 'daemon', 'bin', 'sys', 'sync', 'games', 'man', 'lp', 'mail', 'news', 'uucp', 'proxy', 'www-data',
  'backup', 'list', 'irc', 'gnats', 'nobody', 'sshd', 'messagebus', 'adm', 'wheel', 'sudo', 'admin', 'debian', 'ubuntu',
  'almalinux', 'rocky', 'cloud-user', 'fail2ban',
]);

/** Hetzner refuses larger `user_data` when it creates a server. */
const MAX_USER_DATA_BYTES = 32 * 1024;

/**
 * What a platform host must reach. Hetzner firewalls drop every other outbound packet once any
 * outbound rule exists, so this list is the whole of the host's egress.
 */
export const DEFAULT_OUTBOUND: readonly FirewallRule[] = [
  { direction: 'out', protocol: 'udp', port: '53', destinationIps: ANYWHERE, description: 'DNS' },
  { direction: 'out', protocol: 'tcp', port: '53', destinationIps: ANYWHERE, description: 'DNS over TCP' },
  { direction: 'out', protocol: 'udp', port: '123', destinationIps: ANYWHERE, description: 'NTP' },
  { direction: 'out', protocol: 'tcp', port: '80', destinationIps: ANYWHERE, description: 'packages, ACME HTTP' },
  { direction: 'out', protocol: 'tcp', port: '443', destinationIps: ANYWHERE, description: 'images, ACME, ntfy, S3' },
  // Only submission: Hetzner blocks outgoing 25 and 465 on cloud servers unless support lifts it.
  { direction: 'out', protocol: 'tcp', port: '587', destinationIps: ANYWHERE, description: 'SMTP submission' },
  { direction: 'out', protocol: 'tcp', port: '22-23', destinationIps: ANYWHERE, description: 'Storage Box SFTP/restic' },
  { direction: 'out', protocol: 'icmp', destinationIps: ANYWHERE, description: 'ping, path MTU' },
];

export class HetznerArmHost extends Construct {
  readonly server: Server;
  readonly firewall: Firewall;
  readonly serverType: ServerType;
  readonly deployUser: string;
  readonly ipv6Enabled: boolean;
  /** The cloud-init document given to the server on creation (later changes are ignored). */
  readonly userData: string;

  constructor(scope: Construct, id: string, props: HetznerArmHostProps) {
    super(scope, id);

    const serverType = SERVER_TYPES[props.serverType ?? 'cax11'];
    const location = props.location ?? 'nbg1';
    const image = props.image ?? 'debian-12';
    const osFamily = osFamilyOf(image);
    if (!serverType) {
      throw new Error(`${this.node.path}: server type "${props.serverType}"; expected one of ${Object.keys(SERVER_TYPES).join(', ')}`);
    }
    if (!(location in LOCATIONS) || !serverType.locations.includes(location)) {
      throw new Error(`${this.node.path}: location "${location}" for ${serverType.name}; expected one of ${serverType.locations.join(', ')}`);
    }
    if (!osFamily) throw new Error(`${this.node.path}: image "${image}"; expected one of ${SUPPORTED_IMAGES}`);
    if (props.sshKeys.length === 0 || props.deployKeys.length === 0) {
      throw new Error(`${this.node.path}: no SSH key; expected at least one key for root and one for the deploy user`);
    }
    if (props.sshAllowedCidrs.length === 0) {
      throw new Error(`${this.node.path}: no CIDR may reach SSH; expected at least one in sshAllowedCidrs`);
    }

    // Hetzner checks these only when the server is created; a bad one would fail `deploy` halfway.
    if (!HOSTNAME.test(props.name)) {
      throw new Error(`${this.node.path}: server name "${props.name}"; expected a host name (RFC 1123): ` +
        'labels of letters, digits and dashes, at most 63 characters each');
    }
    const badCidr = props.sshAllowedCidrs.find((cidr) => !isCidr(cidr));
    if (badCidr !== undefined) {
      throw new Error(`${this.node.path}: sshAllowedCidrs entry "${badCidr}"; ` +
        'expected a CIDR such as 203.0.113.7/32 or 2001:db8::/48');
    }
    // Checked by position: an unset environment variable gives `undefined`, which `find` cannot report.
    const badKey = props.deployKeys.findIndex((key) => typeof key !== 'string' || !OPENSSH_PUBLIC_KEY.test(key));
    if (badKey !== -1) {
      // The value is not shown: a pasted private key or token must not reach a log.
      const found = props.deployKeys[badKey];
      const described = typeof found === 'string' ? 'not a public key (value not shown)' : String(found);
      throw new Error(`${this.node.path}: deploy key #${badKey + 1} is ${described}; ` +
        'expected an OpenSSH public key line (ssh-ed25519 AAAA… comment)');
    }
    if (props.deployUser !== undefined && !UNIX_USER.test(props.deployUser)) {
      throw new Error(`${this.node.path}: deploy user "${props.deployUser}"; ` +
        'expected a Unix user name (lower case, at most 32 characters)');
    }
    if (props.deployUser !== undefined && isReservedUser(props.deployUser)) {
      throw new Error(`${this.node.path}: deploy user "${props.deployUser}", an account or group the image or Docker owns; ` +
        'expected a user of its own, such as deploy');
    }

    this.serverType = serverType;
    this.deployUser = props.deployUser ?? 'deploy';
    this.ipv6Enabled = props.ipv6 ?? true;
    const labels = { 'managed-by': 'mambo', ...props.labels };

    this.firewall = new Firewall(this, 'firewall', {
      name: `${props.name}-firewall`,
      labels,
      rule: [
        { direction: 'in', protocol: 'tcp', port: '22', sourceIps: [...props.sshAllowedCidrs], description: 'SSH from allowed networks' },
        { direction: 'in', protocol: 'tcp', port: '80', sourceIps: ANYWHERE, description: 'HTTP (redirects to HTTPS, ACME)' },
        { direction: 'in', protocol: 'tcp', port: '443', sourceIps: ANYWHERE, description: 'HTTPS' },
        { direction: 'in', protocol: 'icmp', sourceIps: ANYWHERE, description: 'ping' },
        ...(props.extraInbound ?? []),
        ...DEFAULT_OUTBOUND,
        ...(props.extraOutbound ?? []),
      ],
    });

    this.userData = renderCloudInit({
      hostname: props.name,
      image,
      osFamily,
      deployUser: this.deployUser,
      authorizedKeys: props.deployKeys,
      extraFiles: props.cloudInitFiles,
      sshJail: props.sshJail,
    });
    const userDataBytes = Buffer.byteLength(this.userData, 'utf8');
    if (userDataBytes > MAX_USER_DATA_BYTES) {
      throw new Error(`${this.node.path}: cloud-init user data of ${userDataBytes} bytes; expected at most ${MAX_USER_DATA_BYTES} ` +
        '(the Hetzner API limit): move large cloudInitFiles to a null_resource that copies them after creation');
    }

    this.server = new Server(this, 'server', {
      name: props.name,
      serverType: serverType.name,
      location,
      image,
      sshKeys: props.sshKeys.map((key) => key.id),
      firewallIds: [Token.asNumber(this.firewall.id)],
      placementGroupId: props.placementGroup ? Token.asNumber(props.placementGroup.id) : undefined,
      backups: props.backups ?? true,
      deleteProtection: props.deleteProtection ?? true,
      rebuildProtection: props.rebuildProtection ?? true,
      publicNet: [{ ipv4Enabled: true, ipv6Enabled: this.ipv6Enabled }],
      labels,
      userData: this.userData,
      // Cloud-init runs once; later changes reach the host through null_resources, and a new
      // image or key list must never rebuild a running server.
      lifecycle: { ignoreChanges: ['user_data', 'ssh_keys', 'image'] },
    });

    if (props.privateNetwork) {
      new ServerNetworkA(this, 'private-network', {
        serverId: Token.asNumber(this.server.id),
        networkId: Token.asNumber(props.privateNetwork.network.id),
        ip: props.privateNetwork.ip,
        dependsOn: [props.privateNetwork.subnet],
      });
    }

    if (props.reverseDns) {
      new Rdns(this, 'rdns-ipv4', { serverId: Token.asNumber(this.server.id), ipAddress: this.ipv4Address, dnsPtr: props.reverseDns });
      if (this.ipv6Enabled) {
        new Rdns(this, 'rdns-ipv6', { serverId: Token.asNumber(this.server.id), ipAddress: this.ipv6Address, dnsPtr: props.reverseDns });
      }
    }
  }

  get ipv4Address(): string {
    return this.server.ipv4Address;
  }

  get ipv6Address(): string {
    return this.server.ipv6Address;
  }

  /** The CPU architecture every image on this host must publish. */
  get architecture(): CpuArchitecture {
    return this.serverType.architecture;
  }

  /** The command that opens a shell as the deploy user. */
  get sshCommand(): string {
    return `ssh ${this.deployUser}@${this.ipv4Address}`;
  }
}

function isReservedUser(name: string): boolean {
  return RESERVED_USERS.has(name) || name.startsWith('systemd-') || name.startsWith('_');
}
