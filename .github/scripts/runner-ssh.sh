#!/usr/bin/env bash
# Lets this CI runner reach SSH on an environment's hosts for the docker provider, and only for as long
# as the job needs: GitHub's hosted runners have no fixed address, so each job adds a rule for its own
# address to every host firewall and removes it again (the next infra deploy would drop a leftover one).
# Usage: runner-ssh.sh open|wait|close <environment>   (after `npm run synth`; needs hcloud and HCLOUD_TOKEN)
set -euo pipefail

action="${1:?usage: runner-ssh.sh open|wait|close <environment>}"
environment="${2:?usage: runner-ssh.sh open|wait|close <environment>}"
infra="cdktf.out/stacks/${environment}-infra/cdk.tf.json"
platform="cdktf.out/stacks/${environment}-platform/cdk.tf.json"
address_file="${RUNNER_TEMP:-/tmp}/mambo-runner-address-${environment}"
description="ci run ${GITHUB_RUN_ID:-local}"

firewalls() { jq -r '.resource.hcloud_firewall // {} | .[].name' "$infra"; }
servers() { jq -r '.resource.hcloud_server // {} | .[].name' "$infra"; }

case "$action" in
  open)
    address="$(curl -fsS --retry 3 https://api.ipify.org)"
    [[ "$address" =~ ^[0-9]+(\.[0-9]+){3}$ ]] || { echo "::error::no IPv4 address for this runner (got '${address}')" >&2; exit 1; }
    printf '%s\n' "$address" > "$address_file"
    while IFS= read -r firewall; do
      hcloud firewall add-rule "$firewall" --direction in --protocol tcp --port 22 \
        --source-ips "${address}/32" --description "$description"
    done < <(firewalls)
    ;;
  wait)
    # A new host runs cloud-init (Docker, the deploy user) for a minute or two after it boots.
    user="$(jq -r '.provider.docker[0].host' "$platform" | sed -E 's#^ssh://([^@]+)@.*#\1#')"
    while IFS= read -r server; do
      ip="$(hcloud server ip "$server")"
      for attempt in $(seq 1 30); do
        if ssh -n -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10 "${user}@${ip}" cloud-init status --wait >/dev/null; then
          continue 2
        fi
        echo "${server}: not ready yet (attempt ${attempt})"
        sleep 10
      done
      echo "::error::${server} (${ip}) did not finish cloud-init" >&2
      exit 1
    done < <(servers)
    ;;
  close)
    [[ -f "$address_file" ]] || exit 0
    address="$(cat "$address_file")"
    while IFS= read -r firewall; do
      hcloud firewall delete-rule "$firewall" --direction in --protocol tcp --port 22 \
        --source-ips "${address}/32" --description "$description" || true
    done < <(firewalls)
    rm -f "$address_file"
    ;;
  *)
    echo "usage: runner-ssh.sh open|wait|close <environment>" >&2
    exit 2
    ;;
esac
