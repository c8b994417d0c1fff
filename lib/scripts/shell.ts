// Shell quoting and the bash fragments every rendered script shares: the header with its exit
// codes, logging, ntfy publishing, the lock, and the TLS probe. Pure string building.
import { ExitCode, NtfyTarget } from './model';

/**
 * Quotes a value as one bash word: wrapped in single quotes, each embedded single quote written as
 * `'\''`. Safe for any string, including empty ones, globs and newlines. `$` and backquotes are
 * written outside the quotes, escaped (`'\$'`): the same word, and shellcheck, seeing no `$` inside
 * single quotes, has no reason to suspect an expansion that was meant.
 */
export function shq(value: string | number): string {
  const text = String(value);
  return `'${text.replace(/['$`]/g, (char) => `'\\${char}'`)}'`;
}

/** A word as it reads best: bare when it holds only characters bash never interprets, else shq. */
export function shWord(value: string): string {
  // No "=": a bare NAME=value first word would be an assignment, not a command.
  return /^[A-Za-z0-9_./:@+,-]+$/.test(value) ? value : shq(value);
}

/** A bash array literal of quoted words: `('a' 'b')`, or `()` when empty. */
export function shArray(values: readonly (string | number)[]): string {
  return `(${values.map(shq).join(' ')})`;
}

/** A readonly assignment `NAME='value'` with the value quoted. */
export function shConst(name: string, value: string | number): string {
  return `readonly ${name}=${shq(value)}`;
}

/** Renders numbers that the validators have checked; refuses anything else rather than quoting it. */
export function shNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`expected a finite number for the script, found ${value}`);
  return String(value);
}

export interface ScriptHeader {
  /** The installed file name, e.g. `mambo-backup`. */
  readonly name: string;
  /** One or two lines on what the script is for. */
  readonly purpose: readonly string[];
  readonly usage: readonly string[];
  readonly exitCodes: Readonly<Record<string, ExitCode>>;
}

/** Shebang, the comment block the person on call reads first, and strict mode. */
export function scriptHeader(header: ScriptHeader): string {
  const codes = Object.values(header.exitCodes).map((exit) => `#   ${String(exit.code).padStart(2)}  ${exit.meaning}`);
  return [
    '#!/usr/bin/env bash',
    ...header.purpose.map((line, index) => (index === 0 ? `# ${header.name}: ${line}` : `# ${line}`)),
    '#',
    '# Rendered by @mambo/platform from the platform model: change the model and deploy, not this file.',
    '#',
    '# Usage:',
    ...header.usage.map((line) => (line === '' ? '#' : `#   ${line}`)),
    '#',
    '# Exit status:',
    ...codes,
    'set -Eeuo pipefail',
    'shopt -s inherit_errexit',
    'umask 077',
    // Cron starts jobs with a bare PATH; the tools live in these places on Debian and Ubuntu.
    'export PATH="${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"',
    'export LC_ALL=C',
    '',
  ].join('\n');
}

/**
 * \`log\` (every line: UTC time, script name, message) and, when asked for, \`warn\` (to stderr)
 * and \`human_bytes\`. Only what a script calls is rendered, so shellcheck sees no dead code.
 */
export function loggingFunctions(name: string, extras: { warn?: boolean; humanBytes?: boolean } = {}): string {
  return [
    '# The cron job appends these lines to the platform log, which the log shipper reads.',
    `log() { printf '%s %s: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${shq(name)} "$*"; }`,
    ...(extras.warn ? ['warn() { log "WARNING: $*" >&2; }'] : []),
    ...(extras.humanBytes ? ['human_bytes() { numfmt --to=iec-i --suffix=B "$1"; }'] : []),
    '',
  ].join('\n');
}

/**
 * \`notify TITLE PRIORITY TAGS MESSAGE\`: publishes to ntfy when a target is configured. A failed
 * publish is logged and never changes the script's exit status. The token is read from its file
 * into a process substitution, so it appears on no command line and in no log.
 */
export function notifyFunction(ntfy: NtfyTarget | undefined): string {
  if (ntfy === undefined) {
    return `# No ntfy target in the platform model: notifications are only logged.
notify() { log "notification (not sent, no ntfy target): $1: $4"; }
`;
  }
  const url = `${ntfy.url.replace(/\/+$/, '')}/${ntfy.topic}`;
  return `${shConst('NTFY_URL', url)}
${shConst('NTFY_TOKEN_FILE', ntfy.tokenFile ?? '')}

notify() {
  local title=$1 priority=$2 tags=$3 message=$4
  local -a request=(curl --silent --show-error --fail --max-time 15 --retry 2
    --header "Title: \${title}" --header "Priority: \${priority}" --header "Tags: \${tags}"
    --data-binary "\${message}" "\${NTFY_URL}")
  local sent=0
  if [[ -n "\${NTFY_TOKEN_FILE}" && -r "\${NTFY_TOKEN_FILE}" ]]; then
    "\${request[@]}" --header @<(printf 'Authorization: Bearer %s\\n' "$(<"\${NTFY_TOKEN_FILE}")") >/dev/null && sent=1
  else
    [[ -z "\${NTFY_TOKEN_FILE}" ]] || warn "ntfy token file \${NTFY_TOKEN_FILE} is not readable; sending without it"
    "\${request[@]}" >/dev/null && sent=1
  fi
  if (( sent )); then
    log "notified ntfy: \${title}"
  else
    warn "could not publish to \${NTFY_URL}: \${title}: \${message}"
  fi
}
`;
}

