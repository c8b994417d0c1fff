// Renders mambo-backup: consistent copies of the platform's volumes, database dumps, configuration
// and extra paths, packed into a dated, checksummed archive, then sent to restic when configured.
import { backupDeclarations, containerFunctions, resticDeclarations } from './backup-plan';
import { BACKUP_EXIT_CODES, BackupModel, SCRIPT_FILE_NAMES, pick, resolveBackupModel } from './model';
import {
  archivesPastRetentionFunction,
  lockFunction,
  loggingFunctions,
  notifyFunction,
  requireToolsFunction,
  scriptHeader,
} from './shell';
import { validateBackupModel } from './validate';

const E = Object.fromEntries(Object.entries(BACKUP_EXIT_CODES).map(([key, exit]) => [key, exit.code])) as Record<
  keyof typeof BACKUP_EXIT_CODES,
  number
>;

/** The codes of BACKUP_EXIT_CODES that mambo-backup can return. */
export const BACKUP_SCRIPT_EXITS = [
  'ok', 'unexpected', 'usage', 'preflight', 'locked', 'volumes', 'database', 'config', 'archive', 'localRetention',
  'incomplete', 'remoteBackup', 'remoteCheck', 'remoteRetention', 'containersDown',
] as const;

/**
 * Archive layout (the same tree goes to restic):
 *   MANIFEST.sha256         sha256 of every file below, checked before a restore touches anything
 *   backup.info             run id, time, host and what the archive holds (informational)
 *   volumes/<name>/         the volume's files (its _data directory, owners and modes kept)
 *   dumps/<name>.sql        pg_dump of a `dump` volume
 *   config/                 the configuration directory
 *   extra/<absolute path>   each extra path
 * Local file: <localDir>/mambo-backup-<UTC yyyymmddThhmmssZ>.tar.gz with a `.sha256` beside it.
 */
