include "root" {
  path = find_in_parent_folders("root.hcl")
}

dependency "vcluster" {
  config_path = "../../platform/vcluster"

  mock_outputs = {
    team_kubeconfig_paths = { "{{team}}" = "/dev/null" }
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}

inputs = {
  kubeconfig_path = dependency.vcluster.outputs.team_kubeconfig_paths["{{team}}"]
}
