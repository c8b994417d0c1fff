import {
  AlertRuleSpec, DEFAULT_ALERT_RULES, renderAlertRuleFile, renderAlertRules, resolveAlertRules,
  promqlSyntaxError,
} from '../../../lib/observability/alert-rules';
import { itWithTools, run } from '../../support/tools';
import { ALERT_FIXTURES } from './support/alert-fixtures';
import { renderPromtoolTests } from './support/promtool-tests';
import { workspace, yamllint } from './support/workspace';
import { parse } from 'yaml';

describe('default alert rules', () => {
  const rules = resolveAlertRules();

  it('are 14: 6 critical and 8 warning', () => {
    expect(rules).toHaveLength(14);
    expect(rules.filter((rule) => rule.severity === 'critical')).toHaveLength(6);
    expect(rules.filter((rule) => rule.severity === 'warning')).toHaveLength(8);
  });

  it('cover the thresholds the platform has always alerted on', () => {
    const byName = new Map(rules.map((rule) => [rule.name, rule]));
    expect(byName.get('HostCpuHigh')).toMatchObject({ threshold: 80, for: '5m' });
    expect(byName.get('HostMemoryCritical')).toMatchObject({ threshold: 90, for: '3m', severity: 'critical' });
    expect(byName.get('HostDiskHigh')).toMatchObject({ threshold: 85 });
    expect(byName.get('TargetDown')).toMatchObject({ expr: 'up == 0', for: '2m', severity: 'critical' });
    expect(byName.get('TlsCertificateExpiring')?.expr).toContain('traefik_tls_certs_not_after');
    expect(byName.get('TlsCertificateExpiring')?.expr).toMatch(/< 7$/);
    expect(byName.get('HttpServerErrors')?.expr)
      .toBe('sum by (service) (increase(traefik_service_requests_total{code=~"5.."}[1m])) > 10');
  });

  it('each say what to do, and no placeholder is left unfilled', () => {
    for (const rule of rules) {
      expect(rule.summary.length).toBeGreaterThan(10);
      expect(rule.description.length).toBeGreaterThan(60);
      expect(`${rule.expr}${rule.summary}${rule.description}`).not.toMatch(/\$threshold|\$for\b/);
    }
  });

  it('each have a fixture for the generated promtool tests', () => {
    expect(Object.keys(ALERT_FIXTURES).sort()).toEqual(DEFAULT_ALERT_RULES.map((rule) => rule.name).sort());
  });
});

describe('overrides and extra rules', () => {
  const extra: AlertRuleSpec = {
    name: 'ShopQueueBacklog',
    severity: 'warning',
    group: 'apps',
    expr: 'shop_queue_depth > $threshold',
    threshold: 500,
    for: '10m',
    summary: 'Shop queue above $threshold for $for',
    description: 'Scale the shop workers or find the consumer that stopped acknowledging messages.',
  };

  it('change thresholds and durations where the expression and the text use them', () => {
    const [cpu] = resolveAlertRules({ overrides: { HostCpuHigh: { threshold: 70, for: '10m' } } });
    expect(cpu.expr).toMatch(/> 70$/);
    expect(cpu.for).toBe('10m');
    expect(cpu.summary).toContain('over 70% for 10m');
  });

  it('turn a rule off', () => {
    const rules = resolveAlertRules({ overrides: { HostDiskFillingUp: { enabled: false } } });
    expect(rules.map((rule) => rule.name)).not.toContain('HostDiskFillingUp');
    expect(rules).toHaveLength(13);
  });

  it('add rules that overrides can then change', () => {
    const rules = resolveAlertRules({ extra: [extra], overrides: { ShopQueueBacklog: { threshold: 900 } } });
    expect(rules.find((rule) => rule.name === 'ShopQueueBacklog')).toMatchObject({
      expr: 'shop_queue_depth > 900', summary: 'Shop queue above 900 for 10m', group: 'apps',
    });
  });

  it('refuse an unknown rule name, naming it and listing the known ones', () => {
    expect(() => resolveAlertRules({ overrides: { HostCpuTooHigh: { threshold: 70 } } }))
      .toThrow(/alert rule override "HostCpuTooHigh" names no rule; known rules: HostCpuHigh, HostCpuCritical, .*MetricsPipelineStalled/);
  });

  it('refuse a threshold on a rule that compares nothing', () => {
    expect(() => resolveAlertRules({ overrides: { TargetDown: { threshold: 1 } } })).toThrow(/TargetDown has no threshold/);
  });

  it('refuse an extra rule that reuses a default name, or lacks its threshold slot', () => {
    expect(() => resolveAlertRules({ extra: [{ ...extra, name: 'TargetDown' }] })).toThrow(/overrides.TargetDown/);
    expect(() => resolveAlertRules({ extra: [{ ...extra, expr: 'shop_queue_depth > 500' }] }))
      .toThrow(/sets threshold 500 but its expression has no \$threshold/);
  });

  it('refuse a duration that is not one', () => {
    expect(() => resolveAlertRules({ overrides: { HostCpuHigh: { for: '5min' as never } } })).toThrow(/"5min" is not a duration/);
  });
});

