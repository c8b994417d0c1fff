// Metrics, logs, dashboards and alerts for one host: VictoriaMetrics fed by vmagent, vmalert evaluating the
// AlertRules and Alertmanager sending to ntfy, Loki fed by a log shipper (Grafana Alloy, or Promtail), cAdvisor
// and node exporter, and Grafana behind the edge. Every config file comes from a renderer in
// lib/observability/ and reaches its container as content; nothing publishes a port; each container's memory
// limit is its row in OBSERVABILITY_FOOTPRINT. Needs a RandomProvider (Grafana's admin password) and, with
// community dashboards, a NullProvider in the stack.

import { createHash } from 'node:crypto';

import { Lazy, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Resource as NullResource } from '@cdktf/provider-null/lib/resource';
import { Password } from '@cdktf/provider-random/lib/password';

import { AppAuth, HealthcheckSpec } from '../lib/app-definition';
import { grafanaAuthProxyEnv } from '../lib/authelia';
import { CatalogImageName, catalogImageRef } from '../lib/images';
import {
  AlertmanagerModel, AppMetricsTarget, CommunityDashboardPin, DASHBOARD_FOLDERS, Duration, HostLogFile, LOG_SHIPPER_CONFIG_PATHS,
  LogShipperKind, MAINTENANCE_LOG,
  OBSERVABILITY_FOOTPRINT, ObservabilityAddresses, ObservabilityComponent, applicationMetricsDashboard, appMetricsHost, cadvisorFlags,
  costsAndResourcesDashboard, goMemLimit, logShipperArgs, nodeExporterFlags, platformHealthDashboard, renderAlertmanagerConfig,
  renderCommunityDashboardsFetchScript, renderGrafanaDashboardProviders, renderGrafanaDatasources, renderLogShipperConfig, renderLokiConfig,
  renderScrapeConfig, resolveAddresses, splitHostPort, victoriaMetricsFlags, vmagentFlags, vmalertFlags,
} from '../lib/observability';
import { SsoGate, ssoPolicyOf } from '../lib/sso';
import { AlertRules, AlertRulesProps } from './alert-rules';
import { DockerHost, RegisteredVolume } from './docker-host';
import { PlatformContainer, PlatformContainerProps, escapeTemplateSequences } from './platform-container';
import { SocketProxyRead, TraefikEdge } from './traefik-edge';

export interface ObservabilityStackProps {
  readonly host: DockerHost;
  /**
   * The host's edge: Grafana is routed through it, vmagent scrapes its metrics on the web network, and the log
   * shipper and cAdvisor read Docker through its socket proxy, which must allow `info` and `networks` reads
   * (TraefikEdge `socketProxyReads`, OBSERVABILITY_SOCKET_READS).
   */
  readonly edge: TraefikEdge;
  /** Where Grafana is served, e.g. `grafana.example.com`. */
  readonly grafanaHostname: string;
  /** How Grafana is protected at the edge. `sso` and `sso-2fa` sign users in from the SSO's headers. @default 'basic' */
  readonly grafanaAuth?: Exclude<AppAuth, 'none'>;
  /** The environment's SSO, required when `grafanaAuth` is `sso` or `sso-2fa`. */
  readonly sso?: SsoGate;
  /** Where Grafana's sign-out sends the browser under SSO, e.g. `https://auth.example.com/logout`. @default Grafana's own page */
  readonly ssoSignOutUrl?: string;
  /** Where alerts go. `token` is a reference to a sensitive variable, never a literal. */
  readonly ntfy: { readonly serverUrl: string; readonly topic: string; readonly token?: string };
  /** How long metrics and logs are kept. @default 7d each */
  readonly retention?: { readonly metrics?: Duration; readonly logs?: Duration };
  /** How often vmagent scrapes every target. @default '30s' */
  readonly scrapeInterval?: Duration;
  /** @default 'alloy' */
  readonly logShipper?: LogShipperKind;
  /** The rules vmalert evaluates; change them later through `alertRules`. @default the 14 defaults */
  readonly alertRules?: AlertRulesProps;
  /**
   * grafana.com dashboards fetched on the host at deploy time, each with a real sha256 (lib/observability/
   * community-dashboards.ts). A root SSH connection to the host runs the fetch. @default none
   */
  readonly communityDashboards?: readonly CommunityDashboardPin[];
  /** Dashboards of your own for the Custom folder: file name (`*.json`) → dashboard JSON. @default none */
  readonly customDashboards?: Readonly<Record<string, string>>;
  /** @default host.network('monitoring') */
  readonly monitoringNetwork?: Network;
  /** A network with a route out, for Alertmanager to reach ntfy. @default host.network('edge') */
  readonly egressNetwork?: Network;
}

