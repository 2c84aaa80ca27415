terraform {
  required_version = ">= 1.6.0"
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.33"
    }
  }
}

# Everything here is created inside {{team}}'s vcluster, through its exported kubeconfig.
provider "kubernetes" {
  config_path = var.kubeconfig_path
}

# What every team gets (modules/team): the namespace, labels, quota, team-config and nginx.
module "team" {
  source = "../../../modules/team"

  team           = "{{team}}"
  environment    = var.environment
  namespace      = var.namespace
  team_config    = var.team_config
  nginx_replicas = var.nginx_replicas
  nginx_version  = var.nginx_version
}
