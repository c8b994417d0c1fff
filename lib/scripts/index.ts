// The backup and maintenance scripts: typed models, pure renderers (model → bash text), the cron
// file, and the validation the config loader and constructs call with their own paths.
export * from './model';
export { ScriptModelError, validateBackupModel, validateBackupTarget, validateCleanupModel, validateCronModel,
  validateCronSchedule, validateExtraPaths, validateHealthCheckModel, validateNtfyTarget, validateRetention,
  validateTlsRenewalModel, validateUpdateContainersModel } from './validate';
export { shq } from './shell';
export { RESTIC_TAG } from './backup-plan';
export { BACKUP_SCRIPT_EXITS, renderBackupScript } from './backup';
export { RESTORE_MODES, RESTORE_SCRIPT_EXITS, renderRestoreScript } from './restore';
export type { RestoreMode } from './restore';
export { renderCleanupScript } from './cleanup';
export { renderHealthCheckScript } from './health-check';
export { renderUpdateContainersScript } from './update-containers';
export { renderCheckTlsRenewalScript } from './check-tls-renewal';
export { cronLogDirectory, renderCronFile } from './cron';
export { LOGROTATE_FILE_PATH, renderLogrotateFile } from './logrotate';
export type { MaintenanceLogRotation } from './logrotate';
