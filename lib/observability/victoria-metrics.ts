// Command-line flags for the three VictoriaMetrics binaries the platform runs: the single-node database,
// vmagent (scrape and forward) and vmalert (evaluate rules). Each flag that bounds memory says so, because
// together they keep the stack inside its footprint (see footprint.ts).
import { Duration, durationSeconds } from '../duration';
import { ObservabilityAddresses, httpUrl, listenAddress, resolveAddresses } from './topology';

/** Extra `-name=value` flags for tuning or tests; they win over the platform's. */
export type ExtraFlags = Readonly<Record<string, string>>;

export interface VictoriaMetricsModel {
  readonly addresses?: Partial<ObservabilityAddresses>;
  /** How long samples are kept; VictoriaMetrics accepts 1 day or more. @default '7d' */
  readonly retention?: Duration;
  /** Data directory inside the container. @default '/storage' */
  readonly storageDataPath?: string;
  /**
   * Share of the container's memory limit VictoriaMetrics may use for its caches (it reads the cgroup limit).
   * Queries need memory on top, so this stays well under 100. @default 60
   */
  readonly memoryAllowedPercent?: number;
  readonly extraFlags?: ExtraFlags;
}

/** Flags for `victoria-metrics`. */
export function victoriaMetricsFlags(model: VictoriaMetricsModel = {}): string[] {
  const addresses = resolveAddresses(model.addresses);
  const retention = model.retention ?? '7d';
  if (durationSeconds(retention, 'victoriaMetrics retention') < 86_400) {
    throw new Error(`victoriaMetrics retention "${retention}" is under a day; VictoriaMetrics keeps at least 1d`);
  }

  return toFlags({
    storageDataPath: model.storageDataPath ?? '/storage',
    retentionPeriod: retention,
    httpListenAddr: listenAddress(addresses.victoriaMetrics),
    'memory.allowedPercent': String(percent(model.memoryAllowedPercent ?? 60, 'victoriaMetrics memoryAllowedPercent')),
    // Two vCPUs: more concurrent queries only queue in memory. With the series cap, this bounds query memory.
    'search.maxConcurrentRequests': '4',
    'search.maxUniqueTimeseries': '100000',
    'search.maxQueryDuration': '30s',
    // Stop accepting writes (read-only) before the disk is full instead of failing mid-merge.
    'storage.minFreeDiskSpaceBytes': '1GB',
    loggerLevel: 'WARN',
    ...model.extraFlags,
  });
}

export interface VmagentModel {
  readonly addresses?: Partial<ObservabilityAddresses>;
  /** Path of the scrape config inside the container. @default '/etc/vmagent/scrape.yml' */
  readonly scrapeConfigPath?: string;
  /** Where samples wait on disk while VictoriaMetrics is unreachable. @default '/vmagent-data' */
  readonly bufferPath?: string;
  /** Cap on that buffer; beyond it the oldest samples are dropped. @default '256MB' */
  readonly maxBufferSize?: string;
  /** @default 50 */
  readonly memoryAllowedPercent?: number;
  readonly extraFlags?: ExtraFlags;
}

/** Flags for `vmagent`. */
export function vmagentFlags(model: VmagentModel = {}): string[] {
  const addresses = resolveAddresses(model.addresses);
  return toFlags({
    'promscrape.config': model.scrapeConfigPath ?? '/etc/vmagent/scrape.yml',
    'promscrape.config.strictParse': 'true',
    'remoteWrite.url': httpUrl(addresses.victoriaMetrics, '/api/v1/write'),
    'remoteWrite.tmpDataPath': model.bufferPath ?? '/vmagent-data',
    'remoteWrite.maxDiskUsagePerURL': model.maxBufferSize ?? '256MB',
    httpListenAddr: listenAddress(addresses.vmagent),
    'memory.allowedPercent': String(percent(model.memoryAllowedPercent ?? 50, 'vmagent memoryAllowedPercent')),
    loggerLevel: 'WARN',
    ...model.extraFlags,
  });
}

export interface VmalertModel {
  readonly addresses?: Partial<ObservabilityAddresses>;
  /** Path of the rule file inside the container. @default '/etc/vmalert/rules.yml' */
  readonly ruleFilePath?: string;
  /** Default evaluation interval; rule groups set their own too. @default '30s' */
  readonly evaluationInterval?: Duration;
  /** Grafana's public URL, for the links in alerts. */
  readonly externalUrl?: string;
  readonly extraFlags?: ExtraFlags;
}

/** Flags for `vmalert`: read from and write alert state to VictoriaMetrics, notify Alertmanager. */
export function vmalertFlags(model: VmalertModel = {}): string[] {
  const addresses = resolveAddresses(model.addresses);
  const interval = model.evaluationInterval ?? '30s';
  durationSeconds(interval, 'vmalert evaluationInterval');
  const database = httpUrl(addresses.victoriaMetrics);

  return toFlags({
    rule: model.ruleFilePath ?? '/etc/vmalert/rules.yml',
    'datasource.url': database,
    // Alert state goes back to VictoriaMetrics and is read on start, so a restart does not reset `for` timers.
    'remoteWrite.url': database,
    'remoteRead.url': database,
    'notifier.url': httpUrl(addresses.alertmanager),
    evaluationInterval: interval,
    httpListenAddr: listenAddress(addresses.vmalert),
    ...(model.externalUrl === undefined ? {} : { 'external.url': model.externalUrl }),
    loggerLevel: 'WARN',
    ...model.extraFlags,
  });
}

function toFlags(flags: Record<string, string>): string[] {
  return Object.entries(flags).map(([name, value]) => `-${name}=${value}`);
}

function percent(value: number, what: string): number {
  if (!(value > 0 && value < 100)) throw new Error(`${what} is ${value}; expected a percentage between 0 and 100`);
  return value;
}
