#!/usr/bin/env bash
# Before a plan or deploy in CI: the stack must keep its state off the runner (a local state file is
# gone when the job ends, and the next run would try to create everything again), and every Terraform
# variable it declares must have a non-empty TF_VAR_ from the environment's secrets.
# Usage: check-stack.sh <stack>   (after `npm run synth`)
set -euo pipefail

stack="${1:?usage: check-stack.sh <stack>}"
file="cdktf.out/stacks/${stack}/cdk.tf.json"
[[ -f "$file" ]] || { echo "::error::${file} is missing; run npm run synth first" >&2; exit 1; }

if jq -e '.terraform.backend.local' "$file" >/dev/null; then
  echo "::error::${stack} keeps its state in a local file, which a CI runner loses; set state.backend to cloud or s3 for its environment in platform.yaml" >&2
  exit 1
fi

missing=0
while IFS= read -r variable; do
  [[ -n "$variable" ]] || continue
  name="TF_VAR_${variable}"
  if [[ -z "${!name:-}" ]]; then
    echo "::error::${stack} declares the variable ${variable}, but ${name} is empty: add the secret ${name^^} to this GitHub environment and map it in the workflow" >&2
    missing=1
  fi
done < <(jq -r '.variable // {} | keys[]' "$file")
exit "$missing"
