// The typed models the backup and maintenance script renderers take, their defaults (resolved in
// one place) and the exit codes the scripts document. Constructs derive these models; no I/O here.

/** How a volume is copied so the copy is consistent. */
export type VolumePolicy = 'stop' | 'snapshot' | 'dump';

/** A database companion whose volume is backed up as a logical dump instead of raw files. */
export interface PostgresDump {
  readonly kind: 'postgres';
  /** The container running the database; `docker exec` runs `pg_dump` / `psql` in it. */
  readonly container: string;
  readonly user: string;
  readonly database: string;
}

export interface BackupVolume {
  /** The Docker volume name, e.g. `monitoring_grafana-data`. */
  readonly name: string;
  /**
   * `stop`: the containers using the volume are stopped while it is copied, then started again.
   * `snapshot`: copied as-is while running (data that tolerates it, e.g. append-only stores).
   * `dump`: a `pg_dump` through the database container; the raw files are not archived.
   */
  readonly policy: VolumePolicy;
  /** Containers that mount the volume, in the order they are stopped; they start in reverse. */
  readonly containers: readonly string[];
  /** Required when `policy` is `dump`. */
  readonly dump?: PostgresDump;
}

export interface BackupRetention {
  /** Local archives older than this many days are removed after a successful run. @default 7 */
  readonly localDays: number;
  /** Remote snapshots older than this many days are forgotten and pruned. @default 30 */
  readonly remoteDays: number;
}

/** A restic repository over SFTP, e.g. a Hetzner Storage Box. */
export interface SftpBackupTarget {
  readonly kind: 'sftp';
  /** `sftp:user@host:/path`, e.g. `sftp:u123456@u123456.your-storagebox.de:/mambo`. */
  readonly repository: string;
  /** Root-only file holding the restic repository password. */
  readonly passwordFile: string;
  /** SSH port. @default 22 (a Hetzner Storage Box listens on 23) */
  readonly port?: number;
  /** Private key for the SSH connection. @default ssh's own defaults for the running user */
  readonly identityFile?: string;
}

/** A restic repository in an S3-compatible bucket (Hetzner Object Storage, AWS, MinIO …). */
export interface S3BackupTarget {
  readonly kind: 's3';
  /** `s3:https://endpoint/bucket[/prefix]`. */
  readonly repository: string;
  readonly passwordFile: string;
  /** Name of the environment variable that holds the access key id (never the key itself). */
  readonly accessKeyIdVariable: string;
  /** Name of the environment variable that holds the secret access key. */
  readonly secretAccessKeyVariable: string;
  /**
   * Root-only file of `NAME=value` lines where the two variables are read when they are not in
   * the environment (cron starts jobs with an almost empty environment). It is parsed, not sourced.
   */
  readonly environmentFile?: string;
}

/** A restic repository in a local directory (a mounted volume or disk; also what tests use). */
export interface LocalBackupTarget {
  readonly kind: 'local';
  /** Absolute path of the repository directory. */
  readonly repository: string;
  readonly passwordFile: string;
}

export type BackupTarget = SftpBackupTarget | S3BackupTarget | LocalBackupTarget;

/** Where scripts publish notifications. */
export interface NtfyTarget {
  /** Server base URL, e.g. `https://ntfy.sh`. */
  readonly url: string;
  readonly topic: string;
  /** Root-only file holding an access token; sent as a bearer token, never on a command line. */
  readonly tokenFile?: string;
}

export interface BackupModel {
  readonly volumes: readonly BackupVolume[];
  /** The platform's configuration directory on the host. */
  readonly configDir: string;
  /** Further absolute host paths (files or directories); they restore with the configuration. */
  readonly extraPaths?: readonly string[];
  /** Where dated archives are kept. @default '/var/backups/mambo' */
  readonly localDir?: string;
  /** @default { localDays: 7, remoteDays: 30 } */
  readonly retention?: Partial<BackupRetention>;
  /** A restic repository the run also sends its data to. @default none: local archives only */
  readonly remote?: BackupTarget;
  /** @default none: no notifications */
  readonly ntfy?: NtfyTarget;
  /** One lock for backup, restore, cleanup and container updates. @default '/run/lock/mambo-platform.lock' */
  readonly lockFile?: string;
  /** The log the cron job appends to; notifications point the reader at it. @default '/var/log/mambo/maintenance.log' */
  readonly logFile?: string;
  /** Where the local volume driver keeps volumes. @default '/var/lib/docker/volumes' */
  readonly dockerVolumesDir?: string;
  /** Host name shown in notifications. @default the output of `hostname` on the host */
  readonly hostLabel?: string;
}

