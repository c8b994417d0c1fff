// mambo-cleanup with the stand-in docker: a dry run by default that lists and changes nothing;
// with --yes it removes exactly what is past its age and never a platform container.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLEANUP_EXIT_CODES, CleanupModel } from '../../../lib/scripts/model';
import { renderCleanupScript } from '../../../lib/scripts/cleanup';
import {
  Sandbox,
  addContainer,
  ageFile,
  dockerCalls,
  hostState,
  listDir,
  makeSandbox,
  removeSandbox,
  runScript,
  writeTree,
} from './support/sandbox';

let sandbox: Sandbox;
let logDir: string;

beforeEach(() => {
  sandbox = makeSandbox();
  logDir = path.join(sandbox.root, 'log');
  addContainer(sandbox, 'traefik');
  addContainer(sandbox, 'grafana', { running: false });
  addContainer(sandbox, 'one-off-migration', { running: false });
  fs.writeFileSync(path.join(sandbox.stateDir, 'dangling'), 'a1b2c3d4e5f6 120MB\n');

  writeTree(logDir, {
    'maintenance.log': 'live log\n',
    'maintenance.log.1': 'yesterday\n',
    'maintenance.log.2.gz': 'older\n',
    'traefik/access.log.3.gz': 'old access log\n',
  });
  ageFile(path.join(logDir, 'maintenance.log'), 40);
  ageFile(path.join(logDir, 'maintenance.log.1'), 1);
  ageFile(path.join(logDir, 'maintenance.log.2.gz'), 15);
  ageFile(path.join(logDir, 'traefik', 'access.log.3.gz'), 30);

  for (const [stamp, days] of [['20250101T030000Z', 9], ['20250108T030000Z', 2]] as const) {
    for (const file of [`mambo-backup-${stamp}.tar.gz`, `mambo-backup-${stamp}.tar.gz.sha256`]) {
      fs.writeFileSync(path.join(sandbox.localDir, file), stamp);
      ageFile(path.join(sandbox.localDir, file), days);
    }
  }
});

afterEach(() => removeSandbox(sandbox));

function model(extra: Partial<CleanupModel> = {}): CleanupModel {
  return {
    localDir: sandbox.localDir,
    localRetentionDays: 7,
    keepContainers: ['traefik', 'grafana'],
    logs: [{ directory: logDir, olderThanDays: 14 }],
    lockFile: sandbox.lockFile,
    ...extra,
  };
}

function cleanup(m: CleanupModel, args: string[] = []) {
  return runScript(sandbox, 'mambo-cleanup', renderCleanupScript(m), args);
}

describe('mambo-cleanup', () => {
  it('by default lists what it would remove and changes nothing', async () => {
    const before = hostState(sandbox);
    const result = await cleanup(model());

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('would remove stopped container one-off-migration');
    expect(result.stdout).toContain('keeping stopped platform container grafana');
    expect(result.stdout).toContain('would remove 1 dangling image(s): a1b2c3d4e5f6 120MB');
    expect(result.stdout).toContain(`would remove old log ${logDir}/maintenance.log.2.gz`);
    expect(result.stdout).toContain(`would remove old log ${logDir}/traefik/access.log.3.gz`);
    expect(result.stdout).toContain(`would remove backup ${sandbox.localDir}/mambo-backup-20250101T030000Z.tar.gz (older than 7 days)`);
    expect(result.stdout).toContain('dry run: nothing was removed');
    expect(dockerCalls(sandbox).filter((call) => /^(rm|image prune)/.test(call))).toEqual([]);
    expect(hostState(sandbox)).toEqual(before);
  });

  it('with --yes removes exactly the stopped non-platform containers, dangling images, old rotated logs and old archives', async () => {
    const result = await cleanup(model(), ['--yes']);

    expect(result.status).toBe(0);
    expect(dockerCalls(sandbox).filter((call) => /^(rm|image prune)/.test(call))).toEqual(['rm one-off-migration', 'image prune --force']);
    expect(fs.existsSync(path.join(sandbox.stateDir, 'containers', 'grafana'))).toBe(true);
    expect(listDir(logDir)).toEqual(['maintenance.log', 'maintenance.log.1', 'traefik']);
    expect(listDir(path.join(logDir, 'traefik'))).toEqual([]);
    expect(listDir(sandbox.localDir)).toEqual(['mambo-backup-20250108T030000Z.tar.gz', 'mambo-backup-20250108T030000Z.tar.gz.sha256']);
    expect(result.stdout).toMatch(/removed 6 item\(s\); disk: \d+% used/);
  });

  it('prunes every unused image when the model says so', async () => {
    expect((await cleanup(model({ images: 'unused' }), ['--yes'])).status).toBe(0);
    expect(dockerCalls(sandbox)).toContain('image prune --all --force');
  });

  it('removes nothing while a backup holds the platform lock; a dry run still lists', async () => {
    fs.mkdirSync(path.dirname(sandbox.lockFile), { recursive: true });
    const holder = spawn('flock', [sandbox.lockFile, 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = hostState(sandbox);
      const locked = await cleanup(model(), ['--yes']);
      expect(locked.status).toBe(CLEANUP_EXIT_CODES.locked.code);
      expect(hostState(sandbox)).toEqual(before);
      expect((await cleanup(model())).status).toBe(0);
    } finally {
      holder.kill();
    }
  });

  it('rejects an unknown argument', async () => {
    expect((await cleanup(model(), ['--force'])).status).toBe(CLEANUP_EXIT_CODES.usage.code);
  });
});
