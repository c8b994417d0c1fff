// One app on a platform host: its container routed by the edge through Docker labels, its own
// network with companion services (e.g. PostgreSQL with a generated password) that are never
// exposed, and named volumes registered for backups. Opt-in blue/green releases run two colours
// of the container and route to the live one through a small router container that is swapped
// (created before the old one is destroyed) once the new colour is healthy.

import { Construct } from 'constructs';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Resource as NullResource } from '@cdktf/provider-null/lib/resource';
import { Password } from '@cdktf/provider-random/lib/password';

import { AppAuth, Colour, HealthcheckSpec, RestartPolicy, VolumeBackupPolicy } from '../lib/app-definition';
import { catalogImageRef } from '../lib/images';
import { appMetricsHost } from '../lib/observability/vmagent';
import { activationCommands, otherColour } from '../lib/release';
import { DEFAULT_APP_MIDDLEWARES, EdgeMiddleware } from '../lib/traefik';
import { serviceLabels } from '../lib/traefik-labels';
import { CompanionSpec } from '../lib/spec';
import { SsoGate, ssoPolicyOf } from '../lib/sso';
import { DockerHost, RegisteredVolume } from './docker-host';
import { PlatformContainer, PlatformContainerProps, escapeTemplateSequences } from './platform-container';
import { TraefikEdge } from './traefik-edge';

/** Blue/green for one app: the image of each colour, the live one, and the rollback window. */
export interface BlueGreenProps {
  readonly live: Colour;
  /** Image of each colour; a colour without one does not run. */
  readonly images: Partial<Record<Colour, string>>;
  /** How long the previous colour keeps running after a switch. @default '1h' */
  readonly keepIdleFor?: string;
}

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
  readonly auth?: AppAuth;
  /** The environment's SSO, required when `auth` is `sso` or `sso-2fa`: it gets the app's hostnames and policy. */
  readonly sso?: SsoGate;
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
  /** @default 'unless-stopped' */
  readonly restart?: RestartPolicy;
  /** Blue/green releases instead of replacing the container in place. @default off */
  readonly blueGreen?: BlueGreenProps;
  /** More labels on the app's container (e.g. Watchtower's); the edge's routing labels win over them. */
  readonly labels?: Readonly<Record<string, string>>;
}

export class PlatformApp extends Construct {
  readonly name: string;
  /** The container serving traffic: the only one, or the live colour. */
  readonly container: PlatformContainer;
  /** Blue/green: each running colour, and the router container pointing at the live one. */
  readonly colours: Partial<Record<Colour, PlatformContainer>> = {};
  readonly router?: PlatformContainer;
  readonly network: Network;
  readonly companions: Readonly<Record<string, PlatformContainer>>;
  readonly volumes: readonly RegisteredVolume[];
  /** The Traefik labels of the app's router. */
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
        // TLS is off on purpose: the database is reachable only on the app's own Docker network.
        appEnv.DATABASE_URL = `postgres://app:${password.result}@${companion.name}:5432/app?sslmode=disable`;
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
    const ssoPolicy = ssoPolicyOf(props.auth ?? 'none');
    if (ssoPolicy) {
      if (!props.sso) throw new Error(`${this.node.path}: auth "${props.auth}" without an SSO; expected props.sso (the environment's AutheliaSso)`);
      props.sso.protect(props.hostnames, ssoPolicy);
    }
    const route = {
      name: props.name,
      hostnames: props.hostnames,
      port: props.port,
      middlewares,
      // Authentication first: nothing else runs for a request the SSO refuses.
      extraMiddlewares: [...(ssoPolicy && props.sso ? [props.sso.middleware] : []), ...(props.extraMiddlewares ?? [])],
      basicAuth: props.auth === 'basic',
      // Metrics are scraped inside the host; the edge never serves them to the internet.
      privatePaths: props.metrics && props.metrics.port === props.port ? [props.metrics.path] : [],
    };

