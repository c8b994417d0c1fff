// Security of the app end to end, as `cdktf synth` runs main.ts: with a known fake value in HCLOUD_TOKEN
// and in every variable .env.example lists, none appears in any output file, in the log or in any
// snapshot; .env.example lists every variable the default platform declares; a policy violation exits 1
// with one line and leaves the output as it was; SSH open to the world prints a warning.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { configText, PRODUCTION } from './support/platform';
import { run } from './support/tools';

const ROOT = path.resolve(__dirname, '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

function synth(env: NodeJS.ProcessEnv, args: string[] = [], outdir?: string) {
  const workDir = mkdtempSync(path.join(tmpdir(), 'mambo-security-'));
  const target = outdir ?? path.join(workDir, 'cdktf.out');
  const result = run(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'main.ts'), ...args], {
    cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: target, ...env },
  });
  return { ...result, outdir: target, workDir };
}

/** `.env.example`: the names it sets (required) and the ones it shows commented out (optional). */
function envExample() {
  const text = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  const required = [...text.matchAll(/^([A-Z][A-Z0-9_]*|TF_VAR_[a-z0-9_]+)=/gm)].map((match) => match[1]);
  const optional = [...text.matchAll(/^# (TF_VAR_[a-z0-9_]+)=/gm)].map((match) => match[1]);
  return { required, optional };
}

describe('secrets never reach the output', () => {
  const { required, optional } = envExample();
  // Distinct, unmistakable values; the hash one has the form Terraform's validation expects.
  const fakes = Object.fromEntries([...required, ...optional].map((name, index) => [name, name.endsWith('_password_hash')
    ? `$argon2id$v=19$m=65536,t=3,p=4$ZmFrZXNhbHQ${index}$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNoZmFrZWhhc2g${index}`
    : `fake-${name.toLowerCase()}-7f3a9c2e51d84b06`]));
  const result = synth(fakes);

  it('.env.example sets HCLOUD_TOKEN and the variables of the default platform', () => {
    expect(required).toContain('HCLOUD_TOKEN');
    expect(required).toContain('TF_VAR_sso_user_admin_password_hash');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('lists every variable the stacks declare: those without a default as set, the others at least commented', () => {
    const declared = filesUnder(path.join(result.outdir, 'stacks')).filter((file) => file.endsWith('cdk.tf.json'))
      .flatMap((file) => Object.entries<any>(JSON.parse(readFileSync(file, 'utf8')).variable ?? {}));
    expect(declared.length).toBeGreaterThan(0);
    for (const [name, variable] of declared) {
      expect({ name, sensitive: variable.sensitive }).toEqual({ name, sensitive: true });
      const listedAs = variable.default === undefined ? required : [...required, ...optional];
      expect({ name, listed: listedAs.includes(`TF_VAR_${name}`) }).toEqual({ name, listed: true });
    }
  });

  it('puts none of the values in any file under the output directory', () => {
    const files = filesUnder(result.outdir);
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [name, value] of Object.entries(fakes)) expect({ file, name, leaked: text.includes(value) }).toEqual({ file, name, leaked: false });
    }
  });

  it('puts none of them in the synth log', () => {
    for (const value of Object.values(fakes)) expect(result.stdout + result.stderr).not.toContain(value);
  });

  it('has none of them in any snapshot under __tests__', () => {
    const snapshots = filesUnder(path.join(ROOT, '__tests__')).filter((file) => file.endsWith('.snap'));
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snapshot of snapshots) {
      const text = readFileSync(snapshot, 'utf8');
      for (const value of Object.values(fakes)) expect(text.includes(value)).toBe(false);
    }
  });
});

describe('hardening at synth', () => {
  it('a policy violation exits 1 with one line, and the earlier output stays as it was', () => {
    const first = synth({ HCLOUD_TOKEN: 'fake' });
    expect(first.status).toBe(0);
    const before = readFileSync(path.join(first.outdir, 'stacks', 'production-platform', 'cdk.tf.json'), 'utf8');
    const config = path.join(first.workDir, 'leaky.yaml');
    writeFileSync(config, configText((document) => document.setIn([...PRODUCTION, 'apps', 'shop'], document.createNode({
      image: 'ghcr.io/mambo/shop:1.4.2', port: 8080, hostnames: ['shop'], env: { UPSTREAM_URL: 'https://shop:hunter2-hunter2@api.example.com/v1' },
    }))));

    const result = synth({ HCLOUD_TOKEN: 'fake' }, ['--config', config], first.outdir);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: policy: MAMBO-P007 \(plain secret\) at production-platform\/app-shop\/app\/container: sets UPSTREAM_URL to a value shaped like a credential; .* To accept: Policy\.accept\(<construct>, 'MAMBO-P007', '<why>'\)\n$/);
    expect(result.stderr).not.toContain('hunter2');
    expect(readFileSync(path.join(first.outdir, 'stacks', 'production-platform', 'cdk.tf.json'), 'utf8')).toBe(before);
    expect(readdirSync(first.workDir).sort()).toEqual(['cdktf.out', 'leaky.yaml']);
  });

  it('SSH open to the world synthesizes, with a warning naming the setting', () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'mambo-ssh-'));
    const config = path.join(workDir, 'open.yaml');
    writeFileSync(config, configText((document) => document.setIn([...PRODUCTION, 'ssh', 'allowedCidrs'], document.createNode(['0.0.0.0/0', '::/0']))));
    const result = synth({ HCLOUD_TOKEN: 'fake' }, ['--config', config]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('warning: production: SSH is open to the world (0.0.0.0/0 in environments.production.ssh.allowedCidrs); list your own addresses instead');
  });
});
