include "root" {
  path = find_in_parent_folders("root.hcl")
}

inputs = {
  kubeconfig_dir = get_terragrunt_dir()
}
