// AlertRules: the platform's alerts as typed data, the overrides and extra rules users add, and the
// renderer that writes them as one vmalert/Prometheus rule file.
import { parser as promqlParser } from '@prometheus-io/lezer-promql';

import { Duration, durationSeconds } from '../duration';
import { renderYaml } from './yaml';

export type AlertSeverity = 'critical' | 'warning';

export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning'];

/**
 * One alerting rule before overrides. Text fields may use `$threshold` and `$for`, which are replaced by the
 * resolved values; Go templates such as `{{ $labels.instance }}` or `{{ $value | humanize }}` pass through to
 * vmalert, which fills them per alert.
 */
export interface AlertRuleSpec {
  /** The alert name in notifications and in overrides: PascalCase, unique. */
  readonly name: string;
  readonly severity: AlertSeverity;
  /** Rule group in the rendered file (`host`, `containers`, `services`, `edge`, `monitoring`, …). */
  readonly group: string;
  /** PromQL that MetricsQL also accepts; `$threshold` marks where the threshold goes. */
  readonly expr: string;
  /**
   * The number `$threshold` stands for, in the unit the expression compares (percent, days, errors per
   * minute…). Omitted for rules that compare nothing, such as `up == 0`.
   */
  readonly threshold?: number;
  /** How long the condition must hold before the alert fires; `0s` fires on the first evaluation. */
  readonly for: Duration;
  /** One line: what is wrong, with the numbers. */
  readonly summary: string;
  /** What to look at and what to do about it. */
  readonly description: string;
  /**
   * Extra labels. `family` pairs a warning with the critical rule of the same measure, so Alertmanager
   * holds the warning back while the critical one fires.
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What config or code may change on a known rule. */
export interface AlertRuleOverride {
  readonly threshold?: number;
  readonly for?: Duration;
  /** `false` leaves the rule out of the rendered file. @default true */
  readonly enabled?: boolean;
}

export type AlertRuleOverrides = Readonly<Record<string, AlertRuleOverride>>;

export interface AlertRulesModel {
  /** Changes to default or extra rules, by rule name. Unknown names are an error. */
  readonly overrides?: AlertRuleOverrides;
  /** Rules added to the defaults; their names must not clash with a default. */
  readonly extra?: readonly AlertRuleSpec[];
  /** How often vmalert evaluates each group. @default '30s' */
  readonly evaluationInterval?: Duration;
  /** The defaults to start from; tests and library users may swap them. @default DEFAULT_ALERT_RULES */
  readonly defaults?: readonly AlertRuleSpec[];
}

/** A rule after overrides, with `$threshold` and `$for` replaced. Only enabled rules are resolved. */
export interface ResolvedAlertRule {
  readonly name: string;
  readonly severity: AlertSeverity;
  readonly group: string;
  readonly expr: string;
  readonly threshold?: number;
  readonly for: Duration;
  readonly summary: string;
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
}

// Selects the filesystems people fill: real disks and volumes, not tmpfs, overlay layers or pseudo mounts.
const diskSelector = 'fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs|fuse.lxcfs"';
const cpuUsage = '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[2m])))';
const memoryUsage = '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)';
const diskUsage = `100 * (1 - node_filesystem_avail_bytes{${diskSelector}} / node_filesystem_size_bytes{${diskSelector}})`;

/**
 * The 14 default rules: 6 critical (page now) and 8 warning (look today). Thresholds follow the platform this
 * replaces where it had them (CPU 80 %, RAM 90 % for 3 min, disk 85 %, service down 2 min, TLS under 7 days,
 * more than 10 5xx a minute), and its incidents where it did not: the container memory rule is there because
 * a notification bridge was OOM-killed every 20 minutes without anyone being told.
 */
export const DEFAULT_ALERT_RULES: readonly AlertRuleSpec[] = [
  {
    name: 'HostCpuHigh',
    severity: 'warning',
    group: 'host',
    expr: `${cpuUsage} > $threshold`,
    threshold: 80,
    for: '5m',
    summary: 'CPU on {{ $labels.instance }} at {{ $value | humanize }}% (over $threshold% for $for)',
    description: 'Open the Costs & Resources dashboard to find the containers using the CPU. Lower the CPU limit '
      + 'of a runaway app, move heavy cron jobs off peak hours, or move to a server type with more vCPUs.',
    labels: { family: 'host-cpu' },
  },
  {
    name: 'HostCpuCritical',
    severity: 'critical',
    group: 'host',
    expr: `${cpuUsage} > $threshold`,
    threshold: 95,
    for: '5m',
    summary: 'CPU on {{ $labels.instance }} saturated at {{ $value | humanize }}% for $for',
    description: 'Requests are queueing. Run `docker stats` on the host to find the container at its CPU limit, '
      + 'restart or scale it down; if the load is legitimate, resize the server to a type with more vCPUs.',
    labels: { family: 'host-cpu' },
  },
  {
    name: 'HostMemoryHigh',
    severity: 'warning',
    group: 'host',
    expr: `${memoryUsage} > $threshold`,
    threshold: 80,
    for: '5m',
    summary: 'Memory on {{ $labels.instance }} at {{ $value | humanize }}% (over $threshold% for $for)',
    description: 'Compare each container\'s memory with its limit on the Costs & Resources dashboard. Lower the '
      + 'limits of idle apps or move an app to another host before the kernel starts OOM-killing.',
    labels: { family: 'host-memory' },
  },
  {
    name: 'HostMemoryCritical',
    severity: 'critical',
    group: 'host',
    expr: `${memoryUsage} > $threshold`,
    threshold: 90,
    for: '3m',
    summary: 'Memory on {{ $labels.instance }} at {{ $value | humanize }}% for $for: OOM kills are near',
    description: 'Run `docker stats --no-stream` on the host and stop or restart the container that grew; '
      + 'then lower its memory limit so it is killed alone next time, or resize the server.',
    labels: { family: 'host-memory' },
  },
  {
    name: 'HostDiskHigh',
    severity: 'warning',
    group: 'host',
    expr: `${diskUsage} > $threshold`,
    threshold: 85,
    for: '5m',
    summary: 'Disk {{ $labels.mountpoint }} on {{ $labels.instance }} at {{ $value | humanize }}% (over $threshold%)',
    description: 'Run `docker system df` and prune unused images and build cache; check the backup directory for '
      + 'archives past their retention and the metrics and log retention periods; grow the volume if data is real.',
    labels: { family: 'host-disk' },
  },
  {
    name: 'HostDiskCritical',
    severity: 'critical',
    group: 'host',
    expr: `${diskUsage} > $threshold`,
    threshold: 95,
    for: '2m',
    summary: 'Disk {{ $labels.mountpoint }} on {{ $labels.instance }} at {{ $value | humanize }}%: writes will fail',
    description: 'Free space now: `docker image prune -a`, `docker builder prune`, remove old local backups; '
      + 'databases and Loki stop accepting writes on a full disk. Then grow the volume or shorten retention.',
    labels: { family: 'host-disk' },
  },
  {
    name: 'HostDiskFillingUp',
    severity: 'warning',
    group: 'host',
    expr: `predict_linear(node_filesystem_avail_bytes{${diskSelector}}[6h], $threshold * 3600) < 0`,
    threshold: 24,
    for: '30m',
    summary: 'Disk {{ $labels.mountpoint }} on {{ $labels.instance }} will be full within $threshold hours',
    description: 'At the rate of the last 6 hours the filesystem runs out within $threshold hours. Look at the '
      + 'Costs & Resources disk growth panel for what grows (logs, metrics, a database, backups) and stop it.',
    labels: { family: 'host-disk' },
  },
  {
    name: 'TargetDown',
    severity: 'critical',
    group: 'services',
    expr: 'up == 0',
    for: '2m',
    summary: '{{ $labels.job }} at {{ $labels.instance }} has been down for more than $for',
    description: 'The metrics endpoint does not answer. Check `docker ps -a` and `docker logs` for the container '
      + '(or its logs in Grafana, Explore, Loki), restart it, and look for an OOM kill or a failed health check.',
  },
  {
    name: 'TlsCertificateExpiring',
    severity: 'critical',
    group: 'edge',
    expr: '(min by (cn) (traefik_tls_certs_not_after) - time()) / 86400 < $threshold',
    threshold: 7,
    for: '10m',
    summary: 'TLS certificate for {{ $labels.cn }} expires in {{ $value | humanize }} days',
    description: 'Let\'s Encrypt renews 30 days ahead, so renewal has been failing for weeks. Read Traefik\'s '
      + 'logs for ACME errors (DNS not pointing at the host, port 80 blocked, rate limits) and fix them.',
  },
  {
    name: 'HttpServerErrors',
    severity: 'critical',
    group: 'edge',
    expr: 'sum by (service) (increase(traefik_service_requests_total{code=~"5.."}[1m])) > $threshold',
    threshold: 10,
    for: '1m',
    summary: '{{ $labels.service }} answered {{ $value | humanize }} requests with 5xx in the last minute',
    description: 'Users are getting errors. Read the app\'s logs in Grafana (Explore, Loki, app label) around '
      + 'the start of the alert; roll back the last release if it coincides, or restart a wedged container.',
  },
  {
    name: 'ContainerMemoryNearLimit',
    severity: 'warning',
    group: 'containers',
    expr: '100 * max by (name) (container_memory_working_set_bytes{name!=""} '
      + '/ (container_spec_memory_limit_bytes{name!=""} > 0)) > $threshold',
    threshold: 90,
    for: '5m',
    summary: 'Container {{ $labels.name }} uses {{ $value | humanize }}% of its memory limit',
    description: 'It will be OOM-killed at 100 %. Check for a leak in its memory graph (Application Metrics '
      + 'dashboard); if the usage is legitimate, raise its memory limit within the host\'s capacity budget.',
  },
  {
    name: 'ContainerOomKilled',
    severity: 'warning',
    group: 'containers',
    expr: 'increase(container_oom_events_total{name!=""}[10m]) > $threshold',
    threshold: 0,
    for: '0s',
    summary: 'Container {{ $labels.name }} was killed for running out of memory',
    description: 'The kernel killed a process at the container\'s memory limit. Raise the limit if the app '
      + 'needs it, or find the leak in its logs and memory graph before it happens again.',
  },
  {
    name: 'ContainerRestarting',
    severity: 'warning',
    group: 'containers',
    expr: 'changes(container_start_time_seconds{name!=""}[15m]) >= $threshold',
    threshold: 3,
    for: '0s',
    summary: 'Container {{ $labels.name }} restarted {{ $value | humanize }} times in 15 minutes',
    description: 'It is crash-looping. Read its last logs (`docker logs --tail 100`) for the error at exit and '
      + 'check its health check, its environment and whether a dependency it needs is up.',
  },
  {
    name: 'MetricsPipelineStalled',
    severity: 'warning',
    group: 'monitoring',
    expr: 'absent(up{job="vmagent"} == 1)',
    for: '5m',
    summary: 'No fresh scrape results from vmagent for $for: every other alert is blind',
    description: 'vmagent is down or cannot write to VictoriaMetrics. Check both containers\' logs and memory '
      + 'limits; until this is fixed, host and service alerts cannot fire.',
  },
];

const namePattern = /^[A-Z][A-Za-z0-9]*$/;
const groupPattern = /^[a-z][a-z0-9-]*$/;

/**
 * Applies overrides to the defaults plus the extra rules and returns the enabled rules, checked and with their
 * placeholders filled. Throws on the first problem, naming the rule and what is allowed.
 */
export function resolveAlertRules(model: AlertRulesModel = {}): ResolvedAlertRule[] {
  const defaults = model.defaults ?? DEFAULT_ALERT_RULES;
  const extra = model.extra ?? [];
  const overrides = model.overrides ?? {};

  const defaultNames = new Set(defaults.map((rule) => rule.name));
  for (const rule of extra) {
    if (defaultNames.has(rule.name)) {
      throw new Error(`extra alert rule "${rule.name}" has the name of a default rule; change the default with `
        + `overrides.${rule.name} or give the extra rule another name`);
    }
  }

  const rules = [...defaults, ...extra];
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.name)) throw new Error(`alert rule "${rule.name}" is defined twice; names must be unique`);
    seen.add(rule.name);
  }

  const known = rules.map((rule) => rule.name);
  for (const name of Object.keys(overrides)) {
    if (!seen.has(name)) {
      throw new Error(`alert rule override "${name}" names no rule; known rules: ${known.join(', ')}`);
    }
  }

  return rules
    .map((rule) => applyOverride(rule, overrides[rule.name]))
    .filter((rule): rule is ResolvedAlertRule => rule !== undefined);
}

