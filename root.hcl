# Shared terragrunt configuration for every stack under stacks/ (included as "root").
# The environment comes from TOFU_ENV (default dev): state is kept apart per environment, and each
# stack's env/<env>.tfvars is passed when it exists.

locals {
  environment = get_env("TOFU_ENV", "dev")
}

remote_state {
  backend = "local"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    path = "${get_parent_terragrunt_dir()}/.terraform-state/${local.environment}/${path_relative_to_include()}/terraform.tfstate"
  }
}

terraform {
  extra_arguments "environment_tfvars" {
    commands           = get_terraform_commands_that_need_vars()
    optional_var_files = ["${get_terragrunt_dir()}/env/${local.environment}.tfvars"]
  }
}

inputs = {
  environment = local.environment
}
