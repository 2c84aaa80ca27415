terraform {
  required_version = ">= 1.6.0"
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.33"
    }
  }
}

# Everything here is created inside team-b's vcluster, through its exported kubeconfig.
provider "kubernetes" {
  config_path = var.kubeconfig_path
}

# What every team gets (modules/team): the namespace, labels, quota, team-config and nginx.
module "team" {
  source = "../../../modules/team"

  team           = "team-b"
  environment    = var.environment
  namespace      = var.namespace
  team_config    = var.team_config
  nginx_replicas = var.nginx_replicas
  nginx_version  = var.nginx_version
}

# Redis (templates/services/redis): one instance, password-protected.
resource "kubernetes_secret" "redis" {
  metadata {
    name      = "redis-credentials"
    namespace = module.team.namespace
    labels    = module.team.labels
  }
  data = {
    REDIS_PASSWORD = var.redis_password
  }
}

resource "kubernetes_deployment" "redis" {
  metadata {
    name      = "redis"
    namespace = module.team.namespace
    labels    = merge(module.team.labels, { app = "redis" })
  }
  spec {
    replicas = 1
    selector {
      match_labels = { app = "redis" }
    }
    template {
      metadata {
        labels = merge(module.team.labels, { app = "redis" })
      }
      spec {
        container {
          name    = "redis"
          image   = "redis:${var.redis_version}"
          command = ["redis-server", "--requirepass", "$(REDIS_PASSWORD)"]
          port {
            container_port = 6379
          }
          env_from {
            secret_ref {
              name = kubernetes_secret.redis.metadata[0].name
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "redis" {
  metadata {
    name      = "redis"
    namespace = module.team.namespace
  }
  spec {
    selector = { app = "redis" }
    port {
      port = 6379
    }
  }
}