function applyOverride(rule: AlertRuleSpec, override: AlertRuleOverride = {}): ResolvedAlertRule | undefined {
  checkSpec(rule);
  if (override.threshold !== undefined && rule.threshold === undefined) {
    throw new Error(`alert rule override "${rule.name}" sets threshold, but ${rule.name} has no threshold `
      + `(its expression is \`${rule.expr}\`); only for and enabled can change`);
  }
  if (override.threshold !== undefined && !Number.isFinite(override.threshold)) {
    throw new Error(`alert rule override "${rule.name}" has threshold ${override.threshold}; expected a finite number`);
  }
  if (override.for !== undefined) durationSeconds(override.for, `alert rule override "${rule.name}" for`);
  if (override.enabled === false) return undefined;

  const threshold = override.threshold ?? rule.threshold;
  const forDuration = override.for ?? rule.for;
  const fill = (text: string): string => text
    .replace(/\$threshold\b/g, threshold === undefined ? '' : formatNumber(threshold))
    .replace(/\$for\b/g, forDuration);

  const expr = fill(rule.expr);
  const syntaxError = promqlSyntaxError(expr);
  if (syntaxError) {
    throw new Error(`alert rule "${rule.name}" has an expression that is not valid PromQL (${syntaxError}): \`${expr}\`; `
      + 'expected an expression vmalert can parse');
  }

  return {
    name: rule.name,
    severity: rule.severity,
    group: rule.group,
    expr,
    threshold,
    for: forDuration,
    summary: fill(rule.summary),
    description: fill(rule.description),
    labels: { ...(rule.labels ?? {}) },
  };
}

