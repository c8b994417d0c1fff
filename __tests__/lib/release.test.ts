// Blue/green release planning and the activation commands run on the host.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { activationCommands, releaseTo, rollback } from '../../lib/release';
import { itWithTools, run } from '../support/tools';

const current = { strategy: 'blue-green' as const, live: 'blue' as const, blue: 'app:1.0.0', green: 'app:0.9.0' };

describe('releaseTo', () => {
  it('puts the new image on the idle colour and makes it live, leaving the live colour as it was', () => {
    expect(releaseTo(current, 'app:1.1.0')).toEqual({ ...current, green: 'app:1.1.0', live: 'green' });
  });

  it('refuses latest and the image already live', () => {
    expect(() => releaseTo(current, 'app:latest')).toThrow(/latest/);
    expect(() => releaseTo(current, 'app:1.0.0')).toThrow('app:1.0.0 is already live on blue; expected a new image to release');
  });
});

describe('rollback', () => {
  it('makes the other colour live again', () => {
    expect(rollback(current)).toEqual({ ...current, live: 'green' });
  });

  it('refuses when the other colour never ran', () => {
    expect(() => rollback({ strategy: 'blue-green', live: 'blue', blue: 'app:1' })).toThrow(/the green colour has no image to roll back to/);
  });
});

describe('activationCommands', () => {
  const commands = activationCommands({ live: 'app-green', idle: 'app-blue', keepIdleFor: '30m' });

  it('starts the live colour, waits for healthy and fails the deploy otherwise', () => {
    expect(commands).toContain('docker start app-green >/dev/null');
    expect(commands.join('\n')).toMatch(/for _ in \$\(seq 1 90\)/);
    expect(commands.join('\n')).toContain('exit 1');
  });

  it('schedules the idle colour to stop after the window and cancels the live one\'s retirement', () => {
    expect(commands).toContain('systemctl stop mambo-retire-app-green.timer 2>/dev/null || true');
    expect(commands).toContain('systemd-run --quiet --collect --unit=mambo-retire-app-blue --on-active=1800s /usr/bin/docker stop app-blue');
  });

  it('schedules nothing without an idle colour', () => {
    expect(activationCommands({ live: 'app-blue', keepIdleFor: '1h' }).join('\n')).not.toContain('systemd-run');
  });

  itWithTools('shellcheck')('are clean shell', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mambo-release-')), 'activate.sh');
    writeFileSync(file, `#!/bin/sh\n${commands.join('\n')}\n`);
    const result = run('shellcheck', ['-s', 'sh', file]);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  itWithTools('sh')('really waits for a healthy container and gives up on an unhealthy one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mambo-release-run-'));
    const docker = path.join(dir, 'docker');
    // A stand-in docker: `inspect` answers from a state file, `start` records the call.
    writeFileSync(docker, `#!/bin/sh\ncase "$1" in\n  start) echo "start $2" >> "${dir}/calls";;\n  inspect) cat "${dir}/state";;\nesac\n`, { mode: 0o755 });
    writeFileSync(path.join(dir, 'systemctl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    writeFileSync(path.join(dir, 'systemd-run'), `#!/bin/sh\necho "systemd-run $*" >> "${dir}/calls"\n`, { mode: 0o755 });
    writeFileSync(path.join(dir, 'sleep'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const script = activationCommands({ live: 'app-green', idle: 'app-blue', keepIdleFor: '1m', timeoutSeconds: 6 }).join('\n');
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };

    writeFileSync(path.join(dir, 'state'), 'healthy\n');
    expect(run('sh', ['-c', script], { env }).status).toBe(0);
    expect(run('cat', [path.join(dir, 'calls')]).stdout).toBe('start app-green\nsystemd-run --quiet --collect --unit=mambo-retire-app-blue --on-active=60s /usr/bin/docker stop app-blue\n');

    writeFileSync(path.join(dir, 'state'), 'unhealthy\n');
    const failed = run('sh', ['-c', script], { env });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('app-green is unhealthy, not healthy: traffic stays where it was');
  });
});
