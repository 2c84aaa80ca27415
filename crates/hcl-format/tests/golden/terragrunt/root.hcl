remote_state {
  backend = "local"
  config = {
    path = "${get_parent_terragrunt_dir()}/.terraform-state/${get_env("TOFU_ENV", "dev")}/${path_relative_to_include()}/terraform.tfstate"
  }
  generate = {
    path = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
}
terraform {
  extra_arguments "env_vars" {
    commands = get_terraform_commands_that_need_vars()
    optional_var_files = ["${get_terragrunt_dir()}/env/${get_env("TOFU_ENV", "dev")}.tfvars"]
  }
}
