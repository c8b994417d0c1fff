// mambo-restore, run for real after a real backup: each mode brings back every byte (sha256 of every
// file, modes and links), containers stop before and start after, and a bad archive touches nothing.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderBackupScript } from '../../../lib/scripts/backup';
import { BACKUP_EXIT_CODES, BackupModel } from '../../../lib/scripts/model';
import { renderRestoreScript } from '../../../lib/scripts/restore';
import { platformModel, seedPlatform } from './support/platform';
import { itWithTools } from '../../support/tools';
import {
  Sandbox,
  addContainer,
  clearDockerCalls,
  dockerCalls,
  delayDocker,
  failDocker,
  fingerprint,
  hostState,
  lifecycleCalls,
  listDir,
  makeSandbox,
  removeSandbox,
  runScript,
  startNtfyServer,
  writeTree,
} from './support/sandbox';

const CODES = Object.fromEntries(Object.entries(BACKUP_EXIT_CODES).map(([key, exit]) => [key, exit.code]));

let sandbox: Sandbox;
let model: BackupModel;
let extraFile: string;

beforeEach(() => {
  sandbox = makeSandbox();
  ({ extraFile } = seedPlatform(sandbox));
  model = platformModel(sandbox);
});

afterEach(() => removeSandbox(sandbox));

function restore(args: string[], options: { model?: BackupModel; input?: string } = {}) {
  return runScript(sandbox, 'mambo-restore', renderRestoreScript(options.model ?? model), args, { input: options.input });
}

async function backupNow(): Promise<string> {
  const result = await runScript(sandbox, 'mambo-backup', renderBackupScript(model));
  expect(result.status).toBe(0);
  clearDockerCalls(sandbox);
  return listDir(sandbox.localDir).filter((name) => name.endsWith('.tar.gz'))[0];
}

/** Everything a restore can bring back: volumes, configuration, the extra file, the database. */
function platformState(): Record<string, unknown> {
  return {
    volumes: fingerprint(sandbox.volumesDir),
    config: fingerprint(sandbox.configDir),
    extra: fingerprint(extraFile),
    database: fs.readFileSync(path.join(sandbox.stateDir, 'db', 'shop-postgres.sql'), 'utf8'),
  };
}

/** Deletes, alters and adds files everywhere a restore reaches, and changes the database. */
function damagePlatform(): void {
  const grafana = path.join(sandbox.volumesDir, 'grafana-data', '_data');
  fs.writeFileSync(path.join(grafana, 'grafana.db'), 'overwritten');
  fs.rmSync(path.join(grafana, 'plugins'), { recursive: true });
  fs.writeFileSync(path.join(grafana, 'stray.tmp'), 'not in the backup');
  fs.chmodSync(path.join(sandbox.volumesDir, 'loki-data', '_data', 'chunks', '0001'), 0o666);
  fs.appendFileSync(path.join(sandbox.volumesDir, 'loki-data', '_data', 'chunks', '0002'), 'more');
  fs.rmSync(path.join(sandbox.volumesDir, 'traefik-acme'), { recursive: true });
  fs.rmSync(path.join(sandbox.configDir, 'traefik'), { recursive: true });
  fs.writeFileSync(path.join(sandbox.configDir, '.env'), 'SHOP_SECRET=changed\n');
  fs.unlinkSync(path.join(sandbox.configDir, 'shop-compose.yaml'));
  writeTree(sandbox.configDir, { 'new/file.txt': 'added after the backup' });
  fs.writeFileSync(extraFile, '[sshd]\nenabled = false\n');
  fs.writeFileSync(path.join(sandbox.stateDir, 'db', 'shop-postgres.sql'), 'DROP TABLE orders;\n');
}

