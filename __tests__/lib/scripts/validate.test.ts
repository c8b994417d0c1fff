// The validation the config loader and constructs call: each refusal names where the value sits,
// what was found and what is expected.
import { BackupModel } from '../../../lib/scripts/model';
import { renderBackupScript } from '../../../lib/scripts/backup';
import {
  ScriptModelError,
  validateBackupModel,
  validateBackupTarget,
  validateCronSchedule,
  validateExtraPaths,
  validateHealthCheckModel,
  validateRetention,
  validateUpdateContainersModel,
} from '../../../lib/scripts/validate';

const volumes = [{ name: 'grafana-data' }, { name: 'shop-db' }];

function base(extra: Partial<BackupModel> = {}): BackupModel {
  return {
    volumes: [{ name: 'grafana-data', policy: 'stop', containers: ['grafana'] }],
    configDir: '/opt/mambo',
    ...extra,
  };
}

describe('validateCronSchedule', () => {
  it('accepts five fields and the cron shortcuts, and returns the schedule tidied', () => {
    expect(validateCronSchedule('0 3 * * *')).toBe('0 3 * * *');
    expect(validateCronSchedule('*/15  * * * MON-FRI')).toBe('*/15 * * * MON-FRI');
    expect(validateCronSchedule('@weekly')).toBe('@weekly');
  });

  it('throws a ScriptModelError with the value, where it is, and what is expected', () => {
    let error: unknown;
    try {
      validateCronSchedule('0 25 * * *', 'environments.production.backup.schedule');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ScriptModelError);
    expect((error as ScriptModelError).where).toBe('environments.production.backup.schedule');
    expect((error as Error).message).toBe(
      'environments.production.backup.schedule: found "0 25 * * *"; expected a cron expression with five fields ' +
        '(minute hour day-of-month month day-of-week), e.g. "0 3 * * *", or one of @yearly, @annually, @monthly, @weekly, ' +
        '@daily, @midnight, @hourly (Constraint error, got value 25 expected range 0-23)',
    );
  });

  it.each([[''], ['   '], [42], ['0 3 * * ? '], ['H 3 * * *'], ['0 3 * * 1#2'], ['0 3\n* * *']])('refuses %p', (value) => {
    expect(() => validateCronSchedule(value)).toThrow(ScriptModelError);
  });
});

describe('validateRetention', () => {
  it.each([0, -1, 1.5, Number.NaN])('refuses %p days', (days) => {
    expect(() => validateRetention({ localDays: days }, 'backup.retention')).toThrow(
      `backup.retention.localDays: found ${JSON.stringify(days)}; expected a whole number of days, 1 or more`,
    );
    expect(() => validateRetention({ remoteDays: days })).toThrow('retention.remoteDays');
  });

  it('accepts whole days and missing values (defaults apply)', () => {
    expect(() => validateRetention({ localDays: 1, remoteDays: 365 })).not.toThrow();
    expect(() => validateRetention(undefined)).not.toThrow();
  });

  it('is what the renderer applies too', () => {
    expect(() => renderBackupScript(base({ retention: { localDays: 0 } }))).toThrow('backup.retention.localDays: found 0');
  });
});

describe('validateExtraPaths', () => {
  it('refuses a path into a volume the platform does not declare, naming it and the declared ones', () => {
    expect(() => validateExtraPaths(['/var/lib/docker/volumes/portainer_data/_data'], volumes)).toThrow(
      'extraPaths[0]: found "/var/lib/docker/volumes/portainer_data/_data"; expected a path outside /var/lib/docker/volumes, ' +
        'or inside a volume the platform declares; "portainer_data" is not one (declared: grafana-data, shop-db); ' +
        'declare it as a volume so it is copied consistently',
    );
  });

  it('refuses a path into a declared volume (it is backed up whole already) and follows an overridden volumes directory', () => {
    expect(() => validateExtraPaths(['/srv/docker/volumes/shop-db/_data/pg_hba.conf'], volumes, '/srv/docker/volumes')).toThrow(
      'no path inside volume "shop-db"',
    );
  });

  it('refuses relative, duplicated and dotted paths; accepts absolute host paths', () => {
    expect(() => validateExtraPaths(['etc/fail2ban'], volumes)).toThrow('extraPaths[0]: found "etc/fail2ban"; expected an absolute path');
    expect(() => validateExtraPaths(['/etc/a', '/etc/a'], volumes)).toThrow('extraPaths[1]: found "/etc/a"; expected each extra path once');
    expect(() => validateExtraPaths(['/etc/../root'], volumes)).toThrow('expected an absolute path without ".."');
    expect(() => validateExtraPaths(['/etc/fail2ban/jail.local', '/var/lib/docker/volumes-old'], volumes)).not.toThrow();
  });
});

