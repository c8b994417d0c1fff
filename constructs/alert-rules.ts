// The alert rules vmalert evaluates, as typed data that config and code both change: the platform's 14
// defaults, thresholds and durations overridden, rules turned off, rules added. The rule file is rendered
// at synth (lib/observability/alert-rules.ts), after every construct has had its say.

import { Lazy } from 'cdktf';
import { Construct } from 'constructs';

import {
  AlertRuleOverride, AlertRuleOverrides, AlertRuleSpec, DEFAULT_ALERT_RULES, ResolvedAlertRule, renderAlertRuleFile, resolveAlertRules,
} from '../lib/observability/alert-rules';
import { Duration, durationSeconds } from '../lib/duration';
import { escapeTemplateSequences } from './platform-container';

export interface AlertRulesProps {
  /** The rules to start from. @default DEFAULT_ALERT_RULES (14: 6 critical, 8 warning) */
  readonly defaults?: readonly AlertRuleSpec[];
  /** Changes by rule name (a default or an extra rule): threshold, `for`, `enabled: false`. @default none */
  readonly overrides?: AlertRuleOverrides;
  /** Rules of your own, added to the defaults. @default none */
  readonly extra?: readonly AlertRuleSpec[];
  /** How often vmalert evaluates each group. @default '30s' */
  readonly evaluationInterval?: Duration;
}

export class AlertRules extends Construct {
  readonly evaluationInterval: Duration;

  private readonly defaults: readonly AlertRuleSpec[];
  private readonly extra: AlertRuleSpec[] = [];
  private readonly overrides = new Map<string, AlertRuleOverride>();

  constructor(scope: Construct, id: string, props: AlertRulesProps = {}) {
    super(scope, id);
    this.defaults = props.defaults ?? DEFAULT_ALERT_RULES;
    this.evaluationInterval = props.evaluationInterval ?? '30s';
    durationSeconds(this.evaluationInterval, `${this.node.path}: evaluationInterval`);

    for (const rule of props.extra ?? []) this.addRule(rule);
    for (const [name, override] of Object.entries(props.overrides ?? {})) this.override(name, override);

    // An override may name a rule added later; what still names nothing is reported with the known names at synth.
    this.node.addValidation({ validate: () => this.problems() });
  }

  /** Adds a rule of your own; its name must be new. Returns the rule. */
  addRule(rule: AlertRuleSpec): AlertRuleSpec {
    if (this.names.includes(rule.name)) {
      throw new Error(`${this.node.path}: an alert rule named "${rule.name}" exists already; change it with override("${rule.name}", …) `
        + 'or give the new rule another name');
    }
    // Checked alone now, so a bad rule fails where it is added rather than at synth.
    resolveAlertRules({ defaults: [], extra: [rule] });
    this.extra.push(rule);
    return rule;
  }

  /** Changes a rule's threshold or duration, or turns it off with `enabled: false`; later calls merge over earlier ones. */
  override(name: string, override: AlertRuleOverride): void {
    this.overrides.set(name, { ...this.overrides.get(name), ...override });
  }

  /** Leaves a rule out of the rule file. */
  disable(name: string): void {
    this.override(name, { enabled: false });
  }

  /** Every rule name, default or added, enabled or not. */
  get names(): string[] {
    return [...this.defaults, ...this.extra].map((rule) => rule.name);
  }

  /** The rules vmalert will evaluate: overrides applied, disabled ones left out. */
  get rules(): ResolvedAlertRule[] {
    return resolveAlertRules({ defaults: this.defaults, extra: this.extra, overrides: Object.fromEntries(this.overrides) });
  }

  /** The rule file as it stands now. */
  render(): string {
    return renderAlertRuleFile(this.rules, { evaluationInterval: this.evaluationInterval });
  }

  /** The rule file as upload content, rendered at synth so rules added or changed later are in it. */
  get ruleFile(): string {
    return Lazy.stringValue({ produce: () => escapeTemplateSequences(this.render()) });
  }

  private problems(): string[] {
    try {
      resolveAlertRules({ defaults: this.defaults, extra: this.extra, overrides: Object.fromEntries(this.overrides) });
      return [];
    } catch (error) {
      return [`alert rules: ${error instanceof Error ? error.message : String(error)}`];
    }
  }
}
