#!/usr/bin/env bash
# The demo: secret-seal (make an age key, seal a secrets file, read it back), then tofu-envs on a
# copy of the bundled stacks/ (list, check, where each variable comes from, a short-lived demo
# environment), then kubectl-vteam (list the teams, switch to team-a and back, exec in all). Runs in a throw-away directory with a throw-away HOME; nothing of yours is touched.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${SECRET_SEAL_BIN:-}" ] || [ -z "${TOFU_ENVS_BIN:-}" ] || [ -z "${VTEAM_BIN:-}" ]; then
  echo "==> building secret-seal, tofu-envs and kubectl-vteam"
  cargo build --quiet --manifest-path "$root/Cargo.toml" -p secret-seal -p tofu-envs -p kubectl-vteam
  SECRET_SEAL_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/secret-seal"
  TOFU_ENVS_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/tofu-envs"
  VTEAM_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/kubectl-vteam"
fi
seal() { "$SECRET_SEAL_BIN" "$@"; }
envs() { "$TOFU_ENVS_BIN" "$@"; }
vteam() { "$VTEAM_BIN" "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home"
mkdir -p "$HOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_FILE SOPS_AGE_KEY_CMD SOPS_AGE_RECIPIENTS SOPS_CONFIG XDG_CONFIG_HOME
cd "$work"

echo "==> 1. a new age key (kept in a 0600 file; the public key goes into .sops.yaml)"
seal keygen -o key.txt 2>/dev/null
public=$(sed -n 's/^# public key: //p' key.txt)
echo "public key: $public"

echo "==> 2. .sops.yaml: files named *.secrets.* are sealed for that key; only passwords are encrypted"
cat > .sops.yaml <<YAML
creation_rules:
  - path_regex: \.secrets\.(yaml|json)$
    encrypted_regex: ^(password|token)$
    age: $public
YAML
cat .sops.yaml

echo "==> 3. a plaintext secrets file"
mkdir -p env
cat > env/prod.secrets.yaml <<YAML
# team-a database, production
db:
    host: postgres.team-a-apps.svc
    password: correct-horse-battery-staple
api:
    token: tok_4f9a2c
YAML
cat env/prod.secrets.yaml

echo "==> 4. secret-seal encrypt -i env/prod.secrets.yaml   (safe to commit now)"
seal encrypt -i env/prod.secrets.yaml
sed -n '1,6p' env/prod.secrets.yaml
echo "    ..."
echo "filestatus: $(seal filestatus env/prod.secrets.yaml)"

echo "==> 5. reading it back with the key (SOPS_AGE_KEY_FILE, as sops)"
SOPS_AGE_KEY_FILE=key.txt seal decrypt env/prod.secrets.yaml

echo "==> 6. one value, for a script"
echo "db password: $(SOPS_AGE_KEY_FILE=key.txt seal decrypt --extract '["db"]["password"]' env/prod.secrets.yaml)"

echo "==> 7. without the key, nothing opens"
if seal decrypt env/prod.secrets.yaml >/dev/null 2>err.txt; then
  echo "unexpected: decrypted without a key" >&2
  exit 1
fi
sed 's/^/    /' err.txt | head -3

echo "==> 8. tofu-envs on a copy of the bundled stacks/ (KIND host cluster -> vclusters -> team stacks)"
mkdir platform
cp -r "$root/stacks" "$root/root.hcl" "$root/.sops.yaml" "$root/.opentofu-version" platform/
cd platform
envs list

echo "==> 9. tofu-envs check: every environment against every stack's variables.tf"
SOPS_AGE_KEY_FILE="$root/tests/fixtures/demo-age-key.txt" envs check

echo "==> 10. where team-a's prod values come from (secrets masked)"
SOPS_AGE_KEY_FILE="$root/tests/fixtures/demo-age-key.txt" envs vars prod teams/team-a

echo "==> 11. a short-lived demo environment for a customer, copied from dev, expiring in 72h"
envs new demo-acme --from dev --ttl 72h
envs list | grep -E "ENV|demo-acme"

echo "==> 12. a typo in an environment file is caught before tofu would ignore it"
printf 'nginx_replicas = 2\nnginx_replica = 3\n' > stacks/teams/team-a/env/demo-acme.tfvars
envs check demo-acme teams/team-a || true

echo "==> 13. kubectl vteam: the teams of this layout (their kubeconfigs as the vcluster stack writes them)"
# No cluster here: write what \`terragrunt apply\` of stacks/platform/vcluster would leave, one
# kubeconfig per team on the NodePort KIND maps to 127.0.0.1 (credentials left out: nothing here
# connects; tab-indented so this script does not read as a kubeconfig). Your own kubeconfig is not used:
# KUBECONFIG and the plugin's state live in this throw-away directory.
port=30443
for team in team-a team-b; do
  cat > "stacks/platform/vcluster/vcluster-$team.kubeconfig" <<-KC
	apiVersion: v1
	clusters:
	- cluster:
	    insecure-skip-tls-verify: true
	    server: https://127.0.0.1:$port
	  name: vcluster-$team
	contexts:
	- context:
	    cluster: vcluster-$team
	    user: vcluster-$team
	  name: vcluster-$team
	current-context: vcluster-$team
	users:
	- name: vcluster-$team
	  user: {}
	KC
  port=$((port + 1))
done
export KUBECONFIG="$work/kube/config" XDG_STATE_HOME="$work/state"
mkdir -p "$work/kube"
cat > "$KUBECONFIG" <<-'KC'
	# the developer's kubeconfig: the KIND host cluster
	apiVersion: v1
	clusters:
	- cluster:
	    server: https://127.0.0.1:6443
	  name: kind-platform
	contexts:
	- context:
	    cluster: kind-platform
	    user: kind-platform
	  name: kind-platform
	current-context: kind-platform
	users:
	- name: kind-platform
	  user: {}
	KC
vteam list

echo "==> 14. kubectl vteam use team-a   (only the vteam-team-a entries and current-context change)"
vteam use team-a
if command -v kubectl >/dev/null 2>&1; then
  echo "kubectl config current-context: $(kubectl config current-context)"
fi
grep -n "current-context\|name: vteam-team-a\|namespace:" "$KUBECONFIG"

echo "==> 15. kubectl vteam use -   (back where you were)"
vteam use -
vteam current

echo "==> 16. kubectl vteam exec --all: one command in every team's vcluster, each with its own KUBECONFIG"
vteam exec --all -- sh -c 'echo "KUBECONFIG=$KUBECONFIG server=$(sed -n "s/ *server: //p" "$KUBECONFIG")"'

echo "==> done: the sealed files read the same with sops, terragrunt's sops_decrypt_file and Flux"
