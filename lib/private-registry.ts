// The private registry's files: its configuration (CNCF distribution v3: filesystem storage on a volume,
// htpasswd auth, deletes allowed so garbage collection can reclaim space), and the host-level garbage
// collection: a script that stops the registry, collects, and starts it again, and the cron file that runs it.

import { renderYaml } from './observability/yaml';
import { BACKUP_DEFAULTS } from './scripts/model';
import { shq } from './scripts/shell';
import { validateCronSchedule } from './scripts/validate';

/** Where the image reads its configuration, and where the platform writes it. */
export const REGISTRY_CONFIG_FILE = '/etc/distribution/config.yml';
/** The htpasswd file, uploaded from a sensitive variable (bcrypt lines). */
export const REGISTRY_HTPASSWD_FILE = '/etc/distribution/htpasswd';
/** Where the layers and manifests live: the registry's volume. */
export const REGISTRY_DATA_DIR = '/var/lib/registry';
export const REGISTRY_PORT = 5000;
/** Health and Prometheus metrics; never routed by the edge. */
export const REGISTRY_DEBUG_PORT = 5001;

export const REGISTRY_GC_SCRIPT = '/usr/local/sbin/mambo-registry-gc';
export const REGISTRY_GC_CRON_FILE = '/etc/cron.d/mambo-registry-gc';

export interface RegistryConfigModel {
  /** Shown by clients asking for credentials. */
  readonly realm: string;
}

export function renderRegistryConfig(model: RegistryConfigModel): string {
  const document = {
    version: 0.1,
    log: { level: 'info', formatter: 'json', fields: { service: 'registry' } },
    storage: {
      filesystem: { rootdirectory: REGISTRY_DATA_DIR },
      // Deleting a manifest through the API is what makes its layers collectable.
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: true, age: '168h', interval: '24h', dryrun: false } },
    },
    http: {
      addr: `:${REGISTRY_PORT}`,
      headers: { 'X-Content-Type-Options': ['nosniff'] },
      debug: { addr: `:${REGISTRY_DEBUG_PORT}`, prometheus: { enabled: true, path: '/metrics' } },
    },
    auth: { htpasswd: { realm: model.realm, path: REGISTRY_HTPASSWD_FILE } },
    health: { storagedriver: { enabled: true, interval: '10s', threshold: 3 } },
  };
  return renderYaml(document, 'The private registry (CNCF distribution v3), rendered by Mambo Platform.');
}

export interface RegistryGcModel {
  /** The registry's container, stopped while collecting. */
  readonly container: string;
  /** The registry image (already on the host), whose binary collects. */
  readonly image: string;
  /** The Docker volume holding the registry's data. */
  readonly volume: string;
  /** Shared with backups, restores and cleanup, so a backup never copies a half-collected volume. @default BACKUP_DEFAULTS.lockFile */
  readonly lockFile?: string;
}

/**
 * mambo-registry-gc. Garbage collection must not run while pushes land (a layer uploaded mid-sweep can be
 * deleted), so the registry is stopped for the minute it takes and started again whatever happens.
 */
export function renderRegistryGcScript(model: RegistryGcModel): string {
  const lockFile = model.lockFile ?? BACKUP_DEFAULTS.lockFile;
  return `#!/usr/bin/env bash
# mambo-registry-gc: removes the private registry's layers and manifests that no tag references.
# The registry is stopped while it runs (a push during the sweep could lose layers) and always started again.
#
# Rendered by @mambo/platform from the platform model: change the model and deploy, not this file.
#
# Usage:
#   mambo-registry-gc             collect now
#   mambo-registry-gc --dry-run   list what would be removed; the registry keeps running
#
# Exit status:
#    0  collected (or listed)
#    1  the registry container or its volume is missing, or the collection failed
#    2  bad arguments
#   75  another backup, restore or cleanup held the lock for 30 minutes; nothing was done
set -Eeuo pipefail
umask 077
export PATH="\${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

readonly CONTAINER=${shq(model.container)}
readonly IMAGE=${shq(model.image)}
readonly VOLUME=${shq(model.volume)}
readonly LOCK_FILE=${shq(lockFile)}

log() { printf '%s mambo-registry-gc: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

dry_run=()
case "\${1:-}" in
  '') ;;
  --dry-run) dry_run=(--dry-run) ;;
  *) echo "usage: mambo-registry-gc [--dry-run]" >&2; exit 2 ;;
esac

docker container inspect "\${CONTAINER}" >/dev/null 2>&1 || { log "no container \${CONTAINER}; is the registry deployed?"; exit 1; }
docker volume inspect "\${VOLUME}" >/dev/null 2>&1 || { log "no volume \${VOLUME}"; exit 1; }

mkdir -p -- "$(dirname -- "\${LOCK_FILE}")"
exec 9>>"\${LOCK_FILE}"
if ! flock --wait 1800 9; then
  log "a backup, restore or cleanup held \${LOCK_FILE} for 30 minutes; nothing collected"
  exit 75
fi

collect() {
  docker run --rm --pull never --network none --memory 256m --cap-drop ALL --security-opt no-new-privileges \\
    --env OTEL_TRACES_EXPORTER=none --volume "\${VOLUME}:${REGISTRY_DATA_DIR}" \\
    "\${IMAGE}" garbage-collect --delete-untagged "\${dry_run[@]}" ${REGISTRY_CONFIG_FILE}
}

if ((\${#dry_run[@]} > 0)); then
  collect
  exit 0
fi

log "stopping \${CONTAINER} for garbage collection"
trap 'docker start "\${CONTAINER}" >/dev/null && log "\${CONTAINER} started again"' EXIT
docker stop --time 30 "\${CONTAINER}" >/dev/null
before=$(du -sk "$(docker volume inspect -f '{{.Mountpoint}}' "\${VOLUME}")" | cut -f1)
collect
after=$(du -sk "$(docker volume inspect -f '{{.Mountpoint}}' "\${VOLUME}")" | cut -f1)
log "collected: \${before} KiB before, \${after} KiB after"
`;
}

/** /etc/cron.d/mambo-registry-gc: when the collection runs, appending to the maintenance log. */
export function renderRegistryGcCron(schedule: string, logFile: string = BACKUP_DEFAULTS.logFile): string {
  const checked = validateCronSchedule(schedule, 'services.registry.garbageCollect');
  return [
    `# ${REGISTRY_GC_CRON_FILE}: the private registry's garbage collection.`,
    '# Rendered by @mambo/platform from the platform model: change the model and deploy, not this file.',
    'SHELL=/bin/bash',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'MAILTO=""',
    '',
    `${checked} root ${REGISTRY_GC_SCRIPT} >>${logFile} 2>&1`,
    '',
  ].join('\n');
}
