// The log shipper: every container's logs to Loki, labelled with the container name and the app from its
// `mambo.app` Docker label. Grafana Alloy is the default (River/Alloy syntax); Promtail, end of life since
// March 2026, stays selectable for hosts that still run it. Both read logs through the Docker API, which the
// platform exposes read-only through its socket proxy, so neither mounts the Docker socket.
import { APP_LABEL } from './exporters';
import { LogShipperKind } from './footprint';
import { ObservabilityAddresses, httpUrl, resolveAddresses, splitHostPort } from './topology';
import { renderYaml } from './yaml';

export interface LogShipperModel {
  readonly addresses?: Partial<ObservabilityAddresses>;
  /** Docker API endpoint: the socket proxy (`tcp://socket-proxy:2375`) or `unix:///var/run/docker.sock`. */
  readonly dockerHost: string;
  /** How often the container list is refreshed. @default '15s' */
  readonly refreshInterval?: string;
  /** Promtail's positions file (Alloy keeps its own state in its data directory). @default '/promtail/positions.yaml' */
  readonly positionsFile?: string;
  /**
   * Host log files to follow besides the containers' logs, each labelled `job`; the shipper's container must mount
   * their directory read-only at the same path (e.g. MAINTENANCE_LOG's /var/log/mambo). @default none
   */
  readonly files?: readonly HostLogFile[];
}

export interface HostLogFile {
  readonly path: string;
  /** The `job` label of its lines in Loki. */
  readonly job: string;
}

/** The log every backup and maintenance job appends to (lib/scripts, BACKUP_DEFAULTS.logFile), world-readable. */
export const MAINTENANCE_LOG: HostLogFile = { path: '/var/log/mambo/maintenance.log', job: 'mambo-maintenance' };

/** Docker meta labels as service discovery spells them (`mambo.app` → `…_mambo_app`). */
const appMetaLabel = `__meta_docker_container_label_${APP_LABEL.replace(/[^A-Za-z0-9_]/g, '_')}`;

/** The relabelling both shippers apply, as data: source meta label, optional regex, target label. */
const LOG_LABELS: readonly { source: string; regex?: string; target: string }[] = [
  { source: '__meta_docker_container_name', regex: '/(.*)', target: 'container' },
  { source: appMetaLabel, target: 'app' },
  { source: '__meta_docker_container_log_stream', target: 'stream' },
];

/** Where each shipper reads its config inside its container. */
export const LOG_SHIPPER_CONFIG_PATHS: { readonly [kind in LogShipperKind]: string } = {
  alloy: '/etc/alloy/config.alloy',
  promtail: '/etc/promtail/promtail.yml',
};

/** The container command for a shipper: its config file, and Alloy's listen address and data directory. */
export function logShipperArgs(kind: LogShipperKind, model: Pick<LogShipperModel, 'addresses'> = {}): string[] {
  const port = splitHostPort(resolveAddresses(model.addresses).logShipper).port;
  if (kind === 'promtail') return [`-config.file=${LOG_SHIPPER_CONFIG_PATHS.promtail}`];
  return ['run', `--server.http.listen-addr=0.0.0.0:${port}`, '--storage.path=/var/lib/alloy/data', LOG_SHIPPER_CONFIG_PATHS.alloy];
}

/** Renders the chosen shipper's config: Alloy syntax or Promtail YAML. */
export function renderLogShipperConfig(kind: LogShipperKind, model: LogShipperModel): string {
  return kind === 'alloy' ? renderAlloyConfig(model) : renderPromtailConfig(model);
}

/** Grafana Alloy: discovery.docker → discovery.relabel → loki.source.docker → loki.write. */
export function renderAlloyConfig(model: LogShipperModel): string {
  const { dockerHost, refreshInterval, pushUrl, files } = resolve(model);

  const blocks: RiverBlock[] = [
    block('discovery.docker', 'containers', [
      attribute('host', dockerHost),
      attribute('refresh_interval', refreshInterval),
    ]),
    block('discovery.relabel', 'containers', [
      attribute('targets', raw('[]')),
      ...LOG_LABELS.map((label) => block('rule', undefined, [
        attribute('source_labels', [label.source]),
        ...(label.regex === undefined ? [] : [attribute('regex', label.regex)]),
        attribute('target_label', label.target),
      ])),
    ]),
    block('loki.source.docker', 'containers', [
      attribute('host', dockerHost),
      attribute('targets', raw('discovery.docker.containers.targets')),
      attribute('relabel_rules', raw('discovery.relabel.containers.rules')),
      attribute('forward_to', raw('[loki.write.platform.receiver]')),
    ]),
    ...(files.length === 0 ? [] : [
      block('local.file_match', 'files', [
        attribute('path_targets', raw(`[${files.map((file) => `{"__path__" = ${JSON.stringify(file.path)}, "job" = ${JSON.stringify(file.job)}}`).join(', ')}]`)),
      ]),
      block('loki.source.file', 'files', [
        attribute('targets', raw('local.file_match.files.targets')),
        attribute('forward_to', raw('[loki.write.platform.receiver]')),
      ]),
    ]),
    block('loki.write', 'platform', [
      block('endpoint', undefined, [attribute('url', pushUrl)]),
    ]),
  ];
  const header = '// Grafana Alloy: Docker logs to Loki, rendered by Mambo Platform.\n';
  return `${header}${blocks.map((entry) => writeBlock(entry, 0)).join('\n')}`;
}

