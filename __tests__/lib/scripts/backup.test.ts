// mambo-backup, run for real on a sandbox host with the stand-in docker: what the archive holds,
// the order containers stop and start, retention, the lock, failures and their exit codes, ntfy.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderBackupScript } from '../../../lib/scripts/backup';
import { BACKUP_EXIT_CODES, BackupModel } from '../../../lib/scripts/model';
import { DATABASE_DUMP, platformModel, seedPlatform } from './support/platform';
import { itWithTools } from '../../support/tools';
import {
  Sandbox,
  addContainer,
  ageFile,
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
} from './support/sandbox';

const CODES = Object.fromEntries(Object.entries(BACKUP_EXIT_CODES).map(([key, exit]) => [key, exit.code]));

let sandbox: Sandbox;

beforeEach(() => {
  sandbox = makeSandbox();
  seedPlatform(sandbox);
});

afterEach(() => removeSandbox(sandbox));

function backup(model: BackupModel = platformModel(sandbox), args: string[] = []) {
  return runScript(sandbox, 'mambo-backup', renderBackupScript(model), args);
}

function archives(): string[] {
  return listDir(sandbox.localDir).filter((name) => name.endsWith('.tar.gz'));
}

function archiveEntries(archive: string): string[] {
  return execFileSync('tar', ['--list', '--gzip', '--file', path.join(sandbox.localDir, archive)], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')
    .sort();
}

function extract(archive: string): string {
  const target = path.join(sandbox.root, 'extracted');
  fs.mkdirSync(target, { recursive: true });
  execFileSync('tar', ['--extract', '--gzip', '--file', path.join(sandbox.localDir, archive), '--directory', target]);
  return target;
}

describe('a backup run', () => {
  it('writes one archive named by UTC time, with a sha256 file that checks', async () => {
    const before = Date.now();
    const result = await backup();

    expect(result.status).toBe(0);
    const [archive] = archives();
    expect(archives()).toHaveLength(1);
    expect(archive).toMatch(/^mambo-backup-\d{8}T\d{6}Z\.tar\.gz$/);
    const stamp = archive.slice('mambo-backup-'.length, -'.tar.gz'.length);
    const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13)}`;
    expect(Math.abs(Date.parse(iso) - before)).toBeLessThan(60_000);

    const check = spawnSync('sha256sum', ['--check', `${archive}.sha256`], { cwd: sandbox.localDir, encoding: 'utf8' });
    expect(check.stdout).toBe(`${archive}: OK\n`);
    expect(listDir(sandbox.localDir)).toEqual([`${archive}`, `${archive}.sha256`]);
  });

  it('archives every volume as files, the database as a dump, the configuration and the extra path', async () => {
    expect((await backup()).status).toBe(0);
    const tree = extract(archives()[0]);

    expect(fingerprint(path.join(tree, 'volumes', 'grafana-data'))).toEqual(
      fingerprint(path.join(sandbox.volumesDir, 'grafana-data', '_data')),
    );
    expect(fingerprint(path.join(tree, 'volumes', 'traefik-acme'))).toEqual(
      fingerprint(path.join(sandbox.volumesDir, 'traefik-acme', '_data')),
    );
    expect(fingerprint(path.join(tree, 'volumes', 'loki-data'))).toEqual(fingerprint(path.join(sandbox.volumesDir, 'loki-data', '_data')));
    expect(fs.existsSync(path.join(tree, 'volumes', 'shop-db'))).toBe(false);
    expect(fs.readFileSync(path.join(tree, 'dumps', 'shop-db.sql'), 'utf8')).toBe(DATABASE_DUMP);
    expect(fingerprint(path.join(tree, 'config'))).toEqual(fingerprint(sandbox.configDir));
    const extra = path.join(sandbox.root, 'etc', 'fail2ban', 'jail.local');
    expect(fs.readFileSync(path.join(tree, 'extra', extra), 'utf8')).toBe(fs.readFileSync(extra, 'utf8'));

    // The manifest covers every file and checks.
    const manifest = spawnSync('sha256sum', ['--check', '--strict', 'MANIFEST.sha256'], { cwd: tree, encoding: 'utf8' });
    expect(manifest.status).toBe(0);
    const files = Object.entries(fingerprint(tree)).filter(([entry, kind]) => kind.startsWith('file') && entry !== 'MANIFEST.sha256');
    expect(fs.readFileSync(path.join(tree, 'MANIFEST.sha256'), 'utf8').trim().split('\n')).toHaveLength(files.length);
    expect(fs.readFileSync(path.join(tree, 'backup.info'), 'utf8')).toContain('format=mambo-backup/1\n');
  });

  it('stops the containers of a "stop" volume before copying it and starts them after; others keep running', async () => {
    expect((await backup()).status).toBe(0);

    expect(lifecycleCalls(sandbox)).toEqual(['stop grafana', 'start grafana', 'stop traefik', 'start traefik']);
    expect(dockerCalls(sandbox)).toContain('exec shop-postgres pg_dump --username shop --dbname shop --clean --if-exists');
    for (const name of ['grafana', 'loki', 'traefik', 'shop', 'shop-postgres']) {
      expect(fs.readFileSync(path.join(sandbox.stateDir, 'containers', name, 'running'), 'utf8').trim()).toBe('true');
    }
  });

  it('stops several containers of one volume in the order given and starts them in reverse', async () => {
    addContainer(sandbox, 'grafana-renderer');
    const model = platformModel(sandbox, {
      volumes: [{ name: 'grafana-data', policy: 'stop', containers: ['grafana', 'grafana-renderer'] }],
    });
    expect((await backup(model)).status).toBe(0);
    expect(lifecycleCalls(sandbox)).toEqual(['stop grafana', 'stop grafana-renderer', 'start grafana-renderer', 'start grafana']);
  });

  it('leaves a container that was already stopped stopped', async () => {
    addContainer(sandbox, 'grafana', { running: false });
    expect((await backup()).status).toBe(0);
    expect(lifecycleCalls(sandbox)).toEqual(['stop traefik', 'start traefik']);
  });

  it('archives the files of a database volume when its database is not running (files at rest are consistent)', async () => {
    addContainer(sandbox, 'shop-postgres', { running: false });
    const result = await backup();
    expect(result.status).toBe(0);
    expect(result.output).toContain('shop-postgres is not running; archiving the files of shop-db instead of a dump');
    const tree = extract(archives()[0]);
    expect(fs.readFileSync(path.join(tree, 'volumes', 'shop-db', 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(fs.existsSync(path.join(tree, 'dumps', 'shop-db.sql'))).toBe(false);
  });

  it('a dry run prints the plan and changes nothing', async () => {
    const before = hostState(sandbox);
    const result = await backup(platformModel(sandbox), ['--dry-run']);

    expect(result.status).toBe(0);
    expect(result.output).toContain('volume grafana-data: stop grafana, copy, start again');
    expect(result.output).toContain('volume loki-data: copy while running');
    expect(result.output).toContain('volume shop-db: pg_dump of shop as shop in shop-postgres');
    expect(lifecycleCalls(sandbox)).toEqual([]);
    expect(hostState(sandbox)).toEqual(before);
  });

  it('a dry run on a fresh host, before any backup directory exists, still prints the plan', async () => {
    fs.rmSync(sandbox.localDir, { recursive: true });
    const result = await backup(platformModel(sandbox), ['--dry-run']);
    expect(result.status).toBe(0);
    expect(result.output).toContain('local retention 7 days; would remove: nothing');
    expect(fs.existsSync(sandbox.localDir)).toBe(false);
  });
});

describe('local retention', () => {
  it('removes exactly the archives older than the retention, with their checksum files, after a good run', async () => {
    const ages: Record<string, number> = {
      '20250101T030000Z': 30,
      '20250110T030000Z': 7.05,
      '20250111T030000Z': 6.95,
      '20250115T030000Z': 1,
    };
    for (const [stamp, days] of Object.entries(ages)) {
      for (const file of [`mambo-backup-${stamp}.tar.gz`, `mambo-backup-${stamp}.tar.gz.sha256`]) {
        fs.writeFileSync(path.join(sandbox.localDir, file), stamp);
        ageFile(path.join(sandbox.localDir, file), days);
      }
    }
    const unrelated = path.join(sandbox.localDir, 'notes.txt');
    fs.writeFileSync(unrelated, 'kept');
    ageFile(unrelated, 90);

    const result = await backup();

    expect(result.status).toBe(0);
    const left = listDir(sandbox.localDir);
    expect(left).toEqual(
      expect.arrayContaining([
        'mambo-backup-20250111T030000Z.tar.gz',
        'mambo-backup-20250111T030000Z.tar.gz.sha256',
        'mambo-backup-20250115T030000Z.tar.gz',
        'mambo-backup-20250115T030000Z.tar.gz.sha256',
        'notes.txt',
      ]),
    );
    expect(left.filter((name) => name.includes('20250101') || name.includes('20250110'))).toEqual([]);
    expect(left.filter((name) => name.endsWith('.tar.gz'))).toHaveLength(3);
    expect(result.output).toContain('removed mambo-backup-20250101T030000Z.tar.gz (older than 7 days)');
    expect(result.output).toContain('removed mambo-backup-20250110T030000Z.tar.gz.sha256 (older than 7 days)');
  });

  it('uses the configured number of days', async () => {
    for (const [stamp, days] of [['20250101T030000Z', 2.1], ['20250102T030000Z', 1.9]] as const) {
      const file = path.join(sandbox.localDir, `mambo-backup-${stamp}.tar.gz`);
      fs.writeFileSync(file, stamp);
      ageFile(file, days);
    }
    expect((await backup(platformModel(sandbox, { retention: { localDays: 2 } }))).status).toBe(0);
    expect(archives().filter((name) => name.startsWith('mambo-backup-2025'))).toEqual(['mambo-backup-20250102T030000Z.tar.gz']);
  });

  it('removes nothing when the run fails, or is incomplete', async () => {
    const old = path.join(sandbox.localDir, 'mambo-backup-20250101T030000Z.tar.gz');
    fs.writeFileSync(old, 'old');
    ageFile(old, 30);
    failDocker(sandbox, 'stop', 'traefik');
    expect((await backup()).status).toBe(CODES.volumes);
    expect(fs.existsSync(old)).toBe(true);

    fs.rmSync(path.join(sandbox.stateDir, 'fail', 'stop-traefik'));
    fs.rmSync(path.join(sandbox.volumesDir, 'loki-data'), { recursive: true });
    expect((await backup()).status).toBe(CODES.incomplete);
    expect(fs.existsSync(old)).toBe(true);
  });
});

describe('the lock', () => {
  it('lets a second run exit at once with the "locked" code while the first runs; the first completes', async () => {
    delayDocker(sandbox, 'stop', 2);
    const first = backup();
    await waitFor(() => fs.existsSync(path.join(sandbox.localDir, '.staging')));
    const second = await backup();
    const firstResult = await first;

    expect(second.status).toBe(CODES.locked);
    expect(second.output).toContain('holds');
    expect(second.output).toContain(sandbox.lockFile);
    expect(firstResult.status).toBe(0);
    expect(archives()).toHaveLength(1);
    // The refused run did not remove the first run's staging tree or stop anything itself.
    expect(lifecycleCalls(sandbox)).toEqual(['stop grafana', 'start grafana', 'stop traefik', 'start traefik']);
  });
});

describe('failures', () => {
  it('a failed stop starts the container again and exits with the volumes code', async () => {
    failDocker(sandbox, 'stop', 'traefik');
    const result = await backup();

    expect(result.status).toBe(CODES.volumes);
    expect(result.output).toContain("FAILED at step 'volume: traefik-acme' (exit 10)");
    expect(lifecycleCalls(sandbox)).toEqual(['stop grafana', 'start grafana', 'stop traefik', 'start traefik']);
    expect(archives()).toEqual([]);
    expect(listDir(sandbox.localDir)).toEqual([]);
  });

  it('a container that will not start again is the most urgent failure: exit 30, named', async () => {
    failDocker(sandbox, 'start', 'traefik');
    const result = await backup();

    expect(result.status).toBe(CODES.containersDown);
    expect(result.output).toContain('traefik would not start again');
  });

  it('a failed database dump still archives everything else, skips retention, and exits with the database code', async () => {
    const old = path.join(sandbox.localDir, 'mambo-backup-20250101T030000Z.tar.gz');
    fs.writeFileSync(old, 'old');
    ageFile(old, 30);
    failDocker(sandbox, 'pg_dump');

    const result = await backup();

    expect(result.status).toBe(CODES.database);
    expect(result.output).toContain('pg_dump of database shop in container shop-postgres (volume shop-db) failed; carrying on');
    expect(result.output).toContain("FAILED at step 'database dump: shop-db' (exit 11): database dump failed for shop-db");
    expect(result.output).toContain('this run is incomplete; no archive is removed until a complete run');
    const written = archives().filter((name) => name !== path.basename(old));
    expect(written).toHaveLength(1);
    expect(archiveEntries(written[0])).toEqual(expect.arrayContaining(['./volumes/grafana-data/grafana.db', './config/.env']));
    expect(archiveEntries(written[0])).not.toContain('./dumps/shop-db.sql');
    expect(fs.existsSync(old)).toBe(true);
  });

  it('a missing volume still produces an archive of the rest, with the incomplete code', async () => {
    fs.rmSync(path.join(sandbox.volumesDir, 'loki-data'), { recursive: true });
    const result = await backup();

    expect(result.status).toBe(CODES.incomplete);
    expect(result.output).toContain('volume loki-data does not exist here');
    expect(archives()).toHaveLength(1);
    expect(archiveEntries(archives()[0])).toContain('./volumes/grafana-data/grafana.db');
  });

  it('Docker being unreachable is a preflight failure', async () => {
    failDocker(sandbox, 'info');
    const result = await backup();
    expect(result.status).toBe(CODES.preflight);
    expect(result.output).toContain('Docker is unreachable');
    expect(lifecycleCalls(sandbox)).toEqual([]);
  });

  it('an unknown argument is a usage error', async () => {
    const result = await backup(platformModel(sandbox), ['--now']);
    expect(result.status).toBe(CODES.usage);
    expect(result.output).toContain('unknown argument: --now');
  });
});

describe('notifications', () => {
  itWithTools('curl')('reports success with size and duration, and failure with the failing step, to ntfy', async () => {
    const ntfy = await startNtfyServer();
    try {
      const tokenFile = path.join(sandbox.root, 'ntfy-token');
      fs.writeFileSync(tokenFile, 'tk_secret_token\n');
      const model = platformModel(sandbox, { ntfy: { url: ntfy.url, topic: 'mambo-alerts', tokenFile } });

      const ok = await backup(model);
      expect(ok.status).toBe(0);
      expect(ntfy.messages).toHaveLength(1);
      const success = ntfy.messages[0];
      expect(success).toMatchObject({
        method: 'POST',
        url: '/mambo-alerts',
        title: 'Backup OK on test-host',
        priority: 'default',
        tags: 'white_check_mark,floppy_disk',
        authorization: 'Bearer tk_secret_token',
      });
      expect(success.body).toMatch(/^Archive mambo-backup-\d{8}T\d{6}Z\.tar\.gz: [\d.]+KiB, 4 volume\(s\) and dump\(s\)/);
      expect(success.body).toMatch(/Took \dm \d+s\./);
      expect(ok.output).not.toContain('tk_secret_token');

      failDocker(sandbox, 'pg_dump');
      const failed = await backup(model);
      expect(failed.status).toBe(CODES.database);
      const failure = ntfy.messages[1];
      expect(failure).toMatchObject({
        title: 'Backup FAILED on test-host: database dump: shop-db',
        priority: 'high',
        tags: 'rotating_light,floppy_disk',
      });
      expect(failure.body).toContain('Step: database dump: shop-db (exit 11). database dump failed for shop-db.');
      expect(failure.body).toContain('The rest was archived; retention skipped.');
      expect(failure.body).toContain(`Log: ${sandbox.logFile}`);

      // A failure that stops the run says whether the containers it stopped are running again.
      fs.rmSync(path.join(sandbox.stateDir, 'fail', 'pg_dump'));
      failDocker(sandbox, 'stop', 'traefik');
      expect((await backup(model)).status).toBe(CODES.volumes);
      const stopped = ntfy.messages[2];
      expect(stopped).toMatchObject({ title: 'Backup FAILED on test-host: volume: traefik-acme', priority: 'high' });
      expect(stopped.body).toContain('Step: volume: traefik-acme (exit 10). docker stop traefik failed.');
      expect(stopped.body).toContain('Containers: every container this run stopped is running again.');
      expect(failed.output).not.toContain('tk_secret_token');
    } finally {
      await ntfy.close();
    }
  });

  itWithTools('curl')('a container left down is published as urgent', async () => {
    const ntfy = await startNtfyServer();
    try {
      failDocker(sandbox, 'start', 'grafana');
      const result = await backup(platformModel(sandbox, { ntfy: { url: ntfy.url, topic: 'mambo-alerts' } }));
      expect(result.status).toBe(CODES.containersDown);
      expect(ntfy.messages[0]).toMatchObject({ priority: 'urgent', title: 'Backup FAILED on test-host: volume: grafana-data' });
      expect(ntfy.messages[0].authorization).toBeUndefined();
    } finally {
      await ntfy.close();
    }
  });

  itWithTools('curl')('an unreachable ntfy server is logged and does not change the exit status', async () => {
    const result = await backup(platformModel(sandbox, { ntfy: { url: 'http://127.0.0.1:9', topic: 'mambo-alerts' } }));
    expect(result.status).toBe(0);
    expect(result.output).toContain('WARNING: could not publish to http://127.0.0.1:9/mambo-alerts');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