/** A BackupModel with every default filled in. */
export interface ResolvedBackupModel {
  readonly volumes: readonly BackupVolume[];
  readonly configDir: string;
  readonly extraPaths: readonly string[];
  readonly localDir: string;
  readonly retention: BackupRetention;
  readonly remote?: BackupTarget;
  readonly ntfy?: NtfyTarget;
  readonly lockFile: string;
  readonly logFile: string;
  readonly dockerVolumesDir: string;
  readonly hostLabel?: string;
}

/** TLS probing of the hostnames the platform serves. */
export interface TlsProbeSettings {
  /** @default 443 */
  readonly port?: number;
  /** Address to connect to instead of each hostname (SNI still names the host). @default the hostname */
  readonly connectTo?: string;
  /** Fewer days left than this is a warning. @default 14 */
  readonly warnDays?: number;
  /** Fewer days left than this (or expired, unreachable, wrong name) is critical. @default 7 */
  readonly criticalDays?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
}

export interface DiskThresholds {
  /** @default '/' */
  readonly path?: string;
  /** Used space at or above this percentage is a warning. @default 85 */
  readonly warnPercent?: number;
  /** Used space at or above this percentage is critical. @default 95 */
  readonly criticalPercent?: number;
}

export interface HealthCheckModel {
  /** Every platform container; each must be running, and healthy when it has a healthcheck. */
  readonly containers: readonly string[];
  /** Every hostname the platform serves; each certificate's expiry and name are checked. */
  readonly hostnames: readonly string[];
  readonly disk?: DiskThresholds;
  readonly tls?: TlsProbeSettings;
}

export interface TlsRenewalModel {
  readonly hostnames: readonly string[];
  readonly tls?: TlsProbeSettings;
  /** When set, a warning or critical result is published. */
  readonly ntfy?: NtfyTarget;
  readonly hostLabel?: string;
}

export interface LogCleanup {
  readonly directory: string;
  /** Rotated files older than this are removed. */
  readonly olderThanDays: number;
  /** File name patterns of rotated logs. @default ['*.gz', '*.log.[0-9]*'] */
  readonly patterns?: readonly string[];
}

export interface CleanupModel {
  /** Where backup archives are kept (the backup model's `localDir`). @default '/var/backups/mambo' */
  readonly localDir?: string;
  /** @default 7 */
  readonly localRetentionDays?: number;
  /** Platform containers: never removed, even when stopped (a backup may have stopped them). */
  readonly keepContainers: readonly string[];
  /** `dangling`: untagged layers only. `unused`: every image no container uses. @default 'dangling' */
  readonly images?: 'dangling' | 'unused';
  readonly logs?: readonly LogCleanup[];
  /** @default '/run/lock/mambo-platform.lock' */
  readonly lockFile?: string;
}

export interface UpdatableContainer {
  readonly name: string;
  /** The pinned image reference the container runs, e.g. `grafana/grafana:11.3.1`. */
  readonly image: string;
  /**
   * Command (argv) that recreates the container from whatever its pinned tag now points to,
   * e.g. `['docker', 'compose', '--file', '/opt/mambo/apps/shop/compose.yaml', 'up', '-d', 'shop']`.
   * Without it the script pulls and reports that the container waits for `cdktf deploy`.
   */
  readonly recreate?: readonly string[];
}

export interface UpdateContainersModel {
  readonly containers: readonly UpdatableContainer[];
  /** @default 120 */
  readonly healthTimeoutSeconds?: number;
  /** @default 5 */
  readonly healthPollSeconds?: number;
  readonly ntfy?: NtfyTarget;
  readonly hostLabel?: string;
  /** @default '/run/lock/mambo-platform.lock' */
  readonly lockFile?: string;
}

