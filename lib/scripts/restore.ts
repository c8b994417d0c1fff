// Renders mambo-restore: lists what can be restored, and restores an archive or restic snapshot in
// one of three modes after verifying every checksum, stopping and restarting the containers involved.
import { backupDeclarations, containerFunctions, resticDeclarations } from './backup-plan';
import { BACKUP_EXIT_CODES, BackupModel, SCRIPT_FILE_NAMES, pick, resolveBackupModel } from './model';
import { lockFunction, loggingFunctions, notifyFunction, requireToolsFunction, scriptHeader } from './shell';
import { validateBackupModel } from './validate';

const E = Object.fromEntries(Object.entries(BACKUP_EXIT_CODES).map(([key, exit]) => [key, exit.code])) as Record<
  keyof typeof BACKUP_EXIT_CODES,
  number
>;

/** The codes of BACKUP_EXIT_CODES that mambo-restore can return. */
export const RESTORE_SCRIPT_EXITS = [
  'ok', 'unexpected', 'usage', 'preflight', 'locked', 'notFound', 'refused', 'volumes', 'database', 'config',
  'remoteRestore', 'containersDown',
] as const;

export const RESTORE_MODES = ['full', 'volumes-only', 'configs-only'] as const;
export type RestoreMode = (typeof RESTORE_MODES)[number];

