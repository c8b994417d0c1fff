// BackupJob in the default platform: what it installs and how (null_resources over SSH, content-hash
// triggers, escaped content), what it backs up (derived from the host's register, late volumes included,
// PostgreSQL dumped), where credentials go (never into the JSON), and each config error at its path.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { App, Testing } from 'cdktf';
import { Document } from 'yaml';

import { BackupJob, BackupJobFile } from '../../constructs/backup-job';
import { buildPlatform } from '../../constructs/platform-app-builder';
import { PlatformStack } from '../../constructs/platform-stack';
import { escapeTemplateSequences } from '../../constructs/platform-container';
import { ConfigError } from '../../lib/config-error';
import { buildEnvironment, PRODUCTION, resourcesOf, specOf } from '../support/platform';
import { itWithTools } from '../support/tools';

const PREFIX = 'mambo-production';
const SCRIPTS = ['backup', 'restore', 'cleanup', 'health-check', 'update-containers', 'check-tls-renewal'] as const;
const FILES: readonly BackupJobFile[] = [...SCRIPTS, 'logrotate', 'plan', 'cron'];

/** The job's null_resources on host `main`, by what they install (`setup`, `backup`, `cron` …). */
function installs(config: any, host = 'main'): Record<string, any> {
  return Object.fromEntries(Object.entries(resourcesOf(config, 'null_resource'))
    .filter(([id]) => id.startsWith(`backup-${host}_`))
    .map(([id, resource]) => [id.slice(`backup-${host}_`.length).replace(/_[0-9A-F]{8}$/, '').replace(/^install-/, ''), resource]));
}

