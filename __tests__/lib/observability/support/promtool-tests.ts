// Builds a `promtool test rules` file from resolved alert rules and their fixtures: for each rule, the
// breaching series fire after the `for` window and not before it, and series just inside never fire.
import { stringify } from 'yaml';
import { durationSeconds } from '../../../../lib/duration';
import { ResolvedAlertRule } from '../../../../lib/observability/alert-rules';
import { ALERT_FIXTURES, AlertFixture, STEP_SECONDS } from './alert-fixtures';

/** Prometheus' `humanize` template function, for the values the fixtures produce. */
export function humanize(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return formatG(value);
  let scaled = value;
  let prefix = '';
  if (Math.abs(scaled) >= 1) {
    for (const next of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(scaled) < 1000) break;
      prefix = next;
      scaled /= 1000;
    }
  } else {
    for (const next of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
      if (Math.abs(scaled) >= 1) break;
      prefix = next;
      scaled *= 1000;
    }
  }
  return `${formatG(scaled)}${prefix}`;
}

/** Go's `%.4g` for moderate magnitudes. */
function formatG(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** Fills the template forms the default annotations use; anything else left over is a test failure. */
export function expandAnnotation(text: string, labels: Record<string, string>, value: number): string {
  const expanded = text
    .replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name: string) => labels[name] ?? '')
    .replace(/\{\{\s*\$value\s*\|\s*humanize\s*\}\}/g, () => humanize(value));
  if (expanded.includes('{{')) throw new Error(`annotation uses a template form the test cannot predict: ${text}`);
  return expanded;
}

const at = (seconds: number): string => `${seconds}s`;
const roundUp = (seconds: number): number => Math.ceil(seconds / STEP_SECONDS) * STEP_SECONDS;

interface AlertTestCase {
  interval: string;
  input_series: { series: string; values: string }[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: unknown[] }[];
}

function casesFor(rule: ResolvedAlertRule, fixture: AlertFixture): AlertTestCase[] {
  const forSeconds = durationSeconds(rule.for);
  const breach = fixture.breach(rule.threshold);
  const calm = fixture.calm(rule.threshold);
  const fireAt = roundUp(Math.max(fixture.settled(breach), fixture.earliest) + forSeconds + 60);
  const quietAt = roundUp(Math.max(fixture.settled(calm), fixture.earliest) + forSeconds + 60);

  const labels = { ...fixture.labels, ...rule.labels, severity: rule.severity };
  const value = fixture.value ? fixture.value(breach) : breach;
  const firing = {
    exp_labels: labels,
    exp_annotations: {
      summary: expandAnnotation(rule.summary, labels, value),
      description: expandAnnotation(rule.description, labels, value),
    },
  };

  const breachChecks = [{ eval_time: at(fireAt), alertname: rule.name, exp_alerts: [firing] }];
  if (forSeconds >= 2 * STEP_SECONDS) {
    // Still pending one step before the window can have elapsed: the `for` holds the alert back.
    breachChecks.unshift({ eval_time: at(fixture.earliest + forSeconds - STEP_SECONDS), alertname: rule.name, exp_alerts: [] });
  }
  return [
    { interval: at(STEP_SECONDS), input_series: fixture.series(breach, fireAt), alert_rule_test: breachChecks },
    {
      interval: at(STEP_SECONDS),
      input_series: fixture.series(calm, quietAt),
      alert_rule_test: [{ eval_time: at(quietAt), alertname: rule.name, exp_alerts: [] }],
    },
  ];
}

/** The promtool test file for `rules`, reading the rule file at `ruleFile` (relative to the test file). */
export function renderPromtoolTests(rules: readonly ResolvedAlertRule[], ruleFile: string): string {
  const tests = rules.flatMap((rule) => {
    const fixture = ALERT_FIXTURES[rule.name];
    if (!fixture) throw new Error(`no fixture for alert rule ${rule.name}; add one to alert-fixtures.ts`);
    return casesFor(rule, fixture);
  });
  return stringify({ rule_files: [ruleFile], evaluation_interval: at(STEP_SECONDS), tests }, { lineWidth: 0 });
}
