// An environment's `observability` section in platform.yaml: retention, scrape interval, log shipper, where
// alerts go (ntfy), changes to the alert rules, and the community dashboards; and what it resolves to once
// the rest of the environment is known (the tier's retention, the environment's ntfy, the known rule names).

import { z } from 'zod';

import { AlertRuleOverrides, AlertRuleSpec, resolveAlertRules } from './observability/alert-rules';
import { COMMUNITY_DASHBOARDS, CommunityDashboardPin, UNPINNED_SHA256, communityDashboardUrl } from './observability/community-dashboards';
import { Duration, durationSeconds, isDuration } from './duration';
import { LogShipperKind } from './observability/footprint';
import type { ConfigFailure } from './spec';

const duration = z.string().refine(isDuration, 'expected a duration: a whole number and one unit, such as 30s, 5m, 2h or 7d');
const threshold = z.number('expected a number').refine(Number.isFinite, 'expected a finite number');
const tfVarEnv = z.string()
  .regex(/^TF_VAR_[a-z][a-z0-9_]*$/, 'expected TF_VAR_<name> with a lower-case name (a sensitive Terraform variable)');
const topic = z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'expected an ntfy topic: 1–64 letters, digits, - or _');

/** A change to one rule, by name: a default rule or one under `extra`. */
const alertOverrideSchema = z.strictObject({
  threshold: threshold.optional(),
  for: duration.optional(),
  /** `false` leaves the rule out. */
  enabled: z.boolean().optional(),
});

/** A rule of the user's own, in the shape of lib/observability/alert-rules.ts `AlertRuleSpec`. */
const alertRuleSchema = z.strictObject({
  name: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'expected a PascalCase alert name such as QueueBacklogHigh'),
  severity: z.enum(['critical', 'warning']),
  /** Rule group in the rendered file. */
  group: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lower-case group name such as apps').default('custom'),
  /** PromQL (MetricsQL accepts it too); `$threshold` marks where `threshold` goes. */
  expr: z.string().min(1, 'expected a PromQL expression'),
  threshold: threshold.optional(),
  for: duration,
  summary: z.string().min(1, 'expected one line on what is wrong'),
  description: z.string().min(1, 'expected what to look at and what to do'),
  labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a Prometheus label name'), z.string()).optional(),
});

const communityPinSchema = z.strictObject({
  /** The grafana.com revision; the platform's pin when omitted. */
  revision: z.int().min(1).optional(),
  /** sha256 of that revision's download (`curl -sL <url> | sha256sum`). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits (curl -sL <download url> | sha256sum)'),
});

export const observabilitySchema = z.strictObject({
  retention: z.strictObject({
    /** How long VictoriaMetrics keeps samples, at least a day. @default 7d for production, 3d for staging */
    metrics: duration.optional(),
    /** How long Loki keeps logs, in whole days or weeks. @default 7d for production, 3d for staging */
    logs: z.string().regex(/^\d+(d|w)$/, 'expected whole days or weeks, such as 7d or 2w (Loki deletes by daily index)').optional(),
  }).prefault({}),
  /** How often vmagent scrapes every target. */
  scrapeInterval: duration.default('30s'),
  /** Ships every container's logs to Loki: Grafana Alloy, or Promtail (end of life since March 2026). */
  logShipper: z.enum(['alloy', 'promtail']).default('alloy'),
  /** Where alerts go. @default services.ntfy when set, else https://ntfy.sh and topic <project>-<env>-alerts */
  ntfy: z.strictObject({
    server: z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?\/?$/, 'expected a server base URL such as https://ntfy.sh')
      .default('https://ntfy.sh'),
    /** @default <project>-<env>-alerts */
    topic: topic.optional(),
    /** An access token for a protected topic, from a sensitive variable. @default none: a topic anyone may write to */
    tokenEnv: tfVarEnv.optional(),
  }).optional(),
  alerts: z.strictObject({
    /** Changes by rule name: `{ threshold, for, enabled }`. */
    overrides: z.record(z.string(), alertOverrideSchema).default({}),
    /** Rules added to the 14 defaults. */
    extra: z.array(alertRuleSchema).default([]),
  }).prefault({}),
  /** The grafana.com dashboards (Node Exporter Full, Traefik, cAdvisor, VictoriaMetrics, Loki), fetched on the host. */
  communityDashboards: z.strictObject({
    /** Off until every dashboard has a sha256 pin: the host refuses a download that matches none. */
    enabled: z.boolean().default(false),
    /** Pins by grafana.com id, over the platform's own (lib/observability/community-dashboards.ts). */
    pins: z.record(z.string().regex(/^\d+$/, 'expected a grafana.com dashboard id such as "1860"'), communityPinSchema).default({}),
  }).prefault({}),
}).prefault({});

/** vmagent's scrape timeout (lib/observability/vmagent.ts); the interval may not be shorter. */
const SCRAPE_TIMEOUT_SECONDS = 10;

export type ObservabilityConfig = z.output<typeof observabilitySchema>;

/** The environment's observability, resolved. */
export interface ObservabilitySpec {
  readonly retention: { readonly metrics: Duration; readonly logs: Duration };
  readonly scrapeInterval: Duration;
  readonly logShipper: LogShipperKind;
  readonly ntfy: {
    readonly serverUrl: string;
    readonly topic: string;
    /** The sensitive Terraform variable holding the access token, when the topic needs one. */
    readonly tokenVariable?: string;
  };
  readonly alerts: { readonly overrides: AlertRuleOverrides; readonly extra: readonly AlertRuleSpec[] };
  /** The community dashboards to fetch, each pinned; empty when they are off. */
  readonly communityDashboards: readonly CommunityDashboardPin[];
}