/**
 * Where PromQL's own grammar (Prometheus' lezer parser, the one its web UI uses) fails to read an
 * expression, so a typo fails the synth instead of vmalert's start on the host.
 */
export function promqlSyntaxError(expr: string): string | undefined {
  let error: string | undefined;
  promqlParser.parse(expr).iterate({
    enter: (node) => {
      if (error === undefined && node.type.isError) error = `at character ${node.from + 1}`;
    },
  });
  return error;
}

function checkSpec(rule: AlertRuleSpec): void {
  const where = `alert rule "${rule.name}"`;
  if (!namePattern.test(rule.name)) throw new Error(`${where} has an invalid name; expected PascalCase letters and digits`);
  if (!ALERT_SEVERITIES.includes(rule.severity)) {
    throw new Error(`${where} has severity "${rule.severity}"; expected one of ${ALERT_SEVERITIES.join(', ')}`);
  }
  if (!groupPattern.test(rule.group)) throw new Error(`${where} has group "${rule.group}"; expected lower-case-with-dashes`);
  durationSeconds(rule.for, `${where} for`);

  const usesThreshold = /\$threshold\b/.test(rule.expr);
  if (rule.threshold === undefined && usesThreshold) {
    throw new Error(`${where} uses $threshold in its expression but sets no threshold`);
  }
  if (rule.threshold !== undefined && !usesThreshold) {
    throw new Error(`${where} sets threshold ${rule.threshold} but its expression has no $threshold to put it in`);
  }
  if (rule.threshold !== undefined && !Number.isFinite(rule.threshold)) {
    throw new Error(`${where} has threshold ${rule.threshold}; expected a finite number`);
  }
  if (rule.summary.trim() === '' || rule.description.trim() === '') {
    throw new Error(`${where} needs a summary and a description that says what to do`);
  }
  for (const label of Object.keys(rule.labels ?? {})) {
    if (label === 'severity' || label === 'alertname') {
      throw new Error(`${where} sets label "${label}", which the platform sets itself`);
    }
  }
}

