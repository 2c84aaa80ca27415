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