// Limitation: volumes are read from <dockerVolumesDir>/<name>/_data, so only the local driver
// without device options is supported; `docker volume inspect --format '{{.Mountpoint}}'` would
// lift it. A run also needs free space for a full staging copy next to the archive.
export function renderBackupScript(input: BackupModel): string {
  validateBackupModel(input);
  const model = resolveBackupModel(input);
  const name = SCRIPT_FILE_NAMES.backup;
  const tools = ['docker:docker.io', 'tar:tar', 'gzip:gzip', 'sha256sum:coreutils', 'flock:util-linux', 'numfmt:coreutils'];
  if (model.ntfy) tools.push('curl:curl');
  if (model.remote) tools.push('restic:restic');

  return `${scriptHeader({
    name,
    purpose: [
      "backs up the platform's Docker volumes (consistently: stopped, copied as-is or dumped), its",
      'configuration and extra paths into a dated, checksummed archive, then into restic when configured.',
    ],
    usage: [`${name}              run a backup (cron does, daily)`, `${name} --dry-run    print what a run would do; change nothing`],
    exitCodes: pick(BACKUP_EXIT_CODES, BACKUP_SCRIPT_EXITS),
  })}
${backupDeclarations(model)}
${resticDeclarations(model.remote, E.preflight)}
${loggingFunctions(name, { warn: true, humanBytes: true })}
${notifyFunction(model.ntfy)}
${requireToolsFunction(E.preflight)}
${lockFunction()}
${archivesPastRetentionFunction()}
${containerFunctions()}
# ---- Steps and failures ----
STEP='start'
STEP_CODE=${E.unexpected}
OWN_STAGING=0
# What this run could not take. The archive of the rest is still written, but retention is skipped
# so that older, complete archives and snapshots are never pruned in favour of a partial one.
MISSING=()
FAILED_DUMPS=()

step() {
  STEP=$1
  STEP_CODE=$2
  log "-- \${STEP}"
}

# fail CODE MESSAGE: starts again what this run stopped, reports the failed step, exits with CODE.
fail() {
  local code=$1 message=$2 priority=high containers='every container this run stopped is running again'
  trap - ERR
  if (( \${#STOPPED[@]} > 0 )) && ! start_stopped_containers; then
    code=${E.containersDown}
  fi
  if (( code == ${E.containersDown} )); then
    priority=urgent
    containers="NOT RUNNING: \${NOT_STARTED[*]} (start them by hand: docker start \${NOT_STARTED[*]})"
  fi
  if (( \${#FAILED_DUMPS[@]} + \${#MISSING[@]} > 0 )); then
    message="\${message}. Also: $(shortfalls)"
  fi
  log "FAILED at step '\${STEP}' (exit \${code}): \${message}" >&2
  notify "Backup FAILED on \${HOST_LABEL}: \${STEP}" "\${priority}" 'rotating_light,floppy_disk' \\
    "Step: \${STEP} (exit \${code}). \${message}. Containers: \${containers}. Log: \${LOG_FILE}"
  exit "\${code}"
}

# A command failed without its own message: report the step it belongs to. In a subshell, only
# leave it; the parent reports once.
on_error() {
  local status=$1 line=$2
  (( BASHPID == $$ )) || exit "\${status}"
  fail "\${STEP_CODE}" "a command at line \${line} of $0 exited with status \${status}"
}

shortfalls() {
  local parts=()
  (( \${#FAILED_DUMPS[@]} == 0 )) || parts+=("database dump failed for \${FAILED_DUMPS[*]}")
  (( \${#MISSING[@]} == 0 )) || parts+=("missing on this host: \${MISSING[*]}")
  local IFS=';'
  printf '%s' "\${parts[*]}"
}

complete_run() { (( \${#FAILED_DUMPS[@]} + \${#MISSING[@]} == 0 )); }

on_exit() {
  if (( OWN_STAGING )); then
    rm -rf -- "\${STAGING}"
  fi
}

trap 'on_error $? $LINENO' ERR
trap 'fail "\${STEP_CODE}" "interrupted by a signal"' INT TERM
trap on_exit EXIT

# ---- The work ----
volume_source() { printf '%s/%s/_data' "\${VOLUMES_DIR}" "$1"; }

copy_volume() {
  local volume=$1
  cp -a -- "$(volume_source "\${volume}")" "\${STAGING}/volumes/\${volume}" ||
    fail ${E.volumes} "copying volume \${volume} failed (cp's message is above)"
}

dump_database() {
  local volume=$1
  local container=\${DUMP_CONTAINER[\${volume}]} user=\${DUMP_USER[\${volume}]} database=\${DUMP_DATABASE[\${volume}]}
  log "dumping database \${database} from \${container}"
  # --clean --if-exists: the dump replaces what is there when it is restored.
  if docker exec "\${container}" pg_dump --username "\${user}" --dbname "\${database}" --clean --if-exists \\
      >"\${STAGING}/dumps/\${volume}.sql"; then
    log "dumped database \${database}"
  else
    rm -f -- "\${STAGING}/dumps/\${volume}.sql"
    warn "pg_dump of database \${database} in container \${container} (volume \${volume}) failed; carrying on with the rest"
    FAILED_DUMPS+=("\${volume}")
  fi
}

backup_volume() {
  local volume=$1 policy=\${VOLUME_POLICY[$1]} containers=()
  read -r -a containers <<<"\${VOLUME_CONTAINERS[$1]}"

  if [[ "\${policy}" == dump ]]; then
    step "database dump: \${volume}" ${E.database}
    if container_running "\${DUMP_CONTAINER[\${volume}]}"; then
      dump_database "\${volume}"
      return 0
    fi
    # A stopped database has consistent files at rest: archive those rather than nothing.
    warn "\${DUMP_CONTAINER[\${volume}]} is not running; archiving the files of \${volume} instead of a dump"
    policy=stop
  fi

  step "volume: \${volume}" ${E.volumes}
  if [[ ! -d "$(volume_source "\${volume}")" ]]; then
    warn "volume \${volume} does not exist here ($(volume_source "\${volume}")); it is not in this archive"
    MISSING+=("volume \${volume}")
    return 0
  fi
  if [[ "\${policy}" == stop ]]; then
    stop_containers "\${containers[@]}"
    copy_volume "\${volume}"
    start_stopped_containers || fail ${E.containersDown} "copied \${volume}, but \${NOT_STARTED[*]} would not start again"
  else
    copy_volume "\${volume}"
  fi
  log "copied volume \${volume} (\${policy})"
}

backup_configuration() {
  local path
  step 'configuration' ${E.config}
  cp -a -- "\${CONFIG_DIR}" "\${STAGING}/config" || fail ${E.config} "copying \${CONFIG_DIR} failed (cp's message is above)"
  log "copied \${CONFIG_DIR}"
  for path in "\${EXTRA_PATHS[@]}"; do
    if [[ ! -e "\${path}" && ! -L "\${path}" ]]; then
      warn "extra path \${path} does not exist; it is not in this archive"
      MISSING+=("extra path \${path}")
      continue
    fi
    mkdir -p -- "\${STAGING}/extra$(dirname -- "\${path}")"
    cp -a -- "\${path}" "\${STAGING}/extra\${path}" || fail ${E.config} "copying \${path} failed (cp's message is above)"
    log "copied \${path}"
  done
}

write_info() {
  local volume
  {
    printf 'format=mambo-backup/1\\nrun=%s\\ncreated=%s\\nhost=%s\\n' "\${RUN_ID}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "\${HOST_LABEL}"
    for volume in "\${VOLUMES[@]}"; do
      if [[ -f "\${STAGING}/dumps/\${volume}.sql" ]]; then
        printf 'dump=%s\\n' "\${volume}"
      elif [[ -d "\${STAGING}/volumes/\${volume}" ]]; then
        printf 'volume=%s\\n' "\${volume}"
      fi
    done
    printf 'config=%s\\n' "\${CONFIG_DIR}"
    printf 'extra=%s\\n' "\${EXTRA_PATHS[@]}"
    printf 'missing=%s\\n' "\${MISSING[@]}"
    printf 'failed-dump=%s\\n' "\${FAILED_DUMPS[@]}"
  } | grep -v '=$' >"\${STAGING}/backup.info"
}

write_archive() {
  local partial="\${LOCAL_DIR}/\${ARCHIVE}.partial" checksum
  step 'archive' ${E.archive}
  write_info
  (cd "\${STAGING}" && find . -type f ! -path ./MANIFEST.sha256 -print0 | sort -z | xargs -0 -r sha256sum --) \\
    >"\${STAGING}/MANIFEST.sha256"
  tar --create --gzip --numeric-owner --file "\${partial}" --directory "\${STAGING}" . ||
    fail ${E.archive} "tar could not write \${partial} (its message is above; is the disk full?)"
  checksum=$(sha256sum <"\${partial}")
  printf '%s  %s\\n' "\${checksum%% *}" "\${ARCHIVE}" >"\${LOCAL_DIR}/\${ARCHIVE}.sha256.partial"
  sync -- "\${partial}" "\${LOCAL_DIR}/\${ARCHIVE}.sha256.partial"
  # The archive gets its final name last: an archive with a final name is always complete.
  mv -- "\${LOCAL_DIR}/\${ARCHIVE}.sha256.partial" "\${LOCAL_DIR}/\${ARCHIVE}.sha256"
  mv -- "\${partial}" "\${LOCAL_DIR}/\${ARCHIVE}"
  ARCHIVE_BYTES=$(stat --format %s "\${LOCAL_DIR}/\${ARCHIVE}")
  log "wrote \${LOCAL_DIR}/\${ARCHIVE} ($(human_bytes "\${ARCHIVE_BYTES}"), sha256 \${checksum%% *})"
}

prune_local_archives() {
  local names name
  step 'local retention' ${E.localRetention}
  KEPT=$(find "\${LOCAL_DIR}" -maxdepth 1 -type f -name 'mambo-backup-*.tar.gz' | wc -l)
  if ! complete_run; then
    warn "this run is incomplete; no archive is removed until a complete run"
    return 0
  fi
  names=$(archives_past_retention)
  while IFS= read -r name; do
    [[ -n "\${name}" && "\${name}" != "\${ARCHIVE}"* ]] || continue
    rm -f -- "\${LOCAL_DIR}/\${name}"
    log "removed \${name} (older than \${LOCAL_RETENTION_DAYS} days)"
  done <<<"\${names}"
  KEPT=$(find "\${LOCAL_DIR}" -maxdepth 1 -type f -name 'mambo-backup-*.tar.gz' | wc -l)
}

remote_backup() {
  local output
  step 'remote backup' ${E.remoteBackup}
  if ! restic "\${RESTIC_OPTIONS[@]}" cat config >/dev/null 2>&1; then
    log "no restic repository at \${RESTIC_REPOSITORY_URL} yet; initialising it"
    output=$(restic "\${RESTIC_OPTIONS[@]}" init 2>&1) ||
      fail ${E.remoteBackup} "could not open or initialise the restic repository \${RESTIC_REPOSITORY_URL}: $(tail -n 1 <<<"\${output}")"
  fi
  # Only stale locks (left by a crashed run) are removed; a live restic process keeps its lock.
  restic "\${RESTIC_OPTIONS[@]}" unlock >/dev/null 2>&1 || true
  if ! output=$(cd "\${STAGING}" && restic "\${RESTIC_OPTIONS[@]}" backup --tag "\${RESTIC_TAG}" --tag "run-\${RUN_ID}" . 2>&1); then
    printf '%s\\n' "\${output}" >&2
    fail ${E.remoteBackup} "restic backup to \${RESTIC_REPOSITORY_URL} failed: $(tail -n 1 <<<"\${output}")"
  fi
  printf '%s\\n' "\${output}"
  SNAPSHOT=$(sed -n 's/^snapshot \\([0-9a-f]*\\) saved$/\\1/p' <<<"\${output}")

  step 'remote check' ${E.remoteCheck}
  if ! output=$(restic "\${RESTIC_OPTIONS[@]}" check 2>&1); then
    printf '%s\\n' "\${output}" >&2
    fail ${E.remoteCheck} "restic check of \${RESTIC_REPOSITORY_URL} failed: $(tail -n 1 <<<"\${output}")"
  fi
  log "restic check: no errors"

  step 'remote retention' ${E.remoteRetention}
  if ! complete_run; then
    warn "this run is incomplete; no snapshot is forgotten until a complete run"
    return 0
  fi
  # --keep-within counts back from the newest snapshot, which this run has just written.
  if ! output=$(restic "\${RESTIC_OPTIONS[@]}" forget --tag "\${RESTIC_TAG}" --group-by host \\
      --keep-within "\${REMOTE_RETENTION_DAYS}d" --prune 2>&1); then
    printf '%s\\n' "\${output}" >&2
    fail ${E.remoteRetention} "restic forget --prune failed: $(tail -n 1 <<<"\${output}")"
  fi
  printf '%s\\n' "\${output}"
}

# ---- Before any work ----
preflight() {
  step 'preflight' ${E.preflight}
  require_tools ${tools.map((tool) => `'${tool}'`).join(' ')}
  docker info >/dev/null 2>&1 ||
    fail ${E.preflight} "Docker is unreachable (docker info failed): is the daemon running, and may $(id -un) use it?"
  [[ -d "\${CONFIG_DIR}" ]] || fail ${E.preflight} "the configuration directory \${CONFIG_DIR} does not exist"
  [[ -z "\${REMOTE_KIND}" ]] || remote_environment
}

# Bytes the sources take now; a run needs room for a staging copy and the archive.
source_bytes() {
  local paths=("\${CONFIG_DIR}") volume path existing=()
  for volume in "\${VOLUMES[@]}"; do paths+=("$(volume_source "\${volume}")"); done
  paths+=("\${EXTRA_PATHS[@]}")
  for path in "\${paths[@]}"; do
    [[ ! -e "\${path}" ]] || existing+=("\${path}")
  done
  du --summarize --total --block-size=1 -- "\${existing[@]}" | tail -n 1 | cut -f 1
}

check_free_space() {
  local needed available
  needed=$(( 2 * $(source_bytes) ))
  available=$(df --output=avail --block-size=1 -- "\${LOCAL_DIR}" | tail -n 1 | tr -d ' ')
  if (( available < needed )); then
    fail ${E.preflight} "\${LOCAL_DIR} has $(human_bytes "\${available}") free; a run needs about $(human_bytes "\${needed}") (a staging copy and the archive)"
  fi
}

print_plan() {
  local volume containers names
  log "dry run: nothing is changed"
  log "would write \${LOCAL_DIR}/mambo-backup-<UTC time>.tar.gz and its .sha256; sources take $(human_bytes "$(source_bytes)")"
  for volume in "\${VOLUMES[@]}"; do
    containers=\${VOLUME_CONTAINERS[\${volume}]}
    case "\${VOLUME_POLICY[\${volume}]}" in
      stop) log "volume \${volume}: stop \${containers:-nothing}, copy, start again" ;;
      snapshot) log "volume \${volume}: copy while running" ;;
      dump) log "volume \${volume}: pg_dump of \${DUMP_DATABASE[\${volume}]} as \${DUMP_USER[\${volume}]} in \${DUMP_CONTAINER[\${volume}]}" ;;
    esac
    [[ -d "$(volume_source "\${volume}")" || "\${VOLUME_POLICY[\${volume}]}" == dump ]] || warn "volume \${volume} does not exist here"
  done
  log "configuration: \${CONFIG_DIR}"
  for volume in "\${EXTRA_PATHS[@]}"; do log "extra path: \${volume}"; done
  names=$(archives_past_retention | paste -s -d ' ')
  log "local retention \${LOCAL_RETENTION_DAYS} days; would remove: \${names:-nothing}"
  if [[ -n "\${REMOTE_KIND}" ]]; then
    log "remote: restic \${RESTIC_REPOSITORY_URL}; check after each run; forget snapshots older than \${REMOTE_RETENTION_DAYS} days"
  else
    log "remote: none"
  fi
}

usage() { sed -n '/^# Usage:/,/^# Exit status:/p' "$0" | sed '$d; s/^# \\{0,1\\}//'; }

main() {
  local dry_run=0 archive_count
  case "\${1:-}" in
    '') ;;
    --dry-run) dry_run=1 ;;
    -h | --help) usage; exit 0 ;;
    *) log "unknown argument: $1" >&2; usage >&2; exit ${E.usage} ;;
  esac
  (( $# <= 1 )) || { log "too many arguments" >&2; usage >&2; exit ${E.usage}; }

  preflight
  if (( dry_run )); then
    print_plan
    exit 0
  fi

  step 'lock' ${E.locked}
  if ! take_lock; then
    log "another backup, restore, cleanup or update holds \${LOCK_FILE}; this run does nothing" >&2
    notify "Backup skipped on \${HOST_LABEL}" high 'warning,floppy_disk' \\
      "Another run holds \${LOCK_FILE}, so no backup was made. If that run is stuck, find it with: fuser -v \${LOCK_FILE}. Log: \${LOG_FILE}"
    exit ${E.locked}
  fi

  mkdir -p -- "\${LOCAL_DIR}"
  chmod 700 -- "\${LOCAL_DIR}"
  # We hold the lock, so a staging tree or partial file here is a crashed run's leftover.
  rm -rf -- "\${STAGING}" "\${LOCAL_DIR}"/mambo-backup-*.partial
  check_free_space

  RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
  while [[ -e "\${LOCAL_DIR}/mambo-backup-\${RUN_ID}.tar.gz" ]]; do
    sleep 1
    RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
  done
  ARCHIVE="mambo-backup-\${RUN_ID}.tar.gz"
  log "backup \${RUN_ID} of \${HOST_LABEL} into \${LOCAL_DIR}"
  OWN_STAGING=1
  mkdir -p -- "\${STAGING}/volumes" "\${STAGING}/dumps" "\${STAGING}/extra"

  for volume in "\${VOLUMES[@]}"; do
    backup_volume "\${volume}"
  done
  backup_configuration
  write_archive
  prune_local_archives

  local remote_note='no remote repository configured'
  if [[ -n "\${REMOTE_KIND}" ]]; then
    remote_backup
    remote_note="snapshot \${SNAPSHOT:-?} in \${RESTIC_REPOSITORY_URL}, checked"
    if complete_run; then
      remote_note+="; snapshots older than \${REMOTE_RETENTION_DAYS} days pruned"
    fi
  fi

  archive_count=$(find "\${STAGING}/volumes" "\${STAGING}/dumps" -mindepth 1 -maxdepth 1 | wc -l)
  local summary
  summary="Archive \${ARCHIVE}: $(human_bytes "\${ARCHIVE_BYTES}"), \${archive_count} volume(s) and dump(s), configuration and \${#EXTRA_PATHS[@]} extra path(s). Took $(( SECONDS / 60 ))m $(( SECONDS % 60 ))s. Local archives kept: \${KEPT} (\${LOCAL_RETENTION_DAYS} days). Remote: \${remote_note}."

  if (( \${#FAILED_DUMPS[@]} > 0 )); then
    step "database dump: \${FAILED_DUMPS[*]}" ${E.database}
    log "FAILED at step '\${STEP}' (exit ${E.database}): $(shortfalls)" >&2
    notify "Backup FAILED on \${HOST_LABEL}: \${STEP}" high 'rotating_light,floppy_disk' \\
      "Step: \${STEP} (exit ${E.database}). $(shortfalls). The rest was archived; retention skipped. \${summary} Log: \${LOG_FILE}"
    exit ${E.database}
  fi
  if (( \${#MISSING[@]} > 0 )); then
    step 'finish' ${E.incomplete}
    warn "incomplete: \${MISSING[*]} missing on this host"
    notify "Backup INCOMPLETE on \${HOST_LABEL}" high 'warning,floppy_disk' \\
      "Missing: \${MISSING[*]}. Retention skipped. \${summary} Log: \${LOG_FILE}"
    exit ${E.incomplete}
  fi
  log "done: \${summary}"
  notify "Backup OK on \${HOST_LABEL}" default 'white_check_mark,floppy_disk' "\${summary}"
}

main "$@"
`;
}