/** Numbers as PromQL reads them: integers plain, fractions without float noise (0.1 + 0.2 → 0.3). */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

export interface RenderAlertRulesOptions {
  /** How often vmalert evaluates each group. @default '30s' */
  readonly evaluationInterval?: Duration;
}

/** Renders resolved rules as one rule file, a group per `group`, in the order the groups first appear. */
export function renderAlertRuleFile(rules: readonly ResolvedAlertRule[], options: RenderAlertRulesOptions = {}): string {
  const interval = options.evaluationInterval ?? '30s';
  durationSeconds(interval, 'alert rules evaluationInterval');

  const groups = new Map<string, ResolvedAlertRule[]>();
  for (const rule of rules) groups.set(rule.group, [...(groups.get(rule.group) ?? []), rule]);

  const document = {
    groups: [...groups.entries()].map(([group, members]) => ({
      name: `mambo-${group}`,
      interval,
      rules: members.map((rule) => ({
        alert: rule.name,
        expr: rule.expr,
        for: rule.for,
        labels: { severity: rule.severity, ...rule.labels },
        annotations: { summary: rule.summary, description: rule.description },
      })),
    })),
  };
  return renderYaml(document, 'Alerting rules for vmalert, rendered by Mambo Platform from its AlertRules model.');
}

/** Resolves and renders in one step: the rule file vmalert reads. */
export function renderAlertRules(model: AlertRulesModel = {}): string {
  return renderAlertRuleFile(resolveAlertRules(model), { evaluationInterval: model.evaluationInterval });
}
