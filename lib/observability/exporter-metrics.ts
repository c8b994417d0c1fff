// The metric names each scraped exporter exposes that the platform's dashboards and alert rules read. A
// query that names anything else would show "No data" forever; the tests check every query against this list,
// and check the names against the real binaries where CI has them (node exporter, VictoriaMetrics,
// vmagent, vmalert, Alertmanager).

export type MetricSource =
  | 'scrape' | 'nodeExporter' | 'cadvisor' | 'traefik' | 'victoriaMetrics' | 'vmagent' | 'vmalert'
  | 'alertmanager' | 'loki' | 'grafana' | 'goProcess';

/**
 * Names by source. `scrape` are the series vmagent writes for every target; `vmalert` includes `ALERTS`,
 * which vmalert writes back to VictoriaMetrics; `goProcess` are the process metrics every Go exporter serves.
 */
export const EXPORTER_METRICS: { readonly [source in MetricSource]: readonly string[] } = {
  scrape: ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added'],
  nodeExporter: [
    'node_cpu_seconds_total',
    'node_memory_MemTotal_bytes',
    'node_memory_MemAvailable_bytes',
    'node_filesystem_avail_bytes',
    'node_filesystem_size_bytes',
    'node_load1',
    'node_load5',
    'node_load15',
    'node_network_receive_bytes_total',
    'node_network_transmit_bytes_total',
    'node_boot_time_seconds',
    'node_time_seconds',
  ],
  cadvisor: [
    'container_cpu_usage_seconds_total',
    'container_cpu_cfs_periods_total',
    'container_cpu_cfs_throttled_periods_total',
    'container_memory_working_set_bytes',
    'container_memory_usage_bytes',
    'container_spec_memory_limit_bytes',
    'container_spec_cpu_quota',
    'container_spec_cpu_period',
    'container_last_seen',
    'container_start_time_seconds',
    'container_oom_events_total',
    'container_network_receive_bytes_total',
    'container_network_transmit_bytes_total',
  ],
  traefik: [
    'traefik_service_requests_total',
    'traefik_service_request_duration_seconds_bucket',
    'traefik_entrypoint_requests_total',
    'traefik_tls_certs_not_after',
    'traefik_open_connections',
  ],
  victoriaMetrics: ['vm_data_size_bytes', 'vm_free_disk_space_bytes', 'vm_rows_inserted_total'],
  vmagent: ['vmagent_remotewrite_requests_total', 'vm_persistentqueue_bytes_pending'],
  vmalert: ['ALERTS', 'vmalert_alerts_fired_total'],
  alertmanager: ['alertmanager_notifications_total', 'alertmanager_notifications_failed_total'],
  loki: ['loki_distributor_bytes_received_total', 'loki_ingester_memory_streams'],
  grafana: ['grafana_build_info'],
  goProcess: ['process_resident_memory_bytes', 'process_cpu_seconds_total'],
};

/** Every name in {@link EXPORTER_METRICS}. */
export function knownMetricNames(): Set<string> {
  return new Set(Object.values(EXPORTER_METRICS).flat());
}