describe('rendered rule file', () => {
  const text = renderAlertRules();

  it('groups rules by area with the evaluation interval, severity label and annotations', () => {
    const document = parse(text) as { groups: { name: string; interval: string; rules: Record<string, unknown>[] }[] };
    expect(document.groups.map((group) => group.name))
      .toEqual(['mambo-host', 'mambo-services', 'mambo-edge', 'mambo-containers', 'mambo-monitoring']);
    expect(document.groups.every((group) => group.interval === '30s')).toBe(true);
    const memory = document.groups[0].rules.find((rule) => rule.alert === 'HostMemoryCritical');
    expect(memory).toMatchObject({ for: '3m', labels: { severity: 'critical', family: 'host-memory' } });
  });

  itWithTools('promtool')('passes promtool check rules', () => {
    const files = workspace('rules');
    try {
      const path = files.write('rules.yml', text);
      const result = run('promtool', ['check', 'rules', path]);
      expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS: 14 rules found');
      expect(result.status).toBe(0);
    } finally {
      files.remove();
    }
  });

  itWithTools('vmalert')('loads in vmalert -dryRun', () => {
    const files = workspace('rules');
    try {
      const path = files.write('rules.yml', text);
      const result = run('vmalert', ['-dryRun', `-rule=${path}`]);
      expect({ status: result.status, output: result.stderr }).toMatchObject({ status: 0 });
    } finally {
      files.remove();
    }
  });

  itWithTools('yamllint')('passes yamllint', () => {
    const files = workspace('rules');
    try {
      expect(yamllint(files.write('rules.yml', text))).toEqual({ status: 0, output: '' });
    } finally {
      files.remove();
    }
  });
});

describe('promtool unit tests generated from the model', () => {
  function promtoolTest(rules: ReturnType<typeof resolveAlertRules>): { status: number | null; output: string } {
    const files = workspace('promtool');
    try {
      files.write('rules.yml', renderAlertRuleFile(rules));
      const testFile = files.write('rules.test.yml', renderPromtoolTests(rules, 'rules.yml'));
      const result = run('promtool', ['test', 'rules', testFile], { cwd: files.dir });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
      files.remove();
    }
  }

  itWithTools('promtool')('fire every default alert after its for window, and keep series just inside quiet', () => {
    const result = promtoolTest(resolveAlertRules());
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  itWithTools('promtool')('follow overridden thresholds and durations', () => {
    const rules = resolveAlertRules({
      overrides: {
        HostCpuHigh: { threshold: 60, for: '2m' },
        HostMemoryCritical: { threshold: 75, for: '1m' },
        HttpServerErrors: { threshold: 30 },
        TlsCertificateExpiring: { threshold: 14 },
        ContainerRestarting: { threshold: 5 },
        TargetDown: { for: '5m' },
      },
    });
    const result = promtoolTest(rules);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  itWithTools('promtool')('catch a rule whose threshold no longer matches its fixture', () => {
    // Guards the generator itself: a rule file rendered with 99 % while the tests expect 80 % must fail.
    const rules = resolveAlertRules();
    const files = workspace('promtool');
    try {
      files.write('rules.yml', renderAlertRuleFile(resolveAlertRules({ overrides: { HostCpuHigh: { threshold: 99 } } })));
      const testFile = files.write('rules.test.yml', renderPromtoolTests(rules, 'rules.yml'));
      const result = run('promtool', ['test', 'rules', testFile], { cwd: files.dir });
      expect(result.status).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain('HostCpuHigh');
    } finally {
      files.remove();
    }
  });
});

describe('PromQL syntax at synth', () => {
  it('reads every default rule\'s expression', () => {
    for (const rule of resolveAlertRules()) expect({ rule: rule.name, error: promqlSyntaxError(rule.expr) }).toEqual({ rule: rule.name, error: undefined });
  });

  it.each(['sum(up > 0.5', 'up ==', 'rate(x[5m) > 1'])('finds the error in %s', (expr) => {
    expect(promqlSyntaxError(expr)).toMatch(/^at character \d+$/);
  });
});
