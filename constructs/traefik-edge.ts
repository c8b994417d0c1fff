// The edge of a host: Traefik v3 on 80/443 with automatic TLS from Let's Encrypt, reading Docker
// through a socket proxy that only answers the read calls Traefik makes, with the platform's
// middlewares and TLS options in its dynamic config and its dashboard behind authentication.

import { Construct } from 'constructs';
import { Network } from '@cdktf/provider-docker/lib/network';

import { TRAEFIK_ACCESS_LOG, TRAEFIK_ACCESS_LOG_DIR } from '../lib/fail2ban';
import { catalogImageRef } from '../lib/images';
import { EdgeModel, RateLimitTier, renderTraefikDynamic, renderTraefikStatic } from '../lib/traefik';
import { RouteModel, traefikLabels } from '../lib/traefik-labels';
import { DockerHost } from './docker-host';
import { PlatformContainer } from './platform-container';

export interface TraefikEdgeProps {
  readonly host: DockerHost;
  /** Network the edge reaches apps on (internal: no route out). */
  readonly webNetwork: Network;
  /** Network shared only by Traefik and the socket proxy (internal). */
  readonly socketNetwork: Network;
  /** A network with a route out, for ACME and the published ports. */
  readonly egressNetwork: Network;
  /** Let's Encrypt endpoint. @default 'production' */
  readonly letsEncrypt?: 'production' | 'staging';
  readonly acmeEmail: string;
  /** Hostname of the dashboard; no dashboard route when omitted. */
  readonly dashboardHostname?: string;
  /** htpasswd lines (bcrypt) for the basic-auth middleware: a reference to a sensitive variable. */
  readonly basicAuthUsers: string;
  /** @default global 100/s burst 200, strict 10/s burst 20, api 50/s burst 100 */
  readonly rateLimits?: { readonly global: RateLimitTier; readonly strict: RateLimitTier; readonly api: RateLimitTier };
  /** The environment's domains. */
  readonly domains: readonly string[];
  /** Origins the cors-api middleware allows. @default any https origin under `domains` */
  readonly corsOrigins?: readonly string[];
  /** Middlewares defined by other parts (e.g. SSO), keyed by name, added to the dynamic config. */
  readonly extraDynamicConfig?: Readonly<Record<string, string>>;
  /** Middlewares that protect the dashboard instead of basic auth, e.g. SSO's forward-auth. @default basic auth */
  readonly dashboardMiddlewares?: readonly string[];
  /**
   * The edge's fixed address on the web network, for services that trust the edge by address (Grafana's
   * auth proxy accepts identity headers only from it). @default an address Docker assigns
   */
  readonly webAddress?: string;
  /**
   * Where the access log goes: a file in TRAEFIK_ACCESS_LOG_DIR on the host, which fail2ban reads, or stdout.
   * @default 'host'
   */
  readonly accessLog?: 'host' | 'stdout';
  /**
   * Memory limit. Traefik's resident set on a small host with a few dozen routers stays near 60–90 MiB;
   * 128 MiB leaves room for TLS handshakes in bursts.
   * @default 128
   */
  readonly memoryMiB?: number;
  /**
   * Read calls the socket proxy answers beyond Traefik's own, for others on the socket network: `info` (cAdvisor
   * asks for the storage driver), `networks` (the log shipper's container discovery). Writes are always refused.
   * @default none
   */
  readonly socketProxyReads?: readonly SocketProxyRead[];
}

/** Docker API sections the socket proxy may open, read-only, beyond containers, events, version and ping. */
export type SocketProxyRead = 'info' | 'networks';

const CONFIG_DIR = '/etc/traefik';
const DYNAMIC_DIR = `${CONFIG_DIR}/dynamic`;
const BASIC_AUTH_FILE = `${CONFIG_DIR}/basic-auth.htpasswd`;
const ACME_DIR = '/acme';
const INTERNAL_PORT = 8082;
const SOCKET_PROXY_PORT = 2375;

export class TraefikEdge extends Construct {
  readonly traefik: PlatformContainer;
  readonly socketProxy: PlatformContainer;
  /** The network the socket proxy answers on, and its Docker endpoint there (`tcp://socket-proxy:2375`). */
  readonly socketNetwork: Network;
  readonly socketEndpoint: string;
  /** The read calls the socket proxy answers beyond Traefik's own. */
  readonly socketProxyReads: readonly SocketProxyRead[];
  readonly webNetwork: Network;
  /** Where Prometheus metrics are served inside the web network. */
  readonly metricsTarget: string;
  readonly staticConfig: string;
  readonly dynamicConfig: string;
  /** The edge's fixed address on the web network, when pinned. */
  readonly webAddress?: string;
  /** The access log on the host, when it is written there (for fail2ban). */
  readonly accessLogFile?: string;

