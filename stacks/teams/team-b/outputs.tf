output "namespace" {
  description = "Namespace of team-b's applications."
  value       = module.team.namespace
}

output "redis_host" {
  description = "In-cluster address of the team's Redis."
  value       = "${kubernetes_service.redis.metadata[0].name}.${var.namespace}.svc.cluster.local"
}