/**
 * The only observability containers that reach into the host: cAdvisor (privileged, for every container's cgroups
 * and the kernel's OOM events) and node exporter (the host's PID namespace and read-only /proc, /sys and /). No
 * other component may ask for any of it, nor mount a host path but HOST_LOG_FILES' directories; the policy's
 * HOST_ACCESS_IMAGES names the same two images.
 */
export const HOST_ACCESS_COMPONENTS: readonly ObservabilityComponent[] = ['cadvisor', 'nodeExporter'];

/**
 * Host directories the log shipper follows files in, mounted read-only at the same path: the one a host directory
 * may be given to a component without host access, since a log directory holds no socket and no config.
 */
export const HOST_LOG_FILES: readonly HostLogFile[] = [MAINTENANCE_LOG];

/** What the stack reads through the edge's socket proxy beyond Traefik's calls: cAdvisor's `info`, the log shipper's `networks`. */
export const OBSERVABILITY_SOCKET_READS: readonly SocketProxyRead[] = ['info', 'networks'];

/** Container name suffix (`<prefix>-<name>`) and catalog image of each component. */
const COMPONENTS: { readonly [component in ObservabilityComponent]: { readonly name: string; readonly image: CatalogImageName } } = {
  victoriaMetrics: { name: 'victoriametrics', image: 'victoriaMetrics' },
  vmagent: { name: 'vmagent', image: 'vmagent' },
  vmalert: { name: 'vmalert', image: 'vmalert' },
  alertmanager: { name: 'alertmanager', image: 'alertmanager' },
  grafana: { name: 'grafana', image: 'grafana' },
  loki: { name: 'loki', image: 'loki' },
  alloy: { name: 'alloy', image: 'alloy' },
  promtail: { name: 'promtail', image: 'promtail' },
  cadvisor: { name: 'cadvisor', image: 'cadvisor' },
  nodeExporter: { name: 'node-exporter', image: 'nodeExporter' },
};

const VM_DATA_DIR = '/storage';
const SCRAPE_CONFIG = '/etc/vmagent/scrape.yml';
const RULE_FILE = '/etc/vmalert/rules.yml';
const ALERTMANAGER_CONFIG = '/etc/alertmanager/alertmanager.yml';
const NTFY_TOKEN_FILE = '/etc/alertmanager/ntfy-token';
const LOKI_CONFIG = '/etc/loki/loki.yml';
const LOKI_DATA_DIR = '/loki';
const GRAFANA_DATA_DIR = '/var/lib/grafana';
const GRAFANA_PROVISIONING = '/etc/grafana/provisioning';
const GRAFANA_ADMIN_PASSWORD_FILE = '/etc/grafana/admin-password';
const NODE_EXPORTER_TEXTFILE_DIR = '/textfile';
/** Where the fetch script lives on the host. */
const COMMUNITY_FETCH_SCRIPT = '/usr/local/lib/mambo/fetch-community-dashboards.sh';

export class ObservabilityStack extends Construct {
  readonly alertRules: AlertRules;
  /** Every container of the stack, by component. */
  readonly containers: Readonly<Partial<Record<ObservabilityComponent, PlatformContainer>>>;
  readonly addresses: ObservabilityAddresses;
  readonly logShipper: LogShipperKind;
  readonly grafanaUrl: string;
  /** Grafana's `admin` password, generated by Terraform (a reference; sensitive). */
  readonly grafanaAdminPassword: string;
  /** VictoriaMetrics, Loki and Grafana data, registered for backups. */
  readonly volumes: readonly RegisteredVolume[];