/** Promtail: docker_sd_configs with the same relabelling, pushing to the same Loki. */
export function renderPromtailConfig(model: LogShipperModel): string {
  const { dockerHost, refreshInterval, pushUrl, listenPort, files } = resolve(model);
  const document = {
    server: { http_listen_port: listenPort, grpc_listen_port: 0, log_level: 'warn' },
    positions: { filename: model.positionsFile ?? '/promtail/positions.yaml' },
    clients: [{ url: pushUrl }],
    scrape_configs: [{
      job_name: 'docker',
      docker_sd_configs: [{ host: dockerHost, refresh_interval: refreshInterval }],
      relabel_configs: LOG_LABELS.map((label) => ({
        source_labels: [label.source],
        ...(label.regex === undefined ? {} : { regex: label.regex }),
        target_label: label.target,
      })),
    }, ...files.map((file) => ({
      job_name: file.job,
      static_configs: [{ targets: ['localhost'], labels: { job: file.job, __path__: file.path } }],
    }))],
  };
  return renderYaml(document, 'Promtail: Docker logs to Loki, rendered by Mambo Platform.');
}

function resolve(model: LogShipperModel): {
  dockerHost: string; refreshInterval: string; pushUrl: string; listenPort: number; files: readonly HostLogFile[];
} {
  const addresses = resolveAddresses(model.addresses);
  if (!/^(unix:\/\/\/[\w./-]+|tcp:\/\/[\w.-]+:\d{1,5})$/.test(model.dockerHost)) {
    throw new Error(`log shipper dockerHost "${model.dockerHost}" is not a Docker endpoint; expected `
      + '"tcp://socket-proxy:2375" or "unix:///var/run/docker.sock"');
  }
  const refreshInterval = model.refreshInterval ?? '15s';
  if (!/^\d+(ms|s|m)$/.test(refreshInterval)) {
    throw new Error(`log shipper refreshInterval "${refreshInterval}" is not a duration such as 15s`);
  }
  const files = model.files ?? [];
  for (const file of files) {
    if (!/^\/[\w./-]+$/.test(file.path) || !/^[a-z][a-z0-9_-]*$/.test(file.job)) {
      throw new Error(`log shipper file ${JSON.stringify(file)}; expected an absolute path and a lower-case job name`);
    }
  }
  return {
    files,
    dockerHost: model.dockerHost,
    refreshInterval,
    pushUrl: httpUrl(addresses.loki, '/loki/api/v1/push'),
    listenPort: splitHostPort(addresses.logShipper).port,
  };
}

// A minimal writer for the Alloy configuration syntax: blocks, attributes, strings, lists, and raw
// expressions (component references). Strings are written with Go escaping, which JSON's matches for them.
type RiverValue = string | string[] | { raw: string };
type RiverAttribute = { kind: 'attribute'; name: string; value: RiverValue };
type RiverBlock = { kind: 'block'; name: string; label?: string; body: (RiverAttribute | RiverBlock)[] };

function attribute(name: string, value: RiverValue): RiverAttribute {
  return { kind: 'attribute', name, value };
}

function block(name: string, label: string | undefined, body: (RiverAttribute | RiverBlock)[]): RiverBlock {
  return { kind: 'block', name, label, body };
}

function raw(expression: string): { raw: string } {
  return { raw: expression };
}

function writeValue(value: RiverValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
  return value.raw;
}

function writeBlock(entry: RiverBlock, depth: number): string {
  const indent = '  '.repeat(depth);
  const label = entry.label === undefined ? '' : ` ${JSON.stringify(entry.label)}`;
  const width = Math.max(0, ...entry.body.filter((item) => item.kind === 'attribute').map((item) => item.name.length));
  const lines = entry.body.map((item) => (item.kind === 'attribute'
    ? `${indent}  ${item.name.padEnd(width)} = ${writeValue(item.value)}\n`
    : writeBlock(item, depth + 1)));
  return `${indent}${entry.name}${label} {\n${lines.join('')}${indent}}\n`;
}
