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
