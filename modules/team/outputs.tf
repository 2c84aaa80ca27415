output "namespace" {
  description = "Namespace of the team's applications."
  value       = kubernetes_namespace.apps.metadata[0].name
}

output "labels" {
  description = "Labels every resource of the team carries."
  value       = local.labels
}