    // Scraped apps also join the monitoring network, where the metrics agent lives, under one alias for every
    // container of the app: it finds both colours of a blue/green app there without naming either.
    const monitoring = props.metrics ? host.findNetwork('monitoring') : undefined;
    const appVolumes = Object.entries(props.volumes ?? {}).map(([name, path]) => ({ volume: volume(name, 'stop'), path }));
    const appContainer = (name: string, image: string, labels: Record<string, string>): Omit<PlatformContainerProps, 'host'> => ({
      name,
      image,
      role: 'app',
      app: props.name,
      memoryMiB: props.memoryMiB ?? 256,
      cpus: props.cpus ?? 0.5,
      env: props.env,
      secretEnv: { ...appEnv, ...props.secretEnv },
      files: props.files,
      volumes: appVolumes,
      networks: [
        { network: edge.webNetwork },
        { network: this.network, aliases: ['app'] },
        ...(monitoring ? [{ network: monitoring, aliases: [appMetricsHost(props.name)] }] : []),
      ],
      labels: { ...props.labels, ...labels },
      healthcheck: props.healthcheck,
      user: props.user,
      capabilities: props.keepCapabilities ? undefined : { drop: ['ALL'] },
      restart: props.restart,
      metrics: props.metrics,
      hostnames: props.hostnames,
      dependsOn: Object.values(companions).map((companion) => companion.container),
    });

    if (!props.blueGreen) {
      this.labels = edge.routeLabels(route);
      this.container = new PlatformContainer(this, 'app', { host, ...appContainer(containerName, props.image, this.labels) });
    } else {
      const { live, images } = props.blueGreen;
      const liveImage = images[live];
      if (!liveImage) throw new Error(`${this.node.path}: the live colour ${live} has no image; expected images.${live}`);
      if (!props.healthcheck) throw new Error(`${this.node.path}: blue/green needs a healthcheck; traffic only moves to a healthy colour`);

      // Each colour defines its own service and no router; the router container picks the live one.
      for (const colour of ['blue', 'green'] as const) {
        const image = images[colour];
        if (!image) continue;
        const colourLabels = { ...serviceLabels(`${props.name}-${colour}`, props.port, edge.webNetwork.name), 'mambo.colour': colour };
        this.colours[colour] = new PlatformContainer(this, `app-${colour}`, {
          host,
          ...appContainer(`${containerName}-${colour}`, image, colourLabels),
          // The colour that is not live may be retired (stopped) after the rollback window: not drift.
          mustRun: false,
        });
      }
      this.container = this.colours[live]!;

      const idle = otherColour(live);
      const activation = new NullResource(this, `activate-${live}`, {
        triggers: { live: `${containerName}-${live}`, image: liveImage, container: this.container.container.id },
        connection: host.rootConnection,
        provisioners: [{
          type: 'remote-exec',
          inline: activationCommands({
            live: `${containerName}-${live}`,
            idle: images[idle] ? `${containerName}-${idle}` : undefined,
            keepIdleFor: props.blueGreen.keepIdleFor ?? '1h',
          }).map(escapeTemplateSequences),
        }],
      });

      // The switch: named after the live colour, created before the previous router is destroyed.
      this.labels = edge.routeLabels({ ...route, name: `${props.name}-via-${live}`, service: `${props.name}-${live}@docker` });
      this.router = new PlatformContainer(this, 'router', {
        host,
        name: `${containerName}-route-${live}`,
        image: catalogImageRef('pause'),
        role: 'app',
        app: props.name,
        // The pause process: about 1 MiB resident.
        memoryMiB: 8,
        cpus: 0.05,
        networks: [{ network: edge.webNetwork }],
        // Traefik's Docker provider drops a container whose labels give no service a port ("port is missing"), and
        // the pause image exposes none: a service of its own, which nothing routes to, keeps the router loaded.
        labels: { ...this.labels, [`traefik.http.services.${props.name}-via-${live}.loadbalancer.server.port`]: String(props.port) },
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        hostnames: props.hostnames,
        dependsOn: [activation],
        createBeforeDestroy: true,
      });
    }
    this.volumes = volumes;
  }
}