describe('validateBackupTarget', () => {
  it('refuses an S3 target without the names of its credential variables', () => {
    expect(() =>
      validateBackupTarget({ kind: 's3', repository: 's3:https://s3.example.com/bucket', passwordFile: '/root/restic' } as never),
    ).toThrow(
      'remote.accessKeyIdVariable: found nothing; expected the name of the environment variable holding the S3 credential ' +
        '(e.g. "HCLOUD_S3_ACCESS_KEY"), not the credential',
    );
    expect(() =>
      validateBackupTarget({
        kind: 's3',
        repository: 's3:https://s3.example.com/bucket',
        passwordFile: '/root/restic',
        accessKeyIdVariable: 'S3_KEY',
        secretAccessKeyVariable: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY',
      }),
    ).toThrow('remote.secretAccessKeyVariable: found "wJalrXUtnFEMI/K7MDENG/bPxRfiCY"');
  });

  it('refuses repositories of the wrong shape and relative password files', () => {
    expect(() => validateBackupTarget({ kind: 'sftp', repository: 'u1@host:/x', passwordFile: '/p' })).toThrow(
      'remote.repository: found "u1@host:/x"; expected sftp:user@host:/path',
    );
    expect(() => validateBackupTarget({ kind: 'local', repository: '/srv/restic', passwordFile: 'pw' })).toThrow('remote.passwordFile');
    expect(() => validateBackupTarget({ kind: 'ftp', repository: 'x', passwordFile: '/p' } as never)).toThrow(
      'remote.kind: found "ftp"; expected one of sftp, s3, local',
    );
    expect(() =>
      validateBackupTarget({ kind: 'sftp', repository: 'sftp:u1@u1.example.de:/m', passwordFile: '/p', port: 70000 }),
    ).toThrow('remote.port: found 70000; expected a TCP port');
  });
});

describe('validateBackupModel', () => {
  it('refuses a dump volume without its database, and a stop volume without containers', () => {
    expect(() => validateBackupModel(base({ volumes: [{ name: 'db', policy: 'dump', containers: [] }] }))).toThrow(
      'backup.volumes[0].dump: found nothing; expected a dump description',
    );
    expect(() => validateBackupModel(base({ volumes: [{ name: 'db', policy: 'stop', containers: [] }] }))).toThrow(
      'policy "stop" with none is "snapshot"',
    );
  });

  it('refuses names Docker would refuse, which also keeps them safe in the scripts', () => {
    expect(() => validateBackupModel(base({ volumes: [{ name: 'a b', policy: 'snapshot', containers: [] }] }))).toThrow(
      'backup.volumes[0].name: found "a b"; expected a Docker volume name',
    );
    expect(() => validateBackupModel(base({ volumes: [{ name: 'v', policy: 'stop', containers: ['$(reboot)'] }] }))).toThrow(
      'backup.volumes[0].containers[0]',
    );
  });

  it('refuses a local backup directory inside what is backed up', () => {
    expect(() => validateBackupModel(base({ localDir: '/opt/mambo/backups' }))).toThrow(
      'backup.localDir: found "/opt/mambo/backups"; expected a directory apart from backup.configDir (/opt/mambo)',
    );
    expect(() => validateBackupModel(base({ extraPaths: ['/var/backups'], localDir: '/var/backups/mambo' }))).toThrow(
      'apart from backup.extraPaths[0]',
    );
  });

  it('refuses an ntfy topic ntfy would refuse', () => {
    expect(() => validateBackupModel(base({ ntfy: { url: 'https://ntfy.sh', topic: 'a/b' } }))).toThrow('backup.ntfy.topic');
  });
});

describe('other models', () => {
  it('health check: thresholds in order, host names valid', () => {
    expect(() => validateHealthCheckModel({ containers: [], hostnames: ['bad host'] })).toThrow('healthCheck.hostnames[0]');
    expect(() => validateHealthCheckModel({ containers: [], hostnames: [], disk: { warnPercent: 90, criticalPercent: 80 } })).toThrow(
      'healthCheck.disk.criticalPercent: found 80; expected at least warnPercent (90)',
    );
    expect(() => validateHealthCheckModel({ containers: [], hostnames: [], tls: { warnDays: 5, criticalDays: 7 } })).toThrow(
      'healthCheck.tls.criticalDays: found 7; expected at most warnDays (5)',
    );
  });

  it('update: images must be pinned', () => {
    expect(() => validateUpdateContainersModel({ containers: [{ name: 'grafana', image: 'grafana/grafana:latest' }] })).toThrow(
      'updateContainers.containers[0].image: found "grafana/grafana:latest"; expected a pinned image reference',
    );
    expect(() => validateUpdateContainersModel({ containers: [{ name: 'x', image: 'nginx:1.28.0', recreate: [] }] })).toThrow(
      'updateContainers.containers[0].recreate',
    );
  });
});
