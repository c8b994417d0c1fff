// The `backups` and `maintenance` parts of platform.yaml: their schema (shapes only), and their resolution
// into what the BackupJob construct builds from, checked with the backup scripts' own validators so a bad
// schedule, retention, extra path or remote target is one config error at its path in the file.

import { z } from 'zod';

import type { AppSpec, ConfigFailure } from './spec';
import { BACKUP_DEFAULTS, BackupRetention, BackupTarget, CronJobName, DEFAULT_SCHEDULES } from './scripts/model';
import {
  ScriptModelError, validateBackupModel, validateBackupTarget, validateCronSchedule, validateExtraPaths, validateRetention,
} from './scripts/validate';

/** The platform's configuration directory on each host: backed up, and where the backup job writes what it knows. */
export const HOST_CONFIG_DIR = '/etc/mambo';

/** Root-only directory of the credentials the scripts read (restic password, S3 keys, SFTP key, ntfy token); never archived. */
export const HOST_CREDENTIALS_DIR = '/etc/mambo-credentials';

const tfVarEnv = z.string().regex(/^TF_VAR_[a-z][a-z0-9_]*$/, 'expected TF_VAR_<name> with a lower-case name (a sensitive Terraform variable)');
/** Checked by validateCronSchedule in resolveBackups, which names what the host's cron understands. */
const schedule = z.string();
const scheduleOrOff = z.union([z.string(), z.literal(false)], { error: 'expected a cron schedule such as "*/15 * * * *", or false to leave the job out' });

const sftpRemoteSchema = z.strictObject({
  kind: z.literal('sftp'),
  /** restic's form: `sftp:<user>@<host>:<path>`, e.g. `sftp:u123456@u123456.your-storagebox.de:/mambo/production`. */
  repository: z.string(),
  /** SSH port. @default 23, where a Hetzner Storage Box takes SSH keys */
  port: z.number().optional(),
  /** The private key the host signs in with (its public half goes on the Storage Box). @default TF_VAR_<prefix>backup_sftp_private_key */
  privateKeyEnv: tfVarEnv.optional(),
  /** The restic repository password. @default a random_password generated once and kept in Terraform's state */
  passwordEnv: tfVarEnv.optional(),
});

const s3RemoteSchema = z.strictObject({
  kind: z.literal('s3'),
  /** restic's form: `s3:https://<endpoint>/<bucket>[/<prefix>]`, e.g. `s3:https://fsn1.your-objectstorage.com/mambo-backups/production`. */
  repository: z.string(),
  /** The sensitive variable holding the access key id. Required: an S3 target has no default credentials. */
  accessKeyIdEnv: tfVarEnv.optional(),
  /** The sensitive variable holding the secret access key. Required. */
  secretAccessKeyEnv: tfVarEnv.optional(),
  /** @default a random_password generated once and kept in Terraform's state */
  passwordEnv: tfVarEnv.optional(),
});

export const backupsSchema = z.strictObject({
  /** Run the backup from cron. Off: the scripts are still installed, for runs by hand. */
  enabled: z.boolean().default(true),
  /** When the backup runs, a five-field cron expression in the host's time (UTC). */
  schedule: schedule.default(DEFAULT_SCHEDULES.backup),
  /** @default 7 days local and 30 remote for production, 3 and 7 for staging */
  retention: z.strictObject({ localDays: z.number().optional(), remoteDays: z.number().optional() }).prefault({}),
  /** A restic repository every run also goes to: a Hetzner Storage Box over SFTP, or S3-compatible storage. @default none */
  remote: z.discriminatedUnion('kind', [sftpRemoteSchema, s3RemoteSchema], { error: 'expected `kind: sftp` or `kind: s3` with their fields' }).optional(),
  /** Further absolute host paths archived with the configuration; never inside /var/lib/docker/volumes. */
  extraPaths: z.array(z.string()).default([]),
  /** Publish success and failure to the environment's alert topic (`observability.ntfy`, else `services.ntfy`). */
  notify: z.boolean().default(true),
}).prefault({});

export const maintenanceSchema = z.strictObject({
  /** Containers, disk and certificates; `false` leaves the job out of cron. */
  healthCheck: scheduleOrOff.default(DEFAULT_SCHEDULES.healthCheck),
  /** Days left on every certificate, ntfy when short. */
  tlsCheck: scheduleOrOff.default(DEFAULT_SCHEDULES.tlsCheck),
  /** Stopped containers, dangling images, rotated logs, archives past retention. */
  cleanup: scheduleOrOff.default(DEFAULT_SCHEDULES.cleanup),
}).prefault({});

export type BackupsConfig = z.output<typeof backupsSchema>;
export type MaintenanceConfig = z.output<typeof maintenanceSchema>;

