// vmagent's scrape config: the exporters, every part of the observability stack, and each app that opts in
// to having its metrics collected. Job names are fixed here because alert rules and dashboards select on them.
import { Duration, durationSeconds } from '../duration';
import { HostPort, ObservabilityAddresses, resolveAddresses, splitHostPort } from './topology';
import { renderYaml } from './yaml';

/** The job label of each platform scrape target. */
export const SCRAPE_JOBS = {
  nodeExporter: 'node-exporter',
  cadvisor: 'cadvisor',
  traefik: 'traefik',
  victoriaMetrics: 'victoriametrics',
  vmagent: 'vmagent',
  vmalert: 'vmalert',
  alertmanager: 'alertmanager',
  grafana: 'grafana',
  loki: 'loki',
  logShipper: 'log-shipper',
} as const satisfies Record<keyof ObservabilityAddresses, string>;

/** An app whose metrics endpoint vmagent scrapes; its series carry `app=<name>` and `job=app-<name>`. */
export interface AppMetricsTarget {
  readonly app: string;
  /** Container name and port inside the platform network, e.g. `shop:9102`. */
  readonly address: HostPort;
  /** @default '/metrics' */
  readonly path?: string;
  /** Overrides the global scrape interval for this app. */
  readonly interval?: Duration;
  /**
   * Scrape every container the address's name resolves to, each as its own target (a DNS A lookup on a Docker
   * network alias the app's containers share): both colours of a blue/green app are found, and a release never
   * changes this file. On a failed lookup vmagent keeps the targets it had, so a stopped app still reads
   * `up == 0`. @default false: the address is the one target
   */
  readonly everyContainer?: boolean;
}

export interface ScrapeConfigModel {
  readonly addresses?: Partial<ObservabilityAddresses>;
  /**
   * How often every target is scraped. 30 s halves the samples (CPU, disk, memory of every component)
   * against the origin's 15 s and is still finer than any alert window. @default '30s'
   */
  readonly scrapeInterval?: Duration;
  /** @default '10s' */
  readonly scrapeTimeout?: Duration;
  readonly apps?: readonly AppMetricsTarget[];
}

/** The job name of an app's scrape target. */
export function appJobName(app: string): string {
  return `app-${app}`;
}

/** The network alias every container of an app carries on the monitoring network, for `everyContainer` targets. */
export function appMetricsHost(app: string): string {
  return `app-${app}`;
}

// cAdvisor series the platform never reads, and that multiply per container: dropping them at scrape time
// keeps VictoriaMetrics' active series (its memory) small. container_cpu_usage_seconds_total is kept on
// purpose: the origin dropped it and lost per-container CPU.
const cadvisorDropped = [
  'container_tasks_state',
  'container_memory_failures_total',
  'container_network_(tcp|tcp6|udp|udp6)_usage_total',
  'container_processes',
  'container_threads(_max)?',
  'container_sockets',
  'container_file_descriptors',
  'container_ulimits_soft',
  'container_fs_(inodes_free|inodes_total|io_.*|reads_.*|writes_.*|sector_.*|read_seconds_total|write_seconds_total)',
  'container_blkio_device_usage_total',
];

/** Renders vmagent's `-promscrape.config` file. */
export function renderScrapeConfig(model: ScrapeConfigModel = {}): string {
  const addresses = resolveAddresses(model.addresses);
  const interval = model.scrapeInterval ?? '30s';
  const timeout = model.scrapeTimeout ?? '10s';
  if (durationSeconds(timeout, 'scrapeTimeout') > durationSeconds(interval, 'scrapeInterval')) {
    throw new Error(`scrapeTimeout ${timeout} is longer than scrapeInterval ${interval}; it must not be`);
  }

  const platformJobs = (Object.keys(SCRAPE_JOBS) as (keyof typeof SCRAPE_JOBS)[]).map((component) => ({
    job_name: SCRAPE_JOBS[component],
    static_configs: [{ targets: [addresses[component]] }],
    ...(component === 'cadvisor' ? { metric_relabel_configs: cadvisorRelabeling() } : {}),
  }));

  const apps = model.apps ?? [];
  checkApps(apps);
  const appJobs = apps.map((app) => {
    const { host, port } = splitHostPort(app.address);
    const targets = app.everyContainer
      ? { dns_sd_configs: [{ names: [host], type: 'A', port }], relabel_configs: [{ target_label: 'app', replacement: app.app }] }
      : { static_configs: [{ targets: [app.address], labels: { app: app.app } }] };
    return {
      job_name: appJobName(app.app),
      metrics_path: app.path ?? '/metrics',
      ...(app.interval === undefined ? {} : { scrape_interval: checkedInterval(app) }),
      ...targets,
    };
  });

  const document = {
    global: { scrape_interval: interval, scrape_timeout: timeout },
    scrape_configs: [...platformJobs, ...appJobs],
  };
  return renderYaml(document, 'vmagent scrape targets, rendered by Mambo Platform.');
}

function cadvisorRelabeling(): object[] {
  return [
    { source_labels: ['__name__'], regex: `(${cadvisorDropped.join('|')})`, action: 'drop' },
    // Series without a container name are cgroup slices (system.slice…), counted by node exporter already.
    { source_labels: ['name'], regex: '', action: 'drop' },
  ];
}

function checkApps(apps: readonly AppMetricsTarget[]): void {
  const seen = new Set<string>();
  for (const app of apps) {
    if (!/^[a-z][a-z0-9-]*$/.test(app.app)) {
      throw new Error(`app metrics target "${app.app}" has an invalid app name; expected lower-case-with-dashes`);
    }
    if (seen.has(app.app)) throw new Error(`app metrics target "${app.app}" is listed twice`);
    seen.add(app.app);
    splitHostPort(app.address, `app ${app.app} metrics address`);
    if (app.path !== undefined && !app.path.startsWith('/')) {
      throw new Error(`app ${app.app} metrics path "${app.path}" must start with /`);
    }
  }
}

function checkedInterval(app: AppMetricsTarget): Duration {
  durationSeconds(app.interval as string, `app ${app.app} scrape interval`);
  return app.interval as Duration;
}
