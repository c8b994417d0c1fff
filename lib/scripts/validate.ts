// Validation of the script models. Each check throws a ScriptModelError that names where the value
// sits, what was found and what is expected; the config loader passes its own path as `where`.
import { CronExpressionParser } from 'cron-parser';
import { parseImageReference } from '../images';
import {
  BackupModel,
  BackupRetention,
  BackupTarget,
  BackupVolume,
  CleanupModel,
  CronModel,
  DiskThresholds,
  HealthCheckModel,
  NtfyTarget,
  TlsProbeSettings,
  TlsRenewalModel,
  UpdateContainersModel,
  resolveBackupModel,
} from './model';

export class ScriptModelError extends Error {
  constructor(
    readonly where: string,
    readonly found: unknown,
    readonly expected: string,
  ) {
    super(`${where}: found ${describe(found)}; expected ${expected}`);
    this.name = 'ScriptModelError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value);
}

// Docker's own rule for container and volume names.
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NTFY_TOPIC = /^[-_A-Za-z0-9]{1,64}$/;
const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const UNIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
// Control characters would break a cron line or a log line; nothing legitimate needs them.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Names of /etc/cron.d shortcuts that Debian's cron understands (no @reboot: jobs are time-based). */
const CRON_SHORTCUTS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/**
 * A schedule for /etc/cron.d: five fields (minute hour day-of-month month day-of-week) or a
 * shortcut such as `@daily`. cron-parser checks the values; what Debian's cron lacks (`L`, `#`, `?`,
 * `H`, a seconds field) is refused here because cron-parser would accept it.
 */
export function validateCronSchedule(schedule: unknown, where = 'schedule'): string {
  const expected =
    'a cron expression with five fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *", or one of ' +
    CRON_SHORTCUTS.join(', ');

  if (typeof schedule !== 'string' || schedule.trim() === '' || CONTROL.test(schedule)) {
    throw new ScriptModelError(where, schedule, expected);
  }
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) {
    if (!CRON_SHORTCUTS.includes(trimmed)) throw new ScriptModelError(where, schedule, expected);
    return trimmed;
  }

  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) {
    throw new ScriptModelError(where, schedule, `${expected} (it has ${fields.length} fields)`);
  }
  if (/[LH#?W]/.test(trimmed.replace(/\b(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)\b/gi, ''))) {
    throw new ScriptModelError(where, schedule, `${expected}; L, W, #, ? and H are not understood by the host's cron`);
  }
  try {
    CronExpressionParser.parse(trimmed, { strict: false });
  } catch (error) {
    throw new ScriptModelError(where, schedule, `${expected} (${(error as Error).message})`);
  }
  return fields.join(' ');
}

/** Retention of zero or below (or a fraction) is refused: it would delete the archive just written. */
export function validateRetention(retention: Partial<BackupRetention> | undefined, where = 'retention'): void {
  for (const key of ['localDays', 'remoteDays'] as const) {
    const days = retention?.[key];
    if (days === undefined) continue;
    validateWholeNumber(days, `${where}.${key}`, 1, 36500, 'a whole number of days, 1 or more');
  }
}

/**
 * Extra paths are absolute host paths. One that lies inside the Docker volumes directory must
 * name a volume the platform declares (so it is copied consistently, as a volume); a path into an
 * unknown volume is refused, and so is one into a declared volume, which is already backed up.
 */
export function validateExtraPaths(
  extraPaths: readonly unknown[] | undefined,
  volumes: readonly Pick<BackupVolume, 'name'>[],
  dockerVolumesDir = '/var/lib/docker/volumes',
  where = 'extraPaths',
): void {
  const known = new Set(volumes.map((volume) => volume.name));
  const seen = new Set<string>();

  (extraPaths ?? []).forEach((path, index) => {
    const at = `${where}[${index}]`;
    validateAbsolutePath(path, at);
    const value = path as string;

    if (seen.has(value)) throw new ScriptModelError(at, value, 'each extra path once');
    seen.add(value);

    const inside = relativeInside(value, dockerVolumesDir);
    if (inside === undefined) return;
    const volume = inside.split('/')[0];
    if (volume === '') {
      throw new ScriptModelError(at, value, `a path outside ${dockerVolumesDir}; declare volumes as volumes`);
    }
    if (!known.has(volume)) {
      throw new ScriptModelError(
        at,
        value,
        `a path outside ${dockerVolumesDir}, or inside a volume the platform declares; "${volume}" is not one ` +
          `(declared: ${[...known].sort().join(', ') || 'none'}); declare it as a volume so it is copied consistently`,
      );
    }
    throw new ScriptModelError(at, value, `no path inside volume "${volume}": every declared volume is backed up whole`);
  });
}

