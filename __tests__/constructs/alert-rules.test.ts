// AlertRules from code: rules added, thresholds and durations changed, rules turned off, the file rendered at
// synth with whatever was changed after construction, checked by promtool; and the errors, each naming the rule.
import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { parse } from 'yaml';

import { AlertRules } from '../../constructs/alert-rules';
import { AlertRuleSpec, DEFAULT_ALERT_RULES } from '../../lib/observability/alert-rules';
import { itWithTools, run } from '../support/tools';
import { workspace } from '../lib/observability/support/workspace';

const queueRule: AlertRuleSpec = {
  name: 'QueueBacklogHigh',
  severity: 'warning',
  group: 'apps',
  expr: 'sum(shop_queue_depth) > $threshold',
  threshold: 500,
  for: '10m',
  summary: 'Shop queue at {{ $value }} jobs (over $threshold for $for)',
  description: 'Check the shop worker\'s logs; scale the worker or clear poisoned jobs.',
};

/** The rule file as the vmalert container receives it, synthesized with validations. */
function synthesizedRuleFile(build: (stack: TerraformStack) => AlertRules): string {
  const stack = new TerraformStack(Testing.app(), 'rules');
  const rules = build(stack);
  new TerraformOutput(stack, 'rule-file', { value: rules.ruleFile });
  const config = JSON.parse(Testing.synth(stack, true));
  return (config.output['rule-file'].value as string).replace(/\$\$\{/g, '${');
}
const alertsIn = (file: string): any[] => (parse(file) as any).groups.flatMap((group: any) => group.rules);

describe('AlertRules', () => {
  it('starts from the 14 defaults, 6 critical and 8 warning', () => {
    const rules = new AlertRules(new TerraformStack(Testing.app(), 'defaults'), 'rules');
    expect(rules.rules).toHaveLength(14);
    expect(rules.rules.filter((rule) => rule.severity === 'critical')).toHaveLength(6);
    expect(rules.names).toEqual(DEFAULT_ALERT_RULES.map((rule) => rule.name));
  });

  it('renders at synth what was added, changed and turned off after construction', () => {
    const file = synthesizedRuleFile((stack) => {
      const rules = new AlertRules(stack, 'rules', { overrides: { HostDiskHigh: { threshold: 80 } } });
      rules.addRule(queueRule);
      rules.override('QueueBacklogHigh', { threshold: 1000 });
      rules.override('HostCpuHigh', { for: '15m' });
      rules.override('HostCpuHigh', { threshold: 75 });
      rules.disable('ContainerRestarting');
      return rules;
    });
    const alerts = alertsIn(file);
    expect(alerts).toHaveLength(14);
    expect(alerts.find((rule) => rule.alert === 'HostCpuHigh')).toMatchObject({ for: '15m', expr: expect.stringMatching(/> 75$/) });
    expect(alerts.find((rule) => rule.alert === 'HostDiskHigh').expr).toMatch(/> 80$/);
    expect(alerts.find((rule) => rule.alert === 'QueueBacklogHigh')).toEqual({
      alert: 'QueueBacklogHigh',
      expr: 'sum(shop_queue_depth) > 1000',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: { summary: 'Shop queue at {{ $value }} jobs (over 1000 for 10m)', description: queueRule.description },
    });
    expect(alerts.some((rule) => rule.alert === 'ContainerRestarting')).toBe(false);
    expect((parse(file) as any).groups.map((group: any) => group.name)).toContain('mambo-apps');
  });

  itWithTools('promtool')('passes promtool check rules with a rule added and others changed', () => {
    const file = synthesizedRuleFile((stack) => {
      const rules = new AlertRules(stack, 'rules', { extra: [queueRule], evaluationInterval: '1m' });
      rules.override('TlsCertificateExpiring', { threshold: 14 });
      return rules;
    });
    const files = workspace('alert-rules');
    try {
      const result = run('promtool', ['check', 'rules', files.write('rules.yml', file)]);
      expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS: 15 rules found') });
    } finally {
      files.remove();
    }
  });

  it('refuses a rule whose name is taken, and a bad rule where it is added', () => {
    const rules = new AlertRules(new TerraformStack(Testing.app(), 'taken'), 'rules');
    expect(() => rules.addRule({ ...queueRule, name: 'TargetDown' }))
      .toThrow(/an alert rule named "TargetDown" exists already; change it with override\("TargetDown", …\) or give the new rule another name/);
    expect(() => rules.addRule({ ...queueRule, name: 'NoPlace', expr: 'up == 0' })).toThrow(/sets threshold 500 but its expression has no \$threshold/);
    expect(() => rules.addRule({ ...queueRule, name: 'Slow', for: '5min' as never })).toThrow(/"5min" is not a duration/);
  });

  it('reports at synth an override that names no rule, with the known names', () => {
    expect(() => synthesizedRuleFile((stack) => {
      const rules = new AlertRules(stack, 'rules');
      rules.override('HostCpuHgh', { threshold: 70 });
      return rules;
    })).toThrow(/alert rules: alert rule override "HostCpuHgh" names no rule; known rules: HostCpuHigh, HostCpuCritical/);
  });

  it('accepts an override given before the rule it names is added', () => {
    const file = synthesizedRuleFile((stack) => {
      const rules = new AlertRules(stack, 'rules');
      rules.override('QueueBacklogHigh', { enabled: false });
      rules.addRule(queueRule);
      return rules;
    });
    expect(alertsIn(file).map((rule) => rule.alert)).not.toContain('QueueBacklogHigh');
  });
});
