output "namespace" {
  description = "Namespace of {{team}}'s applications."
  value       = module.team.namespace
}
