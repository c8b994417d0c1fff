// Every rendered script, for several models (minimal, every option, awkward strings), passes
// shellcheck at its strictest severity; any directive that silences it must say why.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BackupModel,
  renderBackupScript,
  renderCheckTlsRenewalScript,
  renderCleanupScript,
  renderHealthCheckScript,
  renderRestoreScript,
  renderUpdateContainersScript,
} from '../../../lib/scripts';
import { itWithTools } from '../../support/tools';

const awkward = "/opt/it's a $HOME `dir`";

const backupModels: Record<string, BackupModel> = {
  minimal: { volumes: [], configDir: '/opt/mambo' },
  's3 and ntfy': {
    volumes: [
      { name: 'grafana-data', policy: 'stop', containers: ['grafana', 'grafana-renderer'] },
      { name: 'loki-data', policy: 'snapshot', containers: [] },
      { name: 'shop-db', policy: 'dump', containers: ['shop-db'], dump: { kind: 'postgres', container: 'shop-db', user: "o'brien", database: 'shop $x' } },
    ],
    configDir: '/opt/mambo',
    extraPaths: ['/etc/fail2ban/jail.local', '/etc/ssh/sshd_config.d'],
    retention: { localDays: 3, remoteDays: 90 },
    remote: {
      kind: 's3',
      repository: 's3:https://fsn1.your-objectstorage.com/mambo/prod',
      passwordFile: '/root/.config/restic/password',
      accessKeyIdVariable: 'S3_ACCESS',
      secretAccessKeyVariable: 'S3_SECRET',
      environmentFile: '/root/.config/restic/s3.env',
    },
    ntfy: { url: 'https://ntfy.example.com/', topic: 'mambo-alerts', tokenFile: '/root/.config/ntfy/token' },
  },
  sftp: {
    volumes: [{ name: 'v', policy: 'snapshot', containers: ['c'] }],
    configDir: '/opt/mambo',
    remote: { kind: 'sftp', repository: 'sftp:u1@u1.your-storagebox.de:/m', passwordFile: '/root/p', port: 23, identityFile: '/root/.ssh/id' },
    hostLabel: 'prod "one"',
  },
  'awkward strings': {
    volumes: [{ name: 'v.1_x-y', policy: 'stop', containers: ['c.1'] }],
    configDir: awkward,
    extraPaths: [`${awkward}-extra`, '/etc/a b/c'],
    localDir: '/var/backups/mambo $dir',
    lockFile: "/run/lock/it's.lock",
    logFile: '/var/log/mambo/%s.log',
    remote: { kind: 'local', repository: '/mnt/backup disk/restic', passwordFile: "/root/pass'word" },
    hostLabel: "host'; reboot; '",
  },
};

const scripts: Record<string, string> = {};
for (const [name, model] of Object.entries(backupModels)) {
  scripts[`mambo-backup (${name})`] = renderBackupScript(model);
  scripts[`mambo-restore (${name})`] = renderRestoreScript(model);
}
scripts['mambo-health-check (minimal)'] = renderHealthCheckScript({ containers: [], hostnames: [] });
scripts['mambo-health-check (full)'] = renderHealthCheckScript({
  containers: ['traefik', 'grafana'],
  hostnames: ['grafana.example.com', 'example.com'],
  disk: { path: awkward, warnPercent: 70, criticalPercent: 90 },
  tls: { port: 8443, connectTo: '127.0.0.1', warnDays: 20, criticalDays: 5, timeoutSeconds: 4 },
});
scripts['mambo-check-tls-renewal (no ntfy)'] = renderCheckTlsRenewalScript({ hostnames: ['example.com'] });
scripts['mambo-check-tls-renewal (ntfy)'] = renderCheckTlsRenewalScript({
  hostnames: [],
  ntfy: { url: 'https://ntfy.sh', topic: 't', tokenFile: awkward },
  hostLabel: "it's",
});
scripts['mambo-update-containers (none)'] = renderUpdateContainersScript({ containers: [] });
scripts['mambo-update-containers (mixed)'] = renderUpdateContainersScript({
  containers: [
    { name: 'grafana', image: 'grafana/grafana:11.3.1', recreate: ['docker', 'compose', '--file', `${awkward}/compose.yaml`, 'up', '-d', 'grafana'] },
    { name: 'traefik', image: 'ghcr.io/org/traefik:v3.6.1' },
  ],
  healthPollSeconds: 0.5,
  ntfy: { url: 'https://ntfy.sh', topic: 't' },
});
scripts['mambo-cleanup (minimal)'] = renderCleanupScript({ keepContainers: [] });
scripts['mambo-cleanup (full)'] = renderCleanupScript({
  keepContainers: ['traefik'],
  images: 'unused',
  localDir: awkward,
  logs: [{ directory: '/var/log/mambo', olderThanDays: 14, patterns: ['*.gz', "it's.log.*"] }],
});

describe('shellcheck', () => {
  it.each(Object.keys(scripts))('starts with the bash shebang and strict mode: %s', (name) => {
    const lines = scripts[name].split('\n');
    expect(lines[0]).toBe('#!/usr/bin/env bash');
    expect(lines).toContain('set -Eeuo pipefail');
  });

  it.each(Object.keys(scripts))('explains itself with --help, before checking any tool: %s', (name) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mambo-help-'));
    const file = path.join(dir, name.split(' ')[0]);
    fs.writeFileSync(file, scripts[name], { mode: 0o755 });
    const result = spawnSync(file, ['--help'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage:\n {2}mambo-/);
  });

  itWithTools('shellcheck')('finds nothing in any rendered script, at every severity', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mambo-shellcheck-'));
    try {
      const files = Object.entries(scripts).map(([name, text], index) => {
        const file = path.join(dir, `${index}-${name.replace(/[^a-z0-9-]+/gi, '_')}.sh`);
        fs.writeFileSync(file, text);
        return file;
      });
      const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', ...files], { encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every directive that silences shellcheck carries its reason', () => {
    for (const text of Object.values(scripts)) {
      const lines = text.split('\n');
      lines.forEach((line, index) => {
        if (!/#\s*shellcheck\s+disable=/.test(line)) return;
        expect(`${lines[index - 1] ?? ''}\n${line}`).toMatch(/#\s*(?!shellcheck)\S.*\n|disable=\S+\s+#?\s*\S+/);
      });
    }
  });
});
