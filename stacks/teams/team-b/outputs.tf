output "namespace" {
  description = "Namespace of team-b's applications."
  value       = kubernetes_namespace.apps.metadata[0].name
}

output "redis_host" {
  description = "In-cluster address of team-b's Redis."
  value       = "${kubernetes_service.redis.metadata[0].name}.${var.namespace}.svc.cluster.local"
}
