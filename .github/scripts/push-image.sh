#!/usr/bin/env bash
# Builds an app image for both architectures the platform's hosts use and pushes it to the platform's
# private registry (services.registry), for an app marked `privateRegistry: true`. For an app's own CI:
#
#   - name: Push to the platform registry
#     run: .github/scripts/push-image.sh registry.example.com shop "${GITHUB_REF_NAME#v}" .
#     env:
#       REGISTRY_USER: ${{ secrets.REGISTRY_USER }}          # one of the registry's htpasswd users
#       REGISTRY_PASSWORD: ${{ secrets.REGISTRY_PASSWORD }}
#
# Then release it: `npm run release -- <env> shop shop:<tag>` (blue/green) or set the app's image.
# Usage: push-image.sh <registry host> <repository> <tag> [context directory]
set -euo pipefail

registry="${1:?usage: push-image.sh <registry host> <repository> <tag> [context]}"
repository="${2:?usage: push-image.sh <registry host> <repository> <tag> [context]}"
tag="${3:?usage: push-image.sh <registry host> <repository> <tag> [context]}"
context="${4:-.}"

[[ "$tag" != latest ]] || { echo "::error::refusing tag latest: the platform deploys pinned tags only" >&2; exit 1; }
[[ -n "${REGISTRY_USER:-}" && -n "${REGISTRY_PASSWORD:-}" ]] || { echo "::error::REGISTRY_USER and REGISTRY_PASSWORD must be set from the repository's secrets" >&2; exit 1; }

# The password goes through stdin, never the command line (where the process list shows it).
printf '%s' "$REGISTRY_PASSWORD" | docker login "$registry" --username "$REGISTRY_USER" --password-stdin
trap 'docker logout "$registry" >/dev/null 2>&1 || true' EXIT

docker buildx inspect mambo-push >/dev/null 2>&1 || docker buildx create --name mambo-push --use >/dev/null
docker buildx build --builder mambo-push --platform linux/arm64,linux/amd64 --tag "${registry}/${repository}:${tag}" --push "$context"
echo "pushed ${registry}/${repository}:${tag}"
