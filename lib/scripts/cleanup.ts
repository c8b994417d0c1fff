// Renders mambo-cleanup: removes stopped containers that are not the platform's, unused images,
// rotated logs and local backups past retention. A dry run unless --yes.
import { BACKUP_DEFAULTS, CLEANUP_DEFAULTS, CLEANUP_EXIT_CODES, CleanupModel, SCRIPT_FILE_NAMES } from './model';
import {
  archivesPastRetentionFunction,
  lockFunction,
  loggingFunctions,
  requireToolsFunction,
  scriptHeader,
  shArray,
  shConst,
  shNumber,
  shq,
  unexpectedErrorTrap,
} from './shell';
import { validateCleanupModel } from './validate';

const X = Object.fromEntries(Object.entries(CLEANUP_EXIT_CODES).map(([key, exit]) => [key, exit.code])) as Record<
  keyof typeof CLEANUP_EXIT_CODES,
  number
>;

export function renderCleanupScript(model: CleanupModel): string {
  validateCleanupModel(model);
  const name = SCRIPT_FILE_NAMES.cleanup;
  const images = model.images ?? CLEANUP_DEFAULTS.images;
  const logs = model.logs ?? [];

  // One `old_logs_in DIR MINUTES PATTERN…` call per log directory of the model.
  const logCalls = logs
    .map((entry) => {
      const patterns = entry.patterns ?? CLEANUP_DEFAULTS.logPatterns;
      return `  old_logs_in ${shq(entry.directory)} ${shNumber(entry.olderThanDays * 24 * 60)} ${patterns.map(shq).join(' ')}`;
    })
    .join('\n');

  return `${scriptHeader({
    name,
    purpose: [
      "removes stopped containers that are not the platform's, unused Docker images, rotated logs and",
      'local backup archives past retention. Without --yes it only lists what it would remove.',
    ],
    usage: [`${name}          list what would be removed (a dry run)`, `${name} --yes    remove it`],
    exitCodes: CLEANUP_EXIT_CODES,
  })}
# ---- What is kept and what goes (rendered from the platform model) ----
# Platform containers are never removed, even stopped: a backup may have stopped them for a moment.
readonly KEEP_CONTAINERS=${shArray(model.keepContainers)}
# dangling: untagged image layers only; unused: every image no container uses.
${shConst('IMAGE_PRUNE', images)}
${shConst('LOCAL_DIR', model.localDir ?? BACKUP_DEFAULTS.localDir)}
readonly LOCAL_RETENTION_DAYS=${shNumber(model.localRetentionDays ?? BACKUP_DEFAULTS.retention.localDays)}
${shConst('LOCK_FILE', model.lockFile ?? BACKUP_DEFAULTS.lockFile)}

${loggingFunctions(name)}
${requireToolsFunction(X.preflight)}
${lockFunction()}
${archivesPastRetentionFunction()}
${unexpectedErrorTrap(X.unexpected)}
APPLY=0
REMOVED=0

# remove WHAT COMMAND…: runs COMMAND with --yes; otherwise says it would.
remove() {
  local what=$1
  shift
  if (( APPLY )); then
    "$@" >/dev/null
    log "removed \${what}"
    REMOVED=$(( REMOVED + 1 ))
  else
    log "would remove \${what}"
  fi
}

is_kept() {
  local container
  for container in "\${KEEP_CONTAINERS[@]}"; do [[ "\${container}" != "$1" ]] || return 0; done
  return 1
}

stopped_containers() {
  local container names
  names=$(docker ps --all --filter status=exited --filter status=dead --format '{{.Names}}')
  while IFS= read -r container; do
    [[ -n "\${container}" ]] || continue
    if is_kept "\${container}"; then
      log "keeping stopped platform container \${container}"
    else
      remove "stopped container \${container}" docker rm "\${container}"
    fi
  done <<<"\${names}"
}

images() {
  local listing
  if [[ "\${IMAGE_PRUNE}" == unused ]]; then
    remove 'every image no container uses (docker image prune --all)' docker image prune --all --force
    return 0
  fi
  listing=$(docker images --filter dangling=true --format '{{.ID}} {{.Size}}')
  if [[ -z "\${listing}" ]]; then
    log "no dangling images"
    return 0
  fi
  remove "$(wc -l <<<"\${listing}") dangling image(s): $(paste -s -d ' ' <<<"\${listing}")" docker image prune --force
}

# old_logs_in DIR MINUTES PATTERN…: rotated log files in DIR older than MINUTES.
old_logs_in() {
  local directory=$1 minutes=$2 file files pattern
  shift 2
  local -a names=()
  for pattern in "$@"; do names+=(-o -name "\${pattern}"); done
  if [[ ! -d "\${directory}" ]]; then
    log "log directory \${directory} does not exist; skipped"
    return 0
  fi
  files=$(find "\${directory}" -type f \\( "\${names[@]:1}" \\) -mmin "+\${minutes}" | sort)
  while IFS= read -r file; do
    [[ -z "\${file}" ]] || remove "old log \${file}" rm -f -- "\${file}"
  done <<<"\${files}"
}

old_backups() {
  local names name
  if [[ ! -d "\${LOCAL_DIR}" ]]; then
    log "backup directory \${LOCAL_DIR} does not exist; skipped"
    return 0
  fi
  names=$(archives_past_retention)
  while IFS= read -r name; do
    [[ -z "\${name}" ]] || remove "backup \${LOCAL_DIR}/\${name} (older than \${LOCAL_RETENTION_DAYS} days)" rm -f -- "\${LOCAL_DIR}/\${name}"
  done <<<"\${names}"
}

main() {
  case "\${1:-}" in
    '') ;;
    --yes) APPLY=1 ;;
    -h | --help) sed -n '/^# Usage:/,/^# Exit status:/p' "$0" | sed '$d; s/^# \\{0,1\\}//'; exit 0 ;;
    *) log "unknown argument: $1" >&2; exit ${X.usage} ;;
  esac
  (( $# <= 1 )) || { log "too many arguments" >&2; exit ${X.usage}; }

  require_tools 'docker:docker.io' 'flock:util-linux' 'find:findutils'
  docker info >/dev/null 2>&1 || { log "Docker is unreachable (docker info failed)" >&2; exit ${X.preflight}; }
  # Removing runs under the platform lock, so it never races a backup, a restore or an update.
  if (( APPLY )) && ! take_lock; then
    log "a backup, restore or update holds \${LOCK_FILE}; nothing was removed; run again later" >&2
    exit ${X.locked}
  fi
  (( APPLY )) || log "dry run: listing only; run with --yes to remove"

  stopped_containers
  images
${logCalls ? `${logCalls}\n` : ''}  old_backups

  if (( APPLY )); then
    log "removed \${REMOVED} item(s); disk: $(df --output=pcent / | tail -n 1 | tr -d ' ') used"
  else
    log "dry run: nothing was removed"
  fi
}

main "$@"
`;
}
