// One host's backups and maintenance. What to back up is derived from the host's register: every named
// volume with its policy (PostgreSQL companions as dumps), plus the platform's configuration directory and
// extra paths. The backup, restore and maintenance scripts and the cron file are rendered by lib/scripts at
// synth, so volumes and containers registered after this construct are included, and installed as root over
// SSH by null_resources whose triggers are hashes of what each one installs.

import { createHash } from 'node:crypto';

import { Fn, ITerraformDependable, Lazy, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { Resource as NullResource } from '@cdktf/provider-null/lib/resource';
import { Password } from '@cdktf/provider-random/lib/password';

import { CREDENTIAL_FILES, HOST_CONFIG_DIR, HOST_CREDENTIALS_DIR, modelTarget } from '../lib/backups';
import {
  BACKUP_DEFAULTS, BackupModel, BackupRetention, BackupTarget, BackupVolume, CRON_FILE_PATH, CleanupModel, CronJobName, CronModel,
  DEFAULT_SCHEDULES, HealthCheckModel, LOGROTATE_FILE_PATH, NtfyTarget, SCRIPT_FILE_NAMES, ScriptModelError, TlsRenewalModel,
  UpdateContainersModel, cronLogDirectory, renderBackupScript, renderCheckTlsRenewalScript, renderCleanupScript, renderCronFile,
  renderHealthCheckScript, renderLogrotateFile, renderRestoreScript, renderUpdateContainersScript, resolveBackupModel, validateExtraPaths,
} from '../lib/scripts';
import { EnvironmentSpec } from '../lib/spec';
import { DockerHost } from './docker-host';
import { PlatformApp } from './platform-app';
import { escapeTemplateSequences } from './platform-container';

/** A remote restic repository; credentials are Terraform references (sensitive variables), never values. */
export type BackupRemote =
  | {
    readonly kind: 'sftp';
    /** `sftp:<user>@<host>:<path>`. */
    readonly repository: string;
    /** @default 23, a Hetzner Storage Box's SSH port for keys */
    readonly port?: number;
    /** The private key the host signs in with (OpenSSH format). */
    readonly privateKey: string;
  }
  | {
    readonly kind: 's3';
    /** `s3:https://<endpoint>/<bucket>[/<prefix>]`. */
    readonly repository: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
  };

export interface BackupJobProps {
  readonly host: DockerHost;
  /**
   * Cron schedules (five fields, the host's UTC), `false` to leave a job out of cron.
   * @default backup daily at 03:00, health check every 15 minutes, TLS check at 08:00, cleanup Sundays at 04:30
   */
  readonly schedules?: Partial<Record<CronJobName, string | false>>;
  /** @default 7 days local, 30 remote */
  readonly retention?: Partial<BackupRetention>;
  /** A restic repository every run also goes to. @default none: archives stay on the host */
  readonly remote?: BackupRemote;
  /**
   * The restic repository's password (a reference). Hosts that share a repository must share it.
   * @default a random_password of this job, kept in Terraform's state (the stack needs the random provider)
   */
  readonly resticPassword?: string;
  /** Where success and failure are published; `token` is a reference to a sensitive variable. @default none */
  readonly ntfy?: { readonly url: string; readonly topic: string; readonly token?: string };
  /** Further absolute host paths, archived and restored with the configuration. @default none */
  readonly extraPaths?: readonly string[];
  /** Where `extraPaths` came from, named in errors. @default 'extraPaths' */
  readonly extraPathsWhere?: string;
  /** Hostnames this host's edge serves: their certificates are checked. @default none */
  readonly hostnames?: readonly string[];
}

/** The files a BackupJob installs, by id. */
export type BackupJobFile =
  | 'backup' | 'restore' | 'cleanup' | 'health-check' | 'update-containers' | 'check-tls-renewal' | 'logrotate' | 'plan' | 'cron';

/** What each installed file is, where it goes, and its mode. */
interface HostFile {
  readonly id: BackupJobFile;
  readonly path: string;
  readonly mode: '0755' | '0644';
}

const SCRIPTS_DIR = '/usr/local/sbin';
const LOG_FILE = BACKUP_DEFAULTS.logFile;

/** Host paths outside the configuration directory that hold platform configuration (fail2ban jails, the cron file). */
export const PLATFORM_CONFIG_PATHS = [CRON_FILE_PATH, '/etc/fail2ban/jail.d'] as const;

const FILES: readonly HostFile[] = [
  { id: 'backup', path: `${SCRIPTS_DIR}/${SCRIPT_FILE_NAMES.backup}`, mode: '0755' },
  { id: 'restore', path: `${SCRIPTS_DIR}/${SCRIPT_FILE_NAMES.restore}`, mode: '0755' },
  { id: 'cleanup', path: `${SCRIPTS_DIR}/${SCRIPT_FILE_NAMES.cleanup}`, mode: '0755' },
  { id: 'health-check', path: `${SCRIPTS_DIR}/${SCRIPT_FILE_NAMES.healthCheck}`, mode: '0755' },
  { id: 'update-containers', path: `${SCRIPTS_DIR}/${SCRIPT_FILE_NAMES.updateContainers}`, mode: '0755' },
  { id: 'check-tls-renewal', path: `${SCRIPTS_DIR}/${SCRIPT_FILE_NAMES.checkTlsRenewal}`, mode: '0755' },
  { id: 'logrotate', path: LOGROTATE_FILE_PATH, mode: '0644' },
  { id: 'plan', path: `${HOST_CONFIG_DIR}/backup-plan.json`, mode: '0644' },
];

export class BackupJob extends Construct {
  readonly host: DockerHost;
  /** Installs the directories and credentials the scripts need; every file below waits for it. */
  readonly setup: NullResource;
  /** One installation per file (scripts, logrotate, the plan, then the cron file), by file id. */
  readonly installations: Readonly<Record<BackupJobFile, NullResource>>;
  readonly schedules: Readonly<Record<CronJobName, string | false>>;
  readonly retention: BackupRetention;
  readonly remote?: BackupTarget;

  private readonly props: BackupJobProps;
  private readonly ntfy?: NtfyTarget;
  private cache?: { readonly key: string; readonly files: Readonly<Record<BackupJobFile, string>> | Error };

  constructor(scope: Construct, id: string, props: BackupJobProps) {
    super(scope, id);
    const { host } = props;
    this.host = host;
    this.props = props;
    this.schedules = { ...DEFAULT_SCHEDULES, ...props.schedules };
    this.retention = resolveBackupModel({ volumes: [], configDir: HOST_CONFIG_DIR, retention: props.retention }).retention;

    const password = props.remote
      ? props.resticPassword ?? new Password(this, 'restic-password', { length: 48, special: false }).result
      : undefined;
    this.remote = props.remote && modelTarget(props.remote);
    this.ntfy = props.ntfy && {
      url: props.ntfy.url, topic: props.ntfy.topic, tokenFile: props.ntfy.token ? CREDENTIAL_FILES.ntfyToken : undefined,
    };

    // Credentials: written into a root-only directory, never into the scripts, the archives or the JSON.
    const credentials: { path: string; content: string; secrets: string[] }[] = [];
    if (password) credentials.push({ path: CREDENTIAL_FILES.resticPassword, content: password, secrets: [password] });
    if (props.remote?.kind === 's3') {
      const { accessKeyId, secretAccessKey } = props.remote;
      credentials.push({
        path: CREDENTIAL_FILES.s3Environment,
        content: `AWS_ACCESS_KEY_ID=${accessKeyId}\nAWS_SECRET_ACCESS_KEY=${secretAccessKey}\n`,
        secrets: [accessKeyId, secretAccessKey],
      });
    }
    if (props.remote?.kind === 'sftp') {
      // OpenSSH refuses a key file without its final newline.
      credentials.push({ path: CREDENTIAL_FILES.sftpKey, content: `${Fn.trimspace(props.remote.privateKey)}\n`, secrets: [props.remote.privateKey] });
    }
    if (props.ntfy?.token) credentials.push({ path: CREDENTIAL_FILES.ntfyToken, content: props.ntfy.token, secrets: [props.ntfy.token] });

    const directories = [HOST_CONFIG_DIR, cronLogDirectory({ logFile: LOG_FILE })];
    const prepare = [
      // On a new server, cloud-init may still be installing restic, curl and jq.
      'cloud-init status --wait >/dev/null 2>&1 || true',
      `install -d -m 0755 ${directories.join(' ')}`,
      `install -d -m 0700 ${BACKUP_DEFAULTS.localDir} ${HOST_CREDENTIALS_DIR}`,
      // The log exists from the start and is world-readable: the log shipper follows it as its own user.
      `touch ${LOG_FILE} && chmod 0644 ${LOG_FILE}`,
    ];
    const secure = [
      ...credentials.map((file) => `chmod 0600 ${file.path}`),
      ...(this.remote?.kind === 'sftp' ? knownHostCommands(this.remote.repository, this.remote.port ?? 22) : []),
    ];
    this.setup = new NullResource(this, 'setup', {
      triggers: {
        commands: sha256(JSON.stringify([prepare, credentials.map((file) => file.path), secure])),
        // A changed secret is written again; only its hash reaches the state.
        ...(credentials.length > 0 ? { credentials: Fn.sha256(Fn.join('\n', credentials.flatMap((file) => file.secrets))) } : {}),
        host: host.address,
      },
      connection: host.rootConnection,
      provisioners: [
        { type: 'remote-exec', inline: prepare },
        // Written inside a 0700 directory, then narrowed: never readable by anyone but root.
        ...credentials.map((file) => ({ type: 'file' as const, content: file.content, destination: file.path })),
        ...(secure.length > 0 ? [{ type: 'remote-exec' as const, inline: secure }] : []),
      ],
    });

    const installations: Partial<Record<BackupJobFile, NullResource>> = {};
    for (const file of FILES) installations[file.id] = this.install(file, [this.setup]);
    // Cron starts the jobs only once every script they call is in place.
    installations.cron = this.install({ id: 'cron', path: CRON_FILE_PATH, mode: '0644' }, Object.values(installations) as NullResource[]);
    this.installations = installations as Record<BackupJobFile, NullResource>;

    this.node.addValidation({ validate: () => this.problems() });
  }

  /** The backup model as it stands now: every volume registered on the host so far. */
  get backupModel(): BackupModel {
    const volumes: BackupVolume[] = this.host.volumes
      .filter((volume) => volume.backup !== 'none')
      .map((volume) => ({
        name: volume.name,
        // A volume no container mounts has nothing to stop: copied as it is.
        policy: volume.backup === 'stop' && volume.containers.length === 0 ? 'snapshot' : volume.backup as BackupVolume['policy'],
        containers: [...volume.containers],
        ...(volume.dump ? { dump: volume.dump } : {}),
      }));
    const extraPaths = [...new Set([...PLATFORM_CONFIG_PATHS, ...(this.props.extraPaths ?? [])])];
    return {
      volumes, configDir: HOST_CONFIG_DIR, extraPaths, retention: this.retention, remote: this.remote, ntfy: this.ntfy, logFile: LOG_FILE,
    };
  }

  /** Every file this job installs, rendered from the host's register as it stands now. Throws on a bad model. */
  renderFiles(): Readonly<Record<BackupJobFile, string>> {
    const containers = this.host.containers;
    // A retired blue/green colour is stopped on purpose: not a failed container.
    const retired = new Set(TerraformStack.of(this).node.findAll()
      .filter((construct): construct is PlatformApp => construct instanceof PlatformApp)
      .flatMap((app) => Object.values(app.colours).filter((colour) => colour !== app.container).map((colour) => colour!.name)));
    const hostnames = [...(this.props.hostnames ?? [])];
    // Probed through this host's own edge, so a check never depends on DNS pointing here yet.
    const tls = { connectTo: '127.0.0.1' };

    const backup = this.backupModel;
    const health: HealthCheckModel = {
      containers: containers.map((container) => container.name).filter((name) => !retired.has(name)), hostnames, tls,
    };
    const tlsRenewal: TlsRenewalModel = { hostnames, tls, ntfy: this.ntfy };
    const cleanup: CleanupModel = {
      localRetentionDays: this.retention.localDays,
      keepContainers: containers.map((container) => container.name),
      logs: [{ directory: cronLogDirectory({ logFile: LOG_FILE }), olderThanDays: 60 }],
    };
    const update: UpdateContainersModel = {
      containers: containers.map((container) => ({ name: container.name, image: container.image })), ntfy: this.ntfy,
    };
    const cron: CronModel = { scriptsDir: SCRIPTS_DIR, logFile: LOG_FILE, schedules: this.schedules };

    return {
      backup: renderBackupScript(backup),
      restore: renderRestoreScript(backup),
      cleanup: renderCleanupScript(cleanup),
      'health-check': renderHealthCheckScript(health),
      'update-containers': renderUpdateContainersScript(update),
      'check-tls-renewal': renderCheckTlsRenewalScript(tlsRenewal),
      logrotate: renderLogrotateFile({ logFile: LOG_FILE }),
      plan: `${JSON.stringify(backupPlan(this.host.hostName, backup, this.schedules), null, 2)}\n`,
      cron: renderCronFile(cron),
    };
  }

  /** What the platform report shows: the schedule, the remote target, the retention. */
  get summary(): { readonly schedule: string; readonly targets: readonly string[]; readonly retention: BackupRetention } {
    return {
      schedule: this.schedules.backup === false ? 'off (enabled: false)' : this.schedules.backup,
      targets: this.remote ? [`restic ${this.remote.kind === 'sftp' ? 'over SFTP' : 'on S3'} at ${this.remote.repository}`] : [],
      retention: this.retention,
    };
  }

  private install(file: HostFile, dependsOn: readonly ITerraformDependable[]): NullResource {
    const content = (id: BackupJobFile) => {
      const files = this.rendered();
      // A broken model leaves the content empty here; the validation below reports why, before anything is written.
      return files instanceof Error ? '' : files[id];
    };
    const id = file.id;
    // Limitation: a new server that gets the old one's address is not recognised as new, so nothing is installed
    // again by itself (the README's recovery steps force it with -replace); a trigger on the server's id, read from
    // the infra stack like the address, would lift it.
    return new NullResource(this, `install-${file.id}`, {
      triggers: {
        sha256: Lazy.stringValue({ produce: () => sha256(content(id)) }),
        host: this.host.address,
      },
      connection: this.host.rootConnection,
      dependsOn: [...dependsOn],
      provisioners: [
        // Written beside the old file, then moved over it: a job that starts meanwhile never reads half a script.
        { type: 'file', content: Lazy.stringValue({ produce: () => escapeTemplateSequences(content(id)) }), destination: `${file.path}.new` },
        { type: 'remote-exec', inline: [`chmod ${file.mode} ${file.path}.new`, `mv -f ${file.path}.new ${file.path}`] },
      ],
    });
  }

  /** Rendered once per state of the register (rendering is pure, so equal inputs give equal files). */
  private rendered(): Readonly<Record<BackupJobFile, string>> | Error {
    const key = JSON.stringify([this.backupModel, this.host.containers.map((container) => [container.name, container.image]), this.props.hostnames]);
    if (this.cache?.key !== key) {
      let files: Readonly<Record<BackupJobFile, string>> | Error;
      try {
        files = this.renderFiles();
      } catch (error) {
        files = error instanceof Error ? error : new Error(String(error));
      }
      this.cache = { key, files };
    }
    return this.cache.files;
  }

  private problems(): string[] {
    // The platform's own volumes exist only now: an extra path into one is checked with the whole register.
    try {
      const where = this.props.extraPathsWhere ?? 'extraPaths';
      validateExtraPaths(this.props.extraPaths ?? [], this.host.volumes, BACKUP_DEFAULTS.dockerVolumesDir, where);
    } catch (error) {
      if (error instanceof ScriptModelError) return [error.message];
      throw error;
    }
    const files = this.rendered();
    return files instanceof Error ? [`host ${this.host.hostName}: ${files.message}`] : [];
  }
}

/**
 * restic's ssh runs with BatchMode, which refuses an unknown host key: record the Storage Box's key once.
 * Limitation: trust on first use; a `hostKey` setting checked against the scan would lift it.
 */
function knownHostCommands(repository: string, port: number): string[] {
  const host = /^sftp:[^@]+@([^:]+):/.exec(repository)?.[1];
  if (!host) return [];
  const entry = port === 22 ? host : `[${host}]:${port}`;
  return [
    'install -d -m 0700 /root/.ssh',
    `ssh-keygen -F '${entry}' >/dev/null 2>&1 || ssh-keyscan -p ${port} -T 15 ${host} >>/root/.ssh/known_hosts`,
  ];
}

/** What the host backs up, in a file beside the platform's configuration for whoever logs in. */
function backupPlan(hostName: string, model: BackupModel, schedules: Readonly<Record<CronJobName, string | false>>) {
  const resolved = resolveBackupModel(model);
  return {
    host: hostName,
    volumes: resolved.volumes.map((volume) => ({ name: volume.name, policy: volume.policy, containers: volume.containers })),
    configDir: resolved.configDir,
    extraPaths: resolved.extraPaths,
    localDir: resolved.localDir,
    retention: resolved.retention,
    remote: resolved.remote ? { kind: resolved.remote.kind, repository: resolved.remote.repository } : null,
    schedules,
    log: resolved.logFile,
    restore: `${SCRIPT_FILE_NAMES.restore} list; ${SCRIPT_FILE_NAMES.restore} full latest --dry-run`,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The environment's backup job on each host, from its `backups` config: the sensitive variables that feed the
 * remote's credentials (one restic password for the repository all hosts share), and the alert topic for notices.
 */
export function backupJobsFor(
  stack: TerraformStack, environment: EnvironmentSpec, hosts: Readonly<Record<string, DockerHost>>,
): Record<string, BackupJob> {
  const { backups } = environment;
  const variable = (name: string, description: string) => (stack.node.tryFindChild(name) as TerraformVariable | undefined)
    ?? new TerraformVariable(stack, name, { type: 'string', sensitive: true, nullable: false, description });

  let remote: BackupRemote | undefined;
  let resticPassword: string | undefined;
  if (backups.remote) {
    const spec = backups.remote;
    remote = spec.kind === 'sftp'
      ? {
        kind: 'sftp', repository: spec.repository, port: spec.port,
        privateKey: variable(spec.privateKeyVariable, `OpenSSH private key the hosts sign in to the backup repository ${spec.repository} with`).stringValue,
      }
      : {
        kind: 's3', repository: spec.repository,
        accessKeyId: variable(spec.accessKeyIdVariable, `S3 access key id for the backup repository ${spec.repository}`).stringValue,
        secretAccessKey: variable(spec.secretAccessKeyVariable, `S3 secret access key for the backup repository ${spec.repository}`).stringValue,
      };
    // Without it the snapshots cannot be read: keep a copy outside the platform (README, "Backups and restore").
    resticPassword = spec.passwordVariable
      ? variable(spec.passwordVariable, `restic password of the backup repository ${spec.repository}`).stringValue
      : new Password(stack, 'backup-restic-password', { length: 48, special: false }).result;
  }

  const alerts = environment.observability.ntfy;
  const ntfy = backups.notify ? {
    url: alerts.serverUrl,
    topic: alerts.topic,
    token: alerts.tokenVariable ? variable(alerts.tokenVariable, `access token for the ntfy topic ${alerts.topic}`).stringValue : undefined,
  } : undefined;

  return Object.fromEntries(environment.hosts.map((hostSpec) => [hostSpec.name, new BackupJob(stack, `backup-${hostSpec.name}`, {
    host: hosts[hostSpec.name],
    schedules: backups.schedules,
    retention: backups.retention,
    remote,
    resticPassword,
    ntfy,
    extraPaths: backups.extraPaths,
    extraPathsWhere: backups.extraPathsConfigPath.map(String).join('.'),
    // What this host's edge serves; a host's own name only carries its reverse DNS.
    hostnames: environment.hostnames
      .filter((hostname) => hostname.host === hostSpec.name && !hostname.service.startsWith('host.'))
      .map((hostname) => hostname.fqdn),
  })]));
}
