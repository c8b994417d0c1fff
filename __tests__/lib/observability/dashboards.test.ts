import { parse } from 'yaml';
import {
  applicationMetricsDashboard, costsAndResourcesDashboard, platformDashboards, platformHealthDashboard, RenderedDashboard,
} from '../../../lib/observability/dashboards';
import { knownMetricNames } from '../../../lib/observability/exporter-metrics';
import { renderGrafanaDashboardProviders, renderGrafanaDatasources, DATASOURCE_UIDS } from '../../../lib/observability/grafana';
import { resolveAlertRules } from '../../../lib/observability/alert-rules';
import { renderYaml } from '../../../lib/observability/yaml';
import { itWithTools, run } from '../../support/tools';
import { metricNames, withoutGrafanaVariables } from './support/promql';
import { workspace, yamllint } from './support/workspace';

interface Target { refId?: string; expr?: string; datasource?: { type: string; uid: string } }
interface Panel {
  id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string }; targets?: Target[]; panels?: Panel[];
}
interface DashboardJson { uid: string; title: string; schemaVersion: number; panels: Panel[]; time: unknown; tags: string[] }

const costs = { serverType: 'cax11', monthlyPriceEur: 4.51 };
const dashboards = platformDashboards(costs, [
  { app: 'shop', scraped: true },
  { app: 'blog', traefikService: 'blog-web@docker' },
]);
const parsed = (dashboard: RenderedDashboard): DashboardJson => JSON.parse(dashboard.json) as DashboardJson;
const allPanels = (dashboard: DashboardJson): Panel[] => dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const metricsTargets = (dashboard: DashboardJson): Target[] => allPanels(dashboard)
  .flatMap((panel) => panel.targets ?? [])
  .filter((target) => target.datasource?.uid === DATASOURCE_UIDS.metrics);

const provisionedUids = (parse(renderGrafanaDatasources()) as { datasources: { uid: string; type: string; isDefault?: boolean }[] })
  .datasources;

describe('Grafana provisioning', () => {
  it('makes VictoriaMetrics the default, Prometheus-typed datasource, with Loki and Alertmanager beside it', () => {
    expect(provisionedUids).toEqual([
      expect.objectContaining({ uid: 'victoriametrics', type: 'prometheus', isDefault: true }),
      expect.objectContaining({ uid: 'loki', type: 'loki' }),
      expect.objectContaining({ uid: 'alertmanager', type: 'alertmanager' }),
    ]);
  });

  it('points datasources at the addresses in the model', () => {
    const local = parse(renderGrafanaDatasources({ addresses: { loki: '127.0.0.1:3100' } })) as { datasources: { url: string }[] };
    expect(local.datasources[1].url).toBe('http://127.0.0.1:3100');
  });

  it('loads platform and community dashboards read-only and leaves a custom folder editable', () => {
    const providers = (parse(renderGrafanaDashboardProviders()) as { providers: Record<string, unknown>[] }).providers;
    expect(providers.map((provider) => [provider.folder, provider.allowUiUpdates])).toEqual([
      ['Platform', false], ['Community', false], ['Custom', true],
    ]);
  });

  itWithTools('yamllint')('passes yamllint', () => {
    const files = workspace('grafana');
    try {
      const paths = [files.write('datasources.yml', renderGrafanaDatasources()), files.write('dashboards.yml', renderGrafanaDashboardProviders())];
      expect(yamllint(...paths)).toEqual({ status: 0, output: '' });
    } finally {
      files.remove();
    }
  });
});

