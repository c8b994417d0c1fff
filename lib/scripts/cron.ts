// Renders /etc/cron.d/mambo-platform: when backup, health check, TLS check and cleanup run, as whom,
// and the one log file they all append to (the log shipper reads it).
import { CRON_FILE_PATH, CronJobName, CronModel, DEFAULT_SCHEDULES, SCRIPT_FILE_NAMES } from './model';
import { shWord } from './shell';
import { validateCronModel, validateCronSchedule } from './validate';

const JOBS: readonly { job: CronJobName; script: string; args: string[]; what: string }[] = [
  { job: 'backup', script: SCRIPT_FILE_NAMES.backup, args: [], what: 'back up volumes, databases and configuration' },
  { job: 'healthCheck', script: SCRIPT_FILE_NAMES.healthCheck, args: [], what: 'containers, disk and certificates' },
  { job: 'tlsCheck', script: SCRIPT_FILE_NAMES.checkTlsRenewal, args: [], what: 'certificate days left; ntfy when short' },
  { job: 'cleanup', script: SCRIPT_FILE_NAMES.cleanup, args: ['--yes'], what: 'stopped containers, images, old logs and archives' },
];

/** cron turns an unescaped % in a command into a newline; a backslash keeps it a %. */
function cronCommand(words: readonly string[]): string {
  return words.map(shWord).join(' ').replace(/%/g, '\\%');
}

export function renderCronFile(model: CronModel): string {
  validateCronModel(model);
  const user = model.user ?? 'root';
  const scriptsDir = (model.scriptsDir ?? '/usr/local/sbin').replace(/\/+$/, '');
  const log = cronCommand([model.logFile]);

  const lines = JOBS.map(({ job, script, args, what }) => {
    const configured = model.schedules?.[job];
    if (configured === false) return `# ${job}: disabled in the platform model`;
    const schedule = validateCronSchedule(configured ?? DEFAULT_SCHEDULES[job], `cron.schedules.${job}`);
    const command = cronCommand([`${scriptsDir}/${script}`, ...args]);
    return `# ${job}: ${what}\n${schedule} ${user} ${command} >>${log} 2>&1`;
  });

  // Fields: minute hour day-of-month month day-of-week user command; times are the host's (UTC).
  return [
    `# ${CRON_FILE_PATH}: the platform's scheduled maintenance.`,
    '# Rendered by @mambo/platform from the platform model: change the model and deploy, not this file.',
    'SHELL=/bin/bash',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    // Output goes to the log file, never to mail (there is no mail transport on the host).
    'MAILTO=""',
    '',
    '# m h dom mon dow user command',
    ...lines,
    '',
  ].join('\n');
}

/** The log directory the cron jobs need before their first run (cron does not create it). */
export function cronLogDirectory(model: CronModel): string {
  return model.logFile.slice(0, model.logFile.lastIndexOf('/')) || '/';
}