export type CronJobName = 'backup' | 'healthCheck' | 'tlsCheck' | 'cleanup';

export interface CronModel {
  /** The user cron runs the jobs as (the `/etc/cron.d` user field). @default 'root' */
  readonly user?: string;
  /** Where the scripts are installed. @default '/usr/local/sbin' */
  readonly scriptsDir?: string;
  /** Every job appends its output here; the log shipper reads it. */
  readonly logFile: string;
  /** Five-field cron expressions (UTC on the host), or `false` to leave a job out. @default DEFAULT_SCHEDULES */
  readonly schedules?: Partial<Record<CronJobName, string | false>>;
}

export const DEFAULT_SCHEDULES: Readonly<Record<CronJobName, string>> = {
  backup: '0 3 * * *',
  healthCheck: '*/15 * * * *',
  tlsCheck: '0 8 * * *',
  cleanup: '30 4 * * 0',
};

/** File names the scripts are installed under (in CronModel.scriptsDir). */
export const SCRIPT_FILE_NAMES = {
  backup: 'mambo-backup',
  restore: 'mambo-restore',
  cleanup: 'mambo-cleanup',
  healthCheck: 'mambo-health-check',
  updateContainers: 'mambo-update-containers',
  checkTlsRenewal: 'mambo-check-tls-renewal',
} as const;

export const CRON_FILE_PATH = '/etc/cron.d/mambo-platform';

export const BACKUP_DEFAULTS = {
  localDir: '/var/backups/mambo',
  retention: { localDays: 7, remoteDays: 30 },
  lockFile: '/run/lock/mambo-platform.lock',
  logFile: '/var/log/mambo/maintenance.log',
  dockerVolumesDir: '/var/lib/docker/volumes',
} as const;

export const TLS_DEFAULTS = { port: 443, warnDays: 14, criticalDays: 7, timeoutSeconds: 10 } as const;

export const DISK_DEFAULTS = { path: '/', warnPercent: 85, criticalPercent: 95 } as const;

export const UPDATE_DEFAULTS = { healthTimeoutSeconds: 120, healthPollSeconds: 5 } as const;

export const CLEANUP_DEFAULTS = {
  images: 'dangling',
  logPatterns: ['*.gz', '*.log.[0-9]*'],
} as const;

/** Fills every default of a BackupModel; the renderers and constructs read the result. */
export function resolveBackupModel(model: BackupModel): ResolvedBackupModel {
  return {
    volumes: model.volumes,
    configDir: model.configDir,
    extraPaths: model.extraPaths ?? [],
    localDir: model.localDir ?? BACKUP_DEFAULTS.localDir,
    retention: {
      localDays: model.retention?.localDays ?? BACKUP_DEFAULTS.retention.localDays,
      remoteDays: model.retention?.remoteDays ?? BACKUP_DEFAULTS.retention.remoteDays,
    },
    remote: model.remote,
    ntfy: model.ntfy,
    lockFile: model.lockFile ?? BACKUP_DEFAULTS.lockFile,
    logFile: model.logFile ?? BACKUP_DEFAULTS.logFile,
    dockerVolumesDir: model.dockerVolumesDir ?? BACKUP_DEFAULTS.dockerVolumesDir,
    hostLabel: model.hostLabel,
  };
}

export function resolveTlsSettings(tls: TlsProbeSettings | undefined): Required<Omit<TlsProbeSettings, 'connectTo'>> &
  Pick<TlsProbeSettings, 'connectTo'> {
  return {
    port: tls?.port ?? TLS_DEFAULTS.port,
    connectTo: tls?.connectTo,
    warnDays: tls?.warnDays ?? TLS_DEFAULTS.warnDays,
    criticalDays: tls?.criticalDays ?? TLS_DEFAULTS.criticalDays,
    timeoutSeconds: tls?.timeoutSeconds ?? TLS_DEFAULTS.timeoutSeconds,
  };
}

export interface ExitCode {
  readonly code: number;
  readonly meaning: string;
}

/**
 * Exit status of mambo-backup and mambo-restore. One table so the scripts' headers, the docs
 * and anything that reacts to a failed run agree. Codes 10–30 name the step that failed.
 */