export interface ObservabilityContext {
  readonly project: string;
  readonly environment: string;
  /** The tier's retention (lib/environments.ts). */
  readonly retention: { readonly metrics: string; readonly logs: string };
  /** The environment's `services.ntfy`, the default for alerts. */
  readonly servicesNtfy?: { readonly server: string; readonly topic: string; readonly tokenEnv?: string };
}

/** Fills the defaults and checks what the schema cannot: retention bounds, rule names, pins. */
export function resolveObservability(
  config: ObservabilityConfig, context: ObservabilityContext, at: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure,
): ObservabilitySpec {
  const where = (...rest: PropertyKey[]) => at('observability', ...rest);

  const metrics = (config.retention.metrics ?? context.retention.metrics) as Duration;
  if (durationSeconds(metrics) < 86_400) {
    throw fail(where('retention', 'metrics'), `"${metrics}"`, 'expected at least 1d: VictoriaMetrics keeps samples for a day or more');
  }
  const logs = (config.retention.logs ?? context.retention.logs) as Duration;
  if (durationSeconds(config.scrapeInterval) < SCRAPE_TIMEOUT_SECONDS) {
    throw fail(where('scrapeInterval'), `"${config.scrapeInterval}"`, `expected at least ${SCRAPE_TIMEOUT_SECONDS}s, the scrape timeout`);
  }

  const ntfy = config.ntfy ?? context.servicesNtfy;
  const tokenEnv = ntfy?.tokenEnv;

  checkAlerts(config.alerts, where, fail);
  const ids = COMMUNITY_DASHBOARDS.map((pin) => String(pin.id));
  for (const id of Object.keys(config.communityDashboards.pins)) {
    if (!ids.includes(id)) {
      throw fail(where('communityDashboards', 'pins', id), `dashboard ${id}`, `expected one of the community dashboards: ${ids.join(', ')}`);
    }
  }

  return {
    retention: { metrics, logs },
    scrapeInterval: config.scrapeInterval as Duration,
    logShipper: config.logShipper,
    ntfy: {
      serverUrl: (ntfy?.server ?? 'https://ntfy.sh').replace(/\/+$/, ''),
      topic: ntfy?.topic ?? `${context.project}-${context.environment}-alerts`.slice(0, 64),
      tokenVariable: tokenEnv?.slice('TF_VAR_'.length),
    },
    alerts: { overrides: config.alerts.overrides as AlertRuleOverrides, extra: config.alerts.extra as AlertRuleSpec[] },
    communityDashboards: config.communityDashboards.enabled ? pinnedDashboards(config.communityDashboards.pins, where, fail) : [],
  };
}

/** Unknown rule names, names taken twice, thresholds on rules without one: each with its path and the names known. */
function checkAlerts(alerts: ObservabilityConfig['alerts'], where: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure): void {
  const extra = alerts.extra as AlertRuleSpec[];
  extra.forEach((rule, index) => {
    const first = extra.findIndex((other) => other.name === rule.name);
    if (first !== index) {
      throw fail(where('alerts', 'extra', index, 'name'), `"${rule.name}", as alerts.extra[${first}]`, 'expected each rule name once');
    }
    try {
      resolveAlertRules({ extra: [rule] });
    } catch (error) {
      throw fail(where('alerts', 'extra', index), `rule "${rule.name}"`, expectation('a rule vmalert accepts', error));
    }
  });

  const known = [...resolveAlertRules().map((rule) => rule.name), ...extra.map((rule) => rule.name)];
  for (const [name, override] of Object.entries(alerts.overrides)) {
    if (!known.includes(name)) {
      throw fail(where('alerts', 'overrides', name), `a rule named "${name}"`, `expected one of the known rules: ${known.join(', ')}`);
    }
    try {
      resolveAlertRules({ extra, overrides: { [name]: override } });
    } catch (error) {
      throw fail(where('alerts', 'overrides', name), `an override of ${name}`, expectation('an override the rule allows', error));
    }
  }
}

/** The platform's pins with the config's over them; every one must carry a real sha256. */
function pinnedDashboards(
  pins: ObservabilityConfig['communityDashboards']['pins'], where: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure,
): CommunityDashboardPin[] {
  const resolved = COMMUNITY_DASHBOARDS.map((pin) => ({ ...pin, ...pins[String(pin.id)] }));
  const unpinned = resolved.filter((pin) => pin.sha256 === UNPINNED_SHA256);
  if (unpinned.length > 0) {
    const ids = unpinned.map((pin) => pin.id).join(', ');
    throw fail(where('communityDashboards', 'enabled'), `true with ${unpinned.length} dashboard(s) not pinned yet (${ids})`,
      'expected a sha256 for each under communityDashboards.pins.<id> (' +
      unpinned.map((pin) => `${pin.id}: curl -sL ${communityDashboardUrl(pin)} | sha256sum`).join('; ') + '), or enabled: false');
  }
  return resolved;
}

function expectation(what: string, error: unknown): string {
  return `expected ${what}; ${error instanceof Error ? error.message : String(error)}`;
}
