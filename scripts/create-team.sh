#!/usr/bin/env bash
# A new team across every layer, in one command: ./scripts/create-team.sh team-c [--with postgres,redis] [--owner EMAIL]
# Its stack from templates/team-stack, its entry in stacks/teams.tfvars with a free node port (both
# platform stacks read it), env files for every environment with fresh sealed secrets, and
# atlantis.yaml regenerated where there is one: `tofu-envs team add`, which this calls. Then
# review, `git add -A`, commit and open the pull request Atlantis plans.
set -euo pipefail

if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0 TEAM [--with SERVICE,...] [--owner EMAIL] [--node-port PORT]" >&2
  printf 'services:' >&2
  for s in "$(dirname "$0")"/../templates/services/*/; do printf ' %s' "$(basename "$s")" >&2; done
  echo >&2
  [ $# -ge 1 ] && exit 0
  exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${TOFU_ENVS_BIN:-}" ]; then
  tofu_envs=$TOFU_ENVS_BIN
elif command -v tofu-envs >/dev/null 2>&1; then
  tofu_envs=$(command -v tofu-envs)
else
  echo "==> building tofu-envs (cargo build)" >&2
  cargo build --quiet --manifest-path "$root/Cargo.toml" --bin tofu-envs
  tofu_envs="${CARGO_TARGET_DIR:-$root/target}/debug/tofu-envs"
fi
# The repository this script is in, unless PLATFORM_ROOT names another.
exec "$tofu_envs" --root "${PLATFORM_ROOT:-$root}" team add "$@"
