// Renders /etc/logrotate.d/mambo-platform: the maintenance log that every cron job appends to is rotated
// weekly and compressed, so it never fills the disk; mambo-cleanup removes rotated files past their age.
import { validateCleanupModel } from './validate';

export const LOGROTATE_FILE_PATH = '/etc/logrotate.d/mambo-platform';

export interface MaintenanceLogRotation {
  /** The log file cron appends to (CronModel.logFile). */
  readonly logFile: string;
  /** Rotated files kept. @default 8 (two months of weekly files) */
  readonly keep?: number;
}

export function renderLogrotateFile(model: MaintenanceLogRotation): string {
  const keep = model.keep ?? 8;
  // The cleanup validator already knows what a log directory and a day count may be.
  validateCleanupModel({ keepContainers: [], logs: [{ directory: directoryOf(model.logFile), olderThanDays: keep }] }, 'logrotate');
  if (/\s/.test(model.logFile)) throw new Error(`logrotate: the log file "${model.logFile}" has white space; expected a path without it`);

  return [
    `# ${LOGROTATE_FILE_PATH}: the platform's maintenance log.`,
    '# Rendered by @mambo/platform from the platform model: change the model and deploy, not this file.',
    model.logFile,
    '{',
    '    weekly',
    `    rotate ${keep}`,
    '    compress',
    // The newest rotated file stays plain for a week, so the log shipper can finish reading it.
    '    delaycompress',
    '    missingok',
    '    notifempty',
    // Cron jobs append (>>), so truncating in place loses nothing and needs no signal to anyone.
    '    copytruncate',
    '}',
    '',
  ].join('\n');
}

function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}