  constructor(scope: Construct, id: string, props: TraefikEdgeProps) {
    super(scope, id);
    const { host } = props;
    const prefix = host.namePrefix;
    this.webNetwork = props.webNetwork;
    this.socketNetwork = props.socketNetwork;
    this.socketEndpoint = `tcp://socket-proxy:${SOCKET_PROXY_PORT}`;
    this.socketProxyReads = [...(props.socketProxyReads ?? [])];
    const reads = new Set(this.socketProxyReads);

    // Traefik only lists, inspects and watches containers; everything else (but `socketProxyReads`) and every write is refused.
    const proxyName = `${prefix}-socket-proxy`;
    this.socketProxy = new PlatformContainer(this, 'socket-proxy', {
      host,
      name: proxyName,
      image: catalogImageRef('socketProxy'),
      role: 'platform',
      // HAProxy forwarding a handful of requests: ~10 MiB resident.
      memoryMiB: 32,
      cpus: 0.25,
      env: {
        CONTAINERS: '1', EVENTS: '1', VERSION: '1', PING: '1', INFO: reads.has('info') ? '1' : '0', NETWORKS: reads.has('networks') ? '1' : '0',
        SERVICES: '0', TASKS: '0', POST: '0',
      },
      // The socket is the one host path the proxy needs; it is a socket, not a config file.
      hostMounts: [{ hostPath: '/var/run/docker.sock', path: '/var/run/docker.sock', readOnly: true }],
      networks: [{ network: props.socketNetwork, aliases: ['socket-proxy'] }],
      capabilities: { drop: ['ALL'] },
      healthcheck: { command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${SOCKET_PROXY_PORT}/_ping || exit 1`] },
    });

    const model: EdgeModel = {
      letsEncrypt: props.letsEncrypt ?? 'production',
      acmeEmail: props.acmeEmail,
      acmeStorage: `${ACME_DIR}/acme.json`,
      dockerEndpoint: this.socketEndpoint,
      webNetwork: props.webNetwork.name,
      dynamicConfigDir: DYNAMIC_DIR,
      basicAuthUsersFile: BASIC_AUTH_FILE,
      rateLimits: props.rateLimits ?? { global: { average: 100, burst: 200 }, strict: { average: 10, burst: 20 }, api: { average: 50, burst: 100 } },
      corsOrigins: props.corsOrigins ?? [],
      domains: props.domains,
      internalPort: INTERNAL_PORT,
      accessLogFile: (props.accessLog ?? 'host') === 'host' ? TRAEFIK_ACCESS_LOG : undefined,
    };
    this.accessLogFile = model.accessLogFile;
    this.webAddress = props.webAddress;
    this.staticConfig = renderTraefikStatic(model);
    this.dynamicConfig = renderTraefikDynamic(model);

    const acme = host.addVolume(this, 'acme', { backup: 'snapshot', owner: 'platform' });
    const traefikName = `${prefix}-traefik`;
    this.metricsTarget = `traefik:${INTERNAL_PORT}`;

    const dashboardLabels = props.dashboardHostname
      ? traefikLabels(dashboardRoute(props.dashboardHostname, props.webNetwork.name, props.dashboardMiddlewares))
      : {};

    this.traefik = new PlatformContainer(this, 'traefik', {
      host,
      name: traefikName,
      image: catalogImageRef('traefik'),
      role: 'platform',
      memoryMiB: props.memoryMiB ?? 128,
      cpus: 1,
      files: {
        [`${CONFIG_DIR}/traefik.yml`]: this.staticConfig,
        [`${DYNAMIC_DIR}/platform.yml`]: this.dynamicConfig,
        ...Object.fromEntries(Object.entries(props.extraDynamicConfig ?? {}).map(([name, content]) => [`${DYNAMIC_DIR}/${name}.yml`, content])),
        [BASIC_AUTH_FILE]: props.basicAuthUsers,
      },
      volumes: [{ volume: acme, path: ACME_DIR }],
      // A directory, not a file: Traefik creates access.log in it and logrotate truncates it in place.
      hostMounts: this.accessLogFile ? [{ hostPath: TRAEFIK_ACCESS_LOG_DIR, path: TRAEFIK_ACCESS_LOG_DIR, readOnly: false }] : undefined,
      networks: [
        { network: props.egressNetwork },
        { network: props.webNetwork, aliases: ['traefik'], ipv4Address: props.webAddress },
        { network: props.socketNetwork },
      ],
      publish: [{ internal: 80, external: 80 }, { internal: 443, external: 443 }],
      labels: dashboardLabels,
      // Binding 80/443 inside the container needs this one capability once all are dropped.
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      healthcheck: { command: ['CMD', 'traefik', 'healthcheck', '--ping'], interval: '15s' },
      metrics: { port: INTERNAL_PORT, path: '/metrics' },
      hostnames: props.dashboardHostname ? [props.dashboardHostname] : [],
      dependsOn: [this.socketProxy.container],
    });
  }

  /** Labels that route `route.hostnames` to a container through this edge. */
  routeLabels(route: Omit<RouteModel, 'webNetwork'>): Record<string, string> {
    return traefikLabels({ ...route, webNetwork: this.webNetwork.name });
  }
}

function dashboardRoute(hostname: string, webNetwork: string, protection?: readonly string[]): RouteModel {
  return {
    name: 'traefik-dashboard',
    hostnames: [hostname],
    port: 8080,
    webNetwork,
    middlewares: ['rate-strict', 'security-headers'],
    basicAuth: protection === undefined || protection.length === 0,
    extraMiddlewares: protection,
    service: 'api@internal',
  };
}