describe('restore modes', () => {
  it('full: every volume, the database, the configuration and the extra path come back byte for byte', async () => {
    const original = platformState();
    await backupNow();
    damagePlatform();
    expect(platformState()).not.toEqual(original);

    const result = await restore(['full', 'latest', '--yes']);

    expect(result.status).toBe(0);
    expect(platformState()).toEqual(original);
    // The volume deleted from the host is created through Docker (so Docker knows it), then filled.
    expect(dockerCalls(sandbox)).toContain('volume create traefik-acme');
    expect(fs.statSync(path.join(sandbox.volumesDir, 'traefik-acme', '_data', 'acme.json')).mode & 0o777).toBe(0o600);
    // psql got the dump through docker exec -i, in one transaction that stops at the first error.
    expect(dockerCalls(sandbox)).toContain(
      'exec -i shop-postgres psql --username shop --dbname shop --no-psqlrc --quiet --single-transaction --set ON_ERROR_STOP=1',
    );
    expect(result.output).not.toMatch(/\.mambo-(restore|previous)/);
  });

  it('full: containers of restored volumes stop before anything is replaced and start after, in reverse order', async () => {
    await backupNow();
    fs.rmSync(path.join(sandbox.volumesDir, 'traefik-acme'), { recursive: true });

    expect((await restore(['full', 'latest', '--yes'])).status).toBe(0);

    expect(lifecycleCalls(sandbox)).toEqual([
      'stop grafana',
      'stop loki',
      'stop traefik',
      'start traefik',
      'start loki',
      'start grafana',
    ]);
    const calls = dockerCalls(sandbox);
    const lastStop = calls.indexOf('stop --time 60 traefik');
    const firstStart = calls.indexOf('start traefik');
    expect(calls.indexOf('volume create traefik-acme')).toBeGreaterThan(lastStop);
    expect(calls.indexOf('volume create traefik-acme')).toBeLessThan(firstStart);
    // The database is loaded after the file volumes, while its container runs; it is never stopped.
    expect(calls.findIndex((call) => call.startsWith('exec -i shop-postgres psql'))).toBeGreaterThan(firstStart);
    expect(calls).not.toContain('stop --time 60 shop-postgres');
  });

  it('volumes-only: volumes and the database come back; the configuration and extra path stay as they are', async () => {
    const original = platformState();
    await backupNow();
    damagePlatform();
    const damagedConfig = fingerprint(sandbox.configDir);
    const damagedExtra = fingerprint(extraFile);

    expect((await restore(['volumes-only', 'latest', '--yes'])).status).toBe(0);

    const now = platformState();
    expect(now.volumes).toEqual(original.volumes);
    expect(now.database).toEqual(original.database);
    expect(now.config).toEqual(damagedConfig);
    expect(now.extra).toEqual(damagedExtra);
  });

  it('configs-only: the configuration and extra path come back; volumes, database and containers are untouched', async () => {
    const original = platformState();
    await backupNow();
    damagePlatform();
    const damagedVolumes = fingerprint(sandbox.volumesDir);

    expect((await restore(['configs-only', 'latest', '--yes'])).status).toBe(0);

    const now = platformState();
    expect(now.config).toEqual(original.config);
    expect(now.extra).toEqual(original.extra);
    expect(now.volumes).toEqual(damagedVolumes);
    expect(now.database).toBe('DROP TABLE orders;\n');
    expect(lifecycleCalls(sandbox)).toEqual([]);
  });

  it('--volume restores that volume alone and stops only its containers', async () => {
    const original = platformState();
    await backupNow();
    damagePlatform();
    const damaged = platformState();

    expect((await restore(['full', 'latest', '--yes', '--volume', 'grafana-data'])).status).toBe(0);

    const volumesNow = fingerprint(sandbox.volumesDir);
    expect(fingerprintOf(volumesNow, 'grafana-data')).toEqual(fingerprintOf(original.volumes as Record<string, string>, 'grafana-data'));
    expect(fingerprintOf(volumesNow, 'loki-data')).toEqual(fingerprintOf(damaged.volumes as Record<string, string>, 'loki-data'));
    expect(platformState().database).toEqual(damaged.database);
    expect(platformState().config).toEqual(damaged.config);
    expect(lifecycleCalls(sandbox)).toEqual(['stop grafana', 'start grafana']);
  });

  it('restores a database volume archived as files (its database was stopped at backup time) as files', async () => {
    addContainer(sandbox, 'shop-postgres', { running: false });
    const original = fingerprint(path.join(sandbox.volumesDir, 'shop-db'));
    await backupNow();
    fs.writeFileSync(path.join(sandbox.volumesDir, 'shop-db', '_data', 'PG_VERSION'), 'broken');

    const result = await restore(['volumes-only', 'latest', '--yes', '--volume', 'shop-db']);
    expect(result.status).toBe(0);
    expect(result.output).toContain('was archived as files');
    expect(fingerprint(path.join(sandbox.volumesDir, 'shop-db'))).toEqual(original);
  });

  it('finds an archive by file name, by run time and by path', async () => {
    const archive = await backupNow();
    const stamp = archive.slice('mambo-backup-'.length, -'.tar.gz'.length);
    for (const source of [archive, stamp, path.join(sandbox.localDir, archive)]) {
      const result = await restore(['configs-only', source, '--dry-run']);
      expect(result.status).toBe(0);
      expect(result.output).toContain(`restore configs-only from ${path.join(sandbox.localDir, archive)}`);
    }
  });
});

