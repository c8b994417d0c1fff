// One app on a platform host: its container routed by the edge through Docker labels, its own
// network with companion services (e.g. PostgreSQL with a generated password) that are never
// exposed, and named volumes registered for backups.

import { Construct } from 'constructs';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Password } from '@cdktf/provider-random/lib/password';

import { HealthcheckSpec, VolumeBackupPolicy } from '../lib/app-definition';
import { DEFAULT_APP_MIDDLEWARES, EdgeMiddleware } from '../lib/traefik';
import { CompanionSpec } from '../lib/spec';
import { DockerHost, RegisteredVolume } from './docker-host';
import { PlatformContainer } from './platform-container';
import { TraefikEdge } from './traefik-edge';

export interface PlatformAppProps {
  readonly host: DockerHost;
  readonly edge: TraefikEdge;
  /** The app's name: router, network and container names derive from it. */
  readonly name: string;
  /** A pinned image reference. */
  readonly image: string;
  readonly port: number;
  /** Full hostnames routed to the app. */
  readonly hostnames: readonly string[];
  /** Subnet of the app's own network. */
  readonly subnet: string;
  /** @default 256 */
  readonly memoryMiB?: number;
  /** @default 0.5 */
  readonly cpus?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Secret environment values: references to sensitive variables, never literals. */
  readonly secretEnv?: Readonly<Record<string, string>>;
  readonly healthcheck?: HealthcheckSpec;
  /** The edge middlewares, in order. @default rate-global, security-headers, compression */
  readonly middlewares?: readonly EdgeMiddleware[];
  /** Middlewares defined outside the edge's own set (e.g. SSO forward-auth), full names. */
  readonly extraMiddlewares?: readonly string[];
  /** @default 'none' */
  readonly auth?: 'none' | 'basic';
  readonly metrics?: { readonly path: string; readonly port: number };
  /** Named volumes: name → path in the container; backed up with the container stopped. */
  readonly volumes?: Readonly<Record<string, string>>;
  /** Files written into the container: path → content. */
  readonly files?: Readonly<Record<string, string>>;
  readonly companions?: readonly CompanionSpec[];
  /** The app's network has no route out of the host. @default false */
  readonly internal?: boolean;
  readonly user?: string;
  /** Keep the image's capabilities instead of dropping them all. @default false */
  readonly keepCapabilities?: boolean;
}

export class PlatformApp extends Construct {
  readonly name: string;
  readonly container: PlatformContainer;
  readonly network: Network;
  readonly companions: Readonly<Record<string, PlatformContainer>>;
  readonly volumes: readonly RegisteredVolume[];
  readonly labels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: PlatformAppProps) {
    super(scope, id);
    const { host, edge } = props;
    this.name = props.name;
    const containerName = `${host.namePrefix}-${props.name}`;

    this.network = new Network(this, 'network', {
      provider: host.provider,
      name: containerName,
      driver: 'bridge',
      internal: props.internal ?? false,
      ipamConfig: [{ subnet: props.subnet }],
      labels: [{ label: 'mambo.app', value: props.name }],
    });

    const volumes: RegisteredVolume[] = [];
    const volume = (name: string, backup: VolumeBackupPolicy, dump?: RegisteredVolume['dump']) => {
      const registered = host.addVolume(this, `${props.name}-${name}`, { backup, owner: `app.${props.name}`, dump });
      volumes.push(registered);
      return registered;
    };

    const appEnv: Record<string, string> = {};
    const companions: Record<string, PlatformContainer> = {};
    for (const companion of props.companions ?? []) {
      const companionName = `${containerName}-${companion.name}`;
      const companionEnv: Record<string, string> = {};
      if (companion.kind === 'postgres') {
        const password = new Password(this, `${companion.name}-password`, { length: 32, special: false });
        companionEnv.POSTGRES_PASSWORD = password.result;
        appEnv[companion.passwordEnv] = password.result;
        appEnv.DATABASE_URL = `postgres://app:${password.result}@${companion.name}:5432/app`;
      }
      const mounted = Object.entries(companion.volumes).map(([name, path]) => ({
        volume: volume(name, companion.kind === 'postgres' ? 'dump' : 'stop',
          companion.kind === 'postgres' ? { kind: 'postgres', container: companionName, user: 'app', database: 'app' } : undefined),
        path,
      }));

      companions[companion.name] = new PlatformContainer(this, `companion-${companion.name}`, {
        host,
        name: companionName,
        image: companion.image,
        role: 'companion',
        app: props.name,
        memoryMiB: companion.memoryMiB,
        cpus: companion.cpus,
        env: companion.kind === 'postgres' ? { POSTGRES_USER: 'app', POSTGRES_DB: 'app', ...companion.env } : companion.env,
        secretEnv: companionEnv,
        volumes: mounted,
        // Only the app's own network: a companion is never on the web network and publishes nothing.
        networks: [{ network: this.network, aliases: [companion.name] }],
        healthcheck: companion.healthcheck
          ?? (companion.kind === 'postgres' ? { command: ['CMD-SHELL', 'pg_isready -U app -d app'], interval: '10s' } : undefined),
      });
    }
    this.companions = companions;

    const middlewares = props.middlewares ?? DEFAULT_APP_MIDDLEWARES;
    this.labels = edge.routeLabels({
      name: props.name,
      hostnames: props.hostnames,
      port: props.port,
      middlewares,
      extraMiddlewares: props.extraMiddlewares,
      basicAuth: props.auth === 'basic',
    });

    // Scraped apps also join the monitoring network, where the metrics agent lives.
    const monitoring = props.metrics ? host.findNetwork('monitoring') : undefined;
    this.container = new PlatformContainer(this, 'app', {
      host,
      name: containerName,
      image: props.image,
      role: 'app',
      app: props.name,
      memoryMiB: props.memoryMiB ?? 256,
      cpus: props.cpus ?? 0.5,
      env: props.env,
      secretEnv: { ...appEnv, ...props.secretEnv },
      files: props.files,
      volumes: Object.entries(props.volumes ?? {}).map(([name, path]) => ({ volume: volume(name, 'stop'), path })),
      networks: [
        { network: edge.webNetwork },
        { network: this.network, aliases: ['app'] },
        ...(monitoring ? [{ network: monitoring }] : []),
      ],
      labels: this.labels,
      healthcheck: props.healthcheck,
      user: props.user,
      capabilities: props.keepCapabilities ? undefined : { drop: ['ALL'] },
      metrics: props.metrics,
      hostnames: props.hostnames,
      dependsOn: Object.values(companions).map((companion) => companion.container),
    });
    this.volumes = volumes;
  }
}
