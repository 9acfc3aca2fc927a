#!/usr/bin/env bash
# Point a model-registry alias (for example "champion") at a model version.
#
#   set-alias.sh [--dry-run] <model> <alias> <version>
#
# With REGISTRY_URL set, the alias is moved through the registry's HTTP API
# (PUT $REGISTRY_URL/api/models/<model>/aliases/<alias>, bearer token from
# REGISTRY_TOKEN). Without it, the alias lives in a local store
# (ALIAS_STORE, default: ../.registry next to this script), which is what
# dry-runs and drills on a laptop use.
#
# Idempotent: setting an alias to the version it already has changes nothing.
# --dry-run prints what would change and changes nothing.
set -euo pipefail

usage() {
  echo "usage: $(basename "$0") [--dry-run] <model> <alias> <version>" >&2
  exit 2
}

dry_run=0
if [[ "${1:-}" == "--dry-run" ]]; then
  dry_run=1
  shift
fi
[[ $# -eq 3 ]] || usage
model=$1 alias=$2 version=$3

name_re='^[A-Za-z0-9][A-Za-z0-9._-]*$'
[[ $model =~ $name_re ]] || { echo "invalid model name: $model" >&2; exit 2; }
[[ $alias =~ $name_re ]] || { echo "invalid alias: $alias" >&2; exit 2; }
[[ $version =~ ^[0-9]+(\.[0-9]+){0,2}([-+][A-Za-z0-9.]+)?$ ]] || { echo "invalid version: $version" >&2; exit 2; }

if [[ -n "${REGISTRY_URL:-}" ]]; then
  endpoint="${REGISTRY_URL%/}/api/models/${model}/aliases/${alias}"
  auth=()
  [[ -n "${REGISTRY_TOKEN:-}" ]] && auth=(-H "Authorization: Bearer ${REGISTRY_TOKEN}")
  current=$(curl -fsS --max-time 10 "${auth[@]}" "$endpoint" 2>/dev/null | sed -n 's/.*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' || true)
else
  store="${ALIAS_STORE:-$(cd "$(dirname "$0")/.." && pwd)/.registry}"
  file="${store}/${model}/${alias}"
  current=$(cat "$file" 2>/dev/null || true)
fi

if [[ "$current" == "$version" ]]; then
  echo "${model}@${alias} already points at ${version}; nothing to do"
  exit 0
fi

if (( dry_run )); then
  echo "would point ${model}@${alias} at ${version} (now: ${current:-unset})"
  exit 0
fi

if [[ -n "${REGISTRY_URL:-}" ]]; then
  curl -fsS --max-time 30 -X PUT "${auth[@]}" -H 'Content-Type: application/json' \
    --data "{\"version\":\"${version}\"}" "$endpoint" >/dev/null
else
  mkdir -p "$(dirname "$file")"
  tmp="${file}.tmp.$$"
  printf '%s\n' "$version" >"$tmp"
  mv -f "$tmp" "$file"
fi
echo "pointed ${model}@${alias} at ${version} (was: ${current:-unset})"
