terraform {
  required_version = ">= 1.6.0"
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.33"
    }
  }
}

# Everything here is created inside team-a's vcluster, through its exported kubeconfig.
provider "kubernetes" {
  config_path = var.kubeconfig_path
}

# What every team gets (modules/team): the namespace, labels, quota, team-config and nginx.
module "team" {
  source = "../../../modules/team"

  team           = "team-a"
  environment    = var.environment
  namespace      = var.namespace
  team_config    = var.team_config
  nginx_replicas = var.nginx_replicas
  nginx_version  = var.nginx_version
}

# PostgreSQL (templates/services/postgres): one instance, its credentials in a Secret.
resource "kubernetes_secret" "postgres" {
  metadata {
    name      = "postgres-credentials"
    namespace = module.team.namespace
    labels    = module.team.labels
  }
  data = {
    POSTGRES_USER     = var.postgres_user
    POSTGRES_PASSWORD = var.postgres_password
    POSTGRES_DB       = var.postgres_database
  }
}

resource "kubernetes_stateful_set" "postgres" {
  metadata {
    name      = "postgres"
    namespace = module.team.namespace
    labels    = merge(module.team.labels, { app = "postgres" })
  }
  spec {
    service_name = "postgres"
    replicas     = 1
    selector {
      match_labels = { app = "postgres" }
    }
    template {
      metadata {
        labels = merge(module.team.labels, { app = "postgres" })
      }
      spec {
        container {
          name  = "postgres"
          image = "postgres:${var.postgres_version}"
          port {
            container_port = 5432
          }
          env_from {
            secret_ref {
              name = kubernetes_secret.postgres.metadata[0].name
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "postgres" {
  metadata {
    name      = "postgres"
    namespace = module.team.namespace
  }
  spec {
    selector = { app = "postgres" }
    port {
      port = 5432
    }
  }
}
