output "cluster_name" {
  description = "Name of the KIND cluster."
  value       = kind_cluster.host.name
}

output "kubeconfig_path" {
  description = "Path of the host cluster's kubeconfig."
  value       = kind_cluster.host.kubeconfig_path
}

output "endpoint" {
  description = "API server of the host cluster."
  value       = kind_cluster.host.endpoint
}

output "team_node_ports" {
  description = "Host port of each team's vcluster API server."
  value       = { for name, t in var.teams : name => t.node_port }
}
