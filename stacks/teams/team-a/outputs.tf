output "namespace" {
  description = "Namespace of team-a's applications."
  value       = module.team.namespace
}

output "postgres_host" {
  description = "In-cluster address of the team database."
  value       = "${kubernetes_service.postgres.metadata[0].name}.${var.namespace}.svc.cluster.local"
}