describe('awkward paths', () => {
  it('backs up and restores a configuration directory and extra path with quotes, spaces, $ and backquotes', async () => {
    const configDir = path.join(sandbox.root, "it's a $HOME `dir`");
    const extra = path.join(sandbox.root, 'etc', 'odd "name" $(touch pwned)');
    writeTree(configDir, { 'a b.txt': 'one', "c'd/$e.txt": 'two' });
    writeTree(path.dirname(extra), { [path.basename(extra)]: 'three' });
    model = platformModel(sandbox, { configDir, extraPaths: [extra] });
    const original = { config: fingerprint(configDir), extra: fingerprint(extra) };
    await backupNow();
    fs.rmSync(configDir, { recursive: true });
    fs.writeFileSync(extra, 'changed');

    const result = await restore(['configs-only', 'latest', '--yes']);

    expect(result.status).toBe(0);
    expect({ config: fingerprint(configDir), extra: fingerprint(extra) }).toEqual(original);
    expect(fs.existsSync(path.join(sandbox.root, 'pwned'))).toBe(false);
    expect(listDir(sandbox.root)).not.toContain('pwned');
  });
});

describe('dry run', () => {
  it('verifies the archive, names what would change, and changes nothing', async () => {
    await backupNow();
    damagePlatform();
    const before = hostState(sandbox);

    const result = await restore(['full', 'latest', '--dry-run']);

    expect(result.status).toBe(0);
    expect(result.output).toContain('archive checksum matches');
    expect(result.output).toMatch(/volume grafana-data: \d+ difference\(s\) with the backup/);
    expect(result.output).toContain('Only in volume grafana-data: stray.tmp');
    expect(result.output).toContain('volume traefik-acme: does not exist now; would be created (1 files)');
    expect(result.output).toContain('containers stopped for this, then started again: grafana loki traefik');
    expect(result.output).toContain('database shop in shop-postgres (volume shop-db): would be replaced by its dump');
    expect(result.output).toContain('dry run: nothing was changed');
    expect(lifecycleCalls(sandbox)).toEqual([]);
    expect(dockerCalls(sandbox).filter((call) => call.startsWith('exec') || call.startsWith('volume'))).toEqual([]);
    expect(hostState(sandbox)).toEqual(before);
  });
});

