// Portainer CE behind the edge and SSO (basic auth without SSO), reading Docker through a socket proxy of
// its own on a network only the two share, with its data on a volume that backups cover.
//
// What the proxy lets through (tecnativa/docker-socket-proxy sections, each a path prefix of the Docker API):
//   always    PING, VERSION, INFO          the engine's identity; Portainer's environment check and snapshot
//             CONTAINERS                   list, inspect, logs, stats and top of containers (the snapshot inspects each)
//             IMAGES, NETWORKS, VOLUMES    the lists and details the snapshot and its views read
//             EVENTS                       the live event stream of the dashboard
//   manage    POST (every non-GET method on the sections above: start, stop, restart, create, remove, pull)
//             EXEC                         the container console
// Refused in both: SWARM, SERVICES, TASKS, NODES, SECRETS, CONFIGS (no Swarm here), BUILD, COMMIT, PLUGINS,
// SYSTEM, AUTH, DISTRIBUTION, SESSION, GRPC. `read-only` gives a dashboard that can change nothing; `manage`
// is root on the host for whoever gets past the SSO, which is why it is not the default.

import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { Network } from '@cdktf/provider-docker/lib/network';

import { AppAuth } from '../lib/app-definition';
import { catalogImageRef } from '../lib/images';
import { SsoGate, ssoPolicyOf } from '../lib/sso';
import { DockerHost, RegisteredVolume } from './docker-host';
import { PlatformContainer } from './platform-container';
import { Policy } from './policy';
import { TraefikEdge } from './traefik-edge';

export type PortainerAccess = 'read-only' | 'manage';

export interface PortainerProps {
  readonly host: DockerHost;
  readonly edge: TraefikEdge;
  /** Full hostnames Portainer is served on, e.g. `portainer.example.com`. */
  readonly hostnames: readonly string[];
  /** Subnet of the network Portainer and its socket proxy share (nothing else joins it). */
  readonly subnet: string;
  /** @default 'read-only' */
  readonly access?: PortainerAccess;
  /** Who gets in: the edge's basic-auth users, or SSO with one or two factors. @default 'basic' */
  readonly auth?: Exclude<AppAuth, 'none'>;
  /** The environment's SSO, required for `sso` and `sso-2fa`. */
  readonly sso?: SsoGate;
  /** Portainer's admin password (created on first start): a reference to a sensitive variable. */
  readonly adminPassword: string;
  /** Portainer idles near 40–60 MiB; its snapshots of a few dozen containers stay well below 192. @default 192 */
  readonly memoryMiB?: number;
}

const PORT = 9000;
const PROXY_PORT = 2375;
const PROXY_ALIAS = 'portainer-socket-proxy';
const ADMIN_PASSWORD_FILE = '/run/secrets/portainer-admin-password';

/** The proxy's environment: every section named, so what is allowed reads in one place. */
export function portainerProxySections(access: PortainerAccess): Record<string, string> {
  const on = ['PING', 'VERSION', 'INFO', 'CONTAINERS', 'IMAGES', 'NETWORKS', 'VOLUMES', 'EVENTS'];
  const manage = ['POST', 'EXEC'];
  const off = ['SWARM', 'SERVICES', 'TASKS', 'NODES', 'SECRETS', 'CONFIGS', 'BUILD', 'COMMIT', 'PLUGINS', 'SYSTEM', 'AUTH', 'DISTRIBUTION', 'SESSION', 'GRPC'];
  return Object.fromEntries([
    ...on.map((section) => [section, '1']),
    ...manage.map((section) => [section, access === 'manage' ? '1' : '0']),
    ...off.map((section) => [section, '0']),
  ]);
}

export class Portainer extends Construct {
  readonly container: PlatformContainer;
  readonly socketProxy: PlatformContainer;
  readonly network: Network;
  readonly volume: RegisteredVolume;

  constructor(scope: Construct, id: string, props: PortainerProps) {
    super(scope, id);
    const { host, edge } = props;
    const access = props.access ?? 'read-only';
    const auth = props.auth ?? 'basic';
    const name = `${host.namePrefix}-portainer`;

    this.network = host.addNetwork('portainer-socket', { subnet: props.subnet, internal: true });

    this.socketProxy = new PlatformContainer(this, 'socket-proxy', {
      host,
      name: `${name}-socket-proxy`,
      image: catalogImageRef('socketProxy'),
      role: 'platform',
      // HAProxy forwarding one client's requests: ~10 MiB resident.
      memoryMiB: 32,
      cpus: 0.25,
      env: portainerProxySections(access),
      hostMounts: [{ hostPath: '/var/run/docker.sock', path: '/var/run/docker.sock', readOnly: true }],
      networks: [{ network: this.network, aliases: [PROXY_ALIAS] }],
      capabilities: { drop: ['ALL'] },
      healthcheck: { command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${PROXY_PORT}/_ping || exit 1`] },
    });
    if (access === 'manage') {
      Policy.accept(this.socketProxy, 'MAMBO-P009', 'services.portainer.access is manage: the operators chose a Portainer that '
        + 'starts, stops and creates containers, which needs writes through this proxy; only Portainer shares its network');
    }

    this.volume = host.addVolume(this, 'portainer-data', { backup: 'stop', owner: 'platform' });

    const ssoPolicy = ssoPolicyOf(auth);
    if (ssoPolicy) {
      if (!props.sso) throw new Error(`${this.node.path}: auth "${auth}" without an SSO; expected props.sso (the environment's AutheliaSso)`);
      props.sso.protect(props.hostnames, ssoPolicy);
    }
    const labels = edge.routeLabels({
      name: 'portainer',
      hostnames: props.hostnames,
      port: PORT,
      middlewares: ['rate-strict', 'security-headers'],
      basicAuth: auth === 'basic',
      extraMiddlewares: ssoPolicy && props.sso ? [props.sso.middleware] : undefined,
    });

    this.container = new PlatformContainer(this, 'portainer', {
      host,
      name,
      image: catalogImageRef('portainer'),
      role: 'platform',
      memoryMiB: props.memoryMiB ?? 192,
      cpus: 0.5,
      command: ['-H', `tcp://${PROXY_ALIAS}:${PROXY_PORT}`, '--admin-password-file', ADMIN_PASSWORD_FILE],
      // The admin exists from the first start: an instance left waiting for its first sign-up locks itself after 5 minutes.
      secretFiles: { [ADMIN_PASSWORD_FILE]: props.adminPassword },
      volumes: [{ volume: this.volume, path: '/data' }],
      networks: [{ network: edge.webNetwork }, { network: this.network }],
      labels,
      capabilities: { drop: ['ALL'] },
      hostnames: props.hostnames,
      // No healthcheck: the image has no shell, wget or curl to run one (it failed in the origin for that
      // reason); the uptime probes and the edge's 404 for a dead router tell when it is down.
      dependsOn: [this.socketProxy.container],
    });
  }
}

/** The sensitive variable holding Portainer's admin password. */
export function portainerAdminPassword(scope: Construct, variablePrefix: string): TerraformVariable {
  return new TerraformVariable(scope, `${variablePrefix}portainer_admin_password`, {
    type: 'string',
    sensitive: true,
    nullable: false,
    description: 'Portainer\'s admin password, set on its first start (at least 12 characters); sign in as admin',
  });
}
