# Shared terragrunt configuration for every stack under stacks/ (included as "root").
# The environment comes from TOFU_ENV (default dev): state is kept apart per environment (in S3 for
# production: the end of this file says how), and each stack's env/<env>.tfvars is passed.

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

# Production keeps state in S3, one key per environment and stack, locked by a lock object
# beside it (terraform and tofu >= 1.10: no DynamoDB table needed). To switch, replace remote_state
# above with this block (bucket and region yours; credentials as the AWS CLI finds them):
#
#   remote_state {
#     backend = "s3"
#     generate = {
#       path      = "backend.tf"
#       if_exists = "overwrite_terragrunt"
#     }
#     config = {
#       bucket       = "acme-platform-tfstate"
#       key          = "${local.environment}/${path_relative_to_include()}/terraform.tfstate"
#       region       = "eu-west-1"
#       encrypt      = true
#       use_lockfile = true
#     }
#   }
#
# Plain tofu (tofu-envs run without terragrunt) reads the same settings from each stack's
# env/<env>.backend.hcl beside `backend "s3" {}`; `tofu-envs new ENV --from prod` derives the new
# environment's from prod's, its state key renamed.
