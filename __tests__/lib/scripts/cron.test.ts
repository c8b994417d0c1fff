// The /etc/cron.d file: its exact shape (user field, quoting, % escaping, the shared log), the
// defaults, overrides and disabled jobs, and refusal of schedules the host's cron would misread.
import { CronExpressionParser } from 'cron-parser';
import { cronLogDirectory, renderCronFile } from '../../../lib/scripts/cron';
import { DEFAULT_SCHEDULES } from '../../../lib/scripts/model';

describe('renderCronFile', () => {
  it('schedules backup at 03:00 and the other jobs by default, as root, into one log', () => {
    expect(renderCronFile({ logFile: '/var/log/mambo/maintenance.log' })).toBe(
      [
        "# /etc/cron.d/mambo-platform: the platform's scheduled maintenance.",
        '# Rendered by @mambo/platform from the platform model: change the model and deploy, not this file.',
        'SHELL=/bin/bash',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'MAILTO=""',
        '',
        '# m h dom mon dow user command',
        '# backup: back up volumes, databases and configuration',
        '0 3 * * * root /usr/local/sbin/mambo-backup >>/var/log/mambo/maintenance.log 2>&1',
        '# healthCheck: containers, disk and certificates',
        '*/15 * * * * root /usr/local/sbin/mambo-health-check >>/var/log/mambo/maintenance.log 2>&1',
        '# tlsCheck: certificate days left; ntfy when short',
        '0 8 * * * root /usr/local/sbin/mambo-check-tls-renewal >>/var/log/mambo/maintenance.log 2>&1',
        '# cleanup: stopped containers, images, old logs and archives',
        '30 4 * * 0 root /usr/local/sbin/mambo-cleanup --yes >>/var/log/mambo/maintenance.log 2>&1',
        '',
      ].join('\n'),
    );
  });

  it('every job line has five schedule fields cron-parser accepts, the user, then the command', () => {
    const lines = renderCronFile({ logFile: '/var/log/mambo/maintenance.log' })
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#') && !line.includes('='));
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      const fields = line.split(' ');
      expect(() => CronExpressionParser.parse(fields.slice(0, 5).join(' '))).not.toThrow();
      expect(fields[5]).toBe('root');
      expect(fields[6]).toMatch(/^\/usr\/local\/sbin\/mambo-/);
    }
    expect(Object.values(DEFAULT_SCHEDULES)).toContain('0 3 * * *');
  });

  it('takes the user, the scripts directory, schedules, and leaves out disabled jobs', () => {
    const file = renderCronFile({
      user: 'mambo',
      scriptsDir: '/opt/mambo/bin',
      logFile: '/var/log/mambo/jobs.log',
      schedules: { backup: '15 2 * * 1-5', healthCheck: false, tlsCheck: '@daily' },
    });
    expect(file).toContain('15 2 * * 1-5 mambo /opt/mambo/bin/mambo-backup >>/var/log/mambo/jobs.log 2>&1');
    expect(file).toContain('# healthCheck: disabled in the platform model');
    expect(file).not.toContain('mambo-health-check');
    expect(file).toContain('@daily mambo /opt/mambo/bin/mambo-check-tls-renewal >>');
    expect(file.endsWith('\n')).toBe(true);
  });

  it('escapes % (cron would make it a newline) and quotes paths with spaces', () => {
    const file = renderCronFile({ logFile: '/var/log/mambo 100%/jobs.log', scriptsDir: '/opt/my scripts' });
    expect(file).toContain("'/opt/my scripts/mambo-backup' >>'/var/log/mambo 100\\%/jobs.log' 2>&1");
  });

  it('normalises extra spaces in a schedule', () => {
    expect(renderCronFile({ logFile: '/var/log/m.log', schedules: { backup: ' 0  3 * *  * ' } })).toContain('\n0 3 * * * root /');
  });

  it.each([
    ['0 3 * *', 'it has 4 fields'],
    ['0 3 * * * *', 'it has 6 fields'],
    ['61 3 * * *', 'got value 61 expected range 0-59'],
    ['0 3 L * *', 'not understood by the host'],
    ['@reboot', 'one of @yearly'],
    ['every day', 'a cron expression with five fields'],
  ])('refuses the schedule %p, naming the value and what is expected', (schedule, detail) => {
    const render = () => renderCronFile({ logFile: '/var/log/m.log', schedules: { backup: schedule } });
    expect(render).toThrow(`cron.schedules.backup: found ${JSON.stringify(schedule)}; expected a cron expression with five fields`);
    expect(render).toThrow(detail);
  });

  it('refuses a user that is not a Unix user name, and a relative log file', () => {
    expect(() => renderCronFile({ logFile: '/var/log/m.log', user: 'root; rm -rf /' })).toThrow('cron.user: found "root; rm -rf /"');
    expect(() => renderCronFile({ logFile: 'maintenance.log' })).toThrow('cron.logFile: found "maintenance.log"; expected an absolute path');
  });

  it('names the log directory the installer must create', () => {
    expect(cronLogDirectory({ logFile: '/var/log/mambo/maintenance.log' })).toBe('/var/log/mambo');
  });
});
