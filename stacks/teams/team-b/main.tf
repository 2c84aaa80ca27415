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

locals {
  labels = {
    "app.kubernetes.io/part-of" = "team-b"
    "platform/environment"      = var.environment
  }
}

resource "kubernetes_namespace" "apps" {
  metadata {
    name   = var.namespace
    labels = local.labels
  }
}

resource "kubernetes_config_map" "team" {
  metadata {
    name      = "team-config"
    namespace = kubernetes_namespace.apps.metadata[0].name
    labels    = local.labels
  }
  data = merge(var.team_config, { environment = var.environment })
}

resource "kubernetes_secret" "redis" {
  metadata {
    name      = "redis-credentials"
    namespace = kubernetes_namespace.apps.metadata[0].name
    labels    = local.labels
  }
  data = {
    REDIS_PASSWORD = var.redis_password
  }
}

resource "kubernetes_deployment" "redis" {
  metadata {
    name      = "redis"
    namespace = kubernetes_namespace.apps.metadata[0].name
    labels    = merge(local.labels, { app = "redis" })
  }
  spec {
    replicas = 1
    selector {
      match_labels = { app = "redis" }
    }
    template {
      metadata {
        labels = merge(local.labels, { app = "redis" })
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
    namespace = kubernetes_namespace.apps.metadata[0].name
  }
  spec {
    selector = { app = "redis" }
    port {
      port = 6379
    }
  }
}

resource "kubernetes_deployment" "nginx" {
  metadata {
    name      = "nginx"
    namespace = kubernetes_namespace.apps.metadata[0].name
    labels    = merge(local.labels, { app = "nginx" })
  }
  spec {
    replicas = var.nginx_replicas
    selector {
      match_labels = { app = "nginx" }
    }
    template {
      metadata {
        labels = merge(local.labels, { app = "nginx" })
      }
      spec {
        container {
          name  = "nginx"
          image = "nginx:${var.nginx_version}"
          port {
            container_port = 80
          }
        }
      }
    }
  }
}
