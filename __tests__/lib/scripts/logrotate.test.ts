// The maintenance log's logrotate file: weekly, compressed, truncated in place (cron appends), and read
// by logrotate itself.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { renderLogrotateFile } from '../../../lib/scripts/logrotate';
import { itWithTools, run } from '../../support/tools';

describe('renderLogrotateFile', () => {
  it('rotates the maintenance log weekly, keeps eight, compresses, and truncates in place', () => {
    const text = renderLogrotateFile({ logFile: '/var/log/mambo/maintenance.log' });
    expect(text).toContain('/var/log/mambo/maintenance.log\n{\n');
    for (const directive of ['weekly', 'rotate 8', 'compress', 'delaycompress', 'missingok', 'notifempty', 'copytruncate']) {
      expect(text).toContain(`    ${directive}\n`);
    }
  });

  it('refuses a relative log file or one with white space', () => {
    expect(() => renderLogrotateFile({ logFile: 'maintenance.log' })).toThrow(/logrotate\.logs\[0\]\.directory: found .*; expected an absolute path/);
    expect(() => renderLogrotateFile({ logFile: '/var/log/mambo/my log.log' })).toThrow(/white space/);
    expect(() => renderLogrotateFile({ logFile: '/var/log/mambo/maintenance.log', keep: 0 })).toThrow(/olderThanDays: found 0/);
  });

  itWithTools('logrotate')('is accepted by logrotate, which rotates a log it is pointed at', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mambo-logrotate-'));
    try {
      const log = path.join(directory, 'maintenance.log');
      fs.writeFileSync(log, 'backup ok\n');
      const config = path.join(directory, 'mambo-platform');
      fs.writeFileSync(config, renderLogrotateFile({ logFile: log }));
      const state = path.join(directory, 'state');

      const result = run('logrotate', ['--force', '--state', state, config]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      // Truncated in place, the old lines in the first rotated file (uncompressed for a week: delaycompress).
      expect(fs.readFileSync(log, 'utf8')).toBe('');
      expect(fs.readFileSync(`${log}.1`, 'utf8')).toBe('backup ok\n');
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
