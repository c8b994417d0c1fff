// The platform's own Grafana dashboards, built with Grafana's foundation SDK so the JSON follows Grafana's
// dashboard schema by construction: Platform Health, one Application Metrics dashboard per app, and
// Costs & Resources. Every metric a query names is in exporter-metrics.ts; the tests hold them to it.
/// <reference path="./grafana-foundation-sdk.d.ts" />
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { APP_LABEL_METRIC } from './exporters';
import { LOGS_DATASOURCE, METRICS_DATASOURCE } from './grafana';
import { appJobName } from './vmagent';

/** A dashboard ready to write as a JSON file into a provisioned folder. */
export interface RenderedDashboard {
  readonly uid: string;
  /** File name in its folder, `<uid>.json`. */
  readonly fileName: string;
  readonly json: string;
}

/** What the Application Metrics template needs to know about one app. */
export interface AppDashboardModel {
  /** The app's name, also its `mambo.app` Docker label and its log label. */
  readonly app: string;
  /** Traefik's service name for the app, as in `traefik_service_requests_total{service=…}`. @default '<app>@docker' */
  readonly traefikService?: string;
  /**
   * Every service name the app's traffic may be counted under, instead of `traefikService`: a blue/green app has
   * one per colour (`<app>-blue@docker`, `<app>-green@docker`).
   */
  readonly traefikServices?: readonly string[];
  /** Whether vmagent scrapes the app's own metrics endpoint (job `app-<app>`). @default false */
  readonly scraped?: boolean;
}

export interface CostsModel {
  /** Hetzner server type of the host, e.g. `cax11`. */
  readonly serverType: string;
  /** The host's monthly price in EUR, from the server-type catalog or config. */
  readonly monthlyPriceEur: number;
}

const realFilesystems = 'fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs|fuse.lxcfs"';
const namedContainers = 'name!=""';

/** Panels get ids in the order they are added, so every dashboard's ids are unique and stable. */
class PanelIds {
  private next = 1;

  take(): number {
    const id = this.next;
    this.next += 1;
    return id;
  }
}

function metricsQuery(expr: string, legend?: string): prometheus.DataqueryBuilder {
  const query = new prometheus.DataqueryBuilder().expr(expr).datasource(METRICS_DATASOURCE);
  return legend === undefined ? query : query.legendFormat(legend);
}

function timeSeriesPanel(ids: PanelIds, title: string, unit: string, queries: prometheus.DataqueryBuilder[]): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .id(ids.take())
    .title(title)
    .unit(unit)
    .datasource(METRICS_DATASOURCE)
    .height(8)
    .span(12);
  queries.forEach((query, index) => panel.withTarget(query.refId(String.fromCharCode(65 + index))));
  return panel;
}

function statPanel(ids: PanelIds, title: string, unit: string, query: prometheus.DataqueryBuilder, span = 6): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .id(ids.take())
    .title(title)
    .unit(unit)
    .datasource(METRICS_DATASOURCE)
    .withTarget(query.refId('A').instant())
    .reduceOptions(lastValue())
    .height(5)
    .span(span);
}

/** Stat and bar gauge panels show the latest value, not a reduction over the time range. */
function lastValue(): common.ReduceDataOptionsBuilder {
  return new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']);
}