/** A remote target must name its credentials' places, never hold the credentials themselves. */
export function validateBackupTarget(target: BackupTarget | undefined, where = 'remote'): void {
  if (target === undefined) return;
  const kinds = ['sftp', 's3', 'local'];
  if (!kinds.includes((target as { kind?: string }).kind ?? '')) {
    throw new ScriptModelError(`${where}.kind`, (target as { kind?: string }).kind, `one of ${kinds.join(', ')}`);
  }
  validateAbsolutePath(target.passwordFile, `${where}.passwordFile`);
  const repository = target.repository;
  if (typeof repository !== 'string' || CONTROL.test(repository)) {
    throw new ScriptModelError(`${where}.repository`, repository, 'a restic repository string');
  }

  switch (target.kind) {
    case 'sftp': {
      if (sftpDestination(repository) === undefined) {
        throw new ScriptModelError(
          `${where}.repository`,
          repository,
          'sftp:user@host:/path, e.g. "sftp:u123456@u123456.your-storagebox.de:/mambo"',
        );
      }
      if (target.port !== undefined) validateWholeNumber(target.port, `${where}.port`, 1, 65535, 'a TCP port');
      if (target.identityFile !== undefined) {
        validateAbsolutePath(target.identityFile, `${where}.identityFile`);
        if (/\s/.test(target.identityFile)) {
          throw new ScriptModelError(`${where}.identityFile`, target.identityFile, 'a path without spaces (restic splits sftp.command on them)');
        }
      }
      return;
    }
    case 's3': {
      if (!/^s3:(https?:\/\/)?[^\s/]+\/[^\s]+$/.test(repository)) {
        throw new ScriptModelError(`${where}.repository`, repository, 's3:https://endpoint/bucket[/prefix]');
      }
      for (const key of ['accessKeyIdVariable', 'secretAccessKeyVariable'] as const) {
        const name = target[key];
        if (typeof name !== 'string' || !ENV_VARIABLE.test(name)) {
          throw new ScriptModelError(
            `${where}.${key}`,
            name,
            'the name of the environment variable holding the S3 credential (e.g. "HCLOUD_S3_ACCESS_KEY"), not the credential',
          );
        }
      }
      if (target.environmentFile !== undefined) validateAbsolutePath(target.environmentFile, `${where}.environmentFile`);
      return;
    }
    case 'local':
      validateAbsolutePath(repository, `${where}.repository`);
      return;
  }
}

export function validateNtfyTarget(ntfy: NtfyTarget | undefined, where = 'ntfy'): void {
  if (ntfy === undefined) return;
  if (typeof ntfy.url !== 'string' || !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(ntfy.url)) {
    throw new ScriptModelError(`${where}.url`, ntfy.url, 'an http(s) base URL such as "https://ntfy.sh"');
  }
  if (typeof ntfy.topic !== 'string' || !NTFY_TOPIC.test(ntfy.topic)) {
    throw new ScriptModelError(`${where}.topic`, ntfy.topic, 'an ntfy topic: 1 to 64 letters, digits, "-" or "_"');
  }
  if (ntfy.tokenFile !== undefined) validateAbsolutePath(ntfy.tokenFile, `${where}.tokenFile`);
}