describe('platform dashboards', () => {
  it('are Platform Health, Costs & Resources and one Application Metrics dashboard per app', () => {
    expect(dashboards.map((dashboard) => [dashboard.uid, parsed(dashboard).title])).toEqual([
      ['mambo-platform-health', 'Platform Health'],
      ['mambo-costs-resources', 'Costs & Resources'],
      ['mambo-app-shop', 'App: shop'],
      ['mambo-app-blog', 'App: blog'],
    ]);
    expect(dashboards.map((dashboard) => dashboard.fileName)).toContain('mambo-app-shop.json');
  });

  it.each(dashboards.map((dashboard) => [dashboard.uid, dashboard] as const))(
    '%s has the fields Grafana requires, unique panel ids and a grid that fits',
    (_uid, dashboard) => {
      const json = parsed(dashboard);
      expect(json.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(typeof json.schemaVersion).toBe('number');
      expect(json.title).not.toBe('');
      const panels = allPanels(json);
      const ids = panels.map((panel) => panel.id);
      expect(ids.every((id) => Number.isInteger(id))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of panels) {
        expect(panel.type).not.toBe('');
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
        if (panel.type === 'row') continue;
        expect(panel.title).not.toBe('');
        expect(panel.targets?.length).toBeGreaterThan(0);
        const refIds = (panel.targets ?? []).map((target) => target.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
      }
    },
  );

  it.each(dashboards.map((dashboard) => [dashboard.uid, dashboard] as const))(
    '%s only uses provisioned datasources',
    (_uid, dashboard) => {
      const known = new Set(provisionedUids.map((datasource) => `${datasource.type}/${datasource.uid}`));
      for (const panel of allPanels(parsed(dashboard)).filter((candidate) => candidate.type !== 'row')) {
        for (const ref of [panel.datasource, ...(panel.targets ?? []).map((target) => target.datasource)]) {
          expect(known).toContain(`${ref?.type}/${ref?.uid}`);
        }
      }
    },
  );

  it.each(dashboards.map((dashboard) => [dashboard.uid, dashboard] as const))(
    '%s queries only metrics the scraped exporters expose',
    (_uid, dashboard) => {
      const known = knownMetricNames();
      const unknown = metricsTargets(parsed(dashboard))
        .flatMap((target) => metricNames(target.expr ?? ''))
        .filter((name) => !known.has(name));
      expect(unknown).toEqual([]);
    },
  );

  it('Platform Health shows each service up or down, CPU, memory, disk, and Traefik rate and 5xx per service', () => {
    const exprs = metricsTargets(parsed(platformHealthDashboard())).map((target) => target.expr ?? '');
    expect(exprs).toEqual(expect.arrayContaining([
      'min by (job) (up)',
      expect.stringContaining('node_cpu_seconds_total'),
      expect.stringContaining('node_memory_MemAvailable_bytes'),
      expect.stringContaining('node_filesystem_avail_bytes'),
      'sum by (service) (rate(traefik_service_requests_total[$__rate_interval]))',
      'sum by (service) (rate(traefik_service_requests_total{code=~"5.."}[$__rate_interval]))',
    ]));
  });

  it('Costs & Resources takes the host price from the model', () => {
    const json = costsAndResourcesDashboard({ serverType: 'cax21', monthlyPriceEur: 7.99 }).json;
    expect(json).toContain('vector(7.99)');
    expect(json).toContain('Host price per month (cax21)');
    expect(() => costsAndResourcesDashboard({ serverType: 'cax11', monthlyPriceEur: -1 })).toThrow(/monthlyPriceEur is -1/);
  });

  it('Application Metrics follows the app through its label, Traefik service and logs', () => {
    const blog = applicationMetricsDashboard({ app: 'blog', traefikService: 'blog-web@docker' }).json;
    expect(blog).toContain('service=\\"blog-web@docker\\"');
    expect(blog).toContain('container_label_mambo_app=\\"blog\\"');
    expect(blog).toContain('{app=\\"blog\\"}');
    expect(blog).not.toContain('Series by metric name');
    expect(() => applicationMetricsDashboard({ app: 'Blog!' })).toThrow(/invalid app name/);
  });

  it('Application Metrics counts a blue/green app\'s traffic under each colour\'s Traefik service', () => {
    const reader = JSON.parse(applicationMetricsDashboard({
      app: 'reader', scraped: true, traefikServices: ['reader@docker', 'reader-blue@docker', 'reader-green@docker'],
    }).json) as DashboardJson;
    const exprs = allPanels(reader).flatMap((panel) => panel.targets ?? []).map((target) => target.expr ?? '');
    expect(exprs).toContain('sum by (code) (rate(traefik_service_requests_total{service=~"reader@docker|reader-blue@docker|reader-green@docker"}[$__rate_interval]))');
    expect(exprs.filter((expr) => expr.includes('traefik_service_request_duration_seconds_bucket{service=~"reader@docker|'))).toHaveLength(2);
  });

  it('alert rules too read only known metrics', () => {
    const known = knownMetricNames();
    const unknown = resolveAlertRules().flatMap((rule) => metricNames(rule.expr)).filter((name) => !known.has(name));
    expect(unknown).toEqual([]);
  });

  function queriesAsRules(): string {
    const rules = dashboards.flatMap((dashboard) => metricsTargets(parsed(dashboard)).map((target, index) => ({
      record: `dashboard:${dashboard.uid.replace(/-/g, '_')}:${index}`,
      expr: withoutGrafanaVariables(target.expr ?? ''),
    })));
    return renderYaml({ groups: [{ name: 'dashboard-queries', rules }] });
  }

  itWithTools('promtool')('every query is valid PromQL (promtool check rules)', () => {
    const files = workspace('dashboards');
    try {
      const result = run('promtool', ['check', 'rules', files.write('queries.yml', queriesAsRules())]);
      expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
      expect(result.status).toBe(0);
    } finally {
      files.remove();
    }
  });

  itWithTools('vmalert')('every query is valid MetricsQL (vmalert -dryRun)', () => {
    const files = workspace('dashboards');
    try {
      const result = run('vmalert', ['-dryRun', `-rule=${files.write('queries.yml', queriesAsRules())}`]);
      expect({ status: result.status, fatal: result.stderr.split('\n').filter((line) => /fatal|error/.test(line)) })
        .toEqual({ status: 0, fatal: [] });
    } finally {
      files.remove();
    }
  });
});
