// The platform report written beside the synthesized stacks (cdktf.out/PLATFORM.md): per environment a
// Mermaid diagram of hosts, networks, containers and the routes from hostnames to apps, then the URLs
// with their protection, the alerts, the backups, the memory budget per host, and what each stack needs.
// Pure: a typed model in, Markdown out. constructs/platform-report.ts builds the model from the stacks.

import { MemoryBudget } from './capacity';

export interface ReportModel {
  readonly project: string;
  /** The platform.yaml the stacks came from. */
  readonly configFile: string;
  readonly environments: readonly EnvironmentReport[];
}

export interface EnvironmentReport {
  readonly name: string;
  readonly tier: string;
  readonly letsEncrypt: string;
  readonly hosts: readonly HostReport[];
  readonly urls: readonly UrlReport[];
  readonly alerts: AlertsReport;
  readonly backups: BackupsReport;
  readonly stacks: readonly StackReport[];
}

export interface HostReport {
  readonly name: string;
  /** Its own DNS name (reverse DNS). */
  readonly fqdn: string;
  readonly serverType: string;
  readonly location: string;
  readonly architecture: string;
  readonly budget: MemoryBudget;
  readonly networks: readonly NetworkReport[];
  readonly containers: readonly ContainerReport[];
}

export interface NetworkReport {
  /** Docker's name, e.g. `mambo-production-web`. */
  readonly name: string;
  readonly subnet?: string;
  /** No route out of the host. */
  readonly internal: boolean;
}

export interface ContainerReport {
  readonly name: string;
  readonly role: 'platform' | 'app' | 'companion';
  readonly app?: string;
  readonly image: string;
  readonly memoryMiB: number;
  /** Docker names of the networks it joins. */
  readonly networks: readonly string[];
  /** Hostnames the edge routes to it. */
  readonly hostnames: readonly string[];
  readonly publishedPorts: readonly number[];
}

export interface UrlReport {
  readonly url: string;
  /** What serves it: `platform.grafana`, `app.reader`. */
  readonly service: string;
  /** `none`, `basic`, `sso`, `sso-2fa`. */
  readonly protection: string;
  readonly host: string;
}

export interface AlertsReport {
  /**
   * `platform-stack`: the rules the platform stack deploys. `defaults`: the platform stack deploys no alert
   * rules yet; these are the library's default rules, what it will deploy.
   */
  readonly source: 'platform-stack' | 'defaults';
  readonly rules: readonly { readonly name: string; readonly severity: string; readonly group: string }[];
}

export interface BackupsReport {
  /** As for alerts: what the platform stack deploys, or the library's defaults when it deploys no backup job yet. */
  readonly source: 'platform-stack' | 'defaults';
  /** Five-field cron expression (UTC on the host). */
  readonly schedule: string;
  /** Where archives go besides the host: `sftp:…`, `s3:…`; empty for local only. */
  readonly targets: readonly string[];
  readonly retention: { readonly localDays: number; readonly remoteDays: number };
  /** The volumes the backup picks up, with how. */
  readonly volumes: readonly { readonly name: string; readonly host: string; readonly policy: string; readonly owner: string }[];
}

export interface StackReport {
  readonly name: string;
  /** Where its state is: `local terraform.production-infra.tfstate`, `HCP Terraform acme/mambo-production-infra`. */
  readonly state: string;
  /** Terraform variables it declares: each must be given as TF_VAR_<name>. */
  readonly variables: readonly string[];
}