/** A remote restic repository, with the sensitive variables that feed its credentials. */
export type BackupRemoteSpec =
  | { readonly kind: 'sftp'; readonly repository: string; readonly port: number; readonly privateKeyVariable: string; readonly passwordVariable?: string }
  | {
    readonly kind: 's3'; readonly repository: string; readonly accessKeyIdVariable: string; readonly secretAccessKeyVariable: string;
    readonly passwordVariable?: string;
  };

export interface BackupsSpec {
  readonly enabled: boolean;
  /** Schedules of the backup and the maintenance jobs (`false`: not in cron). */
  readonly schedules: Readonly<Record<CronJobName, string | false>>;
  readonly retention: BackupRetention;
  readonly remote?: BackupRemoteSpec;
  readonly extraPaths: readonly string[];
  /** Where `extraPaths` sits in the config, for errors found once the platform's own volumes are known. */
  readonly extraPathsConfigPath: readonly PropertyKey[];
  /** Publish to the environment's alert topic (its observability's ntfy). */
  readonly notify: boolean;
}

/** What resolveBackups needs of the rest of the environment. */
export interface BackupsContext {
  /** `<project>-<environment>`: every Docker volume the platform makes starts with it. */
  readonly namePrefix: string;
  readonly variablePrefix: string;
  /** The tier's retention, for what the config leaves out. */
  readonly retention: { readonly localBackupDays: number; readonly remoteBackupDays: number };
  readonly apps: readonly Pick<AppSpec, 'name' | 'volumes' | 'companions'>[];
}

const DOCKER_VOLUMES_DIR = BACKUP_DEFAULTS.dockerVolumesDir;

export function resolveBackups(
  backups: BackupsConfig, maintenance: MaintenanceConfig, context: BackupsContext, at: (...rest: PropertyKey[]) => PropertyKey[], fail: ConfigFailure,
): BackupsSpec {
  const where = (...rest: PropertyKey[]) => at('backups', ...rest);
  // The validators name the place as a dotted string below the one they are given; it maps back to a path here.
  const check = (path: PropertyKey[], validate: (label: string) => void, rename: Readonly<Record<string, string>> = {}) => {
    const label = path.map(String).join('.');
    try {
      validate(label);
    } catch (error) {
      if (!(error instanceof ScriptModelError)) throw error;
      const rest = error.where.startsWith(`${label}.`) || error.where.startsWith(`${label}[`)
        ? parsePath(error.where.slice(label.length)).map((key) => rename[String(key)] ?? key) : [];
      throw fail([...path, ...rest], describe(error.found), error.expected.startsWith('expected') ? error.expected : `expected ${error.expected}`);
    }
  };

  const schedules = {
    backup: backups.enabled ? backups.schedule : false,
    healthCheck: maintenance.healthCheck,
    tlsCheck: maintenance.tlsCheck,
    cleanup: maintenance.cleanup,
  } as Record<CronJobName, string | false>;
  check(where('schedule'), (label) => validateCronSchedule(backups.schedule, label));
  for (const job of ['healthCheck', 'tlsCheck', 'cleanup'] as const) {
    const value = maintenance[job];
    if (value !== false) check(at('maintenance', job), (label) => validateCronSchedule(value, label));
  }
  for (const [job, value] of Object.entries(schedules)) if (value !== false) schedules[job as CronJobName] = validateCronSchedule(value);

  check(where('retention'), (label) => validateRetention(backups.retention, label));
  const retention = {
    localDays: backups.retention.localDays ?? context.retention.localBackupDays,
    remoteDays: backups.retention.remoteDays ?? context.retention.remoteBackupDays,
  };

  // Every volume the platform makes is named <prefix>-…; the apps' are known here, the platform's own once its
  // constructs exist, so a path into one of those is left to the BackupJob, which checks it with the host's register.
  const appVolumes = context.apps.flatMap((app) => [
    ...Object.keys(app.volumes), ...app.companions.flatMap((companion) => Object.keys(companion.volumes)),
  ].map((volume) => ({ name: `${context.namePrefix}-${app.name}-${volume}` })));
  const checkedNow = (path: string) => {
    const volume = volumeOf(path);
    return volume === undefined || !volume.startsWith(`${context.namePrefix}-`) || appVolumes.some((known) => known.name === volume);
  };
  backups.extraPaths.forEach((path, index) => {
    if (backups.extraPaths.indexOf(path) !== index) throw fail(where('extraPaths', index), JSON.stringify(path), 'expected each extra path once');
    if (checkedNow(path)) {
      check(where('extraPaths', index), () => {
        const volume = volumeOf(path);
        if (volume === undefined || volume.startsWith(`${context.namePrefix}-`)) return validateExtraPaths([path], appVolumes, DOCKER_VOLUMES_DIR, 'extraPath');
        // Outside the platform's names: no volume of this environment, whatever the platform adds later.
        throw new ScriptModelError('extraPath', path, `a path outside ${DOCKER_VOLUMES_DIR}; "${volume}" is no volume of this environment ` +
          `(theirs are named ${context.namePrefix}-…, and each is backed up whole); declare it as an app volume so it is copied consistently`);
      });
    }
    const [inner, outer] = [path, BACKUP_DEFAULTS.localDir].sort((a, b) => b.length - a.length);
    if (inner === outer || inner.startsWith(`${outer === '/' ? '' : outer}/`)) {
      throw fail(where('extraPaths', index), JSON.stringify(path),
        `expected a path apart from ${BACKUP_DEFAULTS.localDir}, where the archives are kept (an archive would contain or replace the others)`);
    }
  });

  const remote = backups.remote && resolveRemote(backups.remote, context.variablePrefix, where('remote'), fail);
  if (remote) {
    check(where('remote'), (label) => validateBackupTarget(modelTarget(remote), label), {
      accessKeyIdVariable: 'accessKeyIdEnv', secretAccessKeyVariable: 'secretAccessKeyEnv', identityFile: 'privateKeyEnv', passwordFile: 'passwordEnv',
    });
  }

  // The rest of what the scripts refuse, with the host's fixed paths (a path into a volume is checked above).
  check(where(), (label) => validateBackupModel({
    volumes: [], configDir: HOST_CONFIG_DIR, extraPaths: backups.extraPaths.filter((path) => volumeOf(path) === undefined), retention,
    remote: remote && modelTarget(remote),
  }, label));

  return {
    enabled: backups.enabled, schedules, retention, remote, extraPaths: backups.extraPaths, extraPathsConfigPath: where('extraPaths'), notify: backups.notify,
  };
}