  private readonly host: DockerHost;
  private readonly scrapeInterval: Duration;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id);
    const { host, edge } = props;
    this.host = host;
    this.logShipper = props.logShipper ?? 'alloy';
    this.scrapeInterval = props.scrapeInterval ?? '30s';
    this.grafanaUrl = `https://${props.grafanaHostname}`;
    // Promtail serves on its own default port; everything else listens where DEFAULT_ADDRESSES says.
    this.addresses = resolveAddresses(this.logShipper === 'promtail' ? { logShipper: 'promtail:9080' } : {});
    const addresses = this.addresses;
    const monitoring = props.monitoringNetwork ?? host.network('monitoring');
    const egress = props.egressNetwork ?? host.network('edge');
    const missingReads = OBSERVABILITY_SOCKET_READS.filter((read) => !edge.socketProxyReads.includes(read));
    if (missingReads.length > 0) {
      throw new Error(`${this.node.path}: the edge's socket proxy refuses ${missingReads.join(' and ')} reads, which cAdvisor and the `
        + 'log shipper make; expected the edge built with socketProxyReads: OBSERVABILITY_SOCKET_READS');
    }

    this.alertRules = new AlertRules(this, 'alert-rules', props.alertRules);
    const containers: Partial<Record<ObservabilityComponent, PlatformContainer>> = {};
    const add = (component: ObservabilityComponent, containerProps: ComponentProps) => {
      containers[component] = this.component(component, monitoring, containerProps);
      return containers[component]!;
    };

    // Metrics: the database on a volume, copied with it stopped: its parts are merged and removed while it runs, and
    // vmagent keeps scraping into its disk buffer meanwhile, so the copy costs no samples.
    const metricsData = host.addVolume(this, 'victoriametrics', { backup: 'stop', owner: 'platform' });
    const victoriaMetrics = add('victoriaMetrics', {
      command: victoriaMetricsFlags({ addresses, retention: props.retention?.metrics ?? '7d', storageDataPath: VM_DATA_DIR }),
      volumes: [{ volume: metricsData, path: VM_DATA_DIR }],
      healthcheck: httpCheck(addresses.victoriaMetrics, '/health'),
    });

    // The scrape config lists the apps that opt in to metrics, however late they are added to the host.
    add('vmagent', {
      command: vmagentFlags({ addresses, scrapeConfigPath: SCRAPE_CONFIG }),
      files: { [SCRAPE_CONFIG]: Lazy.stringValue({ produce: () => escapeTemplateSequences(this.scrapeConfig()) }) },
      // Traefik's metrics entrypoint is on the web network only.
      networks: [{ network: edge.webNetwork }],
      healthcheck: httpCheck(addresses.vmagent, '/health'),
      dependsOn: [victoriaMetrics.container],
    });

    // Alerts: Alertmanager posts straight to ntfy, so it alone needs a route out.
    const alertmanagerModel: AlertmanagerModel = {
      ntfy: { serverUrl: props.ntfy.serverUrl, topic: props.ntfy.topic, tokenFile: props.ntfy.token ? NTFY_TOKEN_FILE : undefined },
    };
    const alertmanager = add('alertmanager', {
      command: [
        `--config.file=${ALERTMANAGER_CONFIG}`,
        '--storage.path=/alertmanager',
        `--web.listen-address=:${splitHostPort(addresses.alertmanager).port}`,
        // One instance: no gossip port, no peers to look for.
        '--cluster.listen-address=',
      ],
      files: {
        [ALERTMANAGER_CONFIG]: renderAlertmanagerConfig(alertmanagerModel),
        // Alertmanager runs as nobody, so a root-only (0400) secret file would be unreadable to it; the token is the
        // only thing in its container besides the config.
        ...(props.ntfy.token ? { [NTFY_TOKEN_FILE]: props.ntfy.token } : {}),
      },
      networks: [{ network: egress }],
      healthcheck: httpCheck(addresses.alertmanager, '/-/healthy'),
    });

    add('vmalert', {
      command: vmalertFlags({
        addresses, ruleFilePath: RULE_FILE, evaluationInterval: this.alertRules.evaluationInterval, externalUrl: this.grafanaUrl,
      }),
      files: { [RULE_FILE]: this.alertRules.ruleFile },
      healthcheck: httpCheck(addresses.vmalert, '/health'),
      dependsOn: [victoriaMetrics.container, alertmanager.container],
    });

    // Logs: Loki on the filesystem of its volume, copied with it stopped (its index and chunks move together).
    const logsData = host.addVolume(this, 'loki', { backup: 'stop', owner: 'platform' });
    const loki = add('loki', {
      command: [`-config.file=${LOKI_CONFIG}`],
      files: { [LOKI_CONFIG]: renderLokiConfig({ addresses, retention: props.retention?.logs ?? '7d', dataDir: LOKI_DATA_DIR }) },
      volumes: [{ volume: logsData, path: LOKI_DATA_DIR }],
      // Loki 3.2's image still carries busybox (3.6 dropped it; moving past 3.5 needs `loki -health` instead).
      healthcheck: { ...httpCheck(addresses.loki, '/ready'), startPeriod: '60s' },
    });

    // The shipper asks Docker for containers and their logs through the socket proxy, never the socket itself.
    // Besides, it follows the host's maintenance log (backups, cleanup, updates), which those jobs keep world-readable.
    const shipperConfig = LOG_SHIPPER_CONFIG_PATHS[this.logShipper];
    add(this.logShipper, {
      command: logShipperArgs(this.logShipper, { addresses }),
      files: {
        [shipperConfig]: renderLogShipperConfig(this.logShipper, { addresses, dockerHost: edge.socketEndpoint, files: HOST_LOG_FILES }),
      },
      hostMounts: logDirectories(HOST_LOG_FILES).map((directory) => ({ hostPath: directory, path: directory, readOnly: true })),
      networks: [{ network: edge.socketNetwork }],
      // Alloy's image makes its data directory its own user's (473); run as that user rather than keep root's capabilities.
      user: this.logShipper === 'alloy' ? '473:473' : undefined,
      // Neither image has wget or curl; bash's /dev/tcp asks the readiness endpoint.
      healthcheck: tcpHttpCheck(addresses.logShipper, this.logShipper === 'alloy' ? '/-/ready' : '/ready'),
      dependsOn: [loki.container, edge.socketProxy.container],
    });

    // Containers: cAdvisor reads cgroups under /sys and Docker's layer metadata under the host's root, and asks
    // Docker about containers through the socket proxy. Privileged for /dev/kmsg, where the OOM kills it counts come from.
    add('cadvisor', {
      command: [...cadvisorFlags({ addresses }), `--docker=${edge.socketEndpoint}`],
      networks: [{ network: edge.socketNetwork }],
      hostMounts: [
        { hostPath: '/', path: '/rootfs', readOnly: true },
        { hostPath: '/sys', path: '/sys', readOnly: true },
      ],
      privileged: true,
      keepCapabilities: true,
      healthcheck: httpCheck(addresses.cadvisor, '/healthz'),
      dependsOn: [edge.socketProxy.container],
    });

    // The host: its /proc, /sys and root filesystem read-only, in its PID namespace. Host scripts' textfile
    // metrics have no directory on the host yet.
    // Limitation: node exporter sits on a bridge network, so its network counters are its own; per-container
    // traffic comes from cAdvisor. Host networking would lift this, at the cost of a port on the host's interfaces.
    add('nodeExporter', {
      command: nodeExporterFlags({ addresses, textfileDirectory: NODE_EXPORTER_TEXTFILE_DIR }),
      // The collector reads *.prom files only; this one makes the directory exist.
      files: { [`${NODE_EXPORTER_TEXTFILE_DIR}/README`]: 'Prometheus text files (*.prom) found here are exported by node exporter.\n' },
      hostMounts: [
        { hostPath: '/proc', path: '/host/proc', readOnly: true },
        { hostPath: '/sys', path: '/host/sys', readOnly: true },
        { hostPath: '/', path: '/rootfs', readOnly: true },
      ],
      pidMode: 'host',
      healthcheck: httpCheck(addresses.nodeExporter, '/'),
    });

    // Grafana: behind the edge, the stack's datasources and dashboards provisioned from files.
    const password = new Password(this, 'grafana-admin-password', { length: 32, special: false });
    this.grafanaAdminPassword = password.result;
    new TerraformOutput(this, 'grafana-admin-password-output', {
      value: password.result,
      sensitive: true,
      description: `Grafana's admin password (${this.grafanaUrl}); \`terraform output -raw\` shows it`,
    }).overrideLogicalId(`${this.node.id.replace(/[^A-Za-z0-9_]/g, '_')}_grafana_admin_password`);

    const grafanaData = host.addVolume(this, 'grafana', { backup: 'stop', owner: 'platform' });
    const pins = props.communityDashboards ?? [];
    const communityVolume = pins.length > 0 ? this.fetchCommunityDashboards(pins) : undefined;
    add('grafana', {
      env: this.grafanaEnv(props),
      files: {
        [`${GRAFANA_PROVISIONING}/datasources/platform.yml`]: renderGrafanaDatasources({ addresses, scrapeInterval: this.scrapeInterval }),
        [`${GRAFANA_PROVISIONING}/dashboards/platform.yml`]: renderGrafanaDashboardProviders(),
        ...dashboardFiles(DASHBOARD_FOLDERS.platform.path, [
          platformHealthDashboard(),
          costsAndResourcesDashboard({ serverType: host.serverType.name, monthlyPriceEur: host.serverType.monthlyPriceEur }),
        ]),
        ...customDashboardFiles(props.customDashboards ?? {}, this.node.path),
        // Each provider's folder must exist; these files mark the ones nothing else fills.
        [`${DASHBOARD_FOLDERS.custom.path}/README.txt`]: 'Dashboards of your own: ObservabilityStack customDashboards, or saved '
          + 'from the UI.\n',
        ...(communityVolume ? {} : {
          [`${DASHBOARD_FOLDERS.community.path}/README.txt`]: 'Community dashboards are off: observability.communityDashboards in '
            + 'platform.yaml.\n',
        }),
        // Grafana runs as uid 472, which cannot read a root-only (0400) secret file.
        [GRAFANA_ADMIN_PASSWORD_FILE]: password.result,
      },
      // One Application Metrics dashboard per app that opts in to metrics, added after this construct or not.
      lateFiles: () => dashboardFiles(DASHBOARD_FOLDERS.platform.path, this.scrapedApps().map(({ app }) => applicationMetricsDashboard({
        app,
        scraped: true,
        // A blue/green app's traffic is counted under its live colour's service.
        traefikServices: [`${app}@docker`, `${app}-blue@docker`, `${app}-green@docker`],
      }))),
      volumes: [
        { volume: grafanaData, path: GRAFANA_DATA_DIR },
        ...(communityVolume ? [{ volume: communityVolume, path: DASHBOARD_FOLDERS.community.path, readOnly: true }] : []),
      ],
      networks: [{ network: edge.webNetwork }],
      labels: this.grafanaRoute(props),
      hostnames: [props.grafanaHostname],
      healthcheck: { ...httpCheck(addresses.grafana, '/api/health'), startPeriod: '60s' },
      dependsOn: [victoriaMetrics.container, loki.container],
    });

    this.containers = containers;
    this.volumes = [metricsData, logsData, grafanaData, ...(communityVolume ? [communityVolume] : [])];
  }

  /** The sum of the stack's memory limits, MiB. */
  get memoryMiB(): number {
    const components = Object.keys(this.containers) as ObservabilityComponent[];
    return components.reduce((sum, component) => sum + OBSERVABILITY_FOOTPRINT[component].memoryMiB, 0);
  }

  /** vmagent's scrape config as it stands now: the platform's targets and every app on the host that opts in. */
  scrapeConfig(): string {
    const apps: AppMetricsTarget[] = this.scrapedApps().map(({ app, port, path }) => ({
      app, address: `${appMetricsHost(app)}:${port}`, path, everyContainer: true,
    }));
    return renderScrapeConfig({ addresses: this.addresses, scrapeInterval: this.scrapeInterval, apps });
  }

  /** Apps on the host whose containers offer metrics, once each, by name. */
  private scrapedApps(): { app: string; port: number; path: string }[] {
    const apps = new Map<string, { app: string; port: number; path: string }>();
    for (const container of this.host.containers) {
      if (container.role !== 'app' || !container.app || !container.metrics || apps.has(container.app)) continue;
      apps.set(container.app, { app: container.app, port: container.metrics.port, path: container.metrics.path });
    }
    return [...apps.values()].sort((a, b) => a.app.localeCompare(b.app));
  }

  /** One observability container with the platform's defaults: footprint limits, monitoring network and alias, no capabilities. */
  private component(component: ObservabilityComponent, monitoring: Network, props: ComponentProps): PlatformContainer {
    const logMounts = logDirectories(HOST_LOG_FILES);
    const wantsHost = props.privileged || props.pidMode !== undefined
      || (props.hostMounts ?? []).some((mount) => !(mount.readOnly && logMounts.includes(mount.hostPath) && mount.path === mount.hostPath));
    if (wantsHost && !HOST_ACCESS_COMPONENTS.includes(component)) {
      throw new Error(`${this.node.path}: ${component} asks for host access; only ${HOST_ACCESS_COMPONENTS.join(' and ')} may have it`);
    }
    const footprint = OBSERVABILITY_FOOTPRINT[component];
    const memoryLimit = goMemLimit(component);
    const { keepCapabilities, networks, env, ...rest } = props;
    return new PlatformContainer(this, component, {
      ...rest,
      host: this.host,
      name: `${this.host.namePrefix}-${COMPONENTS[component].name}`,
      image: catalogImageRef(COMPONENTS[component].image),
      role: 'platform',
      memoryMiB: footprint.memoryMiB,
      cpus: footprint.cpus,
      env: { ...(memoryLimit ? { GOMEMLIMIT: memoryLimit } : {}), ...env },
      networks: [{ network: monitoring, aliases: [aliasOf(this.addresses, component)] }, ...(networks ?? [])],
      capabilities: keepCapabilities ? undefined : { drop: ['ALL'] },
      metrics: { port: splitHostPort(this.addresses[addressOf(component)]).port, path: '/metrics' },
    });
  }

  private grafanaEnv(props: ObservabilityStackProps): Record<string, string> {
    const auth = props.grafanaAuth ?? 'basic';
    const env: Record<string, string> = {
      GF_SERVER_ROOT_URL: `${this.grafanaUrl}/`,
      GF_SERVER_DOMAIN: props.grafanaHostname,
      GF_SECURITY_ADMIN_USER: 'admin',
      GF_SECURITY_ADMIN_PASSWORD__FILE: GRAFANA_ADMIN_PASSWORD_FILE,
      GF_SECURITY_COOKIE_SECURE: 'true',
      GF_SECURITY_DISABLE_GRAVATAR: 'true',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      // No route out: nothing to phone home to, no plugins to fetch. vmalert does the alerting.
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
      GF_NEWS_NEWS_FEED_ENABLED: 'false',
      GF_PLUGINS_PREINSTALL_DISABLED: 'true',
      GF_UNIFIED_ALERTING_ENABLED: 'false',
      GF_LOG_LEVEL: 'warn',
    };
    if (ssoPolicyOf(auth) === undefined) return env;

    if (!props.edge.webAddress) {
      throw new Error(`${this.node.path}: Grafana behind SSO trusts identity headers from the edge's address only; expected the edge `
        + 'built with a pinned webAddress');
    }
    // Whoever passes the dashboards' SSO policy operates the platform: Editor, so Explore (logs) is open to them.
    return { ...env, ...grafanaAuthProxyEnv({ trustedProxies: [props.edge.webAddress], signOutUrl: props.ssoSignOutUrl, role: 'Editor' }) };
  }

  private grafanaRoute(props: ObservabilityStackProps): Record<string, string> {
    const auth = props.grafanaAuth ?? 'basic';
    const policy = ssoPolicyOf(auth);
    if (policy) {
      if (!props.sso) throw new Error(`${this.node.path}: Grafana with auth "${auth}" needs the environment's SSO; expected props.sso`);
      props.sso.protect([props.grafanaHostname], policy);
    }
    return props.edge.routeLabels({
      name: 'grafana',
      hostnames: [props.grafanaHostname],
      port: splitHostPort(this.addresses.grafana).port,
      // Dashboards fire a request per panel: the global tier, not the strict one the login pages use.
      middlewares: ['rate-global', 'security-headers', 'compression'],
      extraMiddlewares: policy && props.sso ? [props.sso.middleware] : [],
      basicAuth: auth === 'basic',
    });
  }

  /**
   * A volume for the community dashboards and the host-side fetch into it, run again whenever the script (its pins)
   * changes. A download whose sha256 differs from its pin is refused and fails the deploy.
   */
  private fetchCommunityDashboards(pins: readonly CommunityDashboardPin[]): RegisteredVolume {
    // A few hundred KB; backed up so a restore brings them back without grafana.com.
    const volume = this.host.addVolume(this, 'grafana-community', { backup: 'snapshot', owner: 'platform' });
    // Limitation: Docker's default data root; a host with another `data-root` needs this path changed.
    const script = renderCommunityDashboardsFetchScript({ dashboards: pins, targetDir: `/var/lib/docker/volumes/${volume.name}/_data` });
    new NullResource(this, 'community-dashboards', {
      triggers: { script: createHash('sha256').update(script).digest('hex'), host: this.host.address },
      connection: this.host.rootConnection,
      dependsOn: [volume.volume],
      provisioners: [
        { type: 'remote-exec', inline: [`mkdir -p ${COMMUNITY_FETCH_SCRIPT.slice(0, COMMUNITY_FETCH_SCRIPT.lastIndexOf('/'))}`] },
        { type: 'file', content: escapeTemplateSequences(script), destination: COMMUNITY_FETCH_SCRIPT },
        { type: 'remote-exec', inline: [`bash ${COMMUNITY_FETCH_SCRIPT}`] },
      ],
    });
    return volume;
  }
}

