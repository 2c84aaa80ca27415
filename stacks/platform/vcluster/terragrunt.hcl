include "root" {
  path = find_in_parent_folders("root.hcl")
}

dependency "kind_cluster" {
  config_path = "../kind-cluster"

  mock_outputs = {
    kubeconfig_path = "/dev/null"
    team_node_ports = {}
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}

inputs = {
  host_kubeconfig_path = dependency.kind_cluster.outputs.kubeconfig_path
  kubeconfig_dir       = get_terragrunt_dir()
}
