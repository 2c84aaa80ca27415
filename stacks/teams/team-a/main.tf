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

locals {
  labels = {
    "app.kubernetes.io/part-of" = "team-a"
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

resource "kubernetes_secret" "postgres" {
  metadata {
    name      = "postgres-credentials"
    namespace = kubernetes_namespace.apps.metadata[0].name
    labels    = local.labels
  }
  data = {
    POSTGRES_USER     = var.postgres_user
    POSTGRES_PASSWORD = var.postgres_password
    POSTGRES_DB       = var.postgres_database
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

resource "kubernetes_stateful_set" "postgres" {
  metadata {
    name      = "postgres"
    namespace = kubernetes_namespace.apps.metadata[0].name
    labels    = merge(local.labels, { app = "postgres" })
  }
  spec {
    service_name = "postgres"
    replicas     = 1
    selector {
      match_labels = { app = "postgres" }
    }
    template {
      metadata {
        labels = merge(local.labels, { app = "postgres" })
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
    namespace = kubernetes_namespace.apps.metadata[0].name
  }
  spec {
    selector = { app = "postgres" }
    port {
      port = 5432
    }
  }
}
