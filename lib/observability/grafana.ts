// Grafana provisioning: the datasources (VictoriaMetrics as the default, Prometheus-typed; Loki; Alertmanager)
// and the dashboard providers that load the platform's dashboards, the pinned community ones and users' own.
import { Duration, durationSeconds } from '../duration';
import { ObservabilityAddresses, httpUrl, resolveAddresses } from './topology';
import { renderYaml } from './yaml';

/** Datasource UIDs; dashboards refer to datasources by these, so they never change. */
export const DATASOURCE_UIDS = {
  metrics: 'victoriametrics',
  logs: 'loki',
  alerts: 'alertmanager',
} as const;

/** Datasource references as dashboards and panels spell them. */
export const METRICS_DATASOURCE = { type: 'prometheus', uid: DATASOURCE_UIDS.metrics } as const;
export const LOGS_DATASOURCE = { type: 'loki', uid: DATASOURCE_UIDS.logs } as const;

export type DashboardFolder = 'platform' | 'community' | 'custom';

/**
 * Where each folder's dashboard JSON files live in the Grafana container, and the folder title. Outside Grafana's
 * data directory (/var/lib/grafana, a volume): files uploaded there would land in the volume and outlive their
 * removal from code, and a volume written before its first start is never filled from the image.
 */
export const DASHBOARD_FOLDERS: { readonly [folder in DashboardFolder]: { readonly title: string; readonly path: string } } = {
  platform: { title: 'Platform', path: '/etc/grafana/dashboards/platform' },
  community: { title: 'Community', path: '/etc/grafana/dashboards/community' },
  custom: { title: 'Custom', path: '/etc/grafana/dashboards/custom' },
};

export interface GrafanaProvisioningModel {
  readonly addresses?: Partial<ObservabilityAddresses>;
  /** vmagent's scrape interval, so Grafana never asks for finer steps than exist. @default '30s' */
  readonly scrapeInterval?: Duration;
}

/** `provisioning/datasources/platform.yml`. */
export function renderGrafanaDatasources(model: GrafanaProvisioningModel = {}): string {
  const addresses = resolveAddresses(model.addresses);
  const scrapeInterval = model.scrapeInterval ?? '30s';
  durationSeconds(scrapeInterval, 'grafana scrapeInterval');

  const document = {
    apiVersion: 1,
    // Datasources are code: one removed here is removed from Grafana too.
    prune: true,
    datasources: [
      {
        name: 'VictoriaMetrics',
        uid: DATASOURCE_UIDS.metrics,
        type: 'prometheus',
        access: 'proxy',
        url: httpUrl(addresses.victoriaMetrics),
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: scrapeInterval, httpMethod: 'POST', prometheusType: 'Prometheus' },
      },
      {
        name: 'Loki',
        uid: DATASOURCE_UIDS.logs,
        type: 'loki',
        access: 'proxy',
        url: httpUrl(addresses.loki),
        editable: false,
        jsonData: { maxLines: 1000 },
      },
      {
        name: 'Alertmanager',
        uid: DATASOURCE_UIDS.alerts,
        type: 'alertmanager',
        access: 'proxy',
        url: httpUrl(addresses.alertmanager),
        editable: false,
        jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
      },
    ],
  };
  return renderYaml(document, 'Grafana datasources, rendered by Mambo Platform.');
}

/**
 * `provisioning/dashboards/platform.yml`. Platform and community dashboards are read-only (changed in code
 * or by a new pin); the custom folder takes users' own JSON files and allows edits from the UI.
 */
export function renderGrafanaDashboardProviders(): string {
  const provider = (folder: DashboardFolder, editable: boolean): object => ({
    name: folder,
    folder: DASHBOARD_FOLDERS[folder].title,
    type: 'file',
    disableDeletion: !editable,
    allowUiUpdates: editable,
    updateIntervalSeconds: 60,
    options: { path: DASHBOARD_FOLDERS[folder].path, foldersFromFilesStructure: false },
  });

  const document = {
    apiVersion: 1,
    providers: [provider('platform', false), provider('community', false), provider('custom', true)],
  };
  return renderYaml(document, 'Grafana dashboard providers, rendered by Mambo Platform.');
}
