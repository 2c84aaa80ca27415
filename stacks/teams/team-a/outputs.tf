output "namespace" {
  description = "Namespace of team-a's applications."
  value       = kubernetes_namespace.apps.metadata[0].name
}

output "postgres_host" {
  description = "In-cluster address of the team database."
  value       = "${kubernetes_service.postgres.metadata[0].name}.${var.namespace}.svc.cluster.local"
}
