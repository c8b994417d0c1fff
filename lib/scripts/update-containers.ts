// Renders mambo-update-containers: pulls each container's pinned image again (a pinned tag can be
// republished with fixes), recreates the container when the image changed, waits for it to be
// healthy, and rolls back to the previous image when it is not.
import { parseImageReference } from '../images';
import { SCRIPT_FILE_NAMES, UPDATE_DEFAULTS, UPDATE_EXIT_CODES, UpdateContainersModel, BACKUP_DEFAULTS } from './model';
import {
  lockFunction,
  loggingFunctions,
  notifyFunction,
  requireToolsFunction,
  scriptHeader,
  shArray,
  shConst,
  shNumber,
  shWord,
  shq,
  unexpectedErrorTrap,
} from './shell';
import { validateUpdateContainersModel } from './validate';

const U = Object.fromEntries(Object.entries(UPDATE_EXIT_CODES).map(([key, exit]) => [key, exit.code])) as Record<
  keyof typeof UPDATE_EXIT_CODES,
  number
>;

// Limitation: Terraform owns the platform's containers, and recreating one behind its back would
// leave state pointing at a container that no longer exists. Containers without a `recreate`
// command are therefore only pulled and reported as waiting for `cdktf deploy`; lifting this needs
// the docker provider to replace containers when a pinned tag's digest changes.
export function renderUpdateContainersScript(model: UpdateContainersModel): string {
  validateUpdateContainersModel(model);
  const name = SCRIPT_FILE_NAMES.updateContainers;
  const containers = model.containers;
  const tools = ['docker:docker.io', 'flock:util-linux'];
  if (model.ntfy) tools.push('curl:curl');

  const recreateCases = containers
    .filter((container) => container.recreate !== undefined)
    .map((container) => `    ${shq(container.name)}) ${container.recreate!.map(shWord).join(' ')} ;;`)
    .join('\n');
  const previousTags = containers.map((container): [string, string] => [
    container.name,
    `${parseImageReference(container.image).repository}:mambo-previous-${container.name}`,
  ]);

  return `${scriptHeader({
    name,
    purpose: [
      "pulls each platform container's pinned image again; when the image changed it recreates the",
      'container, waits until it is healthy, and rolls back to the previous image when it is not.',
    ],
    usage: [
      `${name} [--dry-run] [NAME...]    every container, or only those named`,
      '--dry-run  show what would be pulled and recreated; change nothing',
    ],
    exitCodes: UPDATE_EXIT_CODES,
  })}
# ---- What is updated (rendered from the platform model) ----
readonly CONTAINERS=${shArray(containers.map((container) => container.name))}
declare -rA IMAGE=(${containers.map((container) => `[${shq(container.name)}]=${shq(container.image)}`).join(' ')})
# The previous image stays tagged here, so a rollback never depends on it not being pruned.
declare -rA PREVIOUS_TAG=(${previousTags.map(([key, tag]) => `[${shq(key)}]=${shq(tag)}`).join(' ')})
readonly HEALTH_TIMEOUT=${shNumber(model.healthTimeoutSeconds ?? UPDATE_DEFAULTS.healthTimeoutSeconds)}
readonly HEALTH_POLL=${shNumber(model.healthPollSeconds ?? UPDATE_DEFAULTS.healthPollSeconds)}
${shConst('LOCK_FILE', model.lockFile ?? BACKUP_DEFAULTS.lockFile)}
${model.hostLabel === undefined ? 'readonly HOST_LABEL="${HOSTNAME:-$(uname -n)}"' : shConst('HOST_LABEL', model.hostLabel)}

# recreate NAME: the command the platform model gives to recreate NAME from its pinned tag.
recreate() {
  case "$1" in
${recreateCases ? `${recreateCases}\n` : ''}    *) return 127 ;;
  esac
}

has_recreate() {
  case "$1" in
${containers.filter((container) => container.recreate !== undefined).map((container) => `    ${shq(container.name)}) return 0 ;;`).join('\n')}${containers.some((container) => container.recreate !== undefined) ? '\n' : ''}    *) return 1 ;;
  esac
}

${loggingFunctions(name, { warn: true })}
${notifyFunction(model.ntfy)}
${requireToolsFunction(U.preflight)}
${lockFunction()}
${unexpectedErrorTrap(U.unexpected)}
UPDATED=()
CURRENT=()
PENDING=()
PULL_FAILED=()
ROLLED_BACK=()
ROLLBACK_FAILED=()

# wait_until_healthy NAME: 0 once NAME runs and is healthy (or, without a healthcheck, is still
# running on two looks in a row); 1 when it is unhealthy, stopped, or HEALTH_TIMEOUT passes.
wait_until_healthy() {
  local container=$1 state settled=0 deadline=$(( SECONDS + HEALTH_TIMEOUT ))
  while (( SECONDS <= deadline )); do
    state=$(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' \\
      "\${container}" 2>/dev/null) || state='missing'
    case "\${state}" in
      'running healthy') return 0 ;;
      'running none')
        settled=$(( settled + 1 ))
        if (( settled >= 2 )); then return 0; fi
        ;;
      'running starting' | restarting* | created*) ;;
      *)
        log "\${container} is \${state}"
        return 1
        ;;
    esac
    sleep "\${HEALTH_POLL}"
  done
  log "\${container} was not healthy within \${HEALTH_TIMEOUT}s"
  return 1
}

is_container() {
  local container
  for container in "\${CONTAINERS[@]}"; do [[ "\${container}" != "$1" ]] || return 0; done
  return 1
}

update_container() {
  local container=$1 dry_run=$2 image=\${IMAGE[$1]} previous pulled
  previous=$(docker inspect --format '{{.Image}}' "\${container}" 2>/dev/null) || {
    warn "\${container} does not exist; nothing to update (cdktf deploy creates it)"
    PULL_FAILED+=("\${container}")
    return 0
  }
  if (( dry_run )); then
    log "\${container}: runs \${previous:0:19}; would pull \${image} and $(has_recreate "\${container}" && echo 'recreate it if the image changed' || echo 'report a changed image for cdktf deploy')"
    return 0
  fi

  log "\${container}: pulling \${image}"
  if ! docker pull --quiet "\${image}" >/dev/null; then
    warn "\${container}: could not pull \${image}; left as it is"
    PULL_FAILED+=("\${container}")
    return 0
  fi
  pulled=$(docker image inspect --format '{{.Id}}' "\${image}")
  if [[ "\${pulled}" == "\${previous}" ]]; then
    log "\${container}: up to date"
    CURRENT+=("\${container}")
    return 0
  fi
  if ! has_recreate "\${container}"; then
    log "\${container}: \${image} has a new image; cdktf deploy will recreate the container with it"
    PENDING+=("\${container}")
    return 0
  fi

  docker tag "\${previous}" "\${PREVIOUS_TAG[\${container}]}"
  log "\${container}: recreating with the new image (previous one kept as \${PREVIOUS_TAG[\${container}]})"
  if recreate "\${container}" && wait_until_healthy "\${container}"; then
    log "\${container}: updated and healthy"
    UPDATED+=("\${container}")
    return 0
  fi

  warn "\${container}: not healthy with the new image; rolling back"
  docker tag "\${previous}" "\${image}"
  if recreate "\${container}" && wait_until_healthy "\${container}"; then
    warn "\${container}: rolled back to its previous image and healthy"
    ROLLED_BACK+=("\${container}")
  else
    warn "\${container}: the rollback is not healthy either; the container needs a person"
    ROLLBACK_FAILED+=("\${container}")
  fi
}

main() {
  local dry_run=0 selected=() container status=${U.ok} summary
  while (( $# > 0 )); do
    case "$1" in
      --dry-run) dry_run=1 ;;
      -h | --help) sed -n '/^# Usage:/,/^# Exit status:/p' "$0" | sed '$d; s/^# \\{0,1\\}//'; exit 0 ;;
      -*) log "unknown option: $1" >&2; exit ${U.usage} ;;
      *)
        is_container "$1" || { log "unknown container '$1'; the platform's are: \${CONTAINERS[*]}" >&2; exit ${U.usage}; }
        selected+=("$1")
        ;;
    esac
    shift
  done
  (( \${#selected[@]} > 0 )) || selected=("\${CONTAINERS[@]}")

  require_tools ${tools.map((tool) => `'${tool}'`).join(' ')}
  docker info >/dev/null 2>&1 || { log "Docker is unreachable (docker info failed)" >&2; exit ${U.preflight}; }
  if (( ! dry_run )) && ! take_lock; then
    log "a backup, restore or cleanup holds \${LOCK_FILE}; nothing was changed" >&2
    exit ${U.locked}
  fi
  (( ! dry_run )) || log "dry run: nothing is pulled or changed"

  for container in "\${selected[@]}"; do
    update_container "\${container}" "\${dry_run}"
  done
  (( ! dry_run )) || exit 0

  summary="updated: \${UPDATED[*]:-none}; up to date: \${CURRENT[*]:-none}; waiting for cdktf deploy: \${PENDING[*]:-none}; not pulled: \${PULL_FAILED[*]:-none}; rolled back: \${ROLLED_BACK[*]:-none}; rollback failed: \${ROLLBACK_FAILED[*]:-none}"
  log "\${summary}"
  if (( \${#ROLLBACK_FAILED[@]} > 0 )); then
    status=${U.rollbackFailed}
    notify "Container update FAILED on \${HOST_LABEL}" urgent 'rotating_light,whale' "\${summary}"
  elif (( \${#ROLLED_BACK[@]} > 0 )); then
    status=${U.rolledBack}
    notify "Container update rolled back on \${HOST_LABEL}" high 'warning,whale' "\${summary}"
  elif (( \${#PULL_FAILED[@]} > 0 )); then
    status=${U.pullFailed}
    notify "Container update incomplete on \${HOST_LABEL}" high 'warning,whale' "\${summary}"
  elif (( \${#UPDATED[@]} + \${#PENDING[@]} > 0 )); then
    notify "Containers updated on \${HOST_LABEL}" default 'white_check_mark,whale' "\${summary}"
  fi
  exit "\${status}"
}

main "$@"
`;
}