function triggers(config: any): Record<string, string> {
  return Object.fromEntries(Object.entries(installs(config)).map(([file, resource]) => [file, resource.triggers.sha256 ?? resource.triggers.commands]));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The `declare`/`readonly` line of a bash variable in a rendered script. */
function declaration(script: string, name: string): string {
  const line = script.split('\n').find((candidate) => new RegExp(`^(readonly|declare -rA) ${name}=`).test(candidate));
  if (!line) throw new Error(`no ${name} in the script`);
  return line;
}

describe('the backup job of the default platform', () => {
  const { platformConfig, platform } = buildEnvironment();
  const job = platform.backupJobs.main;
  const files = job.renderFiles();
  const resources = installs(platformConfig);

  it('installs every script, the logrotate file, the backup plan and the cron file, each with its own null_resource', () => {
    expect(Object.keys(resources).sort()).toEqual(['setup', ...FILES].sort());
    const destinations = FILES.map((file) => resources[file].provisioner[0].file.destination);
    expect(destinations).toEqual([
      '/usr/local/sbin/mambo-backup.new', '/usr/local/sbin/mambo-restore.new', '/usr/local/sbin/mambo-cleanup.new',
      '/usr/local/sbin/mambo-health-check.new', '/usr/local/sbin/mambo-update-containers.new', '/usr/local/sbin/mambo-check-tls-renewal.new',
      '/etc/logrotate.d/mambo-platform.new', '/etc/mambo/backup-plan.json.new', '/etc/cron.d/mambo-platform.new',
    ]);
  });

  it('triggers each installation by the sha256 of what it installs, and the host it goes to', () => {
    for (const file of FILES) {
      expect(resources[file].triggers).toEqual({ sha256: sha256(files[file]), host: expect.stringContaining('ipv4_address') });
    }
  });

  it('writes the content with Terraform\'s template sequences escaped, beside the old file, then moves it over as root', () => {
    const backup = resources.backup;
    expect(backup.provisioner[0].file.content).toBe(escapeTemplateSequences(files.backup));
    expect(files.backup).toContain('${');
    expect(backup.provisioner[0].file.content).not.toMatch(/(^|[^$])\$\{/);
    expect(backup.provisioner[1]['remote-exec'].inline).toEqual([
      'chmod 0755 /usr/local/sbin/mambo-backup.new', 'mv -f /usr/local/sbin/mambo-backup.new /usr/local/sbin/mambo-backup',
    ]);
    expect(resources.cron.provisioner[1]['remote-exec'].inline[0]).toBe('chmod 0644 /etc/cron.d/mambo-platform.new');
    expect(backup.connection).toMatchObject({ type: 'ssh', user: 'root', agent: 'true' });
  });

  it('creates the directories first (the log directory cron needs among them), and installs cron last', () => {
    const setup = resources.setup.provisioner[0]['remote-exec'].inline.join('\n');
    expect(setup).toContain('install -d -m 0755 /etc/mambo /var/log/mambo');
    expect(setup).toContain('install -d -m 0700 /var/backups/mambo /etc/mambo-credentials');
    // World-readable: the log shipper follows it as its own user (lib/observability/log-shipper.ts MAINTENANCE_LOG).
    expect(setup).toContain('touch /var/log/mambo/maintenance.log && chmod 0644 /var/log/mambo/maintenance.log');
    for (const script of SCRIPTS) expect(resources[script].depends_on).toEqual([expect.stringMatching(/^null_resource\.backup-main_setup_/)]);
    expect(resources.cron.depends_on).toHaveLength(FILES.length - 1);
  });

  it('schedules the backup daily at 03:00 and the maintenance jobs, all appending to the maintenance log', () => {
    expect(files.cron).toContain('0 3 * * * root /usr/local/sbin/mambo-backup >>/var/log/mambo/maintenance.log 2>&1');
    expect(files.cron).toContain('*/15 * * * * root /usr/local/sbin/mambo-health-check >>');
    expect(files.cron).toContain('0 8 * * * root /usr/local/sbin/mambo-check-tls-renewal >>');
    expect(files.cron).toContain('30 4 * * 0 root /usr/local/sbin/mambo-cleanup --yes >>');
    expect(files.logrotate).toMatch(/^\/var\/log\/mambo\/maintenance\.log\n\{\n {4}weekly/m);
  });

  it('backs up every volume registered on the host, with its policy and the containers that use it', () => {
    const volumes = platform.hosts.main.volumes.filter((volume) => volume.backup !== 'none');
    expect(volumes.map((volume) => volume.name)).toEqual(expect.arrayContaining([`${PREFIX}-acme`, `${PREFIX}-reader-db-data`]));
    for (const volume of volumes) {
      expect(declaration(files.backup, 'VOLUMES')).toContain(`'${volume.name}'`);
      expect(declaration(files.backup, 'VOLUME_POLICY')).toMatch(new RegExp(`\\['${volume.name}'\\]='(${volume.backup}|snapshot)'`));
      for (const container of volume.containers) expect(declaration(files.backup, 'VOLUME_CONTAINERS')).toContain(container);
    }
    // The restore script is rendered from the same model, so it knows the same volumes.
    expect(declaration(files.restore, 'VOLUMES')).toBe(declaration(files.backup, 'VOLUMES'));
  });

  it('dumps the PostgreSQL companion through its container instead of copying its files', () => {
    const volume = `${PREFIX}-reader-db-data`;
    expect(declaration(files.backup, 'VOLUME_POLICY')).toContain(`['${volume}']='dump'`);
    expect(declaration(files.backup, 'DUMP_CONTAINER')).toBe(`declare -rA DUMP_CONTAINER=(['${volume}']='${PREFIX}-reader-db')`);
    expect(declaration(files.backup, 'DUMP_USER')).toBe(`declare -rA DUMP_USER=(['${volume}']='app')`);
    expect(declaration(files.backup, 'DUMP_DATABASE')).toBe(`declare -rA DUMP_DATABASE=(['${volume}']='app')`);
  });

  it('archives the configuration directory and the platform\'s host configuration with the volumes, ACME certificates included', () => {
    expect(declaration(files.backup, 'CONFIG_DIR')).toBe("readonly CONFIG_DIR='/etc/mambo'");
    expect(declaration(files.backup, 'EXTRA_PATHS')).toBe("readonly EXTRA_PATHS=('/etc/cron.d/mambo-platform' '/etc/fail2ban/jail.d')");
    expect(declaration(files.backup, 'VOLUME_POLICY')).toContain(`['${PREFIX}-acme']='snapshot'`);
  });

  it('keeps archives 7 days on the host; without a remote the scripts have no restic part', () => {
    expect(files.backup).toContain('readonly LOCAL_RETENTION_DAYS=7');
    expect(declaration(files.backup, 'REMOTE_KIND')).toBe("readonly REMOTE_KIND=''");
    expect(Object.keys(resourcesOf(platformConfig, 'random_password')).filter((id) => id.includes('restic'))).toEqual([]);
  });

  it('checks every platform container and every hostname this host serves, through its own edge', () => {
    for (const container of platform.hosts.main.containers) expect(declaration(files['health-check'], 'CONTAINERS')).toContain(`'${container.name}'`);
    expect(declaration(files['health-check'], 'HOSTNAMES')).toContain("'grafana.mambo-cloud.example'");
    expect(declaration(files['health-check'], 'HOSTNAMES')).not.toContain("'main.mambo-cloud.example'");
    expect(declaration(files['check-tls-renewal'], 'CONNECT_TO')).toBe("readonly CONNECT_TO='127.0.0.1'");
  });

  it('publishes backup results to the environment\'s alert topic', () => {
    expect(files.backup).toContain('https://ntfy.sh');
    expect(files.backup).toContain(platform.environment.observability.ntfy.topic);
  });

  it('tells the platform report its schedule, targets and retention', () => {
    expect(platform.backupJob).toEqual({ schedule: '0 3 * * *', targets: [], retention: { localDays: 7, remoteDays: 30 } });
  });

  itWithTools('shellcheck')('renders scripts that pass shellcheck', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mambo-backup-job-'));
    try {
      const paths = SCRIPTS.map((script) => {
        const file = path.join(directory, script);
        fs.writeFileSync(file, files[script]);
        return file;
      });
      const result = spawnSync('shellcheck', ['--severity=style', '--shell=bash', ...paths], { encoding: 'utf8' });
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('what the backup job derives at synth', () => {
  it('includes a volume registered on the host after the job was built', () => {
    const app = Testing.app() as App;
    const platform = buildPlatform(app, specOf()).find((stack) => stack.node.id === 'production-platform') as PlatformStack;
    const host = platform.hosts.main;
    const late = host.addVolume(platform, 'late-data', { backup: 'stop', owner: 'platform' });
    late.containers.push(`${PREFIX}-late`);
    app.synth();

    const config = JSON.parse(fs.readFileSync(path.join(app.outdir, 'stacks', 'production-platform', 'cdk.tf.json'), 'utf8'));
    const backup = installs(config).backup;
    const content: string = backup.provisioner[0].file.content;
    expect(declaration(content, 'VOLUMES')).toContain(`'${PREFIX}-late-data'`);
    expect(declaration(content, 'VOLUME_POLICY')).toContain(`['${PREFIX}-late-data']='stop'`);
    expect(declaration(content, 'VOLUME_CONTAINERS')).toContain(`['${PREFIX}-late-data']='${PREFIX}-late'`);
    expect(backup.triggers.sha256).toBe(sha256(platform.backupJobs.main.renderFiles().backup));
  });

  it('changes only the trigger of what changed: extra paths touch backup, restore and the plan; a schedule the cron file and the plan', () => {
    const before = triggers(buildEnvironment().platformConfig);
    const withPath = triggers(buildEnvironment((document) => document.setIn([...PRODUCTION, 'backups', 'extraPaths'], ['/srv/uploads'])).platformConfig);
    const withSchedule = triggers(buildEnvironment((document) => document.setIn([...PRODUCTION, 'backups', 'schedule'], '15 2 * * *')).platformConfig);
    const changed = (after: Record<string, string>) => Object.keys(before).filter((file) => before[file] !== after[file]).sort();
    expect(changed(withPath)).toEqual(['backup', 'plan', 'restore']);
    expect(changed(withSchedule)).toEqual(['cron', 'plan']);
  });

  it('leaves a retired blue/green colour out of the health check, but never lets cleanup remove it', () => {
    const { platform } = buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'reader', 'release', 'green'], 'miniflux/miniflux:2.2.9'));
    const files = platform.backupJobs.main.renderFiles();
    expect(declaration(files['health-check'], 'CONTAINERS')).toContain(`'${PREFIX}-reader-blue'`);
    expect(declaration(files['health-check'], 'CONTAINERS')).not.toContain(`'${PREFIX}-reader-green'`);
    expect(declaration(files.cleanup, 'KEEP_CONTAINERS')).toContain(`'${PREFIX}-reader-green'`);
  });

  it('uses the tier\'s retention: 3 days local and 7 remote in staging', () => {
    const { platform } = buildEnvironment(undefined, 'staging');
    const files = platform.backupJobs.main.renderFiles();
    expect(files.backup).toContain('readonly LOCAL_RETENTION_DAYS=3');
    expect(files.backup).toContain('readonly REMOTE_RETENTION_DAYS=7');
  });

  it('keeps the scripts but leaves the backup out of cron with enabled: false', () => {
    const { platform } = buildEnvironment((document) => document.setIn([...PRODUCTION, 'backups', 'enabled'], false));
    const files = platform.backupJobs.main.renderFiles();
    expect(files.cron).toContain('# backup: disabled in the platform model');
    expect(files.cron).not.toContain('mambo-backup >>');
    expect(files.backup).toMatch(/^#!\/usr\/bin\/env bash/);
    expect(platform.backupJob.schedule).toBe('off (enabled: false)');
  });
});

describe('remote targets and their credentials', () => {
  const s3 = (document: Document) => {
    document.setIn([...PRODUCTION, 'backups', 'remote'], document.createNode({
      kind: 's3',
      repository: 's3:https://fsn1.your-objectstorage.com/mambo-backups/production',
      accessKeyIdEnv: 'TF_VAR_backup_s3_access_key_id',
      secretAccessKeyEnv: 'TF_VAR_backup_s3_secret_access_key',
    }));
    document.setIn([...PRODUCTION, 'observability', 'ntfy'], document.createNode({ topic: 'mambo-ops', tokenEnv: 'TF_VAR_ntfy_token' }));
  };

  it('writes S3 keys, the restic password and the ntfy token to root-only files from sensitive references', () => {
    const { platformConfig, platformJson } = buildEnvironment(s3);
    const setup = installs(platformConfig).setup;
    const written = Object.fromEntries(setup.provisioner.filter((step: any) => step.file).map((step: any) => [step.file.destination, step.file.content]));

    expect(written).toEqual({
      '/etc/mambo-credentials/restic-password': expect.stringMatching(/^\$\{random_password\.backup-restic-password\.result\}$/),
      '/etc/mambo-credentials/s3.env': 'AWS_ACCESS_KEY_ID=${var.backup_s3_access_key_id}\nAWS_SECRET_ACCESS_KEY=${var.backup_s3_secret_access_key}\n',
      '/etc/mambo-credentials/ntfy-token': '${var.ntfy_token}',
    });
    for (const variable of ['backup_s3_access_key_id', 'backup_s3_secret_access_key', 'ntfy_token']) {
      expect(platformConfig.variable[variable]).toMatchObject({ type: 'string', sensitive: true });
    }
    expect(setup.provisioner.at(-1)['remote-exec'].inline).toEqual(Object.keys(written).map((file) => `chmod 0600 ${file}`));
    // Only a hash of the secrets reaches the state, so a changed key is written again.
    expect(setup.triggers.credentials).toMatch(/^\$\{sha256\(join\("\\n", \[/);
    // The scripts read the files; the JSON holds references and hashes, never a value.
    expect(platformJson).not.toMatch(/AWS_SECRET_ACCESS_KEY=[^$]/);
    expect(platformConfig.resource.random_password['backup-restic-password']).toMatchObject({ length: 48, special: false });
  });

  it('points restic at the S3 repository and its environment file, and reports the target', () => {
    const { platform } = buildEnvironment(s3);
    const files = platform.backupJobs.main.renderFiles();
    expect(declaration(files.backup, 'RESTIC_REPOSITORY_URL')).toBe("readonly RESTIC_REPOSITORY_URL='s3:https://fsn1.your-objectstorage.com/mambo-backups/production'");
    expect(declaration(files.backup, 'S3_ENVIRONMENT_FILE')).toBe("readonly S3_ENVIRONMENT_FILE='/etc/mambo-credentials/s3.env'");
    expect(declaration(files.backup, 'RESTIC_PASSWORD_PATH')).toBe("readonly RESTIC_PASSWORD_PATH='/etc/mambo-credentials/restic-password'");
    expect(platform.backupJob.targets).toEqual(['restic on S3 at s3:https://fsn1.your-objectstorage.com/mambo-backups/production']);
  });

  it('signs in to a Storage Box on port 23 with a key from a sensitive variable, and records its host key once', () => {
    const { platformConfig, platform } = buildEnvironment((document) => document.setIn([...PRODUCTION, 'backups', 'remote'], document.createNode({
      kind: 'sftp', repository: 'sftp:u123456@u123456.your-storagebox.de:/mambo/production', passwordEnv: 'TF_VAR_backup_restic_password',
    })));
    const setup = installs(platformConfig).setup;
    const written = Object.fromEntries(setup.provisioner.filter((step: any) => step.file).map((step: any) => [step.file.destination, step.file.content]));
    expect(written).toEqual({
      '/etc/mambo-credentials/restic-password': '${var.backup_restic_password}',
      '/etc/mambo-credentials/sftp-key': '${trimspace(var.backup_sftp_private_key)}\n',
    });
    expect(platformConfig.variable.backup_sftp_private_key).toMatchObject({ sensitive: true });
    expect(setup.provisioner.at(-1)['remote-exec'].inline).toContain(
      "ssh-keygen -F '[u123456.your-storagebox.de]:23' >/dev/null 2>&1 || ssh-keyscan -p 23 -T 15 u123456.your-storagebox.de >>/root/.ssh/known_hosts",
    );
    const files = platform.backupJobs.main.renderFiles();
    expect(files.backup).toContain('sftp.command=ssh -o BatchMode=yes -p 23 -i /etc/mambo-credentials/sftp-key u123456@u123456.your-storagebox.de -s sftp');
    expect(platformConfig.resource.random_password?.['backup-restic-password']).toBeUndefined();
  });
});

describe('backup config errors, each at its path in platform.yaml', () => {
  const backupsAt = (field: string, value: unknown) => (document: Document) => document.setIn([...PRODUCTION, 'backups', field], document.createNode(value));
  const error = (change: (document: Document) => void) => {
    try {
      specOf(change);
    } catch (thrown) {
      expect(thrown).toBeInstanceOf(ConfigError);
      return (thrown as Error).message;
    }
    throw new Error('expected a config error');
  };

  it('refuses a cron expression the host cannot run', () => {
    expect(error(backupsAt('schedule', '0 25 * * *'))).toMatch(
      /^platform\.yaml:\d+:\d+: environments\.production\.backups\.schedule: found "0 25 \* \* \*"; expected a cron expression with five fields/);
    expect(error(backupsAt('schedule', '0 3 * *'))).toMatch(/backups\.schedule: found "0 3 \* \*"; expected .*\(it has 4 fields\)/);
    expect(error((document) => document.setIn([...PRODUCTION, 'maintenance', 'healthCheck'], '*/15 * * * * *')))
      .toMatch(/^platform\.yaml:\d+:\d+: environments\.production\.maintenance\.healthCheck: found "\*\/15 \* \* \* \* \*"; expected a cron expression/);
  });

  it('refuses a retention of zero or below', () => {
    expect(error(backupsAt('retention', { localDays: 0 }))).toMatch(
      /^platform\.yaml:\d+:\d+: environments\.production\.backups\.retention\.localDays: found 0; expected a whole number of days, 1 or more$/);
    expect(error(backupsAt('retention', { remoteDays: -3 }))).toMatch(/backups\.retention\.remoteDays: found -3; expected a whole number of days, 1 or more$/);
  });

  it('refuses an extra path into a volume nobody declares, or into an app\'s volume (backed up whole)', () => {
    expect(error(backupsAt('extraPaths', ['/srv/ok', '/var/lib/docker/volumes/legacy-data/_data']))).toMatch(
      /^platform\.yaml:\d+:\d+: environments\.production\.backups\.extraPaths\[1\]: found "\/var\/lib\/docker\/volumes\/legacy-data\/_data"; expected a path outside \/var\/lib\/docker\/volumes; "legacy-data" is no volume of this environment/);
    expect(error(backupsAt('extraPaths', [`/var/lib/docker/volumes/${PREFIX}-reader-db-data/_data`]))).toMatch(
      /backups\.extraPaths\[0\]: found .*; expected no path inside volume "mambo-production-reader-db-data": every declared volume is backed up whole/);
    expect(error(backupsAt('extraPaths', ['relative/path']))).toMatch(/backups\.extraPaths\[0\]: found "relative\/path"; expected an absolute path/);
    expect(error(backupsAt('extraPaths', ['/var/backups']))).toMatch(/backups\.extraPaths\[0\]: found "\/var\/backups"; expected a path apart from \/var\/backups\/mambo/);
  });

  it('refuses, at synth, an extra path into one of the platform\'s own volumes, naming its config path', () => {
    expect(() => buildEnvironment(backupsAt('extraPaths', [`/var/lib/docker/volumes/${PREFIX}-acme/_data/acme.json`]))).toThrow(
      /environments\.production\.backups\.extraPaths\[0\]: found "[^"]+acme\.json"; expected no path inside volume "mambo-production-acme"/);
    expect(() => buildEnvironment(backupsAt('extraPaths', [`/var/lib/docker/volumes/${PREFIX}-nope/_data`]))).toThrow(
      /environments\.production\.backups\.extraPaths\[0\]: found .*; expected .*"mambo-production-nope" is not one \(declared: .*mambo-production-acme/);
  });

  it('refuses an S3 target without the names of its credential variables', () => {
    const s3 = { kind: 's3', repository: 's3:https://fsn1.your-objectstorage.com/mambo-backups' };
    expect(error(backupsAt('remote', s3))).toMatch(
      /^platform\.yaml:\d+:\d+: environments\.production\.backups\.remote\.accessKeyIdEnv: found nothing; expected accessKeyIdEnv: TF_VAR_<name> of the sensitive variable/);
    expect(error(backupsAt('remote', { ...s3, accessKeyIdEnv: 'TF_VAR_s3_id' }))).toMatch(/backups\.remote\.secretAccessKeyEnv: found nothing/);
    expect(error(backupsAt('remote', { ...s3, accessKeyIdEnv: 'AKIA1234', secretAccessKeyEnv: 'TF_VAR_s3_secret' })))
      .toMatch(/backups\.remote\.accessKeyIdEnv: found a value of 8 characters \(not shown\); expected TF_VAR_<name>/);
  });

  it('refuses a repository restic cannot reach in the form given', () => {
    expect(error(backupsAt('remote', { kind: 'sftp', repository: 'u123@box.example:/x' }))).toMatch(
      /^platform\.yaml:\d+:\d+: environments\.production\.backups\.remote\.repository: found "u123@box\.example:\/x"; expected sftp:user@host:\/path/);
    expect(error(backupsAt('remote', { kind: 'ftp', repository: 'x' }))).toMatch(/backups\.remote(\.kind)?: found .*; expected `kind: sftp` or `kind: s3`/);
  });
});

describe('BackupJob as a library construct', () => {
  it('refuses an invalid schedule at synth with what the host\'s cron understands', () => {
    const app = Testing.app() as App;
    const platform = buildPlatform(app, specOf()).find((stack) => stack.node.id === 'production-platform') as PlatformStack;
    new BackupJob(platform, 'custom', { host: platform.hosts.main, schedules: { backup: '0 3 * * * *' } });
    expect(() => app.synth()).toThrow(/\[production-platform\/custom\] host main: cron\.schedules\.backup: found "0 3 \* \* \* \*"; expected a cron expression/);
  });
});
