// The community dashboards from grafana.com, pinned by ID, revision and sha256, and the shell script that
// fetches them on the host at deploy time. Their JSON is never committed; a download whose checksum differs
// from the pin is refused, so a changed or tampered revision never reaches Grafana.
import { shq } from '../scripts/shell';
import { DATASOURCE_UIDS } from './grafana';

export interface CommunityDashboardPin {
  /** grafana.com dashboard ID. */
  readonly id: number;
  /** The exact revision to install. */
  readonly revision: number;
  /** sha256 of the file grafana.com serves for that revision, lower-case hex. */
  readonly sha256: string;
  readonly title: string;
  /**
   * Datasource uid for every `${DS_…}` input of the downloaded JSON that provisioning cannot ask about; any
   * input not listed becomes this one too.
   */
  readonly datasourceUid: string;
}

/**
 * Stands where a pin's sha256 is not known yet. It is valid hex, so the model and the script accept it, but no
 * download ever has it: the host refuses the dashboard until someone with network access pins the real one
 * (`curl -sL <url> | sha256sum`).
 */
export const UNPINNED_SHA256 = '0'.repeat(64);

/**
 * The five community dashboards the platform has always used. Placeholder: the revisions are the latest
 * known here and every sha256 is {@link UNPINNED_SHA256}; both must be confirmed against grafana.com.
 */
export const COMMUNITY_DASHBOARDS: readonly CommunityDashboardPin[] = [
  { id: 1860, revision: 37, sha256: UNPINNED_SHA256, title: 'Node Exporter Full', datasourceUid: DATASOURCE_UIDS.metrics },
  { id: 17346, revision: 9, sha256: UNPINNED_SHA256, title: 'Traefik Official Standalone', datasourceUid: DATASOURCE_UIDS.metrics },
  { id: 193, revision: 1, sha256: UNPINNED_SHA256, title: 'Docker monitoring (cAdvisor)', datasourceUid: DATASOURCE_UIDS.metrics },
  { id: 11176, revision: 39, sha256: UNPINNED_SHA256, title: 'VictoriaMetrics', datasourceUid: DATASOURCE_UIDS.metrics },
  { id: 13639, revision: 2, sha256: UNPINNED_SHA256, title: 'Logs / App (Loki)', datasourceUid: DATASOURCE_UIDS.logs },
];

export interface CommunityDashboardsFetchModel {
  readonly dashboards: readonly CommunityDashboardPin[];
  /** Host directory the Grafana container reads as its community dashboard folder. */
  readonly targetDir: string;
  /** Where dashboards are downloaded from. @default 'https://grafana.com' */
  readonly sourceBaseUrl?: string;
}

/** Pins still holding the placeholder hash: the construct can warn about them at synth. */
export function unpinnedCommunityDashboards(pins: readonly CommunityDashboardPin[]): CommunityDashboardPin[] {
  return pins.filter((pin) => pin.sha256 === UNPINNED_SHA256);
}

/** The download URL of a pinned revision. */
export function communityDashboardUrl(pin: CommunityDashboardPin, sourceBaseUrl = 'https://grafana.com'): string {
  return `${sourceBaseUrl.replace(/\/+$/, '')}/api/dashboards/${pin.id}/revisions/${pin.revision}/download`;
}

/**
 * A bash script for the host: downloads each pinned revision, checks its sha256, points its datasource inputs
 * at the provisioned datasources and installs it atomically. A dashboard that fails to download or to match
 * is not installed and the script exits 1 after trying the others, naming each failure.
 */