/** Renders the restore script for the same model the backup script was rendered from. */
export function renderRestoreScript(input: BackupModel): string {
  validateBackupModel(input);
  const model = resolveBackupModel(input);
  const name = SCRIPT_FILE_NAMES.restore;
  const tools = ['docker:docker.io', 'tar:tar', 'gzip:gzip', 'sha256sum:coreutils', 'flock:util-linux', 'diff:diffutils'];
  if (model.ntfy) tools.push('curl:curl');
  if (model.remote) tools.push('restic:restic');

  return `${scriptHeader({
    name,
    purpose: [
      'restores the platform from a mambo-backup archive or restic snapshot. Every checksum is verified',
      'before anything is touched; containers using a restored volume are stopped first and started after.',
    ],
    usage: [
      `${name} list                          local archives and remote snapshots`,
      `${name} MODE SOURCE [--dry-run] [--yes] [--volume NAME]...`,
      '',
      'MODE    full          configuration, extra paths, volumes and databases',
      '        volumes-only  volumes and databases',
      '        configs-only  configuration directory and extra paths',
      `SOURCE  latest, a run time such as 20250101T030000Z, an archive name in ${model.localDir},`,
      "        a path to an archive (its .sha256 beside it), remote:SNAPSHOT_ID, or remote:latest (this host's newest)",
      '--dry-run      verify the source and show what would change; change nothing',
      '--yes          do not ask for confirmation (needed when not on a terminal)',
      '--volume NAME  restore only this volume (repeatable); configuration is then left alone',
    ],
    exitCodes: pick(BACKUP_EXIT_CODES, RESTORE_SCRIPT_EXITS),
  })}
${backupDeclarations(model)}
${resticDeclarations(model.remote, E.preflight)}
${loggingFunctions(name, { warn: true, humanBytes: true })}
${notifyFunction(model.ntfy)}
${requireToolsFunction(E.preflight)}
${lockFunction()}
${containerFunctions()}
# ---- Steps and failures ----
STEP='start'
STEP_CODE=${E.unexpected}
CHANGING=0
WORK=''
SOURCE_LABEL=''
MODE=''

step() {
  STEP=$1
  STEP_CODE=$2
  log "-- \${STEP}"
}

# fail CODE MESSAGE: starts again what this run stopped, says what happened, exits with CODE.
fail() {
  local code=$1 message=$2 containers='every container this run stopped is running again'
  trap - ERR
  if (( \${#STOPPED[@]} > 0 )) && ! start_stopped_containers; then
    code=${E.containersDown}
  fi
  if (( code == ${E.containersDown} )); then
    containers="NOT RUNNING: \${NOT_STARTED[*]} (start them by hand: docker start \${NOT_STARTED[*]})"
  fi
  if (( CHANGING )); then
    message="\${message}. The restore stopped part way: what came before this step is restored, the rest is as it was"
  else
    message="\${message}. Nothing was changed"
  fi
  log "FAILED at step '\${STEP}' (exit \${code}): \${message}" >&2
  # Typing mistakes stay on the terminal; a refused archive or a failure while changing things is news.
  if (( CHANGING || code == ${E.refused} )); then
    notify "Restore FAILED on \${HOST_LABEL}: \${STEP}" urgent 'rotating_light,leftwards_arrow_with_hook' \\
      "\${MODE} restore from \${SOURCE_LABEL}. Step: \${STEP} (exit \${code}). \${message}. Containers: \${containers}. Log: \${LOG_FILE}"
  fi
  exit "\${code}"
}

on_error() {
  local status=$1 line=$2
  (( BASHPID == $$ )) || exit "\${status}"
  fail "\${STEP_CODE}" "a command at line \${line} of $0 exited with status \${status}"
}

on_exit() {
  [[ -z "\${WORK}" ]] || rm -rf -- "\${WORK}"
}

trap 'on_error $? $LINENO' ERR
trap 'fail "\${STEP_CODE}" "interrupted by a signal"' INT TERM
trap on_exit EXIT

usage() { sed -n '/^# Usage:/,/^# Exit status:/p' "$0" | sed '$d; s/^# \\{0,1\\}//'; }

usage_error() {
  log "$1" >&2
  usage >&2
  exit ${E.usage}
}

# ---- What can be restored ----
# Complete local archives (a checksum file beside them), oldest first.
complete_archives() {
  local name
  [[ -d "\${LOCAL_DIR}" ]] || return 0
  while IFS= read -r name; do
    [[ -z "\${name}" || ! -f "\${LOCAL_DIR}/\${name}.sha256" ]] || printf '%s\\n' "\${name}"
  done <<<"$(find "\${LOCAL_DIR}" -maxdepth 1 -type f -name 'mambo-backup-*.tar.gz' -printf '%f\\n' | sort)"
}

list_sources() {
  local name state status=0
  printf 'Local archives in %s (kept %s days; oldest first):\\n' "\${LOCAL_DIR}" "\${LOCAL_RETENTION_DAYS}"
  if [[ -d "\${LOCAL_DIR}" ]]; then
    while IFS= read -r name; do
      [[ -n "\${name}" ]] || continue
      state='complete'
      [[ "\${name}" != *.partial ]] || state='PARTIAL: its run did not finish; cannot be restored'
      [[ "\${name}" == *.partial || -f "\${LOCAL_DIR}/\${name}.sha256" ]] || state='NO CHECKSUM FILE: cannot be restored'
      printf '  %s  %8s  %s  %s\\n' "\${name}" "$(human_bytes "$(stat --format %s "\${LOCAL_DIR}/\${name}")")" \\
        "$(date -u -r "\${LOCAL_DIR}/\${name}" +%Y-%m-%dT%H:%MZ)" "\${state}"
    done <<<"$(find "\${LOCAL_DIR}" -maxdepth 1 -type f \\( -name 'mambo-backup-*.tar.gz' -o -name 'mambo-backup-*.tar.gz.partial' \\) -printf '%f\\n' | sort)"
  fi
  if [[ -n "\${REMOTE_KIND}" ]]; then
    remote_environment
    printf '\\nRemote snapshots in %s (kept %s days; restore one with remote:ID):\\n' "\${RESTIC_REPOSITORY_URL}" "\${REMOTE_RETENTION_DAYS}"
    restic "\${RESTIC_OPTIONS[@]}" snapshots --tag "\${RESTIC_TAG}" || status=${E.remoteRestore}
  fi
  return "\${status}"
}

# ---- Getting a verified tree into WORK/tree ----
resolve_archive() {
  local source=$1 newest
  case "\${source}" in
    latest)
      newest=$(complete_archives | tail -n 1)
      [[ -n "\${newest}" ]] || fail ${E.notFound} "there is no complete archive in \${LOCAL_DIR}"
      ARCHIVE_PATH="\${LOCAL_DIR}/\${newest}"
      ;;
    */*) ARCHIVE_PATH=\${source} ;;
    *)
      if [[ "\${source}" =~ ^[0-9]{8}T[0-9]{6}Z$ ]]; then
        ARCHIVE_PATH="\${LOCAL_DIR}/mambo-backup-\${source}.tar.gz"
      else
        ARCHIVE_PATH="\${LOCAL_DIR}/\${source}"
      fi
      ;;
  esac
  if [[ "\${ARCHIVE_PATH}" == *.partial || ( ! -f "\${ARCHIVE_PATH}" && -f "\${ARCHIVE_PATH}.partial" ) ]]; then
    fail ${E.refused} "\${ARCHIVE_PATH%.partial} is partial: the backup that wrote it did not finish; refusing it"
  fi
  if [[ ! -f "\${ARCHIVE_PATH}" ]]; then
    fail ${E.notFound} "there is no archive \${ARCHIVE_PATH}; see what there is with: $0 list"
  fi
  [[ -f "\${ARCHIVE_PATH}.sha256" ]] ||
    fail ${E.refused} "\${ARCHIVE_PATH} has no checksum file (\${ARCHIVE_PATH}.sha256): it is partial or not from mambo-backup; refusing it"
}

unpack_archive() {
  local expected actual
  step 'verify archive' ${E.refused}
  expected=$(head -c 64 "\${ARCHIVE_PATH}.sha256")
  [[ "\${expected}" =~ ^[0-9a-f]{64}$ ]] || fail ${E.refused} "\${ARCHIVE_PATH}.sha256 does not hold a sha256 checksum; refusing the archive"
  actual=$(sha256sum <"\${ARCHIVE_PATH}")
  actual=\${actual%% *}
  if [[ "\${actual}" != "\${expected}" ]]; then
    fail ${E.refused} "\${ARCHIVE_PATH} is corrupt or truncated: its sha256 is \${actual} but its checksum file says \${expected}; refusing it (pick another with: $0 list)"
  fi
  log "archive checksum matches (\${actual})"
  tar --extract --gzip --numeric-owner --preserve-permissions --file "\${ARCHIVE_PATH}" --directory "\${WORK}/tree" ||
    fail ${E.refused} "tar could not unpack \${ARCHIVE_PATH} into \${WORK} (see its message above: a damaged archive, or no space left)"
}

fetch_snapshot() {
  local id=$1 found output restored short
  local -a filter=(--tag "\${RESTIC_TAG}")
  # "latest" means this host's newest: a repository may also hold another environment's snapshots.
  [[ "\${id}" != latest ]] || filter+=(--host "$(uname -n)")
  step 'remote restore' ${E.remoteRestore}
  [[ -n "\${REMOTE_KIND}" ]] || fail ${E.notFound} "this platform has no remote repository configured"
  remote_environment
  # restic reports an unknown id on stderr and prints [] with status 0.
  found=$(restic "\${RESTIC_OPTIONS[@]}" snapshots --json "\${filter[@]}" "\${id}" 2>"\${WORK}/restic.err") ||
    fail ${E.remoteRestore} "could not read snapshots from \${RESTIC_REPOSITORY_URL}: $(tail -n 1 "\${WORK}/restic.err")"
  [[ "\${found}" != '[]' && -n "\${found}" ]] ||
    fail ${E.notFound} "there is no snapshot \${id} (\${filter[*]}) in \${RESTIC_REPOSITORY_URL}; see what there is with: $0 list, then use remote:ID"
  short=$(grep -o '"short_id":"[0-9a-f]*"' <<<"\${found}" | tail -n 1 | cut -d '"' -f 4)
  SOURCE_LABEL="snapshot \${short:-\${id}} in \${RESTIC_REPOSITORY_URL}"
  output=$(restic "\${RESTIC_OPTIONS[@]}" restore "\${short:-\${id}}" --target "\${WORK}/restic" 2>&1) ||
    fail ${E.remoteRestore} "restic restore of \${short:-\${id}} failed: $(tail -n 1 <<<"\${output}")"
  # restic recreates the path the snapshot was taken from, or not, depending on its version.
  restored="\${WORK}/restic"
  [[ -f "\${restored}/MANIFEST.sha256" ]] || restored="\${WORK}/restic\${STAGING}"
  [[ -f "\${restored}/MANIFEST.sha256" ]] || fail ${E.refused} "\${SOURCE_LABEL} holds no MANIFEST.sha256: it is not a mambo-backup snapshot"
  rmdir -- "\${WORK}/tree"
  mv -T -- "\${restored}" "\${WORK}/tree"
  log "restored \${SOURCE_LABEL} into \${WORK}"
}

verify_tree() {
  local listed present
  step 'verify contents' ${E.refused}
  [[ -f "\${WORK}/tree/MANIFEST.sha256" ]] || fail ${E.refused} "\${SOURCE_LABEL} holds no MANIFEST.sha256: it is not a mambo-backup archive"
  (cd "\${WORK}/tree" && sha256sum --check --strict --quiet MANIFEST.sha256) >&2 ||
    fail ${E.refused} "files in \${SOURCE_LABEL} do not match its manifest (listed above); refusing it"
  listed=$(wc -l <"\${WORK}/tree/MANIFEST.sha256")
  present=$(( $(find "\${WORK}/tree" -type f -printf . | wc -c) - 1 ))
  (( listed == present )) || fail ${E.refused} "\${SOURCE_LABEL} holds \${present} files but its manifest lists \${listed}; refusing it"
  log "all \${listed} files match the manifest"
}

# ---- Deciding what to restore ----
FILE_VOLUMES=()
DUMP_VOLUMES=()
CONFIG_PATHS=()
SELECTED=()

is_selected() {
  local volume
  (( \${#SELECTED[@]} == 0 )) && return 0
  for volume in "\${SELECTED[@]}"; do [[ "\${volume}" != "$1" ]] || return 0; done
  return 1
}

is_platform_volume() {
  local volume
  for volume in "\${VOLUMES[@]}"; do [[ "\${volume}" != "$1" ]] || return 0; done
  return 1
}

choose_parts() {
  local volume path entry
  if [[ "\${MODE}" != volumes-only ]]; then
    if [[ -d "\${WORK}/tree/config" ]]; then
      CONFIG_PATHS+=("\${CONFIG_DIR}")
    else
      warn "\${SOURCE_LABEL} holds no configuration directory"
    fi
    for path in "\${EXTRA_PATHS[@]}"; do
      if [[ -e "\${WORK}/tree/extra\${path}" || -L "\${WORK}/tree/extra\${path}" ]]; then
        CONFIG_PATHS+=("\${path}")
      else
        warn "extra path \${path} is not in \${SOURCE_LABEL}; left as it is"
      fi
    done
  fi
  if [[ "\${MODE}" != configs-only ]]; then
    for volume in "\${VOLUMES[@]}"; do
      is_selected "\${volume}" || continue
      if [[ -d "\${WORK}/tree/volumes/\${volume}" ]]; then
        FILE_VOLUMES+=("\${volume}")
        [[ "\${VOLUME_POLICY[\${volume}]}" != dump ]] ||
          log "volume \${volume} was archived as files (its database was not running at backup time); restoring the files"
      elif [[ -f "\${WORK}/tree/dumps/\${volume}.sql" ]]; then
        DUMP_VOLUMES+=("\${volume}")
      else
        warn "volume \${volume} is not in \${SOURCE_LABEL}; left as it is"
      fi
    done
    for entry in "\${WORK}/tree/volumes/"* "\${WORK}/tree/dumps/"*.sql; do
      [[ -e "\${entry}" ]] || continue
      volume=$(basename -- "\${entry}" .sql)
      is_platform_volume "\${volume}" || warn "\${SOURCE_LABEL} holds volume \${volume}, which the platform no longer declares; skipped"
    done
  fi
}

# Containers to stop for the file volumes: each once, in the order the volumes list them.
containers_to_stop() {
  local volume container seen=' ' containers=()
  for volume in "\${FILE_VOLUMES[@]}"; do
    read -r -a containers <<<"\${VOLUME_CONTAINERS[\${volume}]}"
    for container in "\${containers[@]}"; do
      [[ "\${seen}" == *" \${container} "* ]] && continue
      seen+="\${container} "
      printf '%s\\n' "\${container}"
    done
  done
}

incoming_path() {
  if [[ "$1" == "\${CONFIG_DIR}" ]]; then printf '%s/tree/config' "\${WORK}"; else printf '%s/tree/extra%s' "\${WORK}" "$1"; fi
}

volume_target() { printf '%s/%s/_data' "\${VOLUMES_DIR}" "$1"; }

# describe_change LABEL CURRENT INCOMING: what replacing CURRENT by INCOMING would change.
describe_change() {
  local label=$1 current=$2 incoming=$3 changes line count
  if [[ ! -e "\${current}" && ! -L "\${current}" ]]; then
    log "\${label}: does not exist now; would be created ($(find "\${incoming}" -type f -printf . | wc -c) files)"
    return 0
  fi
  changes=$(diff --recursive --brief --no-dereference -- "\${current}" "\${incoming}" 2>&1 || true)
  if [[ -z "\${changes}" ]]; then
    log "\${label}: same content as the backup; would be rewritten unchanged"
    return 0
  fi
  count=$(wc -l <<<"\${changes}")
  log "\${label}: \${count} difference(s) with the backup, which would replace it:"
  while IFS= read -r line; do
    line=\${line//"\${current}"/\${label}}
    line=\${line//"\${incoming}"/backup}
    log "    \${line}"
  done <<<"$(head -n 20 <<<"\${changes}")"
  (( count <= 20 )) || log "    … and $(( count - 20 )) more"
}

print_plan() {
  local path volume stop
  log "restore \${MODE} from \${SOURCE_LABEL}"
  for path in "\${CONFIG_PATHS[@]}"; do
    describe_change "\${path}" "\${path}" "$(incoming_path "\${path}")"
  done
  for volume in "\${FILE_VOLUMES[@]}"; do
    describe_change "volume \${volume}" "$(volume_target "\${volume}")" "\${WORK}/tree/volumes/\${volume}"
  done
  stop=$(containers_to_stop | paste -s -d ' ')
  [[ -z "\${FILE_VOLUMES[*]}" ]] || log "containers stopped for this, then started again: \${stop:-none}"
  for volume in "\${DUMP_VOLUMES[@]}"; do
    log "database \${DUMP_DATABASE[\${volume}]:-?} in \${DUMP_CONTAINER[\${volume}]:-?} (volume \${volume}): would be replaced by its dump ($(human_bytes "$(stat --format %s "\${WORK}/tree/dumps/\${volume}.sql")"))"
  done
  if (( \${#CONFIG_PATHS[@]} + \${#FILE_VOLUMES[@]} + \${#DUMP_VOLUMES[@]} == 0 )); then
    log "nothing in \${SOURCE_LABEL} matches mode \${MODE}"
  fi
}

confirm() {
  local answer
  (( ASSUME_YES )) && return 0
  [[ -t 0 ]] || usage_error "no terminal to ask on: pass --yes to restore without confirmation"
  read -r -p "Type 'restore' to replace what is listed above: " answer
  if [[ "\${answer}" != restore ]]; then
    log "not confirmed; nothing was changed"
    exit 0
  fi
}

# ---- Changing things ----
# replace_path SOURCE TARGET: TARGET becomes an exact copy of SOURCE, owners and modes kept. The
# copy is made beside TARGET and swapped in by renaming, so a failed copy leaves TARGET intact.
replace_path() {
  local source=$1 target=$2
  local incoming="\${2}.mambo-restore" previous="\${2}.mambo-previous"
  rm -rf -- "\${incoming}" "\${previous}"
  # Parents missing on a fresh host get ordinary modes, not this script's private umask.
  (umask 022 && mkdir -p -- "$(dirname -- "\${target}")")
  cp -a -- "\${source}" "\${incoming}" || fail "\${STEP_CODE}" "copying into \${incoming} failed (cp's message is above); \${target} is untouched"
  if [[ -e "\${target}" || -L "\${target}" ]]; then
    mv -T -- "\${target}" "\${previous}"
  fi
  mv -T -- "\${incoming}" "\${target}"
  rm -rf -- "\${previous}"
}

restore_configuration() {
  local path
  (( \${#CONFIG_PATHS[@]} > 0 )) || return 0
  step 'configuration' ${E.config}
  for path in "\${CONFIG_PATHS[@]}"; do
    replace_path "$(incoming_path "\${path}")" "\${path}"
    log "restored \${path}"
  done
}

restore_volumes() {
  local volume stop=()
  (( \${#FILE_VOLUMES[@]} > 0 )) || return 0
  step 'volumes' ${E.volumes}
  mapfile -t stop < <(containers_to_stop)
  stop_containers "\${stop[@]}"
  for volume in "\${FILE_VOLUMES[@]}"; do
    if [[ ! -d "\${VOLUMES_DIR}/\${volume}" ]]; then
      log "creating volume \${volume}"
      docker volume create "\${volume}" >/dev/null || fail ${E.volumes} "docker volume create \${volume} failed"
    fi
    replace_path "\${WORK}/tree/volumes/\${volume}" "$(volume_target "\${volume}")"
    log "restored volume \${volume}"
  done
  start_stopped_containers || fail ${E.containersDown} "volumes restored, but \${NOT_STARTED[*]} would not start again"
}

restore_databases() {
  local volume container
  for volume in "\${DUMP_VOLUMES[@]}"; do
    step "database: \${volume}" ${E.database}
    container=\${DUMP_CONTAINER[\${volume}]:-}
    [[ -n "\${container}" ]] || fail ${E.database} "the platform declares no database for \${volume}; cannot load its dump"
    container_running "\${container}" ||
      fail ${E.database} "\${container} is not running; start it (docker start \${container}) and run: $0 volumes-only \${SOURCE_ARG} --volume \${volume}"
    if ! docker exec -i "\${container}" psql --username "\${DUMP_USER[\${volume}]}" --dbname "\${DUMP_DATABASE[\${volume}]}" \\
        --no-psqlrc --quiet --single-transaction --set ON_ERROR_STOP=1 <"\${WORK}/tree/dumps/\${volume}.sql" >/dev/null; then
      fail ${E.database} "psql could not load the dump of \${DUMP_DATABASE[\${volume}]} into \${container} (its transaction was rolled back)"
    fi
    log "restored database \${DUMP_DATABASE[\${volume}]} in \${container}"
  done
}

main() {
  local dry_run=0 status=0
  ASSUME_YES=0
  [[ $# -gt 0 ]] || usage_error "say what to do: list, or a mode and a source"
  case "$1" in
    -h | --help) usage; exit 0 ;;
    list)
      (( $# == 1 )) || usage_error "list takes no arguments"
      require_tools 'find:findutils'
      list_sources || status=$?
      exit "\${status}"
      ;;
    full | volumes-only | configs-only) MODE=$1 ;;
    *) usage_error "unknown mode '$1': expected list, full, volumes-only or configs-only" ;;
  esac
  [[ $# -ge 2 && "$2" != --* ]] || usage_error "say which backup to restore: latest, a run time, an archive or remote:ID"
  SOURCE_ARG=$2
  shift 2
  while (( $# > 0 )); do
    case "$1" in
      --dry-run) dry_run=1 ;;
      --yes) ASSUME_YES=1 ;;
      --volume)
        [[ $# -ge 2 ]] || usage_error "--volume needs a volume name"
        is_platform_volume "$2" || usage_error "unknown volume '$2'; the platform's volumes are: \${VOLUMES[*]}"
        SELECTED+=("$2")
        shift
        ;;
      *) usage_error "unknown option '$1'" ;;
    esac
    shift
  done
  if (( \${#SELECTED[@]} > 0 )) && [[ "\${MODE}" == configs-only ]]; then
    usage_error "--volume goes with full or volumes-only, not configs-only"
  fi
  (( \${#SELECTED[@]} == 0 )) || MODE=volumes-only

  step 'preflight' ${E.preflight}
  require_tools ${tools.map((tool) => `'${tool}'`).join(' ')}
  docker info >/dev/null 2>&1 ||
    fail ${E.preflight} "Docker is unreachable (docker info failed): is the daemon running, and may $(id -un) use it?"

  step 'lock' ${E.locked}
  if ! take_lock; then
    log "a backup, restore, cleanup or update holds \${LOCK_FILE}; wait for it and run again" >&2
    exit ${E.locked}
  fi

  mkdir -p -- "\${LOCAL_DIR}"
  WORK="\${LOCAL_DIR}/.restore"
  rm -rf -- "\${WORK}"
  mkdir -p -- "\${WORK}/tree"

  step 'find the backup' ${E.notFound}
  if [[ "\${SOURCE_ARG}" == remote:* ]]; then
    SOURCE_LABEL="snapshot \${SOURCE_ARG#remote:}"
    fetch_snapshot "\${SOURCE_ARG#remote:}"
  else
    resolve_archive "\${SOURCE_ARG}"
    SOURCE_LABEL=\${ARCHIVE_PATH}
    unpack_archive
  fi
  verify_tree

  choose_parts
  print_plan
  if (( dry_run )); then
    log "dry run: nothing was changed"
    exit 0
  fi
  confirm

  CHANGING=1
  restore_configuration
  restore_volumes
  restore_databases

  step 'finish' ${E.ok}
  log "restore \${MODE} from \${SOURCE_LABEL} done in $(( SECONDS / 60 ))m $(( SECONDS % 60 ))s"
  notify "Restore done on \${HOST_LABEL}" high 'leftwards_arrow_with_hook' \\
    "\${MODE} restore from \${SOURCE_LABEL}: \${#CONFIG_PATHS[@]} configuration path(s), \${#FILE_VOLUMES[@]} volume(s), \${#DUMP_VOLUMES[@]} database(s). Log: \${LOG_FILE}"
}

main "$@"
`;
}
