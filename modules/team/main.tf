# What every team gets inside its vcluster, the same for each: the application namespace with the
# platform's labels and a resource quota, the team-config ConfigMap, and the base app (nginx).
# A team stack calls this module once and adds its own services (PostgreSQL, Redis...) beside it.
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.33"
    }
  }
}

locals {
  labels = {
    "app.kubernetes.io/part-of" = var.team
    "platform/environment"      = var.environment
  }
}

resource "kubernetes_namespace" "apps" {
  metadata {
    name   = var.namespace
    labels = local.labels
  }
}

resource "kubernetes_resource_quota" "apps" {
  metadata {
    name      = "team-quota"
    namespace = kubernetes_namespace.apps.metadata[0].name
    labels    = local.labels
  }
  spec {
    hard = {
      "requests.cpu"    = var.quota.cpu
      "requests.memory" = var.quota.memory
      "pods"            = var.quota.pods
    }
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