/** Every check of a BackupModel; the backup and restore renderers call it first. */
export function validateBackupModel(model: BackupModel, where = 'backup'): void {
  const resolved = resolveBackupModel(model);

  if (!Array.isArray(model.volumes)) throw new ScriptModelError(`${where}.volumes`, model.volumes, 'a list of volumes');
  const names = new Set<string>();
  model.volumes.forEach((volume, index) => {
    const at = `${where}.volumes[${index}]`;
    validateDockerName(volume.name, `${at}.name`, 'volume');
    if (names.has(volume.name)) throw new ScriptModelError(`${at}.name`, volume.name, 'each volume once');
    names.add(volume.name);
    validateVolume(volume, at);
  });

  validateAbsolutePath(model.configDir, `${where}.configDir`, { notRoot: true });
  for (const key of ['localDir', 'lockFile', 'logFile', 'dockerVolumesDir'] as const) {
    validateAbsolutePath(resolved[key], `${where}.${key}`, { notRoot: true });
  }
  validateRetention(model.retention, `${where}.retention`);
  validateExtraPaths(model.extraPaths, model.volumes, resolved.dockerVolumesDir, `${where}.extraPaths`);
  validateBackupTarget(model.remote, `${where}.remote`);
  validateNtfyTarget(model.ntfy, `${where}.ntfy`);
  if (model.hostLabel !== undefined) validateLabel(model.hostLabel, `${where}.hostLabel`);

  // Archives must not end up inside what is archived, nor be swapped away by a restore.
  const sources: [string, string][] = [
    [resolved.configDir, `${where}.configDir`],
    [resolved.dockerVolumesDir, `${where}.dockerVolumesDir`],
    ...resolved.extraPaths.map((path, index): [string, string] => [path, `${where}.extraPaths[${index}]`]),
  ];
  for (const [source, label] of sources) {
    if (relativeInside(resolved.localDir, source) !== undefined || relativeInside(source, resolved.localDir) !== undefined) {
      throw new ScriptModelError(
        `${where}.localDir`,
        resolved.localDir,
        `a directory apart from ${label} (${source}); otherwise archives would contain or replace each other`,
      );
    }
  }
}

function validateVolume(volume: BackupVolume, at: string): void {
  const policies = ['stop', 'snapshot', 'dump'];
  if (!policies.includes(volume.policy)) throw new ScriptModelError(`${at}.policy`, volume.policy, `one of ${policies.join(', ')}`);
  if (!Array.isArray(volume.containers)) throw new ScriptModelError(`${at}.containers`, volume.containers, 'a list of container names');
  volume.containers.forEach((name, index) => validateDockerName(name, `${at}.containers[${index}]`, 'container'));

  if (volume.policy === 'stop' && volume.containers.length === 0) {
    throw new ScriptModelError(`${at}.containers`, volume.containers, 'the containers to stop: policy "stop" with none is "snapshot"');
  }
  if (volume.policy !== 'dump') {
    if (volume.dump !== undefined) throw new ScriptModelError(`${at}.dump`, volume.dump, `no dump with policy "${volume.policy}"`);
    return;
  }

  const dump = volume.dump;
  if (dump === undefined || dump.kind !== 'postgres') {
    throw new ScriptModelError(`${at}.dump`, dump, 'a dump description { kind: "postgres", container, user, database } for policy "dump"');
  }
  validateDockerName(dump.container, `${at}.dump.container`, 'container');
  validateLabel(dump.user, `${at}.dump.user`);
  validateLabel(dump.database, `${at}.dump.database`);
}

export function validateHealthCheckModel(model: HealthCheckModel, where = 'healthCheck'): void {
  validateContainerList(model.containers, `${where}.containers`);
  validateHostnames(model.hostnames, `${where}.hostnames`);
  validateDisk(model.disk, `${where}.disk`);
  validateTls(model.tls, `${where}.tls`);
}

export function validateTlsRenewalModel(model: TlsRenewalModel, where = 'tlsRenewal'): void {
  validateHostnames(model.hostnames, `${where}.hostnames`);
  validateTls(model.tls, `${where}.tls`);
  validateNtfyTarget(model.ntfy, `${where}.ntfy`);
  if (model.hostLabel !== undefined) validateLabel(model.hostLabel, `${where}.hostLabel`);
}