/**
 * \`require_tools TOOL:PACKAGE …\`: names every missing tool with the Debian package that has it,
 * then exits with the preflight code.
 */
export function requireToolsFunction(preflightCode: number): string {
  return `require_tools() {
  local tool missing=()
  for tool in "$@"; do
    command -v "\${tool%%:*}" >/dev/null 2>&1 || missing+=("\${tool%%:*} (Debian package \${tool#*:})")
  done
  if (( \${#missing[@]} > 0 )); then
    log "missing tools: \${missing[*]}; install them and run again" >&2
    exit ${preflightCode}
  fi
}
`;
}

/**
 * \`take_lock NAME\`: holds the platform lock on file descriptor 9 for the rest of the run, or
 * returns 1 at once when another run holds it. The kernel releases it when the script exits.
 */
export function lockFunction(): string {
  return `take_lock() {
  mkdir -p -- "$(dirname -- "\${LOCK_FILE}")"
  exec 9>>"\${LOCK_FILE}"
  flock --nonblock 9
}
`;
}

/**
 * \`tls_probe HOSTNAME\`: prints \`STATE DAYS DETAIL\` where STATE is ok, warning or critical. It
 * connects (to CONNECT_TO when set, else the host itself) with SNI, reads the served certificate,
 * and refuses one that does not name the host: Traefik serves its self-signed default certificate
 * when ACME fails, and that one is valid for a year.
 */
export function tlsProbeFunction(): string {
  return `tls_probe() {
  local host=$1 address certificate end_date end_epoch days match subject
  address="\${CONNECT_TO:-\${host}}"
  certificate=$(timeout "\${TLS_TIMEOUT}" openssl s_client -connect "\${address}:\${TLS_PORT}" -servername "\${host}" \\
    </dev/null 2>/dev/null | openssl x509 2>/dev/null || true)
  if [[ -z "\${certificate}" ]]; then
    printf 'critical - no certificate served at %s:%s\\n' "\${address}" "\${TLS_PORT}"
    return 0
  fi
  end_date=$(openssl x509 -noout -enddate <<<"\${certificate}")
  end_date=\${end_date#notAfter=}
  end_epoch=$(date -u -d "\${end_date}" +%s)
  days=$(( (end_epoch - $(date -u +%s)) / 86400 ))
  match=$(openssl x509 -noout -checkhost "\${host}" <<<"\${certificate}")
  if [[ "\${match}" == *"does NOT match"* ]]; then
    subject=$(openssl x509 -noout -subject -nameopt oneline <<<"\${certificate}")
    printf 'critical %s certificate is not for %s (subject: %s)\\n' "\${days}" "\${host}" "\${subject#subject=}"
  elif (( end_epoch <= $(date -u +%s) )); then
    printf 'critical %s expired on %s\\n' "\${days}" "\${end_date}"
  elif (( days < TLS_CRITICAL_DAYS )); then
    printf 'critical %s expires on %s, %s days left (critical under %s)\\n' "\${days}" "\${end_date}" "\${days}" "\${TLS_CRITICAL_DAYS}"
  elif (( days < TLS_WARN_DAYS )); then
    printf 'warning %s expires on %s, %s days left (warning under %s)\\n' "\${days}" "\${end_date}" "\${days}" "\${TLS_WARN_DAYS}"
  else
    printf 'ok %s expires on %s, %s days left\\n' "\${days}" "\${end_date}" "\${days}"
  fi
}
`;
}

/**
 * \`archives_past_retention\`: prints the names of local archives older than LOCAL_RETENTION_DAYS, each
 * followed by its checksum file, then stray partial files as old. Age is the archive's modification
 * time counted in minutes, so "7 days" means 7 × 24 hours, not find's rounded -mtime days.
 */
export function archivesPastRetentionFunction(): string {
  return `archives_past_retention() {
  local minutes=$(( LOCAL_RETENTION_DAYS * 24 * 60 )) name
  [[ -d "\${LOCAL_DIR}" ]] || return 0
  while IFS= read -r name; do
    printf '%s\\n' "\${name}"
    [[ ! -e "\${LOCAL_DIR}/\${name}.sha256" ]] || printf '%s\\n' "\${name}.sha256"
  done < <(find "\${LOCAL_DIR}" -maxdepth 1 -type f -name 'mambo-backup-*.tar.gz' -mmin "+\${minutes}" -printf '%f\\n' | sort)
  find "\${LOCAL_DIR}" -maxdepth 1 -type f -name 'mambo-backup-*.partial' -mmin "+\${minutes}" -printf '%f\\n' | sort
}
`;
}

/**
 * An ERR trap for scripts without named steps: a command failing where no check expected it
 * exits with CODE and the line, never with a status that could be read as a result.
 */
export function unexpectedErrorTrap(code: number): string {
  return `trap 'log "unexpected failure: a command at line \${LINENO} of $0 exited with status $?" >&2; exit ${code}' ERR
`;
}
