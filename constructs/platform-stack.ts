// The `<env>-platform` stack: everything that runs in Docker on the environment's hosts, through a
// docker provider per host over SSH, with each host's address read from the infra stack.

import { TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { NullProvider } from '@cdktf/provider-null/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';

import { backoffice } from '../apps/backoffice';
import { describeOverflow } from '../lib/capacity';
import { traefikAuthHostFiles, TRAEFIK_ACCESS_LOG, TRAEFIK_AUTH_JAIL } from '../lib/fail2ban';
import { PORTAINER_NETWORK, SERVICE_HOSTNAMES } from '../lib/optional-services';
import { dnsNamesOf } from '../lib/policy';
import { EnvironmentSpec, PLATFORM_NETWORKS } from '../lib/spec';
import { SSO_MIDDLEWARE, pinnedEdgeAddress, ssoPolicyOf } from '../lib/sso';
import { AutheliaSso, SSO_PORTAL_ROUTER_PREFIX, passwordHashVariable } from './authelia-sso';
import { BackupJob, backupJobsFor } from './backup-job';
import { dockerAccessFor } from './docker-access';
import { DockerHost } from './docker-host';
import { Fail2banJail } from './fail2ban-jail';
import { InfraStack } from './infra-stack';
import { OBSERVABILITY_SOCKET_READS, ObservabilityStack } from './observability-stack';
import { PlatformApp } from './platform-app';
import { Policy } from './policy';
import { Portainer, portainerAdminPassword } from './portainer';
import { PrivateRegistry } from './private-registry';
import { TraefikEdge } from './traefik-edge';
import { Watchtower, watchtowerLabels } from './watchtower';

export interface PlatformStackProps {
  readonly project: string;
  readonly environment: EnvironmentSpec;
  /** The environment's infra stack, whose hosts' addresses the docker providers connect to. */
  readonly infra: InfraStack;
}

/** Which platform networks reach outside the host; the rest are internal. */
const EGRESS_NETWORKS = new Set<string>(['edge']);

export class PlatformStack extends TerraformStack {
  readonly environment: EnvironmentSpec;
  readonly hosts: Readonly<Record<string, DockerHost>>;
  readonly edges: Readonly<Record<string, TraefikEdge>>;
  readonly apps: Readonly<Record<string, PlatformApp>>;
  /** Single sign-on, when the environment has an `sso` section. */
  readonly sso?: AutheliaSso;
  /** The optional services (`services` in the config), each present only when switched on. */
  readonly registry?: PrivateRegistry;
  readonly portainer?: Portainer;
  /** Watchtower on each host that runs an app marked autoUpdate. */
  readonly watchtowers: Readonly<Record<string, Watchtower>>;
  /** Metrics, logs, dashboards and alerts, on the primary host. */
  readonly observability: ObservabilityStack;
  /** Backups and maintenance scripts on each host (`backups` and `maintenance` in the config). */
  readonly backupJobs: Readonly<Record<string, BackupJob>>;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const { environment, infra } = props;
    const prefix = `${props.project}-${environment.name}`;
    this.environment = environment;

    new RandomProvider(this, 'random');
    new NullProvider(this, 'null');

    // Prefixed per environment (`staging_…`), so one TF_VAR_ never feeds two environments.
    const basicAuthUsers = new TerraformVariable(this, `${environment.variablePrefix}platform_basic_auth_htpasswd`, {
      type: 'string',
      sensitive: true,
      nullable: false,
      // Needed only when something uses basic auth; otherwise empty, and the basic-auth middleware admits nobody.
      default: usesBasicAuth(environment) ? undefined : '',
      description: 'htpasswd lines (bcrypt, e.g. from `htpasswd -nbB admin <password>`) for the dashboards and apps behind basic auth',
    });
    const dashboards = environment.sso?.dashboards ?? 'basic';

    const hostnameOf = (service: string) => environment.hostnames.filter((hostname) => hostname.service === service).map((hostname) => hostname.fqdn);

    // SSH through the agent by default; a key file or Docker's TLS port for HCP Terraform runs (docker-access.ts).
    const dockerAccess = dockerAccessFor(this, environment);
    const hosts: Record<string, DockerHost> = {};
    const edges: Record<string, TraefikEdge> = {};
    for (const hostSpec of environment.hosts) {
      const host = new DockerHost(this, `host-${hostSpec.name}`, {
        hostName: hostSpec.name,
        namePrefix: prefix,
        address: infra.hosts[hostSpec.name].ipv4Address,
        serverType: hostSpec.type,
        deployUser: environment.ssh.deployUser,
        ...dockerAccess,
      });
      for (const network of PLATFORM_NETWORKS) {
        host.addNetwork(network, { subnet: environment.networks.subnets[network], internal: !EGRESS_NETWORKS.has(network) });
      }
      hosts[hostSpec.name] = host;

      const isPrimary = hostSpec.name === environment.primaryHost.name;
      const hasApps = environment.apps.some((app) => app.host === hostSpec.name);
      if (isPrimary || hasApps) {
        edges[hostSpec.name] = new TraefikEdge(this, `edge-${hostSpec.name}`, {
          host,
          webNetwork: host.network('web'),
          socketNetwork: host.network('socket'),
          egressNetwork: host.network('edge'),
          letsEncrypt: environment.letsEncrypt,
          acmeEmail: environment.acmeEmail,
          dashboardHostname: isPrimary ? hostnameOf('platform.traefik')[0] : undefined,
          basicAuthUsers: basicAuthUsers.stringValue,
          rateLimits: environment.edge.rateLimits,
          domains: environment.domains,
          corsOrigins: environment.corsOrigins,
          // SSO answers the primary edge only (over its web network).
          ...(isPrimary && environment.sso ? {
            extraDynamicConfig: { sso: AutheliaSso.middlewareConfig() },
            dashboardMiddlewares: ssoPolicyOf(dashboards) ? [SSO_MIDDLEWARE] : undefined,
          } : {}),
          webAddress: pinnedEdgeAddress(environment.networks.subnets.web),
          // cAdvisor and the log shipper on the primary host read Docker through this edge's socket proxy.
          socketProxyReads: isPrimary ? OBSERVABILITY_SOCKET_READS : undefined,
        });

        // Addresses that keep failing authentication at this edge are banned (never loopback, the platform's own
        // Docker networks, or the operators' SSH networks).
        new Fail2banJail(this, `fail2ban-${hostSpec.name}`, {
          host,
          jail: TRAEFIK_AUTH_JAIL,
          files: traefikAuthHostFiles({
            ignore: [environment.networks.pool, ...environment.ssh.allowedCidrs.filter((cidr) => !/\/0$/.test(cidr))],
            portalRouterPrefix: SSO_PORTAL_ROUTER_PREFIX,
          }),
          logFile: TRAEFIK_ACCESS_LOG,
        });
      }
    }
    this.hosts = hosts;
    this.edges = edges;

    const primary = environment.primaryHost.name;
    if (environment.sso) {
      const sso = environment.sso;
      this.sso = new AutheliaSso(this, 'sso', {
        host: hosts[primary],
        edge: edges[primary],
        cookies: sso.cookies,
        users: sso.users.map((user) => ({ ...user, passwordHash: passwordHashVariable(this, user.passwordHashVariable, user.name).stringValue })),
        defaultPolicy: sso.defaultPolicy,
        smtp: sso.smtp && {
          address: sso.smtp.address,
          sender: sso.smtp.sender,
          username: sso.smtp.usernameVariable ? sensitiveVariable(this, sso.smtp.usernameVariable, 'SMTP login of the SSO notifier') : undefined,
          password: sensitiveVariable(this, sso.smtp.passwordVariable, 'SMTP password of the SSO notifier'),
          egressNetwork: hosts[primary].network('edge'),
        },
        session: sso.session,
      });
      const dashboardPolicy = ssoPolicyOf(dashboards);
      if (dashboardPolicy) this.sso.protect(hostnameOf('platform.traefik'), dashboardPolicy);
    }

    // Before the apps on purpose: the scrape config and app dashboards are rendered at synth from the host's register.
    const observability = environment.observability;
    const grafanaHostname = hostnameOf('platform.grafana')[0];
    const portal = environment.sso?.cookies.find((cookie) => grafanaHostname.endsWith(`.${cookie.domain}`))?.portal;
    this.observability = new ObservabilityStack(this, 'observability', {
      host: hosts[primary],
      edge: edges[primary],
      grafanaHostname,
      // A dashboard like the others: protected as `sso.dashboards` says, basic auth without SSO.
      grafanaAuth: dashboards,
      sso: this.sso,
      ssoSignOutUrl: portal && `https://${portal}/logout`,
      ntfy: {
        serverUrl: observability.ntfy.serverUrl,
        topic: observability.ntfy.topic,
        token: observability.ntfy.tokenVariable
          ? sensitiveVariable(this, observability.ntfy.tokenVariable, `access token for the ntfy topic ${observability.ntfy.topic}`)
          : undefined,
      },
      retention: observability.retention,
      scrapeInterval: observability.scrapeInterval,
      logShipper: observability.logShipper,
      alertRules: { overrides: observability.alerts.overrides, extra: observability.alerts.extra },
      communityDashboards: observability.communityDashboards,
    });

    const services = environment.services;
    if (services.registry) {
      this.registry = new PrivateRegistry(this, 'registry', {
        host: hosts[primary],
        edge: edges[primary],
        hostname: services.registry.hostname,
        htpasswd: sensitiveVariable(this, services.registry.htpasswdVariable, 'htpasswd lines (bcrypt: `htpasswd -nbB <user> <password>`) of the private registry\'s users'),
        garbageCollect: services.registry.garbageCollect,
      });
    }
    const registryHost = services.registry && `${services.registry.hostname}/`;
    const pullsFromRegistry = (images: readonly (string | undefined)[]) => registryHost !== undefined && images.some((image) => image?.startsWith(registryHost));
    const registryPassword = this.registry && environment.apps.some((app) => pullsFromRegistry([app.image, ...Object.values(app.release?.images ?? {})]))
      ? sensitiveVariable(this, services.registry!.pullPasswordVariable, `password of ${services.registry!.pullUser}, who pulls app images from the private registry`)
      : undefined;
    if (this.registry && registryPassword) {
      for (const host of Object.values(hosts)) this.registry.authenticate(host, services.registry!.pullUser, registryPassword);
    }

    if (services.portainer) {
      this.portainer = new Portainer(this, 'portainer', {
        host: hosts[primary],
        edge: edges[primary],
        hostnames: hostnameOf(SERVICE_HOSTNAMES.portainer),
        subnet: environment.networks.subnets[PORTAINER_NETWORK],
        access: services.portainer.access,
        auth: services.portainer.auth,
        sso: this.sso,
        adminPassword: portainerAdminPassword(this, environment.variablePrefix).stringValue,
      });
    }

    const watchtowers: Record<string, Watchtower> = {};
    if (services.watchtower && services.watchtower.apps.length > 0) {
      const { ntfy } = services.watchtower;
      const token = ntfy.tokenVariable ? sensitiveVariable(this, ntfy.tokenVariable, `access token for the ntfy topic ${ntfy.topic}`) : undefined;
      const watched = environment.apps.filter((app) => app.autoUpdate);
      for (const hostName of [...new Set(watched.map((app) => app.host))]) {
        const privateImages = watched.some((app) => app.host === hostName && pullsFromRegistry([app.image]));
        watchtowers[hostName] = new Watchtower(this, `watchtower-${hostName}`, {
          host: hosts[hostName],
          intervalSeconds: services.watchtower.intervalSeconds,
          ntfy: { server: ntfy.server, topic: ntfy.topic, token },
          registryAuth: privateImages && registryPassword
            ? { address: services.registry!.hostname, username: services.registry!.pullUser, password: registryPassword }
            : undefined,
        });
      }
    }
    this.watchtowers = watchtowers;

    const apps: Record<string, PlatformApp> = {};
    // Platform links only: listing apps here would replace the backoffice whenever an app changes.
    const links = [
      { label: 'Grafana', url: `https://${hostnameOf('platform.grafana')[0]}`, note: 'metrics, logs and alerts' },
      { label: 'Traefik', url: `https://${hostnameOf('platform.traefik')[0]}`, note: 'routers, services and certificates' },
    ];
    const office = backoffice(environment.name, links);
    apps.backoffice = new PlatformApp(this, 'app-backoffice', {
      host: hosts[primary],
      edge: edges[primary],
      name: 'backoffice',
      image: office.image,
      port: office.port,
      hostnames: hostnameOf('platform.backoffice'),
      subnet: environment.networks.subnets.backoffice,
      memoryMiB: office.memoryMiB,
      cpus: office.cpus,
      healthcheck: office.healthcheck,
      middlewares: office.middlewares,
      // A dashboard like the others: protected as `sso.dashboards` says, basic auth without SSO.
      auth: environment.sso ? dashboards : office.auth ?? 'basic',
      sso: this.sso,
      files: office.files,
    });

    for (const app of environment.apps) {
      const secretEnv = Object.fromEntries(app.secrets.map((secret) => [secret.env, new TerraformVariable(this, secret.variable, {
        type: 'string',
        sensitive: true,
        nullable: false,
        description: `${secret.env} of app ${app.name}`,
      }).stringValue]));

      apps[app.name] = new PlatformApp(this, `app-${app.name}`, {
        host: hosts[app.host],
        edge: edges[app.host],
        name: app.name,
        image: app.image,
        port: app.port,
        hostnames: app.hostnames.map((hostname) => hostname.fqdn),
        subnet: app.subnet,
        memoryMiB: app.memoryMiB,
        cpus: app.cpus,
        env: app.env,
        secretEnv,
        healthcheck: app.healthcheck,
        middlewares: app.middlewares,
        auth: app.auth,
        sso: this.sso,
        metrics: app.metrics,
        volumes: app.volumes,
        files: app.files,
        companions: app.companions,
        internal: app.internal,
        user: app.user,
        keepCapabilities: app.keepCapabilities,
        restart: app.restart,
        blueGreen: app.release && { live: app.release.live, images: app.release.images, keepIdleFor: app.release.keepIdleFor },
        // Only apps marked autoUpdate (never critical ones) carry the label Watchtower looks for.
        labels: app.autoUpdate ? watchtowerLabels() : undefined,
      });
    }
    this.apps = apps;

    // Derived from each host's register at synth: volumes added after this line are backed up too.
    this.backupJobs = backupJobsFor(this, environment, hosts);

    for (const host of Object.values(hosts)) {
      this.node.addValidation({ validate: () => (host.memoryBudget().fits ? [] : [describeOverflow(host.memoryBudget(), 8, environment.name)]) });
    }

    Policy.enforce(this, { dnsNames: dnsNamesOf(environment) });
  }

  /** The backup schedule, remote target and retention (the same on every host), for the platform report. */
  get backupJob(): BackupJob['summary'] {
    return this.backupJobs[this.environment.primaryHost.name].summary;
  }
}

/** Whether anything in the environment asks for basic auth (and so needs the htpasswd variable). */
function usesBasicAuth(environment: EnvironmentSpec): boolean {
  return (environment.sso?.dashboards ?? 'basic') === 'basic' || environment.apps.some((app) => app.auth === 'basic')
    || environment.services.portainer?.auth === 'basic';
}

function sensitiveVariable(scope: Construct, name: string, description: string): string {
  // One variable may feed several parts (an ntfy token: Watchtower's reports and the alerts).
  const existing = scope.node.tryFindChild(name);
  if (existing instanceof TerraformVariable) return existing.stringValue;
  return new TerraformVariable(scope, name, { type: 'string', sensitive: true, nullable: false, description }).stringValue;
}