export function renderCommunityDashboardsFetchScript(model: CommunityDashboardsFetchModel): string {
  checkFetchModel(model);
  const base = (model.sourceBaseUrl ?? 'https://grafana.com').replace(/\/+$/, '');

  const installs = model.dashboards.map((pin) => [
    `# ${pin.title}`,
    `install_dashboard ${pin.id} ${pin.revision} ${pin.sha256} ${pin.datasourceUid}`,
  ].join('\n'));

  return [
    '#!/usr/bin/env bash',
    '# Installs the pinned grafana.com community dashboards; rendered by Mambo Platform. A download whose sha256',
    '# differs from its pin is refused. Re-running it is safe: files are replaced whole.',
    'set -euo pipefail',
    '',
    `target_dir=${shq(model.targetDir)}`,
    `base_url=${shq(base)}`,
    'work_dir="$(mktemp -d)"',
    'trap \'rm -rf "$work_dir"\' EXIT',
    'failures=0',
    '',
    'install_dashboard() {',
    '  local id="$1" revision="$2" expected="$3" datasource="$4"',
    '  local url="${base_url}/api/dashboards/${id}/revisions/${revision}/download"',
    '  local download="${work_dir}/${id}.json"',
    '  if ! curl --fail --silent --show-error --location --max-time 60 --retry 3 --output "$download" "$url"; then',
    '    echo "community dashboard ${id}: download of ${url} failed; not installed" >&2',
    '    failures=$((failures + 1))',
    '    return 0',
    '  fi',
    '  local actual',
    '  actual="$(sha256sum "$download" | cut -d " " -f 1)"',
    '  if [ "$actual" != "$expected" ]; then',
    '    echo "community dashboard ${id} revision ${revision}: sha256 ${actual} is not the pinned ${expected}; not installed" >&2',
    '    failures=$((failures + 1))',
    '    return 0',
    '  fi',
    '  # Grafana asks for ${DS_...} inputs only on manual import; provisioning needs the datasource uid in place.',
    '  sed -e "s/[$][{]DS_[A-Za-z0-9_]*[}]/${datasource}/g" "$download" > "${download}.resolved"',
    '  install -m 0644 "${download}.resolved" "${target_dir}/.community-${id}.json.tmp"',
    '  mv -f "${target_dir}/.community-${id}.json.tmp" "${target_dir}/community-${id}.json"',
    '  echo "community dashboard ${id} revision ${revision} installed"',
    '}',
    '',
    'mkdir -p "$target_dir"',
    ...installs,
    '',
    'if [ "$failures" -gt 0 ]; then',
    '  echo "${failures} community dashboard(s) not installed; see above" >&2',
    '  exit 1',
    'fi',
    '',
  ].join('\n');
}

function checkFetchModel(model: CommunityDashboardsFetchModel): void {
  if (!model.targetDir.startsWith('/') || /['\n]/.test(model.targetDir)) {
    throw new Error(`community dashboards targetDir "${model.targetDir}" must be an absolute path without quotes`);
  }
  if (model.sourceBaseUrl !== undefined && !/^https?:\/\/[A-Za-z0-9.:[\]-]+(\/[A-Za-z0-9._~/-]*)?$/.test(model.sourceBaseUrl)) {
    throw new Error(`community dashboards sourceBaseUrl "${model.sourceBaseUrl}" is not a plain http(s) URL`);
  }
  const seen = new Set<number>();
  for (const pin of model.dashboards) {
    const where = `community dashboard ${pin.id}`;
    if (!Number.isInteger(pin.id) || pin.id < 1) throw new Error(`${where}: id must be a positive whole number`);
    if (!Number.isInteger(pin.revision) || pin.revision < 1) {
      throw new Error(`${where}: revision ${pin.revision} must be a positive whole number`);
    }
    if (!/^[0-9a-f]{64}$/.test(pin.sha256)) {
      throw new Error(`${where}: sha256 "${pin.sha256}" is not 64 lower-case hex digits; pin it with `
        + `\`curl -sL ${communityDashboardUrl(pin)} | sha256sum\``);
    }
    if (!/^[A-Za-z0-9_-]+$/.test(pin.datasourceUid)) throw new Error(`${where}: datasourceUid "${pin.datasourceUid}" is invalid`);
    if (seen.has(pin.id)) throw new Error(`${where} is pinned twice`);
    seen.add(pin.id);
  }
}
