// The observability stack's memory and CPU budget, one row per container, read by the construct that runs
// them. The whole stack fits in 1.25 GiB so that a cax11 (4 GiB) keeps most of its memory for apps; each row
// says why its number is enough and which knob in the renderers keeps the component there.

export type ObservabilityComponent =
  | 'victoriaMetrics' | 'vmagent' | 'vmalert' | 'alertmanager' | 'grafana' | 'loki'
  | 'alloy' | 'promtail' | 'cadvisor' | 'nodeExporter';

export type LogShipperKind = 'alloy' | 'promtail';

export interface ComponentFootprint {
  /** Hard memory limit of the container, MiB. */
  readonly memoryMiB: number;
  /** CPU limit in cores (fractions allowed). */
  readonly cpus: number;
  /**
   * `GOMEMLIMIT` for Go components without their own memory flag: the garbage collector works harder as the
   * heap nears it, instead of the kernel OOM-killing the container at the hard limit. MiB; omitted where the
   * component sizes itself (VictoriaMetrics' `-memory.allowedPercent`).
   */
  readonly goMemLimitMiB?: number;
  /** Why this limit holds: the component's documented or observed footprint and the knobs that bound it. */
  readonly why: string;
}

/** The budget the whole stack must fit in: 1.25 GiB. */
export const OBSERVABILITY_MEMORY_BUDGET_MIB = 1280;

export const OBSERVABILITY_FOOTPRINT: { readonly [component in ObservabilityComponent]: ComponentFootprint } = {
  victoriaMetrics: {
    memoryMiB: 352,
    cpus: 0.5,
    why: 'A single host exposes about 10k active series (node exporter ~1k, cAdvisor ~30 per container after the '
      + 'scrape-time drops, Traefik and the stack a few thousand); VictoriaMetrics needs well under 100 MiB for '
      + 'that. -memory.allowedPercent=60 caps its caches at ~210 MiB of this limit, and '
      + '-search.maxConcurrentRequests=4 with -search.maxUniqueTimeseries=100000 bounds query memory on top. '
      + 'Retention (7d) costs disk, not RAM.',
  },
  vmagent: {
    memoryMiB: 80,
    cpus: 0.2,
    goMemLimitMiB: 64,
    why: 'Ten-odd static targets at a 30 s interval: vmagent holds one scrape per target in memory (capped by '
      + '-promscrape.maxScrapeSize, 16 MiB) plus its send queue; -memory.allowedPercent=50 bounds the in-memory '
      + 'queue and the overflow goes to a disk buffer capped at 256 MB (-remoteWrite.maxDiskUsagePerURL).',
  },
  vmalert: {
    memoryMiB: 48,
    cpus: 0.1,
    goMemLimitMiB: 36,
    why: 'Evaluates 14 rules every 30 s and keeps only alert state; observed at 20–30 MiB. The origin gave it '
      + '128 MiB and never came close.',
  },
  alertmanager: {
    memoryMiB: 48,
    cpus: 0.1,
    goMemLimitMiB: 36,
    why: 'Holds active alerts, silences and notification log for one receiver pair; idles around 20–25 MiB. '
      + 'No clustering (single host), no templates beyond the webhook.',
  },
  grafana: {
    memoryMiB: 208,
    cpus: 0.5,
    goMemLimitMiB: 176,
    why: 'Grafana 11 idles at 90–130 MiB with SQLite and the bundled plugins; dashboard rendering in browsers, '
      + 'not on the server. Knobs: no image renderer, no extra plugins installed, provisioning from files, '
      + 'and dashboards refreshing at 1m rather than 5s.',
  },
  loki: {
    memoryMiB: 256,
    cpus: 0.5,
    goMemLimitMiB: 216,
    why: 'Monolithic Loki 3 on a filesystem store idles at 120–180 MiB for a few MB of logs a minute. The '
      + 'embedded caches default to 100 MiB each and are cut to 32 MiB (results, chunks); ingestion is '
      + 'rate-limited to 4 MB/s and query parallelism to 2, so one heavy query cannot balloon the heap.',
  },
  alloy: {
    memoryMiB: 128,
    cpus: 0.25,
    goMemLimitMiB: 108,
    why: 'Alloy tails Docker logs for a few dozen containers through the Docker API; it idles at 60–100 MiB '
      + '(component graph, positions, one batch per container). No metrics pipelines run in it: vmagent scrapes.',
  },
  promtail: {
    memoryMiB: 64,
    cpus: 0.2,
    goMemLimitMiB: 52,
    why: 'Promtail tails the same Docker logs in about 30–50 MiB; kept for hosts that cannot move to Alloy yet '
      + '(Promtail is end of life since March 2026).',
  },
  cadvisor: {
    memoryMiB: 96,
    cpus: 0.25,
    goMemLimitMiB: 80,
    why: 'cAdvisor with --docker_only, --housekeeping_interval=30s and the disk, network-protocol, process and '
      + 'NUMA collectors disabled keeps 40–70 MiB for a few dozen containers; the default 1 s housekeeping and '
      + 'all collectors is what makes it grow.',
  },
  nodeExporter: {
    memoryMiB: 32,
    cpus: 0.1,
    goMemLimitMiB: 24,
    why: 'node exporter with default collectors serves ~1k series at 10–20 MiB.',
  },
};

/** The components that run together for a chosen log shipper. */
export function observabilityComponents(logShipper: LogShipperKind = 'alloy'): ObservabilityComponent[] {
  return [
    'victoriaMetrics', 'vmagent', 'vmalert', 'alertmanager', 'grafana', 'loki',
    logShipper, 'cadvisor', 'nodeExporter',
  ];
}

/** Sum of the memory limits of the stack with the chosen log shipper, MiB. */
export function observabilityMemoryMiB(logShipper: LogShipperKind = 'alloy'): number {
  return observabilityComponents(logShipper).reduce((sum, component) => sum + OBSERVABILITY_FOOTPRINT[component].memoryMiB, 0);
}

/** The `GOMEMLIMIT` value for a component's environment, or undefined when it sizes itself. */
export function goMemLimit(component: ObservabilityComponent): string | undefined {
  const limit = OBSERVABILITY_FOOTPRINT[component].goMemLimitMiB;
  return limit === undefined ? undefined : `${limit}MiB`;
}