describe('refusing bad input', () => {
  async function expectRefusedWithoutChanges(args: string[], message: RegExp, code = CODES.refused) {
    const before = hostState(sandbox);
    const result = await restore(args);
    expect(result.status).toBe(code);
    expect(result.output).toMatch(message);
    expect(result.output).toContain('Nothing was changed');
    expect(lifecycleCalls(sandbox)).toEqual([]);
    expect(hostState(sandbox)).toEqual(before);
    return result;
  }

  it('refuses an archive with a flipped byte before touching anything', async () => {
    const archive = path.join(sandbox.localDir, await backupNow());
    damagePlatform();
    const bytes = fs.readFileSync(archive);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(archive, bytes);

    await expectRefusedWithoutChanges(['full', 'latest', '--yes'], /is corrupt or truncated: its sha256 is [0-9a-f]{64} but its checksum file says/);
  });

  it('refuses a truncated archive', async () => {
    const archive = path.join(sandbox.localDir, await backupNow());
    fs.truncateSync(archive, Math.floor(fs.statSync(archive).size / 3));
    await expectRefusedWithoutChanges(['volumes-only', 'latest', '--yes'], /is corrupt or truncated/);
  });

  it('refuses an archive without its checksum file, and a partial one', async () => {
    const archive = path.join(sandbox.localDir, await backupNow());
    fs.renameSync(`${archive}.sha256`, `${archive}.sha256.bak`);
    await expectRefusedWithoutChanges(['full', archive, '--yes'], /has no checksum file .* it is partial or not from mambo-backup/);

    fs.renameSync(archive, `${archive}.partial`);
    await expectRefusedWithoutChanges(['full', archive, '--yes'], /is partial: the backup that wrote it did not finish/);
    await expectRefusedWithoutChanges(['full', `${archive}.partial`, '--yes'], /is partial/);
  });

  it('refuses an archive whose contents do not match its manifest, even with a matching outer checksum', async () => {
    const name = await backupNow();
    const archive = path.join(sandbox.localDir, name);
    const unpacked = path.join(sandbox.root, 'tamper');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['--extract', '--gzip', '--file', archive, '--directory', unpacked]);
    fs.writeFileSync(path.join(unpacked, 'volumes', 'grafana-data', 'grafana.db'), 'tampered');
    execFileSync('tar', ['--create', '--gzip', '--file', archive, '--directory', unpacked, '.']);
    const sum = execFileSync('sha256sum', [name], { cwd: sandbox.localDir, encoding: 'utf8' });
    fs.writeFileSync(`${archive}.sha256`, sum);

    await expectRefusedWithoutChanges(['full', 'latest', '--yes'], /do not match its manifest/);
  });

  it('refuses an archive holding a file its manifest does not list', async () => {
    const name = await backupNow();
    const archive = path.join(sandbox.localDir, name);
    const unpacked = path.join(sandbox.root, 'tamper');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['--extract', '--gzip', '--file', archive, '--directory', unpacked]);
    writeTree(unpacked, { 'config/smuggled.sh': 'echo hi' });
    execFileSync('tar', ['--create', '--gzip', '--file', archive, '--directory', unpacked, '.']);
    fs.writeFileSync(`${archive}.sha256`, execFileSync('sha256sum', [name], { cwd: sandbox.localDir, encoding: 'utf8' }));

    await expectRefusedWithoutChanges(['configs-only', 'latest', '--yes'], /holds \d+ files but its manifest lists \d+; refusing it/);
  });

  it('says in one clear line that an archive does not exist', async () => {
    await backupNow();
    const result = await expectRefusedWithoutChanges(['full', '20200101T000000Z', '--yes'], /there is no archive/, CODES.notFound);
    const errors = result.stderr.split('\n').filter((line) => line.includes('FAILED'));
    expect(errors).toEqual([
      expect.stringContaining(
        `FAILED at step 'find the backup' (exit 5): there is no archive ${sandbox.localDir}/mambo-backup-20200101T000000Z.tar.gz; see what there is with:`,
      ),
    ]);
  });

  it('says so when there is no archive at all, and when a remote source is asked of a platform without one', async () => {
    await expectRefusedWithoutChanges(['full', 'latest', '--yes'], /there is no complete archive in/, CODES.notFound);
    await expectRefusedWithoutChanges(['full', 'remote:latest', '--yes'], /no remote repository configured/, CODES.notFound);
  });

  it('rejects bad arguments with the usage code and the usage text', async () => {
    for (const args of [[], ['everything', 'latest'], ['full'], ['full', 'latest', '--force'], ['full', 'latest', '--volume', 'nope']]) {
      const result = await restore(args);
      expect(result.status).toBe(CODES.usage);
      expect(result.stderr).toContain('Usage:');
    }
  });

  it('asks for --yes when there is no terminal to confirm on', async () => {
    await backupNow();
    damagePlatform();
    const before = hostState(sandbox);
    const result = await restore(['full', 'latest']);
    expect(result.status).toBe(CODES.usage);
    expect(result.output).toContain('pass --yes');
    expect(hostState(sandbox)).toEqual(before);
  });
});