export const BACKUP_EXIT_CODES = {
  ok: { code: 0, meaning: 'success (for a dry run: the plan was printed, nothing changed)' },
  unexpected: { code: 1, meaning: 'unexpected error: a command failed outside any known step; read the log' },
  usage: { code: 2, meaning: 'bad arguments (restore: also no --yes and no terminal to ask on)' },
  preflight: { code: 3, meaning: 'preflight: a tool is missing, Docker is unreachable, a path is missing or disk space is short' },
  locked: { code: 4, meaning: 'another backup, restore, cleanup or update holds the lock; nothing was done' },
  notFound: { code: 5, meaning: 'restore: the archive or snapshot asked for does not exist' },
  refused: { code: 6, meaning: 'restore: the archive is partial or corrupt (checksum mismatch); nothing was changed' },
  volumes: { code: 10, meaning: 'copying or restoring a volume failed (containers were started again)' },
  database: { code: 11, meaning: 'a database dump failed (the rest is archived, retention skipped), or loading one failed' },
  config: { code: 12, meaning: 'copying or restoring the configuration directory or an extra path failed' },
  archive: { code: 13, meaning: 'writing the local archive or its checksum failed' },
  localRetention: { code: 14, meaning: 'removing local archives past retention failed (the new archive is fine)' },
  incomplete: { code: 15, meaning: 'a volume or extra path was missing on the host: the rest is archived, retention skipped' },
  remoteBackup: { code: 20, meaning: 'restic backup failed (the local archive is fine)' },
  remoteCheck: { code: 21, meaning: 'restic check found a problem in the remote repository' },
  remoteRetention: { code: 22, meaning: 'restic forget --prune failed (the new snapshot is fine)' },
  remoteRestore: { code: 23, meaning: 'restore: reading the restic snapshot failed; nothing was changed' },
  containersDown: { code: 30, meaning: 'containers stopped for the copy could not be started again: the platform is partly down' },
} as const satisfies Record<string, ExitCode>;

/** The entries of an exit-code table named by `keys`, in that order. */
export function pick<T extends Record<string, ExitCode>, K extends keyof T>(table: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, table[key]])) as Pick<T, K>;
}

/** Exit status of mambo-health-check and mambo-check-tls-renewal (the Nagios convention). */
export const CHECK_EXIT_CODES = {
  ok: { code: 0, meaning: 'every check passed' },
  warning: { code: 1, meaning: 'a warning: disk above its warning level, or a certificate expires soon' },
  critical: {
    code: 2,
    meaning: 'critical: a container down or unhealthy, disk nearly full, a certificate expired, unreachable or for another name',
  },
  unknown: { code: 3, meaning: 'the checks could not run: bad arguments or a missing tool' },
} as const satisfies Record<string, ExitCode>;

/** Exit status of mambo-cleanup. */
export const CLEANUP_EXIT_CODES = {
  ok: { code: 0, meaning: 'success (a dry run only listed what would be removed)' },
  unexpected: { code: 1, meaning: 'unexpected error; read the log' },
  usage: { code: 2, meaning: 'bad arguments' },
  preflight: { code: 3, meaning: 'a tool is missing or Docker is unreachable' },
  locked: { code: 4, meaning: 'a backup, restore or update holds the lock; nothing was removed' },
} as const satisfies Record<string, ExitCode>;

/** Exit status of mambo-update-containers. */
export const UPDATE_EXIT_CODES = {
  ok: { code: 0, meaning: 'every container is up to date, updated and healthy, or waits for cdktf deploy' },
  unexpected: { code: 1, meaning: 'unexpected error; read the log' },
  usage: { code: 2, meaning: 'bad arguments' },
  preflight: { code: 3, meaning: 'a tool is missing or Docker is unreachable' },
  locked: { code: 4, meaning: 'a backup, restore or cleanup holds the lock; nothing was changed' },
  pullFailed: { code: 40, meaning: 'pulling an image failed; that container was left as it was' },
  rolledBack: { code: 41, meaning: 'an updated container was not healthy and was rolled back to its previous image' },
  rollbackFailed: { code: 42, meaning: 'an update and its rollback both failed: a container is down' },
} as const satisfies Record<string, ExitCode>;
