include "root" {
  path = find_in_parent_folders("root.hcl")
  expose=true
}

dependency vcluster {
  config_path = "../../platform/vcluster"
  mock_outputs = {
    team_kubeconfig_paths = {}
  }
}

locals {
  env = get_env("TOFU_ENV", "dev")
  account_id = "${get_aws_account_id()}"
  region="eu-west-1"
}

inputs = {
  kubeconfig_path = dependency.vcluster.outputs.team_kubeconfig_paths["team-a"]
  namespace = "team-a-apps"
  labels = { team = "team-a", env = "${local.env}" }
}