export function validateCleanupModel(model: CleanupModel, where = 'cleanup'): void {
  if (model.localDir !== undefined) validateAbsolutePath(model.localDir, `${where}.localDir`, { notRoot: true });
  if (model.lockFile !== undefined) validateAbsolutePath(model.lockFile, `${where}.lockFile`, { notRoot: true });
  if (model.localRetentionDays !== undefined) {
    validateWholeNumber(model.localRetentionDays, `${where}.localRetentionDays`, 1, 36500, 'a whole number of days, 1 or more');
  }
  validateContainerList(model.keepContainers, `${where}.keepContainers`);
  if (model.images !== undefined && model.images !== 'dangling' && model.images !== 'unused') {
    throw new ScriptModelError(`${where}.images`, model.images, '"dangling" or "unused"');
  }
  (model.logs ?? []).forEach((logs, index) => {
    const at = `${where}.logs[${index}]`;
    validateAbsolutePath(logs.directory, `${at}.directory`, { notRoot: true });
    validateWholeNumber(logs.olderThanDays, `${at}.olderThanDays`, 1, 36500, 'a whole number of days, 1 or more');
    (logs.patterns ?? []).forEach((pattern, patternIndex) => {
      if (typeof pattern !== 'string' || pattern === '' || pattern.includes('/') || CONTROL.test(pattern)) {
        throw new ScriptModelError(`${at}.patterns[${patternIndex}]`, pattern, 'a file name pattern such as "*.log.[0-9]*"');
      }
      if (pattern === '*' || pattern === '*.log') {
        throw new ScriptModelError(`${at}.patterns[${patternIndex}]`, pattern, 'a pattern for rotated logs only, never the live ones');
      }
    });
  });
}

export function validateUpdateContainersModel(model: UpdateContainersModel, where = 'updateContainers'): void {
  if (!Array.isArray(model.containers)) throw new ScriptModelError(`${where}.containers`, model.containers, 'a list of containers');
  const names = new Set<string>();
  model.containers.forEach((container, index) => {
    const at = `${where}.containers[${index}]`;
    validateDockerName(container.name, `${at}.name`, 'container');
    if (names.has(container.name)) throw new ScriptModelError(`${at}.name`, container.name, 'each container once');
    names.add(container.name);
    try {
      parseImageReference(container.image);
    } catch (error) {
      throw new ScriptModelError(`${at}.image`, container.image, `a pinned image reference (${(error as Error).message})`);
    }
    if (container.recreate !== undefined) {
      if (!Array.isArray(container.recreate) || container.recreate.length === 0) {
        throw new ScriptModelError(`${at}.recreate`, container.recreate, 'a command as a non-empty list of arguments');
      }
      (container.recreate as readonly unknown[]).forEach((arg, argIndex) => {
        if (typeof arg !== 'string' || CONTROL.test(arg)) throw new ScriptModelError(`${at}.recreate[${argIndex}]`, arg, 'a string argument');
      });
    }
  });
  if (model.healthTimeoutSeconds !== undefined) {
    validateWholeNumber(model.healthTimeoutSeconds, `${where}.healthTimeoutSeconds`, 1, 3600, 'whole seconds from 1 to 3600');
  }
  if (model.healthPollSeconds !== undefined) {
    const poll = model.healthPollSeconds;
    if (typeof poll !== 'number' || !(poll > 0) || poll > 300) {
      throw new ScriptModelError(`${where}.healthPollSeconds`, poll, 'seconds above 0 and at most 300');
    }
  }
  if (model.lockFile !== undefined) validateAbsolutePath(model.lockFile, `${where}.lockFile`, { notRoot: true });
  validateNtfyTarget(model.ntfy, `${where}.ntfy`);
  if (model.hostLabel !== undefined) validateLabel(model.hostLabel, `${where}.hostLabel`);
}

export function validateCronModel(model: CronModel, where = 'cron'): void {
  const user = model.user ?? 'root';
  if (!UNIX_USER.test(user)) throw new ScriptModelError(`${where}.user`, user, 'a Unix user name such as "root"');
  validateAbsolutePath(model.logFile, `${where}.logFile`, { notRoot: true });
  if (model.scriptsDir !== undefined) validateAbsolutePath(model.scriptsDir, `${where}.scriptsDir`, { notRoot: true });
  for (const [job, schedule] of Object.entries(model.schedules ?? {})) {
    if (schedule === false || schedule === undefined) continue;
    validateCronSchedule(schedule, `${where}.schedules.${job}`);
  }
}