export function renderPlatformReport(model: ReportModel): string {
  const sections = [
    `# ${model.project}: platform report`,
    '',
    `Written by \`cdktf synth\` from \`${model.configFile}\`. Read it before a deploy: what runs where, which URLs are ` +
      'public, what alerts and backups exist, and how much memory each host has left.',
    '',
    table(['environment', 'tier', 'hosts', 'containers', 'URLs', 'protected', 'alert rules', 'backups', 'memory'],
      model.environments.map((environment) => [
        environment.name,
        environment.tier,
        String(environment.hosts.length),
        String(environment.hosts.reduce((sum, host) => sum + host.containers.length, 0)),
        String(environment.urls.length),
        String(environment.urls.filter((url) => url.protection !== 'none').length),
        `${environment.alerts.rules.length}${environment.alerts.source === 'defaults' ? ' (defaults)' : ''}`,
        describeSchedule(environment.backups.schedule),
        environment.hosts.map((host) => `${host.name} ${host.budget.totalMiB}/${host.budget.limitMiB} MiB`).join(', '),
      ])),
  ];
  for (const environment of model.environments) sections.push('', ...renderEnvironment(environment));
  return `${sections.join('\n')}\n`;
}

function renderEnvironment(environment: EnvironmentReport): string[] {
  const lines = [
    `## ${environment.name}`,
    '',
    `Tier ${environment.tier}; certificates from Let's Encrypt ${environment.letsEncrypt}.`,
    '',
    '```mermaid',
    ...renderMermaid(environment),
    '```',
    '',
    '### URLs',
    '',
    table(['URL', 'serves', 'protection', 'host'], environment.urls.map((url) => [url.url, url.service, describeProtection(url.protection), url.host])),
    '',
    '### Memory budget',
    '',
    table(['host', 'type', 'limits', 'of', 'platform', 'apps', 'free', 'fits'], environment.hosts.map((host) => [
      host.name, `${host.budget.serverType} (${host.architecture}, ${host.location})`, `${host.budget.totalMiB} MiB`,
      `${host.budget.limitMiB} MiB`, `${host.budget.platformMiB} MiB`, `${host.budget.appsMiB} MiB`,
      `${host.budget.limitMiB - host.budget.totalMiB} MiB`, host.budget.fits ? 'yes' : '**no**',
    ])),
    '',
    '### Containers',
    '',
    table(['container', 'host', 'role', 'memory', 'image', 'networks', 'hostnames'], environment.hosts.flatMap((host) =>
      host.containers.map((container) => [
        container.name, host.name, container.app ? `${container.role} (${container.app})` : container.role, `${container.memoryMiB} MiB`,
        `\`${container.image}\``, container.networks.join(', ') || '-', container.hostnames.join(', ') || '-',
      ]))),
    '',
    '### Alerts',
    '',
    environment.alerts.source === 'defaults'
      ? '> The platform stack deploys no alert rules yet: these are the default rules (`lib/observability/alert-rules.ts`) it will deploy.'
      : 'The rules the platform stack deploys:',
    '',
    `${environment.alerts.rules.length} rules: ${countBy(environment.alerts.rules.map((rule) => rule.severity))}.`,
    '',
    table(['alert', 'severity', 'group'], environment.alerts.rules.map((rule) => [rule.name, rule.severity, rule.group])),
    '',
    '### Backups',
    '',
    environment.backups.source === 'defaults'
      ? '> The platform stack deploys no backup job yet: the schedule and retention below are the backup scripts\' defaults.'
      : 'The backup job the platform stack deploys:',
    '',
    `Schedule: ${describeSchedule(environment.backups.schedule)} (\`${environment.backups.schedule}\`). ` +
      `Targets: ${environment.backups.targets.length > 0 ? environment.backups.targets.join(', ') : 'the host only (no remote target configured)'}. ` +
      `Retention: ${environment.backups.retention.localDays} days local, ${environment.backups.retention.remoteDays} days remote.`,
    '',
    table(['volume', 'host', 'how', 'owner'], environment.backups.volumes.map((volume) => [volume.name, volume.host, volume.policy, volume.owner])),
    '',
    '### Stacks, state and secrets',
    '',
    table(['stack', 'state', 'variables (TF_VAR_…)'], environment.stacks.map((stack) => [
      stack.name, stack.state, stack.variables.length > 0 ? stack.variables.join(', ') : '-',
    ])),
  ];
  return lines;
}