function resolveRemote(
  remote: NonNullable<BackupsConfig['remote']>, variablePrefix: string, where: PropertyKey[], fail: ConfigFailure,
): BackupRemoteSpec {
  const variableOf = (env: string | undefined) => env?.slice('TF_VAR_'.length);
  if (remote.kind === 'sftp') {
    return {
      kind: 'sftp',
      repository: remote.repository,
      port: remote.port ?? 23,
      privateKeyVariable: variableOf(remote.privateKeyEnv) ?? `${variablePrefix}backup_sftp_private_key`,
      passwordVariable: variableOf(remote.passwordEnv),
    };
  }
  for (const key of ['accessKeyIdEnv', 'secretAccessKeyEnv'] as const) {
    if (remote[key] === undefined) {
      throw fail([...where, key], 'nothing', `expected ${key}: TF_VAR_<name> of the sensitive variable that holds the S3 ` +
        `${key === 'accessKeyIdEnv' ? 'access key id' : 'secret access key'} (an S3 target has no default credentials)`);
    }
  }
  return {
    kind: 's3',
    repository: remote.repository,
    accessKeyIdVariable: variableOf(remote.accessKeyIdEnv)!,
    secretAccessKeyVariable: variableOf(remote.secretAccessKeyEnv)!,
    passwordVariable: variableOf(remote.passwordEnv),
  };
}

/** A remote as the scripts' model names it on a host: its credentials are files in HOST_CREDENTIALS_DIR. */
export function modelTarget(remote: { readonly kind: 'sftp' | 's3'; readonly repository: string; readonly port?: number }): BackupTarget {
  const { repository } = remote;
  const passwordFile = CREDENTIAL_FILES.resticPassword;
  return remote.kind === 'sftp'
    ? { kind: 'sftp', repository, port: remote.port ?? 23, passwordFile, identityFile: CREDENTIAL_FILES.sftpKey }
    : {
      kind: 's3', repository, passwordFile, environmentFile: CREDENTIAL_FILES.s3Environment,
      accessKeyIdVariable: 'AWS_ACCESS_KEY_ID', secretAccessKeyVariable: 'AWS_SECRET_ACCESS_KEY',
    };
}

/** The files the backup job writes in HOST_CREDENTIALS_DIR, each readable by root alone. */
export const CREDENTIAL_FILES = {
  resticPassword: `${HOST_CREDENTIALS_DIR}/restic-password`,
  sftpKey: `${HOST_CREDENTIALS_DIR}/sftp-key`,
  s3Environment: `${HOST_CREDENTIALS_DIR}/s3.env`,
  ntfyToken: `${HOST_CREDENTIALS_DIR}/ntfy-token`,
} as const;

/** The Docker volume a path lies in, or undefined when it is outside the volumes directory. */
function volumeOf(path: string): string | undefined {
  return path.startsWith(`${DOCKER_VOLUMES_DIR}/`) ? path.slice(DOCKER_VOLUMES_DIR.length + 1).split('/')[0] : undefined;
}

/** `.retention.localDays` or `[2]` → ['retention', 'localDays'] or [2]. */
function parsePath(rest: string): PropertyKey[] {
  return [...rest.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((match) => (match[2] !== undefined ? Number(match[2]) : match[1]));
}

function describe(found: unknown): string {
  if (found === undefined) return 'nothing';
  return typeof found === 'string' ? JSON.stringify(found) : JSON.stringify(found) ?? String(found);
}
