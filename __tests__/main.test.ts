// The app end to end, as `cdktf synth` runs it: the default config synthesizes the infra stack;
// bad input exits non-zero with one error line and writes nothing; no secret reaches the output.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { run } from './support/tools';

const ROOT = path.resolve(__dirname, '..');
const FAKE_TOKEN = 'fake-hcloud-token-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ';

function synth(env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const workDir = mkdtempSync(path.join(tmpdir(), 'mambo-synth-'));
  const outdir = path.join(workDir, 'cdktf.out');
  const result = run(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, HCLOUD_TOKEN: FAKE_TOKEN, ...env },
  });
  return { ...result, outdir, workDir };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('npm run synth on the default platform.yaml', () => {
  const result = synth();
  const stackFile = path.join(result.outdir, 'stacks', 'production-infra', 'cdk.tf.json');

  it('succeeds and says what it built', () => {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Synthesized 4 stack\(s\) from .*platform\.yaml into .*: production-infra, production-platform, staging-infra, staging-platform/);
    expect(result.stdout).toMatch(/Memory budget, production-platform: host main \(cax11\): \d+ MiB of \d+ MiB limit/);
  });

  it('writes the platform report beside the stacks and prints its summary', () => {
    const report = readFileSync(path.join(result.outdir, 'PLATFORM.md'), 'utf8');
    expect(report).toContain('```mermaid\nflowchart LR');
    expect(result.stdout).toContain(`Platform report: ${path.join(result.outdir, 'PLATFORM.md')}`);
    expect(result.stdout).toMatch(/ {2}production \(production\): 1 host\(s\), \d+ containers, \d+ URLs \(\d+ protected\), 14 alert rules/);
  });

  it('writes production-infra with the cax11 server, firewall, ssh key, zones and a record set per hostname', () => {
    const stack = JSON.parse(readFileSync(stackFile, 'utf8'));
    const [server] = Object.values<any>(stack.resource.hcloud_server);
    expect(server.server_type).toBe('cax11');
    expect(Object.keys(stack.resource.hcloud_firewall)).toHaveLength(1);
    expect(Object.keys(stack.resource.hcloud_ssh_key)).toHaveLength(1);
    expect(Object.values<any>(stack.resource.hcloud_zone).map((zone) => zone.name).sort()).toEqual(['mambo-cloud.example', 'mambo-shop.example']);
    const names = Object.values<any>(stack.resource.hcloud_zone_rrset).filter((set) => set.type === 'A').map((set) => set.name);
    expect(names).toEqual(expect.arrayContaining(['traefik', 'grafana', 'backoffice', 'main', '@']));
  });

  it('puts no secret from the environment into any output file', () => {
    for (const file of filesUnder(result.outdir)) {
      expect(readFileSync(file, 'utf8')).not.toContain(FAKE_TOKEN);
    }
    expect(result.stdout + result.stderr).not.toContain(FAKE_TOKEN);
  });
});

describe('bad input', () => {
  it('a missing config file: one error line, exit 1, no cdktf.out', () => {
    const result = synth({ MAMBO_CONFIG: '/nonexistent/platform.yaml' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('error: /nonexistent/platform.yaml: (document): found no such file; expected a platform.yaml at this path (set MAMBO_CONFIG or --config)');
    expect(existsSync(result.outdir)).toBe(false);
    expect(readdirSync(result.workDir)).toEqual([]);
  });

  it('an invalid config chosen with --config leaves an earlier cdktf.out as it was', () => {
    const first = synth();
    const before = readFileSync(path.join(first.outdir, 'manifest.json'), 'utf8');
    const bad = path.join(first.workDir, 'bad.yaml');
    writeFileSync(bad, 'project: mambo\nenvironments:\n  production:\n    domains: [Not A Domain]\n');

    const result = run(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'main.ts'), '--config', bad], {
      cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: first.outdir },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: .*bad\.yaml:4:\d+: environments\.production\.domains\[0\]: found "Not A Domain"; expected a domain name/);
    expect(readFileSync(path.join(first.outdir, 'manifest.json'), 'utf8')).toBe(before);
    expect(readdirSync(first.workDir).sort()).toEqual(['bad.yaml', 'cdktf.out']);
  });

  it('an app over the memory budget: the biggest consumers, exit 1, nothing written, no advice to skip validation', () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'mambo-budget-'));
    const config = path.join(workDir, 'platform.yaml');
    const text = readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8');
    writeFileSync(config, text.replace('        hostnames: [reader]\n        release:', '        hostnames: [reader]\n        memoryMiB: 4000\n        release:'));

    const result = synth({}, ['--config', config]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('host main (cax11): container memory limits add up to');
    expect(result.stderr).toMatch(/mambo-production-reader-blue +app +4000 MiB/);
    expect(result.stderr).not.toContain('skipValidation');
    expect(existsSync(result.outdir)).toBe(false);
  });
});