/** A flowchart: hostnames route through the edge to containers; containers join their host's networks. */
export function renderMermaid(environment: EnvironmentReport): string[] {
  const id = (...parts: string[]) => parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
  const label = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart LR', `  ${id(environment.name, 'internet')}((Internet))`];
  const routes: string[] = [];
  const hostnameNodes = new Set<string>();

  for (const host of environment.hosts) {
    lines.push(`  subgraph ${id(environment.name, host.name)}[${label(`host ${host.name}: ${host.serverType}, ${host.location}`)}]`);
    lines.push('    direction TB');
    for (const network of host.networks) {
      const kind = network.internal ? 'internal' : 'egress';
      lines.push(`    ${id(environment.name, host.name, 'net', network.name)}[(${label(`${network.name}<br/>${network.subnet ?? ''} ${kind}`.trim())})]`);
    }
    for (const container of host.containers) {
      lines.push(`    ${id(environment.name, host.name, container.name)}[${label(`${container.name}<br/>${container.role}, ${container.memoryMiB} MiB`)}]`);
    }
    lines.push('  end');

    for (const container of host.containers) {
      const node = id(environment.name, host.name, container.name);
      for (const network of container.networks) {
        if (host.networks.some((known) => known.name === network)) lines.push(`  ${node} -.- ${id(environment.name, host.name, 'net', network)}`);
      }
      if (container.publishedPorts.length > 0) {
        lines.push(`  ${id(environment.name, 'internet')} -->|${label(container.publishedPorts.join(', '))}| ${node}`);
      }
      for (const hostname of container.hostnames) {
        const hostnameNode = id(environment.name, 'route', hostname);
        if (!hostnameNodes.has(hostnameNode)) {
          const url = environment.urls.find((candidate) => candidate.url === `https://${hostname}/`);
          const lock = url && url.protection !== 'none' ? ` (${url.protection})` : '';
          routes.push(`  ${hostnameNode}([${label(`${hostname}${lock}`)}])`);
          hostnameNodes.add(hostnameNode);
        }
        routes.push(`  ${hostnameNode} ==> ${node}`);
      }
    }
  }
  return [...lines, ...routes];
}

function describeProtection(protection: string): string {
  switch (protection) {
    case 'none': return 'public';
    case 'basic': return 'basic auth';
    case 'sso': return 'SSO';
    case 'sso-2fa': return 'SSO with 2FA';
    default: return protection;
  }
}

/** `0 3 * * *` → `daily at 03:00 UTC`; anything else as written. */
export function describeSchedule(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 5 && /^\d+$/.test(fields[0]) && /^\d+$/.test(fields[1]) && fields.slice(2).every((field) => field === '*')) {
    return `daily at ${fields[1].padStart(2, '0')}:${fields[0].padStart(2, '0')} UTC`;
  }
  return cron;
}

function countBy(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].map(([value, count]) => `${count} ${value}`).join(', ') || 'none';
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(' | ')} |`;
  if (rows.length === 0) return '_none_';
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A few lines for the synth log: where the report went and the headline of each environment. */
export function summarizeReport(model: ReportModel, file: string): string[] {
  return [
    `Platform report: ${file}`,
    ...model.environments.map((environment) => {
      const containers = environment.hosts.reduce((sum, host) => sum + host.containers.length, 0);
      const protectedUrls = environment.urls.filter((url) => url.protection !== 'none').length;
      const alerts = `${environment.alerts.rules.length} alert rules${environment.alerts.source === 'defaults' ? ' (defaults, not deployed yet)' : ''}`;
      return `  ${environment.name} (${environment.tier}): ${environment.hosts.length} host(s), ${containers} containers, ` +
        `${environment.urls.length} URLs (${protectedUrls} protected), ${alerts}, backups ${describeSchedule(environment.backups.schedule)}`;
    }),
  ];
}
