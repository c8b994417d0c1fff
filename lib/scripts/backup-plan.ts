// What mambo-backup and mambo-restore both declare at their top: the platform's volumes, paths,
// retention and remote repository as bash data, and the bash they share to reach restic and to
// stop and start containers. Renderers of both scripts compose these fragments.
import { BackupTarget, ResolvedBackupModel } from './model';
import { shArray, shConst, shNumber, shq } from './shell';
import { sftpDestination } from './validate';

/** Tag on every restic snapshot the platform writes; forget and restore only consider these. */
export const RESTIC_TAG = 'mambo-platform';

function assocArray(name: string, entries: readonly [string, string][]): string {
  const body = entries.map(([key, value]) => `[${shq(key)}]=${shq(value)}`).join(' ');
  return `declare -rA ${name}=(${body})`;
}

/** The model as readonly bash data, with a comment on how to read each part. */
export function backupDeclarations(model: ResolvedBackupModel): string {
  const dumps = model.volumes.filter((volume) => volume.dump !== undefined);
  return `# ---- What this host backs up (rendered from the platform model) ----
${shConst('LOCAL_DIR', model.localDir)}
${shConst('CONFIG_DIR', model.configDir)}
${shConst('VOLUMES_DIR', model.dockerVolumesDir)}
${shConst('LOCK_FILE', model.lockFile)}
${shConst('LOG_FILE', model.logFile)}
readonly LOCAL_RETENTION_DAYS=${shNumber(model.retention.localDays)}
readonly REMOTE_RETENTION_DAYS=${shNumber(model.retention.remoteDays)}
${model.hostLabel === undefined ? 'readonly HOST_LABEL="${HOSTNAME:-$(uname -n)}"' : shConst('HOST_LABEL', model.hostLabel)}
# The archive is assembled here first; a fixed path lets restic find its previous snapshot.
readonly STAGING="\${LOCAL_DIR}/.staging"

# Volumes, in backup order, and how each is copied consistently:
#   stop      the containers using it are stopped for the copy and started again (last stopped, first started)
#   snapshot  copied while its containers run
#   dump      pg_dump through its database container; restored with psql
readonly VOLUMES=${shArray(model.volumes.map((volume) => volume.name))}
${assocArray('VOLUME_POLICY', model.volumes.map((volume) => [volume.name, volume.policy]))}
${assocArray('VOLUME_CONTAINERS', model.volumes.map((volume) => [volume.name, volume.containers.join(' ')]))}
${assocArray('DUMP_CONTAINER', dumps.map((volume) => [volume.name, volume.dump!.container]))}
${assocArray('DUMP_USER', dumps.map((volume) => [volume.name, volume.dump!.user]))}
${assocArray('DUMP_DATABASE', dumps.map((volume) => [volume.name, volume.dump!.database]))}

# Further host paths, archived and restored with the configuration.
readonly EXTRA_PATHS=${shArray(model.extraPaths)}
`;
}

/**
 * The restic repository: constants, `remote_environment` (exports what restic reads; credentials
 * come from files or the environment, never from this script) and RESTIC_OPTIONS.
 */
