// The platform report for the default platform.yaml: its URLs with their protection, the alert
// count, each host's memory budget, and a Mermaid block whose structure a renderer can follow.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { App, Testing } from 'cdktf';

import { buildPlatform } from '../../constructs/platform-app-builder';
import { buildReportModel } from '../../constructs/platform-report';
import { PlatformStack } from '../../constructs/platform-stack';
import { DEFAULT_ALERT_RULES } from '../../lib/observability/alert-rules';
import { renderPlatformReport, summarizeReport } from '../../lib/report';
import { smokeTargets } from '../../lib/smoke';
import { specOf } from '../support/platform';

const spec = specOf();
const app = Testing.app() as App;
const stacks = buildPlatform(app, spec);
app.synth();
const model = buildReportModel(spec, stacks, 'platform.yaml',
  (id) => JSON.parse(readFileSync(path.join(app.outdir, 'stacks', id, 'cdk.tf.json'), 'utf8')));
const report = renderPlatformReport(model);

/** The lines of the section under a heading, up to the next heading of the same or a higher level. */
function section(environment: string, heading: string): string {
  const start = report.indexOf(`## ${environment}\n`);
  const from = report.indexOf(`### ${heading}\n`, start);
  const to = report.indexOf('\n#', from + 1);
  return report.slice(from, to === -1 ? undefined : to);
}

