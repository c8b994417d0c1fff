// Renders mambo-check-tls-renewal: days left on each hostname's certificate, a warning under the
// threshold, and an ntfy message when any certificate needs attention (Traefik renews on its own).
import { CHECK_EXIT_CODES, SCRIPT_FILE_NAMES, TlsRenewalModel } from './model';
import { loggingFunctions, notifyFunction, requireToolsFunction, scriptHeader, shArray, shConst, tlsProbeFunction, unexpectedErrorTrap } from './shell';
import { reportFunction, tlsDeclarations } from './health-check';
import { validateTlsRenewalModel } from './validate';

const C = Object.fromEntries(Object.entries(CHECK_EXIT_CODES).map(([key, exit]) => [key, exit.code])) as Record<
  keyof typeof CHECK_EXIT_CODES,
  number
>;

export function renderCheckTlsRenewalScript(model: TlsRenewalModel): string {
  validateTlsRenewalModel(model);
  const name = SCRIPT_FILE_NAMES.checkTlsRenewal;

  return `${scriptHeader({
    name,
    purpose: [
      "prints the days left on each hostname's TLS certificate and warns under the threshold. Traefik",
      'renews certificates 30 days before they expire; fewer days left means renewal is failing.',
    ],
    usage: [`${name}    one line per hostname; the exit status is the worst result`],
    exitCodes: CHECK_EXIT_CODES,
  })}
# ---- What is checked (rendered from the platform model) ----
readonly HOSTNAMES=${shArray(model.hostnames)}
${tlsDeclarations(model)}
${model.hostLabel === undefined ? 'readonly HOST_LABEL="${HOSTNAME:-$(uname -n)}"' : shConst('HOST_LABEL', model.hostLabel)}

${loggingFunctions(name, { warn: model.ntfy !== undefined })}
${notifyFunction(model.ntfy)}
${requireToolsFunction(C.unknown)}
${unexpectedErrorTrap(C.unknown)}
${reportFunction()}
${tlsProbeFunction()}
main() {
  local host state days detail attention=()
  case "\${1:-}" in
    '') ;;
    -h | --help) sed -n '/^# Usage:/,/^# Exit status:/p' "$0" | sed '$d; s/^# \\{0,1\\}//'; exit 0 ;;
    *) log "unknown argument: $1 (this script takes none)" >&2; exit ${C.unknown} ;;
  esac
  require_tools 'openssl:openssl' 'timeout:coreutils'${model.ntfy ? " 'curl:curl'" : ''}

  for host in "\${HOSTNAMES[@]}"; do
    read -r state days detail <<<"$(tls_probe "\${host}")"
    report "\${state}" "\${host}" "\${detail}"
    [[ "\${state}" == ok ]] || attention+=("\${host}: \${detail}")
  done
  log "certificates: \${COUNT_OK} ok, \${COUNT_WARNING} warning, \${COUNT_CRITICAL} critical"

  if (( WORST == ${C.critical} )); then
    notify "TLS certificates CRITICAL on \${HOST_LABEL}" urgent 'rotating_light,lock' "$(printf '%s\\n' "\${attention[@]}")"
  elif (( WORST == ${C.warning} )); then
    notify "TLS certificates expiring on \${HOST_LABEL}" high 'warning,lock' "$(printf '%s\\n' "\${attention[@]}")"
  fi
  exit "\${WORST}"
}

main "$@"
`;
}