export function resticDeclarations(remote: BackupTarget | undefined, preflightCode: number): string {
  if (remote === undefined) {
    return `# ---- Remote: none in the platform model; archives stay on this host ----
readonly REMOTE_KIND=''
readonly RESTIC_REPOSITORY_URL=''
${shConst('RESTIC_TAG', RESTIC_TAG)}
readonly RESTIC_OPTIONS=()
remote_environment() { :; }
`;
  }

  const options: string[] = [];
  if (remote.kind === 'sftp') {
    // BatchMode: at 3 a.m. nobody answers a password or host-key prompt; fail instead of hanging.
    const ssh = ['ssh', '-o', 'BatchMode=yes'];
    if (remote.port !== undefined) ssh.push('-p', String(remote.port));
    if (remote.identityFile !== undefined) ssh.push('-i', remote.identityFile);
    ssh.push(sftpDestination(remote.repository)!, '-s', 'sftp');
    options.push('--option', `sftp.command=${ssh.join(' ')}`);
  }

  const s3 =
    remote.kind !== 's3'
      ? ''
      : `
${shConst('S3_ACCESS_KEY_VARIABLE', remote.accessKeyIdVariable)}
${shConst('S3_SECRET_KEY_VARIABLE', remote.secretAccessKeyVariable)}
${shConst('S3_ENVIRONMENT_FILE', remote.environmentFile ?? '')}

# read_credential NAME: NAME's value from the environment, else from S3_ENVIRONMENT_FILE, which
# is parsed (NAME=value lines, optional quotes), never executed.
read_credential() {
  local name=$1 line value
  if [[ -n "\${!name:-}" ]]; then
    printf '%s' "\${!name}"
    return 0
  fi
  [[ -n "\${S3_ENVIRONMENT_FILE}" && -r "\${S3_ENVIRONMENT_FILE}" ]] || return 1
  while IFS= read -r line || [[ -n "\${line}" ]]; do
    [[ "\${line}" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    [[ "\${BASH_REMATCH[2]}" == "\${name}" ]] || continue
    value=\${BASH_REMATCH[3]}
    if [[ "\${value}" =~ ^\\"(.*)\\"$ || "\${value}" =~ ^\\'(.*)\\'$ ]]; then
      value=\${BASH_REMATCH[1]}
    fi
    printf '%s' "\${value}"
    return 0
  done <"\${S3_ENVIRONMENT_FILE}"
  return 1
}
`;

  const credentials =
    remote.kind !== 's3'
      ? ''
      : `
  local where="the environment\${S3_ENVIRONMENT_FILE:+ or \${S3_ENVIRONMENT_FILE}}"
  AWS_ACCESS_KEY_ID=$(read_credential "\${S3_ACCESS_KEY_VARIABLE}") ||
    fail ${preflightCode} "S3 access key: \${S3_ACCESS_KEY_VARIABLE} is set in neither \${where}"
  AWS_SECRET_ACCESS_KEY=$(read_credential "\${S3_SECRET_KEY_VARIABLE}") ||
    fail ${preflightCode} "S3 secret key: \${S3_SECRET_KEY_VARIABLE} is set in neither \${where}"
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY`;

  return `# ---- Remote: a restic repository (encrypted, deduplicated) ----
${shConst('REMOTE_KIND', remote.kind)}
${shConst('RESTIC_REPOSITORY_URL', remote.repository)}
${shConst('RESTIC_PASSWORD_PATH', remote.passwordFile)}
${shConst('RESTIC_TAG', RESTIC_TAG)}
readonly RESTIC_OPTIONS=${shArray(options)}
${s3}
# Exports what restic reads. Fails (preflight) when a credential is missing.
remote_environment() {
  [[ -r "\${RESTIC_PASSWORD_PATH}" ]] ||
    fail ${preflightCode} "restic password file \${RESTIC_PASSWORD_PATH} is missing or unreadable"
  export RESTIC_REPOSITORY="\${RESTIC_REPOSITORY_URL}" RESTIC_PASSWORD_FILE="\${RESTIC_PASSWORD_PATH}"${credentials}
}
`;
}

/**
 * Container handling shared by backup and restore. STOPPED remembers what this run stopped, so a
 * failure anywhere starts those containers again before the script gives up.
 */
export function containerFunctions(): string {
  return `STOPPED=()
NOT_STARTED=()

container_running() {
  [[ "$(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null || true)" == true ]]
}

# stop_containers NAME…: stops the running ones, in the order given; stopped ones stay as they are.
stop_containers() {
  local name
  for name in "$@"; do
    if container_running "\${name}"; then
      log "stopping \${name}"
      STOPPED+=("\${name}")
      docker stop --time 60 "\${name}" >/dev/null || fail "\${STEP_CODE}" "docker stop \${name} failed"
    else
      log "\${name} is not running; leaving it as it is"
    fi
  done
}

# start_stopped_containers: starts what this run stopped, last stopped first. Returns 1 when one
# would not start (it is then listed in NOT_STARTED).
start_stopped_containers() {
  local index name
  for (( index = \${#STOPPED[@]} - 1; index >= 0; index-- )); do
    name=\${STOPPED[index]}
    log "starting \${name}"
    docker start "\${name}" >/dev/null || NOT_STARTED+=("\${name}")
  done
  STOPPED=()
  (( \${#NOT_STARTED[@]} == 0 ))
}
`;
}