/** What a component passes for its container; the rest comes from its footprint and the stack. */
type ComponentProps = Omit<PlatformContainerProps,
  'host' | 'name' | 'image' | 'role' | 'memoryMiB' | 'cpus' | 'networks' | 'capabilities' | 'metrics'> & {
  /** Networks beyond monitoring. */
  readonly networks?: PlatformContainerProps['networks'];
  /** Keep the image's capabilities (a privileged container has them all anyway). @default drop all */
  readonly keepCapabilities?: boolean;
  readonly healthcheck: HealthcheckSpec;
};

/** The address each component is scraped and reached at. */
function addressOf(component: ObservabilityComponent): keyof ObservabilityAddresses {
  return component === 'alloy' || component === 'promtail' ? 'logShipper' : component;
}

function aliasOf(addresses: ObservabilityAddresses, component: ObservabilityComponent): string {
  return splitHostPort(addresses[addressOf(component)]).host;
}

/** A healthcheck that fetches an HTTP path on the component's own port (busybox or alpine wget). */
function httpCheck(address: string, path: string): HealthcheckSpec {
  return { command: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${splitHostPort(address).port}${path}`], interval: '30s' };
}

/** The same through bash's /dev/tcp, for images without wget or curl: the status line must say 200. */
function tcpHttpCheck(address: string, path: string): HealthcheckSpec {
  const port = splitHostPort(address).port;
  return {
    command: ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} `
      + `&& printf 'GET ${path} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`],
    interval: '30s',
  };
}

function logDirectories(files: readonly HostLogFile[]): string[] {
  return [...new Set(files.map((file) => file.path.slice(0, file.path.lastIndexOf('/'))))];
}

function dashboardFiles(folder: string, dashboards: readonly { fileName: string; json: string }[]): Record<string, string> {
  return Object.fromEntries(dashboards.map((dashboard) => [`${folder}/${dashboard.fileName}`, dashboard.json]));
}

function customDashboardFiles(dashboards: Readonly<Record<string, string>>, where: string): Record<string, string> {
  for (const [fileName, json] of Object.entries(dashboards)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/.test(fileName)) {
      throw new Error(`${where}: custom dashboard file "${fileName}"; expected a plain file name ending in .json`);
    }
    try {
      JSON.parse(json);
    } catch (error) {
      throw new Error(`${where}: custom dashboard ${fileName} is not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return Object.fromEntries(Object.entries(dashboards).map(([fileName, json]) => [`${DASHBOARD_FOLDERS.custom.path}/${fileName}`, json]));
}
