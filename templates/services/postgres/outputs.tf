output "postgres_host" {
  description = "In-cluster address of the team database."
  value       = "${kubernetes_service.postgres.metadata[0].name}.${var.namespace}.svc.cluster.local"
}