describe('during a restore', () => {
  it('a volume that fails to restore starts the stopped containers again and exits with the volumes code', async () => {
    await backupNow();
    failDocker(sandbox, 'volume-create');
    fs.rmSync(path.join(sandbox.volumesDir, 'traefik-acme'), { recursive: true });

    const result = await restore(['volumes-only', 'latest', '--yes']);

    expect(result.status).toBe(CODES.volumes);
    expect(result.output).toContain('The restore stopped part way');
    expect(lifecycleCalls(sandbox)).toEqual(['stop grafana', 'stop loki', 'stop traefik', 'start traefik', 'start loki', 'start grafana']);
  });

  itWithTools('curl')('a database that will not load is reported with the database code, and ntfy hears it', async () => {
    const ntfy = await startNtfyServer();
    try {
      model = platformModel(sandbox, { ntfy: { url: ntfy.url, topic: 'ops' } });
      await backupNow();
      ntfy.messages.length = 0;
      failDocker(sandbox, 'psql');
      const result = await restore(['volumes-only', 'latest', '--yes']);
      expect(result.status).toBe(CODES.database);
      expect(ntfy.messages).toHaveLength(1);
      expect(ntfy.messages[0]).toMatchObject({
        title: 'Restore FAILED on test-host: database: shop-db',
        priority: 'urgent',
        tags: 'rotating_light,leftwards_arrow_with_hook',
      });
      expect(ntfy.messages[0].body).toContain('psql could not load the dump of shop into shop-postgres');
      expect(ntfy.messages[0].body).toContain('Step: database: shop-db (exit 11)');
    } finally {
      await ntfy.close();
    }
  });

  it('does not run while a backup holds the lock', async () => {
    await backupNow();
    delayDocker(sandbox, 'stop', 2);
    const backupRun = runScript(sandbox, 'mambo-backup', renderBackupScript(model));
    await waitFor(() => fs.existsSync(path.join(sandbox.localDir, '.staging')));
    const result = await restore(['full', 'latest', '--yes']);
    expect(result.status).toBe(CODES.locked);
    expect((await backupRun).status).toBe(0);
  });
});

describe('list', () => {
  it('shows complete, partial and checksum-less archives for what they are', async () => {
    const archive = await backupNow();
    fs.writeFileSync(path.join(sandbox.localDir, 'mambo-backup-20200101T000000Z.tar.gz.partial'), 'half');
    fs.writeFileSync(path.join(sandbox.localDir, 'mambo-backup-20200102T000000Z.tar.gz'), 'no sum');

    const result = await restore(['list']);

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${archive.replace(/\./g, '\\.')} +[\\d.]+KiB +\\S+ +complete`));
    expect(result.stdout).toContain('mambo-backup-20200101T000000Z.tar.gz.partial');
    expect(result.stdout).toMatch(/20200101T000000Z\.tar\.gz\.partial .* PARTIAL/);
    expect(result.stdout).toMatch(/20200102T000000Z\.tar\.gz .* NO CHECKSUM FILE/);
  });
});

function fingerprintOf(volumes: Record<string, string>, volume: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(volumes)
      .filter(([key]) => key === volume || key.startsWith(`${volume}/`))
      .map(([key, value]) => [key === volume ? '.' : key.slice(volume.length + 1), value]),
  );
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
