// The remote side of mambo-backup and mambo-restore: a real restic repository in a temporary
// directory (backup, check, restore byte for byte, age-based forget --prune), and a recording
// stand-in restic for what needs a network (S3 credentials, the SFTP command).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderBackupScript } from '../../../lib/scripts/backup';
import { BACKUP_EXIT_CODES, BackupModel, BackupTarget } from '../../../lib/scripts/model';
import { renderRestoreScript } from '../../../lib/scripts/restore';
import { itWithTools } from '../../support/tools';
import { platformModel, seedPlatform } from './support/platform';
import { Sandbox, fingerprint, listDir, makeSandbox, removeSandbox, runScript, startNtfyServer } from './support/sandbox';

const CODES = Object.fromEntries(Object.entries(BACKUP_EXIT_CODES).map(([key, exit]) => [key, exit.code]));

let sandbox: Sandbox;
let extraFile: string;
let repository: string;
let passwordFile: string;

beforeEach(() => {
  sandbox = makeSandbox();
  ({ extraFile } = seedPlatform(sandbox));
  repository = path.join(sandbox.root, 'restic-repo');
  passwordFile = path.join(sandbox.root, 'restic-password');
  fs.writeFileSync(passwordFile, 'correct horse battery staple\n', { mode: 0o600 });
});

afterEach(() => removeSandbox(sandbox));

function localRemote(extra: Partial<BackupModel> = {}): BackupModel {
  return platformModel(sandbox, { remote: { kind: 'local', repository, passwordFile }, ...extra });
}

