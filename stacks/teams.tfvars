# The platform's teams, in one place. Both platform stacks read this file (as teams.auto.tfvars,
# a link to it): kind-cluster maps each team's node_port to 127.0.0.1, vcluster gives each team a
# vcluster whose API server listens there. Each team also has a stack under stacks/teams/<team>.
#
# Add a team with `tofu-envs team add NAME` (or scripts/create-team.sh), which edits this file.
teams = {
  team-a = {
    node_port = 30443
    owner     = "team-a@example.com"
  }
  team-b = {
    node_port = 30444
    owner     = "team-b@example.com"
  }
}