function validateTls(tls: TlsProbeSettings | undefined, where: string): void {
  if (tls === undefined) return;
  if (tls.port !== undefined) validateWholeNumber(tls.port, `${where}.port`, 1, 65535, 'a TCP port');
  if (tls.connectTo !== undefined && (typeof tls.connectTo !== 'string' || !HOSTNAME.test(tls.connectTo))) {
    throw new ScriptModelError(`${where}.connectTo`, tls.connectTo, 'a host name or IPv4 address to connect to');
  }
  if (tls.timeoutSeconds !== undefined) validateWholeNumber(tls.timeoutSeconds, `${where}.timeoutSeconds`, 1, 300, 'whole seconds');
  if (tls.warnDays !== undefined) validateWholeNumber(tls.warnDays, `${where}.warnDays`, 0, 3650, 'a whole number of days');
  if (tls.criticalDays !== undefined) validateWholeNumber(tls.criticalDays, `${where}.criticalDays`, 0, 3650, 'a whole number of days');
  const warn = tls.warnDays ?? 14;
  const critical = tls.criticalDays ?? 7;
  if (critical > warn) {
    throw new ScriptModelError(`${where}.criticalDays`, critical, `at most warnDays (${warn}): fewer days left is more urgent`);
  }
}

function validateDisk(disk: DiskThresholds | undefined, where: string): void {
  if (disk === undefined) return;
  if (disk.path !== undefined) validateAbsolutePath(disk.path, `${where}.path`);
  if (disk.warnPercent !== undefined) validateWholeNumber(disk.warnPercent, `${where}.warnPercent`, 1, 100, 'a percentage from 1 to 100');
  if (disk.criticalPercent !== undefined) {
    validateWholeNumber(disk.criticalPercent, `${where}.criticalPercent`, 1, 100, 'a percentage from 1 to 100');
  }
  const warn = disk.warnPercent ?? 85;
  const critical = disk.criticalPercent ?? 95;
  if (critical < warn) throw new ScriptModelError(`${where}.criticalPercent`, critical, `at least warnPercent (${warn})`);
}

function validateContainerList(containers: readonly unknown[], where: string): void {
  if (!Array.isArray(containers)) throw new ScriptModelError(where, containers, 'a list of container names');
  containers.forEach((name, index) => validateDockerName(name, `${where}[${index}]`, 'container'));
}

function validateHostnames(hostnames: readonly unknown[], where: string): void {
  if (!Array.isArray(hostnames)) throw new ScriptModelError(where, hostnames, 'a list of host names');
  hostnames.forEach((hostname, index) => {
    if (typeof hostname !== 'string' || !HOSTNAME.test(hostname)) {
      throw new ScriptModelError(`${where}[${index}]`, hostname, 'a DNS host name such as "grafana.example.com"');
    }
  });
}

function validateDockerName(name: unknown, where: string, what: 'volume' | 'container'): void {
  if (typeof name !== 'string' || !DOCKER_NAME.test(name)) {
    throw new ScriptModelError(where, name, `a Docker ${what} name: a letter or digit, then letters, digits, "_", "." or "-"`);
  }
}

function validateLabel(value: unknown, where: string): void {
  if (typeof value !== 'string' || value === '' || CONTROL.test(value)) {
    throw new ScriptModelError(where, value, 'a non-empty string without control characters');
  }
}

function validateWholeNumber(value: unknown, where: string, min: number, max: number, expected: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ScriptModelError(where, value, expected);
  }
}

function validateAbsolutePath(path: unknown, where: string, options: { notRoot?: boolean } = {}): void {
  const expected = 'an absolute path without "..", "." or empty segments, e.g. "/opt/mambo"';
  if (typeof path !== 'string' || !path.startsWith('/') || CONTROL.test(path)) throw new ScriptModelError(where, path, expected);
  if (path !== '/' && path.split('/').slice(1).some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ScriptModelError(where, path, expected);
  }
  if (options.notRoot && path === '/') throw new ScriptModelError(where, path, 'a directory other than "/"');
}

/** The part of `path` below `directory`, or undefined when `path` is not inside it (or is it). */
function relativeInside(path: string, directory: string): string | undefined {
  if (path === directory) return '';
  const prefix = directory.endsWith('/') ? directory : `${directory}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
}

/** `user@host` of an `sftp:user@host:/path` repository, or undefined when it has another shape. */
export function sftpDestination(repository: string): string | undefined {
  const match = /^sftp:([A-Za-z0-9._-]+@[A-Za-z0-9.-]+):\S*$/.exec(repository);
  return match?.[1];
}