function restic(args: string[]) {
  const result = spawnSync('restic', args, {
    encoding: 'utf8',
    env: { ...sandbox.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD_FILE: passwordFile },
  });
  if (result.status !== 0) throw new Error(`restic ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

interface Snapshot {
  id: string;
  short_id: string;
  time: string;
  tags?: string[];
}

function snapshots(): Snapshot[] {
  return JSON.parse(restic(['snapshots', '--json'])) as Snapshot[];
}

function platformState() {
  return {
    volumes: fingerprint(sandbox.volumesDir),
    config: fingerprint(sandbox.configDir),
    extra: fingerprint(extraFile),
    database: fs.readFileSync(path.join(sandbox.stateDir, 'db', 'shop-postgres.sql'), 'utf8'),
  };
}

describe('a real restic repository', () => {
  itWithTools('restic')('receives each run as a tagged snapshot, is checked, and restores byte for byte on a bare host', async () => {
    const model = localRemote();
    const original = platformState();

    const result = await runScript(sandbox, 'mambo-backup', renderBackupScript(model));

    expect(result.status).toBe(0);
    expect(result.output).toContain(`no restic repository at ${repository} yet; initialising it`);
    expect(result.output).toContain('restic check: no errors');
    const [snapshot] = snapshots();
    expect(snapshots()).toHaveLength(1);
    expect(snapshot.tags).toEqual(expect.arrayContaining(['mambo-platform', expect.stringMatching(/^run-\d{8}T\d{6}Z$/)]));

    // The host loses its local archives and its data; only the remote repository is left.
    fs.rmSync(sandbox.localDir, { recursive: true });
    fs.rmSync(sandbox.volumesDir, { recursive: true });
    fs.mkdirSync(sandbox.volumesDir);
    fs.rmSync(sandbox.configDir, { recursive: true });
    fs.writeFileSync(extraFile, 'changed');
    fs.writeFileSync(path.join(sandbox.stateDir, 'db', 'shop-postgres.sql'), '');

    const listed = await runScript(sandbox, 'mambo-restore', renderRestoreScript(model), ['list']);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(snapshot.short_id);

    const restored = await runScript(sandbox, 'mambo-restore', renderRestoreScript(model), ['full', 'remote:latest', '--yes']);
    expect(restored.status).toBe(0);
    expect(restored.output).toMatch(/all \d+ files match the manifest/);
    expect(restored.output).toContain(`restore full from snapshot ${snapshot.short_id} in ${repository}`);
    // A dumped database comes back through psql, not as raw files: on a bare host its container
    // makes a fresh volume, then the dump fills it.
    const expected = { ...original, volumes: withoutVolume(original.volumes, 'shop-db') };
    expect(platformState()).toEqual(expected);
  });

  itWithTools('restic')('restores a snapshot by id, and says clearly when an id does not exist', async () => {
    const model = localRemote();
    expect((await runScript(sandbox, 'mambo-backup', renderBackupScript(model))).status).toBe(0);
    const original = fingerprint(sandbox.configDir);
    fs.writeFileSync(path.join(sandbox.configDir, '.env'), 'changed');

    const [snapshot] = snapshots();
    const restored = await runScript(sandbox, 'mambo-restore', renderRestoreScript(model), ['configs-only', `remote:${snapshot.short_id}`, '--yes']);
    expect(restored.status).toBe(0);
    expect(fingerprint(sandbox.configDir)).toEqual(original);

    const missing = await runScript(sandbox, 'mambo-restore', renderRestoreScript(model), ['full', 'remote:deadbeef', '--yes']);
    expect(missing.status).toBe(CODES.notFound);
    expect(missing.output).toContain('there is no snapshot deadbeef (--tag mambo-platform) in');
  });

  itWithTools('restic')('remote:latest is the newest snapshot of this host, not of another environment sharing the repository', async () => {
    const model = localRemote();
    expect((await runScript(sandbox, 'mambo-backup', renderBackupScript(model))).status).toBe(0);
    const other = path.join(sandbox.root, 'staging-data');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'MANIFEST.sha256'), '');
    restic(['backup', '--tag', 'mambo-platform', '--host', 'staging-host', other]);
    const ours = snapshots().find((snapshot) => !JSON.stringify(snapshot).includes('staging-host'))!;

    const result = await runScript(sandbox, 'mambo-restore', renderRestoreScript(model), ['configs-only', 'remote:latest', '--dry-run']);

    expect(result.status).toBe(0);
    expect(result.output).toContain(`restore configs-only from snapshot ${ours.short_id} in ${repository}`);
  });

  itWithTools('restic')('forgets and prunes exactly the platform snapshots older than the remote retention', async () => {
    restic(['init']);
    const old = path.join(sandbox.root, 'old-data');
    fs.mkdirSync(old);
    fs.writeFileSync(path.join(old, 'file'), 'old');
    const daysAgo = (days: number) => new Date(Date.now() - days * 86400_000).toISOString().slice(0, 19).replace('T', ' ');
    restic(['backup', '--tag', 'mambo-platform', '--time', daysAgo(45), old]);
    restic(['backup', '--tag', 'mambo-platform', '--time', daysAgo(31), old]);
    restic(['backup', '--tag', 'mambo-platform', '--time', daysAgo(29), old]);
    // Someone else's snapshot in the same repository is not the platform's to forget.
    restic(['backup', '--tag', 'someone-else', '--time', daysAgo(400), old]);
    const before = snapshots();

    const result = await runScript(sandbox, 'mambo-backup', renderBackupScript(localRemote({ retention: { remoteDays: 30 } })));

    expect(result.status).toBe(0);
    const left = snapshots();
    const ageOf = (snapshot: Snapshot) => Math.round((Date.now() - Date.parse(snapshot.time)) / 86400_000);
    expect(left.map(ageOf).sort((a, b) => a - b)).toEqual([0, 29, 400]);
    expect(left.find((snapshot) => ageOf(snapshot) === 400)?.tags).toEqual(['someone-else']);
    const removed = before.filter((snapshot) => !left.some((kept) => kept.id === snapshot.id));
    expect(removed.map(ageOf).sort((a, b) => a - b)).toEqual([31, 45]);
    restic(['check']);
  });

  itWithTools('restic', 'curl')('a damaged repository fails the check step with its own code, and ntfy names the step', async () => {
    const ntfy = await startNtfyServer();
    try {
      const model = localRemote({ ntfy: { url: ntfy.url, topic: 'ops' } });
      expect((await runScript(sandbox, 'mambo-backup', renderBackupScript(model))).status).toBe(0);
      // Flip a byte in every data pack: the next run reuses what the index says is there, so only
      // check notices. (Deleting packs would make check retry for minutes before it reports.)
      for (const dir of listDir(path.join(repository, 'data'))) {
        for (const pack of listDir(path.join(repository, 'data', dir))) {
          const file = path.join(repository, 'data', dir, pack);
          fs.chmodSync(file, 0o600);
          const bytes = fs.readFileSync(file);
          bytes[Math.floor(bytes.length / 2)] ^= 0xff;
          fs.writeFileSync(file, bytes);
        }
      }

      const result = await runScript(sandbox, 'mambo-backup', renderBackupScript(model));

      expect(result.status).toBe(CODES.remoteCheck);
      expect(result.output).toContain("FAILED at step 'remote check' (exit 21)");
      const failure = ntfy.messages[ntfy.messages.length - 1];
      expect(failure).toMatchObject({ title: 'Backup FAILED on test-host: remote check', priority: 'high' });
      expect(failure.body).toContain(`restic check of ${repository} failed`);
      // The local archive of this run is complete all the same.
      expect(listDir(sandbox.localDir).filter((name) => name.endsWith('.tar.gz'))).toHaveLength(2);
    } finally {
      await ntfy.close();
    }
  });

  itWithTools('restic')('an unusable repository fails the remote backup step; the local archive stands', async () => {
    fs.writeFileSync(path.join(sandbox.root, 'not-a-directory'), '');
    const model = platformModel(sandbox, {
      remote: { kind: 'local', repository: path.join(sandbox.root, 'not-a-directory', 'repo'), passwordFile },
    });
    const result = await runScript(sandbox, 'mambo-backup', renderBackupScript(model));
    expect(result.status).toBe(CODES.remoteBackup);
    expect(result.output).toContain('could not open or initialise the restic repository');
    expect(listDir(sandbox.localDir).filter((name) => name.endsWith('.tar.gz'))).toHaveLength(1);
  });

  it('a missing password file stops the run before any work (preflight)', async () => {
    fs.rmSync(passwordFile);
    const result = await runScript(sandbox, 'mambo-backup', renderBackupScript(localRemote()));
    expect(result.status).toBe(CODES.preflight);
    expect(result.output).toContain(`restic password file ${passwordFile} is missing or unreadable`);
    expect(listDir(sandbox.localDir)).toEqual([]);
  });
});

describe('targets that need a network, with a recording restic', () => {
  function installRecordingRestic(): string {
    const log = path.join(sandbox.root, 'restic-calls.log');
    fs.writeFileSync(
      path.join(sandbox.binDir, 'restic'),
      `#!/usr/bin/env bash
{ printf 'ARGS'; printf ' [%s]' "$@"; printf '\\n'
  printf 'ENV AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s RESTIC_REPOSITORY=%s\\n' \\
    "\${AWS_ACCESS_KEY_ID:-}" "\${AWS_SECRET_ACCESS_KEY:-}" "\${RESTIC_REPOSITORY:-}"; } >>${JSON.stringify(log)}
while [[ "$1" == --option ]]; do shift 2; done
[[ "$1" != backup ]] || echo 'snapshot 0123abcd saved'
`,
      { mode: 0o755 },
    );
    return log;
  }

  const s3: BackupTarget = {
    kind: 's3',
    repository: 's3:https://fsn1.your-objectstorage.com/mambo-backups/production',
    passwordFile: '/replaced/in/test',
    accessKeyIdVariable: 'MAMBO_S3_ACCESS_KEY',
    secretAccessKeyVariable: 'MAMBO_S3_SECRET_KEY',
  };

  it('S3: reads the credentials named by the model from its environment file and hands them to restic', async () => {
    const log = installRecordingRestic();
    const environmentFile = path.join(sandbox.root, 's3.env');
    fs.writeFileSync(environmentFile, '# S3 credentials\nMAMBO_S3_ACCESS_KEY=AKIA-TEST-1\nexport MAMBO_S3_SECRET_KEY="s3cr3t value"\n');
    const model = platformModel(sandbox, { remote: { ...s3, passwordFile, environmentFile } as BackupTarget });

    const result = await runScript(sandbox, 'mambo-backup', renderBackupScript(model));

    expect(result.status).toBe(0);
    const calls = fs.readFileSync(log, 'utf8');
    expect(calls).toContain(`ENV AWS_ACCESS_KEY_ID=AKIA-TEST-1 AWS_SECRET_ACCESS_KEY=s3cr3t value RESTIC_REPOSITORY=${s3.repository}`);
    expect(calls).toMatch(/ARGS \[forget\] \[--tag\] \[mambo-platform\] \[--group-by\] \[host\] \[--keep-within\] \[30d\] \[--prune\]/);
    expect(result.output).not.toContain('s3cr3t');
    expect(renderBackupScript(model)).not.toContain('s3cr3t');
  });

  it('S3: the environment wins over the file, and a missing credential is a preflight failure naming the variable', async () => {
    const log = installRecordingRestic();
    const model = platformModel(sandbox, { remote: { ...s3, passwordFile } as BackupTarget });

    const fromEnvironment = await runScript(sandbox, 'mambo-backup', renderBackupScript(model), [], {
      env: { MAMBO_S3_ACCESS_KEY: 'from-env', MAMBO_S3_SECRET_KEY: 'also-env' },
    });
    expect(fromEnvironment.status).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toContain('AWS_ACCESS_KEY_ID=from-env AWS_SECRET_ACCESS_KEY=also-env');

    const missing = await runScript(sandbox, 'mambo-backup', renderBackupScript(model), [], { env: { MAMBO_S3_ACCESS_KEY: 'x' } });
    expect(missing.status).toBe(CODES.preflight);
    expect(missing.output).toContain('S3 secret key: MAMBO_S3_SECRET_KEY is set in neither the environment');
  });

  it('SFTP: restic gets one sftp.command option with the port, the key and batch mode', async () => {
    const log = installRecordingRestic();
    const model = platformModel(sandbox, {
      remote: {
        kind: 'sftp',
        repository: 'sftp:u123456@u123456.your-storagebox.de:/mambo',
        passwordFile,
        port: 23,
        identityFile: '/root/.ssh/storagebox',
      },
    });

    expect((await runScript(sandbox, 'mambo-backup', renderBackupScript(model))).status).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toContain(
      'ARGS [--option] [sftp.command=ssh -o BatchMode=yes -p 23 -i /root/.ssh/storagebox u123456@u123456.your-storagebox.de -s sftp] [check]',
    );
  });
});

function withoutVolume(volumes: Record<string, string>, volume: string): Record<string, string> {
  return Object.fromEntries(Object.entries(volumes).filter(([key]) => key !== volume && !key.startsWith(`${volume}/`)));
}