function thresholds(steps: { value: number | null; color: string }[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

const upDownMappings: dashboard.ValueMapping[] = [{
  type: dashboard.MappingType.ValueToText,
  options: { 0: { text: 'DOWN', color: 'red', index: 0 }, 1: { text: 'UP', color: 'green', index: 1 } },
}];

function render(builder: dashboard.DashboardBuilder, uid: string): RenderedDashboard {
  const built = builder.build();
  return { uid, fileName: `${uid}.json`, json: `${JSON.stringify(built, null, 2)}\n` };
}

function baseDashboard(uid: string, title: string, tags: string[]): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .tags(['mambo', ...tags])
    .readonly()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
}

/** Platform Health: every scraped service up or down, the host's CPU, memory and disk, Traefik per service. */
export function platformHealthDashboard(): RenderedDashboard {
  const ids = new PanelIds();
  const uid = 'mambo-platform-health';
  const builder = baseDashboard(uid, 'Platform Health', ['health']);

  builder.withRow(new dashboard.RowBuilder('Services').id(ids.take()));
  builder.withPanel(new stat.PanelBuilder()
    .id(ids.take())
    .title('Scraped services')
    .description('1 when vmagent reached the service at its last scrape. A service down for 2 minutes alerts.')
    .datasource(METRICS_DATASOURCE)
    .withTarget(metricsQuery('min by (job) (up)', '{{job}}').refId('A').instant())
    .mappings(upDownMappings)
    .reduceOptions(lastValue())
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .thresholds(thresholds([{ value: null, color: 'red' }, { value: 1, color: 'green' }]))
    .height(6)
    .span(18));
  builder.withPanel(statPanel(ids, 'Firing alerts', 'none', metricsQuery('count(ALERTS{alertstate="firing"}) or vector(0)'))
    .thresholds(thresholds([{ value: null, color: 'green' }, { value: 1, color: 'red' }]))
    .colorMode(common.BigValueColorMode.Background)
    .height(6));

  builder.withRow(new dashboard.RowBuilder('Host').id(ids.take()));
  builder.withPanel(timeSeriesPanel(ids, 'CPU used', 'percent', [
    metricsQuery('100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval])))', '{{instance}}'),
  ]).min(0).max(100).thresholds(thresholds([{ value: null, color: 'green' }, { value: 80, color: 'red' }])));
  builder.withPanel(timeSeriesPanel(ids, 'Memory used', 'percent', [
    metricsQuery('100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)', '{{instance}}'),
  ]).min(0).max(100).thresholds(thresholds([{ value: null, color: 'green' }, { value: 90, color: 'red' }])));
  builder.withPanel(timeSeriesPanel(ids, 'Disk used', 'percent', [
    metricsQuery(`100 * (1 - node_filesystem_avail_bytes{${realFilesystems}} / node_filesystem_size_bytes{${realFilesystems}})`,
      '{{mountpoint}}'),
  ]).min(0).max(100).thresholds(thresholds([{ value: null, color: 'green' }, { value: 85, color: 'red' }])));
  builder.withPanel(timeSeriesPanel(ids, 'Load average', 'short', [
    metricsQuery('node_load1', '1m'),
    metricsQuery('node_load5', '5m'),
    metricsQuery('node_load15', '15m'),
  ]));

  builder.withRow(new dashboard.RowBuilder('Edge (Traefik)').id(ids.take()));
  builder.withPanel(timeSeriesPanel(ids, 'Requests per service', 'reqps', [
    metricsQuery('sum by (service) (rate(traefik_service_requests_total[$__rate_interval]))', '{{service}}'),
  ]));
  builder.withPanel(timeSeriesPanel(ids, '5xx per service', 'reqps', [
    metricsQuery('sum by (service) (rate(traefik_service_requests_total{code=~"5.."}[$__rate_interval]))', '{{service}}'),
  ]));
  builder.withPanel(timeSeriesPanel(ids, 'Latency p95 per service', 's', [
    metricsQuery('histogram_quantile(0.95, sum by (service, le) (rate(traefik_service_request_duration_seconds_bucket[$__rate_interval])))',
      '{{service}}'),
  ]));
  builder.withPanel(new table.PanelBuilder()
    .id(ids.take())
    .title('TLS certificates: days left')
    .description('Let\'s Encrypt renews at 30 days; under 7 alerts.')
    .datasource(METRICS_DATASOURCE)
    .withTarget(metricsQuery('(min by (cn) (traefik_tls_certs_not_after) - time()) / 86400').refId('A').instant()
      .format(prometheus.PromQueryFormat.Table))
    .unit('d')
    .height(8)
    .span(12));

  return render(builder, uid);
}

/** Application Metrics: the template every app gets, traffic from Traefik, resources from cAdvisor, its logs. */
export function applicationMetricsDashboard(model: AppDashboardModel): RenderedDashboard {
  if (!/^[a-z][a-z0-9-]*$/.test(model.app)) {
    throw new Error(`app dashboard for "${model.app}": invalid app name; expected lower-case-with-dashes`);
  }
  const ids = new PanelIds();
  const uid = `mambo-app-${model.app}`;
  const service = model.traefikServices && model.traefikServices.length > 0
    ? { matcher: '=~', value: escapeLabelValue(model.traefikServices.map(escapeRegex).join('|')) }
    : { matcher: '=', value: escapeLabelValue(model.traefikService ?? `${model.app}@docker`) };
  const containers = `${APP_LABEL_METRIC}="${model.app}"`;
  const builder = baseDashboard(uid, `App: ${model.app}`, ['app']);

  builder.withRow(new dashboard.RowBuilder('Traffic').id(ids.take()));
  builder.withPanel(timeSeriesPanel(ids, 'Requests by status', 'reqps', [
    metricsQuery(`sum by (code) (rate(traefik_service_requests_total{service${service.matcher}"${service.value}"}[$__rate_interval]))`, '{{code}}'),
  ]));
  builder.withPanel(timeSeriesPanel(ids, 'Latency', 's', [
    metricsQuery(latencyQuantile(0.5, service), 'p50'),
    metricsQuery(latencyQuantile(0.95, service), 'p95'),
  ]));

  builder.withRow(new dashboard.RowBuilder('Containers').id(ids.take()));
  builder.withPanel(timeSeriesPanel(ids, 'CPU (cores)', 'short', [
    metricsQuery(`sum by (name) (rate(container_cpu_usage_seconds_total{${containers}}[$__rate_interval]))`, '{{name}}'),
  ]));
  builder.withPanel(timeSeriesPanel(ids, 'Memory against limit', 'bytes', [
    metricsQuery(`max by (name) (container_memory_working_set_bytes{${containers}})`, '{{name}}'),
    metricsQuery(`max by (name) (container_spec_memory_limit_bytes{${containers}} > 0)`, '{{name}} limit'),
  ]));
  builder.withPanel(timeSeriesPanel(ids, 'Restarts (last hour)', 'short', [
    metricsQuery(`changes(container_start_time_seconds{${containers}}[1h])`, '{{name}}'),
  ]));
  builder.withPanel(timeSeriesPanel(ids, 'OOM kills', 'short', [
    metricsQuery(`increase(container_oom_events_total{${containers}}[$__rate_interval])`, '{{name}}'),
  ]));

  if (model.scraped) {
    builder.withRow(new dashboard.RowBuilder('Own metrics').id(ids.take()));
    builder.withPanel(statPanel(ids, 'Metrics endpoint', 'none', metricsQuery(`up{job="${appJobName(model.app)}"}`))
      .mappings(upDownMappings)
      .colorMode(common.BigValueColorMode.Background));
    builder.withPanel(new table.PanelBuilder()
      .id(ids.take())
      .title('Series by metric name')
      .description('What the app exposes: build panels of your own in the Custom folder from these names.')
      .datasource(METRICS_DATASOURCE)
      .withTarget(metricsQuery(`count by (__name__) ({job="${appJobName(model.app)}"})`).refId('A').instant()
        .format(prometheus.PromQueryFormat.Table))
      .height(8)
      .span(18));
  }

  builder.withRow(new dashboard.RowBuilder('Logs').id(ids.take()));
  builder.withPanel(new logs.PanelBuilder()
    .id(ids.take())
    .title('Logs')
    .datasource(LOGS_DATASOURCE)
    .withTarget(new loki.DataqueryBuilder().expr(`{app="${model.app}"}`).datasource(LOGS_DATASOURCE).refId('A'))
    .showTime(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .height(12)
    .span(24));

  return render(builder, uid);
}

/**
 * Costs & Resources: each container's CPU and memory against its limit, how fast the disks fill, and what the
 * host costs a month with each container's share of it by memory limit.
 */
export function costsAndResourcesDashboard(model: CostsModel): RenderedDashboard {
  if (!(model.monthlyPriceEur >= 0) || !Number.isFinite(model.monthlyPriceEur)) {
    throw new Error(`costs dashboard monthlyPriceEur is ${model.monthlyPriceEur}; expected a price in EUR, 0 or more`);
  }
  const ids = new PanelIds();
  const uid = 'mambo-costs-resources';
  const price = String(model.monthlyPriceEur);
  const builder = baseDashboard(uid, 'Costs & Resources', ['costs']);

  builder.withRow(new dashboard.RowBuilder('Cost').id(ids.take()));
  builder.withPanel(statPanel(ids, `Host price per month (${model.serverType})`, 'currencyEUR', metricsQuery(`vector(${price})`))
    .description('List price of the server type, excluding VAT and traffic.')
    .graphMode(common.BigValueGraphMode.None));
  builder.withPanel(new bargauge.PanelBuilder()
    .id(ids.take())
    .title('Monthly cost share by memory limit')
    .description('The host price split by each container\'s memory limit against the host\'s memory.')
    .datasource(METRICS_DATASOURCE)
    .withTarget(metricsQuery(
      `${price} * sum by (name) (container_spec_memory_limit_bytes{${namedContainers}} > 0) / scalar(sum(node_memory_MemTotal_bytes))`,
      '{{name}}',
    ).refId('A').instant())
    .unit('currencyEUR')
    .reduceOptions(lastValue())
    .orientation(common.VizOrientation.Horizontal)
    .height(10)
    .span(18));

  builder.withRow(new dashboard.RowBuilder('Containers against their limits').id(ids.take()));
  builder.withPanel(timeSeriesPanel(ids, 'CPU used, % of limit', 'percent', [
    metricsQuery(`100 * sum by (name) (rate(container_cpu_usage_seconds_total{${namedContainers}}[$__rate_interval])) `
      + `/ max by (name) (container_spec_cpu_quota{${namedContainers}} / container_spec_cpu_period{${namedContainers}})`, '{{name}}'),
  ]));
  builder.withPanel(timeSeriesPanel(ids, 'Memory used, % of limit', 'percent', [
    metricsQuery(`100 * max by (name) (container_memory_working_set_bytes{${namedContainers}} `
      + `/ (container_spec_memory_limit_bytes{${namedContainers}} > 0))`, '{{name}}'),
  ]).thresholds(thresholds([{ value: null, color: 'green' }, { value: 90, color: 'red' }])));
  builder.withPanel(timeSeriesPanel(ids, 'CPU throttling', 'percentunit', [
    metricsQuery(`sum by (name) (rate(container_cpu_cfs_throttled_periods_total{${namedContainers}}[$__rate_interval])) `
      + `/ sum by (name) (rate(container_cpu_cfs_periods_total{${namedContainers}}[$__rate_interval]))`, '{{name}}'),
  ]));
  builder.withPanel(timeSeriesPanel(ids, 'Memory used', 'bytes', [
    metricsQuery(`max by (name) (container_memory_working_set_bytes{${namedContainers}})`, '{{name}}'),
  ]));

  builder.withRow(new dashboard.RowBuilder('Disk').id(ids.take()));
  builder.withPanel(timeSeriesPanel(ids, 'Disk growth per day', 'bytes', [
    metricsQuery(`-86400 * deriv(node_filesystem_avail_bytes{${realFilesystems}}[6h])`, '{{mountpoint}}'),
  ]));
  builder.withPanel(timeSeriesPanel(ids, 'Metrics storage', 'bytes', [
    metricsQuery('sum(vm_data_size_bytes)', 'VictoriaMetrics data'),
    metricsQuery('min(vm_free_disk_space_bytes)', 'free for VictoriaMetrics'),
  ]));

  return render(builder, uid);
}

/** All platform dashboards for a set of apps. */
export function platformDashboards(costs: CostsModel, apps: readonly AppDashboardModel[] = []): RenderedDashboard[] {
  return [platformHealthDashboard(), costsAndResourcesDashboard(costs), ...apps.map(applicationMetricsDashboard)];
}

function latencyQuantile(quantile: number, service: { matcher: string; value: string }): string {
  const buckets = `traefik_service_request_duration_seconds_bucket{service${service.matcher}"${service.value}"}`;
  return `histogram_quantile(${quantile}, sum by (le) (rate(${buckets}[$__rate_interval])))`;
}

/** A service name as a literal inside a regex matcher (`.` in a name matches only a dot). */
function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Traefik service names come from config; keep them from breaking out of the label matcher. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
