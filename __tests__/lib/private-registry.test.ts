// The private registry's files: its config, and the garbage collection script run for real against a stand-in
// `docker` that records each call: the registry is stopped, collected with the image's own binary, and started
// again even when the collection fails; a dry run never stops it; a held lock makes it wait, then give up.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { renderRegistryConfig, renderRegistryGcCron, renderRegistryGcScript } from '../../lib/private-registry';
import { itWithTools, run } from '../support/tools';
import { workspace, yamllint } from './observability/support/workspace';

const model = { container: 'mambo-production-registry', image: 'registry:3.0.0', volume: 'mambo-production-registry-data' };

describe('the registry config', () => {
  const config = parse(renderRegistryConfig({ realm: 'mambo-production registry' }));

  it('keeps layers on the volume, checks htpasswd users and allows deletes so collection can reclaim space', () => {
    expect(config.storage.filesystem.rootdirectory).toBe('/var/lib/registry');
    expect(config.storage.delete.enabled).toBe(true);
    expect(config.auth).toEqual({ htpasswd: { realm: 'mambo-production registry', path: '/etc/distribution/htpasswd' } });
    expect(config.http.addr).toBe(':5000');
    expect(config.http.debug).toEqual({ addr: ':5001', prometheus: { enabled: true, path: '/metrics' } });
  });

  itWithTools('yamllint')('is clean YAML', () => {
    const files = workspace('registry');
    try {
      const { status, output } = yamllint(files.write('config.yml', renderRegistryConfig({ realm: 'r' })));
      expect(output).toBe('');
      expect(status).toBe(0);
    } finally {
      files.remove();
    }
  });
});

describe('the garbage collection cron file', () => {
  it('runs the script as root on the schedule, into the maintenance log', () => {
    expect(renderRegistryGcCron('30 4 * * 0')).toContain('\n30 4 * * 0 root /usr/local/sbin/mambo-registry-gc >>/var/log/mambo/maintenance.log 2>&1\n');
  });

  it('refuses a schedule the host\'s cron cannot read', () => {
    expect(() => renderRegistryGcCron('every sunday')).toThrow(/services\.registry\.garbageCollect/);
  });
});

describe('mambo-registry-gc', () => {
  itWithTools('shellcheck')('passes shellcheck', () => {
    const result = run('shellcheck', ['-s', 'bash', '-'], { input: renderRegistryGcScript(model) });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  itWithTools('flock', 'bash')('stops the registry, collects untagged manifests with the image\'s binary, and starts it again', () => {
    const { calls, status, output } = runWithStandIn([]);
    expect(status).toBe(0);
    expect(calls.map((call) => call.split(' ')[0])).toEqual(['container', 'volume', 'stop', 'volume', 'run', 'volume', 'start']);
    const collect = calls.find((call) => call.startsWith('run '))!;
    expect(collect).toContain('--network none');
    expect(collect).toContain('--volume mambo-production-registry-data:/var/lib/registry');
    expect(collect).toMatch(/registry:3\.0\.0 garbage-collect --delete-untagged \/etc\/distribution\/config\.yml$/);
    expect(output).toContain('mambo-production-registry started again');
  });

  itWithTools('flock', 'bash')('starts the registry again when the collection fails, and fails itself', () => {
    const { calls, status } = runWithStandIn([], { FAIL_RUN: '1' });
    expect(status).not.toBe(0);
    expect(calls[calls.length - 1]).toBe('start mambo-production-registry');
  });

  itWithTools('flock', 'bash')('lists without stopping anything on --dry-run', () => {
    const { calls, status } = runWithStandIn(['--dry-run']);
    expect(status).toBe(0);
    expect(calls.some((call) => call.startsWith('stop') || call.startsWith('start'))).toBe(false);
    expect(calls.find((call) => call.startsWith('run '))).toContain('garbage-collect --delete-untagged --dry-run');
  });

  itWithTools('flock', 'bash')('does nothing when the registry is not deployed', () => {
    const { calls, status, output } = runWithStandIn([], { NO_CONTAINER: '1' });
    expect(status).toBe(1);
    expect(output).toContain('no container mambo-production-registry');
    expect(calls.some((call) => call.startsWith('stop'))).toBe(false);
  });
});

/** Runs the script with a `docker` on PATH that records its arguments and answers as a host with the registry would. */
function runWithStandIn(args: string[], behaviour: Record<string, string> = {}): { calls: string[]; status: number | null; output: string } {
  const files = workspace('registry-gc');
  try {
    const bin = join(files.dir, 'bin');
    const volumeDir = join(files.dir, 'volume');
    mkdirSync(bin);
    mkdirSync(volumeDir);
    writeFileSync(join(volumeDir, 'layer'), 'x'.repeat(4096));
    const log = join(files.dir, 'calls.log');
    writeFileSync(join(bin, 'docker'), [
      '#!/usr/bin/env bash',
      `echo "$*" >> ${log}`,
      'case "$1 $2" in',
      '  "container inspect") [ -z "${NO_CONTAINER:-}" ]; exit $? ;;',
      `  "volume inspect") [ "$3" = -f ] && echo ${volumeDir}; exit 0 ;;`,
      'esac',
      '[ "$1" = run ] && [ -n "${FAIL_RUN:-}" ] && exit 3',
      'exit 0',
      '',
    ].join('\n'));
    chmodSync(join(bin, 'docker'), 0o755);
    const script = files.write('mambo-registry-gc', renderRegistryGcScript({ ...model, lockFile: join(files.dir, 'lock') }));
    const result = run('bash', [script, ...args], { env: { ...process.env, ...behaviour, PATH: `${bin}:${process.env.PATH}` } });
    let calls: string[] = [];
    try {
      calls = readFileSync(log, 'utf8').trim().split('\n');
    } catch {
      calls = [];
    }
    return { calls, status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    files.remove();
  }
}