describe('PLATFORM.md for the default platform.yaml', () => {
  it('has a section per environment', () => {
    expect(report).toMatch(/^# mambo: platform report\n/);
    expect(model.environments.map((environment) => [environment.name, environment.tier])).toEqual([['production', 'production'], ['staging', 'staging']]);
    expect(report).toContain('\n## production\n');
    expect(report).toContain('\n## staging\n');
  });

  it('lists every URL the environment serves with its protection, and only those', () => {
    for (const environment of spec.environments) {
      const urls = section(environment.name, 'URLs');
      const targets = smokeTargets(environment);
      expect(urls.split('\n').filter((line) => line.startsWith('| https://'))).toHaveLength(targets.length);
      for (const target of targets) {
        const protection = target.protection === 'none' ? 'public' : target.protection === 'basic' ? 'basic auth' : 'SSO';
        expect(urls).toMatch(new RegExp(`\\| ${target.url.replace(/[./]/g, '\\$&')} \\| ${target.service} \\| ${protection}`));
      }
    }
    expect(section('production', 'URLs')).toContain('| https://reader.mambo-cloud.example/ | app.reader | public | main |');
    expect(section('staging', 'URLs')).toContain('| https://reader.staging.mambo-cloud.example/ | app.reader | public | main |');
    expect(section('production', 'URLs')).not.toMatch(/\| https:\/\/traefik\.mambo-cloud\.example\/ \| platform\.traefik \| public/);
    expect(report).not.toContain('https://main.');
  });

  it('counts the alert rules the stack deploys: the 14 defaults, 6 critical and 8 warning', () => {
    expect(DEFAULT_ALERT_RULES).toHaveLength(14);
    const alerts = section('production', 'Alerts');
    expect(alerts).not.toContain('The platform stack deploys no alert rules yet');
    expect(alerts).toMatch(/14 rules: (8 warning, 6 critical|6 critical, 8 warning)\./);
    expect(alerts.split('\n').filter((line) => /^\| [A-Z]\w+ \| (critical|warning) \|/.test(line))).toHaveLength(14);
  });

  it('gives each host\'s memory budget as the synth computes it', () => {
    for (const stack of stacks.filter((candidate): candidate is PlatformStack => candidate instanceof PlatformStack)) {
      const budget = stack.hosts.main.memoryBudget();
      expect(budget.fits).toBe(true);
      expect(section(stack.environment.name, 'Memory budget'))
        .toContain(`| main | cax11 (arm64, nbg1) | ${budget.totalMiB} MiB | ${budget.limitMiB} MiB | ${budget.platformMiB} MiB | ${budget.appsMiB} MiB | ${budget.limitMiB - budget.totalMiB} MiB | yes |`);
    }
  });

  it('names the backup schedule and the volumes it picks up', () => {
    const backups = section('production', 'Backups');
    expect(backups).toContain('Schedule: daily at 03:00 UTC (`0 3 * * *`)');
    expect(backups).toMatch(/\| mambo-production-reader-db-data \| main \| dump \| app\.reader \|/);
  });

  it('says where each stack keeps its state and which variables it needs', () => {
    const stacksSection = section('staging', 'Stacks, state and secrets');
    expect(stacksSection).toContain('| staging-infra | local file terraform.staging-infra.tfstate |');
    expect(stacksSection).toMatch(/\| staging-platform \| local file terraform\.staging-platform\.tfstate \| .*staging_platform_basic_auth_htpasswd/);
  });

  it('prints a short summary for the synth log', () => {
    const lines = summarizeReport(model, 'cdktf.out/PLATFORM.md');
    expect(lines[0]).toBe('Platform report: cdktf.out/PLATFORM.md');
    expect(lines[2]).toMatch(/^ {2}staging \(staging\): 1 host\(s\), \d+ containers, \d+ URLs \(\d+ protected\), 14 alert rules/);
  });
});

describe('the Mermaid diagrams', () => {
  const blocks = [...report.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((match) => match[1].trimEnd().split('\n'));
  const NODE_ID = '[A-Za-z0-9_]+';
  const SHAPE = String.raw`(\(\([^()]*\)\)|\[\("[^"]*"\)\]|\(\["[^"]*"\]\)|\["[^"]*"\])`;

  it('has one flowchart per environment', () => {
    expect(blocks).toHaveLength(2);
    for (const block of blocks) expect(block[0]).toBe('flowchart LR');
  });

  it('closes every subgraph and uses only declared nodes in edges', () => {
    for (const block of blocks) {
      const declared = new Set<string>();
      const used: string[] = [];
      let depth = 0;
      for (const line of block.slice(1).map((text) => text.trim())) {
        const subgraph = line.match(new RegExp(`^subgraph (${NODE_ID})\\["[^"]*"\\]$`));
        const node = line.match(new RegExp(`^(${NODE_ID})${SHAPE}$`));
        const edge = line.match(new RegExp(`^(${NODE_ID}) (-\\.-|==>|-->(\\|"[^"]*"\\|)?) (${NODE_ID})$`));
        if (subgraph) {
          depth++;
        } else if (line === 'end') {
          depth--;
          expect(depth).toBeGreaterThanOrEqual(0);
        } else if (line === 'direction TB') {
          expect(depth).toBeGreaterThan(0);
        } else if (node) {
          declared.add(node[1]);
        } else if (edge) {
          used.push(edge[1], edge[4]);
        } else {
          throw new Error(`unexpected Mermaid line: ${line}`);
        }
      }
      expect(depth).toBe(0);
      expect(used.filter((nodeId) => !declared.has(nodeId))).toEqual([]);
    }
  });

  it('draws hosts, networks, containers and routes from hostnames to apps', () => {
    const production = blocks[0].join('\n');
    expect(production).toContain('subgraph production_main["host main: cax11, nbg1"]');
    expect(production).toMatch(/production_main_net_mambo_production_web\[\("mambo-production-web<br\/>172\.30\.0\.0\/24 internal"\)\]/);
    expect(production).toMatch(/production_main_mambo_production_traefik\["mambo-production-traefik<br\/>platform, 128 MiB"\]/);
    expect(production).toContain('production_internet -->|"80, 443"| production_main_mambo_production_traefik');
    expect(production).toMatch(/production_route_reader_mambo_cloud_example ==> production_main_mambo_production_reader/);
  });
});

describe('alerts the platform stack deploys', () => {
  it('are reported from its AlertRules, with the config\'s changes', () => {
    const changed = specOf((document) => document.setIn(['environments', 'production', 'observability'], document.createNode({
      alerts: { overrides: { ContainerRestarting: { enabled: false } } },
    })));
    const ownApp = Testing.app() as App;
    const ownStacks = buildPlatform(ownApp, changed);
    ownApp.synth();
    const ownModel = buildReportModel(changed, ownStacks, 'platform.yaml',
      (id) => JSON.parse(readFileSync(path.join(ownApp.outdir, 'stacks', id, 'cdk.tf.json'), 'utf8')));
    expect(ownModel.environments[0].alerts.source).toBe('platform-stack');
    expect(ownModel.environments[0].alerts.rules.map((rule) => rule.name)).toEqual(
      DEFAULT_ALERT_RULES.map((rule) => rule.name).filter((name) => name !== 'ContainerRestarting'));
    expect(renderPlatformReport(ownModel)).toContain('The rules the platform stack deploys:');
    expect(ownModel.environments[1].alerts.rules).toHaveLength(14);
  });
});
