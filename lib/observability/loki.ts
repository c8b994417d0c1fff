// Loki's config for one host: monolithic, filesystem storage, TSDB index, retention enforced by the
// compactor, and the cache and ingestion limits that keep it inside its memory footprint.
import { Duration, durationSeconds } from '../duration';
import { ObservabilityAddresses, resolveAddresses, splitHostPort } from './topology';
import { renderYaml } from './yaml';

export interface LokiModel {
  readonly addresses?: Partial<ObservabilityAddresses>;
  /** How long logs are kept; a whole number of days, as Loki deletes by daily index table. @default '7d' */
  readonly retention?: Duration;
  /** Data directory inside the container (chunks, index, compactor state). @default '/loki' */
  readonly dataDir?: string;
  /**
   * First day of the TSDB v13 schema, `YYYY-MM-DD`. Never change it once logs are stored: a new schema gets
   * a new entry with a later date instead. @default '2024-01-01'
   */
  readonly schemaStart?: string;
  /** Size of each embedded cache (query results, chunks), MiB. @default 32 */
  readonly cacheSizeMb?: number;
  /** Per-tenant ingestion rate, MB/s; bursts may reach twice that. @default 4 */
  readonly ingestionRateMb?: number;
}

/** Renders `loki.yml`. */
export function renderLokiConfig(model: LokiModel = {}): string {
  const addresses = resolveAddresses(model.addresses);
  const retention = model.retention ?? '7d';
  const retentionSeconds = durationSeconds(retention, 'loki retention');
  if (retentionSeconds < 86_400 || retentionSeconds % 86_400 !== 0) {
    throw new Error(`loki retention "${retention}" must be a whole number of days (24h index periods), e.g. 7d`);
  }
  const schemaStart = model.schemaStart ?? '2024-01-01';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(schemaStart) || Number.isNaN(Date.parse(schemaStart))) {
    throw new Error(`loki schemaStart "${schemaStart}" is not a date; expected YYYY-MM-DD`);
  }
  const cacheSizeMb = positive(model.cacheSizeMb ?? 32, 'loki cacheSizeMb');
  const ingestionRateMb = positive(model.ingestionRateMb ?? 4, 'loki ingestionRateMb');
  const dataDir = model.dataDir ?? '/loki';
  const embeddedCache = { embedded_cache: { enabled: true, max_size_mb: cacheSizeMb } };

  const document = {
    auth_enabled: false,
    server: {
      http_listen_port: splitHostPort(addresses.loki).port,
      grpc_listen_port: 9096,
      log_level: 'warn',
    },
    common: {
      instance_addr: '127.0.0.1',
      path_prefix: dataDir,
      storage: { filesystem: { chunks_directory: `${dataDir}/chunks`, rules_directory: `${dataDir}/rules` } },
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
    },
    schema_config: {
      configs: [{
        from: schemaStart,
        store: 'tsdb',
        object_store: 'filesystem',
        schema: 'v13',
        index: { prefix: 'index_', period: '24h' },
      }],
    },
    // Both embedded caches default to 100 MiB; on a 256 MiB container they are the first thing to cut.
    query_range: { cache_results: true, results_cache: { cache: embeddedCache } },
    chunk_store_config: { chunk_cache_config: embeddedCache },
    ingester: { chunk_idle_period: '30m', max_chunk_age: '2h', chunk_target_size: 1_572_864 },
    querier: { max_concurrent: 2 },
    limits_config: {
      retention_period: `${retentionSeconds / 3600}h`,
      ingestion_rate_mb: ingestionRateMb,
      ingestion_burst_size_mb: ingestionRateMb * 2,
      max_query_parallelism: 2,
      max_query_series: 500,
      reject_old_samples: true,
      reject_old_samples_max_age: '1w',
      allow_structured_metadata: true,
    },
    compactor: {
      working_directory: `${dataDir}/compactor`,
      compaction_interval: '10m',
      retention_enabled: true,
      retention_delete_delay: '2h',
      retention_delete_worker_count: 50,
      delete_request_store: 'filesystem',
    },
    pattern_ingester: { enabled: false },
    analytics: { reporting_enabled: false },
  };
  return renderYaml(document, 'Loki, single binary on the filesystem, rendered by Mambo Platform.');
}

function positive(value: number, what: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${what} is ${value}; expected a number above 0`);
  return value;
}
