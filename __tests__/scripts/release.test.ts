// The on-call release and rollback commands, run for real on a copy of the default config.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { parse } from 'yaml';

import { DEFAULT_CONFIG_FILE } from '../../lib/config';
import { run } from '../support/tools';

const ROOT = path.resolve(__dirname, '..', '..');

function command(...args: string[]) {
  return run(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'scripts', 'release.ts'), ...args], { cwd: ROOT });
}

function copyOfDefault(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mambo-release-cmd-')), 'platform.yaml');
  copyFileSync(DEFAULT_CONFIG_FILE, file);
  return file;
}

const releaseBlock = (file: string) => parse(readFileSync(file, 'utf8')).environments.production.apps.reader.release;

describe('release and rollback', () => {
  it('release puts the image on the idle colour, makes it live and keeps the comments', () => {
    const file = copyOfDefault();
    const result = command('release', 'production', 'reader', 'miniflux/miniflux:2.2.11', '--config', file);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('reader in production: live blue -> green');
    expect(result.stdout).toContain('Next: npx cdktf deploy production-platform');
    expect(releaseBlock(file)).toMatchObject({ live: 'green', blue: 'miniflux/miniflux:2.2.10', green: 'miniflux/miniflux:2.2.11' });
    expect(readFileSync(file, 'utf8')).toContain('# The default Mambo platform');
  });

  it('rewrites only the changed lines of the release block, so the diff to commit is the release', () => {
    const file = copyOfDefault();
    const before = readFileSync(file, 'utf8').split('\n');
    expect(command('release', 'production', 'reader', 'miniflux/miniflux:2.2.11', '--config', file).status).toBe(0);
    const after = readFileSync(file, 'utf8').split('\n');
    expect(after.filter((line) => !before.includes(line))).toEqual(['          live: green', '          green: miniflux/miniflux:2.2.11']);
    expect(before.filter((line) => !after.includes(line))).toEqual(['          live: blue']);
  });

  it('rollback makes the previous colour live again', () => {
    const file = copyOfDefault();
    command('release', 'production', 'reader', 'miniflux/miniflux:2.2.11', '--config', file);
    const result = command('rollback', 'production', 'reader', '--config', file);
    expect(result.status).toBe(0);
    expect(releaseBlock(file)).toMatchObject({ live: 'blue', blue: 'miniflux/miniflux:2.2.10', green: 'miniflux/miniflux:2.2.11' });
  });

  it('refuses latest and writes nothing', () => {
    const file = copyOfDefault();
    const before = readFileSync(file, 'utf8');
    const result = command('release', 'production', 'reader', 'miniflux/miniflux:latest', '--config', file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('environments.production.apps.reader.release: image "miniflux/miniflux:latest" on "latest"');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses an app without a blue/green block, and a rollback with nothing to roll back to', () => {
    const file = copyOfDefault();
    expect(command('release', 'production', 'nope', 'a:1', '--config', file).stderr)
      .toContain('environments.production.apps.nope.release: found nothing; expected a blue/green release block');
    expect(command('rollback', 'production', 'reader', '--config', file).stderr).toContain('the green colour has no image to roll back to');
  });

  it('explains its usage', () => {
    const result = command('release', 'production');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: release <env> <app> <image>');
  });
});
