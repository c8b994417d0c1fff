// Renders mambo-health-check: every platform container running (and healthy when it has a
// healthcheck), disk space under its thresholds, and each hostname's certificate; exit status for cron or CI.
import { CHECK_EXIT_CODES, DISK_DEFAULTS, HealthCheckModel, SCRIPT_FILE_NAMES, resolveTlsSettings } from './model';
import {
  loggingFunctions,
  requireToolsFunction,
  scriptHeader,
  shArray,
  shConst,
  shNumber,
  tlsProbeFunction,
  unexpectedErrorTrap,
} from './shell';
import { validateHealthCheckModel } from './validate';

const C = Object.fromEntries(Object.entries(CHECK_EXIT_CODES).map(([key, exit]) => [key, exit.code])) as Record<
  keyof typeof CHECK_EXIT_CODES,
  number
>;

/** Bash declarations of the TLS settings that `tls_probe` reads. */
export function tlsDeclarations(model: { tls?: HealthCheckModel['tls'] }): string {
  const tls = resolveTlsSettings(model.tls);
  return `${shConst('TLS_PORT', tls.port)}
${shConst('CONNECT_TO', tls.connectTo ?? '')}
readonly TLS_WARN_DAYS=${shNumber(tls.warnDays)}
readonly TLS_CRITICAL_DAYS=${shNumber(tls.criticalDays)}
readonly TLS_TIMEOUT=${shNumber(tls.timeoutSeconds)}`;
}

/** Bash that tallies results: `report STATE WHAT DETAIL` and the worst state as WORST (0, 1, 2). */
export function reportFunction(): string {
  return `WORST=${C.ok}
COUNT_OK=0
COUNT_WARNING=0
COUNT_CRITICAL=0

report() {
  local state=$1 what=$2 detail=$3
  case "\${state}" in
    ok) COUNT_OK=$(( COUNT_OK + 1 )) ;;
    warning)
      COUNT_WARNING=$(( COUNT_WARNING + 1 ))
      (( WORST >= ${C.warning} )) || WORST=${C.warning}
      ;;
    *)
      state=critical
      COUNT_CRITICAL=$(( COUNT_CRITICAL + 1 ))
      WORST=${C.critical}
      ;;
  esac
  log "$(printf '%-8s %s: %s' "\${state^^}" "\${what}" "\${detail}")"
}
`;
}

export function renderHealthCheckScript(model: HealthCheckModel): string {
  validateHealthCheckModel(model);
  const name = SCRIPT_FILE_NAMES.healthCheck;
  const disk = {
    path: model.disk?.path ?? DISK_DEFAULTS.path,
    warn: model.disk?.warnPercent ?? DISK_DEFAULTS.warnPercent,
    critical: model.disk?.criticalPercent ?? DISK_DEFAULTS.criticalPercent,
  };

  return `${scriptHeader({
    name,
    purpose: [
      'checks that every platform container runs (and is healthy when it has a healthcheck), that the',
      "disk has room, and that each hostname's TLS certificate is valid, for this host and not about to expire.",
    ],
    usage: [`${name}    one line per check; the exit status is the worst result`],
    exitCodes: CHECK_EXIT_CODES,
  })}
# ---- What is checked (rendered from the platform model) ----
readonly CONTAINERS=${shArray(model.containers)}
readonly HOSTNAMES=${shArray(model.hostnames)}
${shConst('DISK_PATH', disk.path)}
readonly DISK_WARN_PERCENT=${shNumber(disk.warn)}
readonly DISK_CRITICAL_PERCENT=${shNumber(disk.critical)}
${tlsDeclarations(model)}

${loggingFunctions(name)}
${requireToolsFunction(C.unknown)}
${unexpectedErrorTrap(C.unknown)}
${reportFunction()}
${tlsProbeFunction()}
check_containers() {
  local container state
  if ! docker info >/dev/null 2>&1; then
    report critical 'docker' 'the daemon is unreachable (docker info failed); no container can be checked'
    return 0
  fi
  for container in "\${CONTAINERS[@]}"; do
    state=$(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' \\
      "\${container}" 2>/dev/null) || state='missing'
    case "\${state}" in
      'running healthy') report ok "container \${container}" 'running, healthy' ;;
      'running none') report ok "container \${container}" 'running (no healthcheck)' ;;
      'running starting') report warning "container \${container}" 'running, healthcheck still starting' ;;
      'running unhealthy') report critical "container \${container}" 'running but UNHEALTHY' ;;
      missing) report critical "container \${container}" 'does not exist' ;;
      *) report critical "container \${container}" "not running (\${state% *})" ;;
    esac
  done
}

check_disk() {
  local used
  used=$(df --output=pcent -- "\${DISK_PATH}" | tail -n 1 | tr -dc '0-9')
  if (( used >= DISK_CRITICAL_PERCENT )); then
    report critical "disk \${DISK_PATH}" "\${used}% used (critical at \${DISK_CRITICAL_PERCENT}%)"
  elif (( used >= DISK_WARN_PERCENT )); then
    report warning "disk \${DISK_PATH}" "\${used}% used (warning at \${DISK_WARN_PERCENT}%)"
  else
    report ok "disk \${DISK_PATH}" "\${used}% used"
  fi
}

check_certificates() {
  local host state days detail
  for host in "\${HOSTNAMES[@]}"; do
    read -r state days detail <<<"$(tls_probe "\${host}")"
    report "\${state}" "certificate \${host}" "\${detail}"
  done
}

main() {
  case "\${1:-}" in
    '') ;;
    -h | --help) sed -n '/^# Usage:/,/^# Exit status:/p' "$0" | sed '$d; s/^# \\{0,1\\}//'; exit 0 ;;
    *) log "unknown argument: $1 (this script takes none)" >&2; exit ${C.unknown} ;;
  esac
  require_tools 'docker:docker.io' 'openssl:openssl' 'timeout:coreutils' 'df:coreutils'

  check_containers
  check_disk
  check_certificates

  log "health: \${COUNT_OK} ok, \${COUNT_WARNING} warning, \${COUNT_CRITICAL} critical"
  exit "\${WORST}"
}

main "$@"
`;
}
