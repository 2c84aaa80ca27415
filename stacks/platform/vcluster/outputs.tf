output "team_kubeconfig_paths" {
  description = "Path of each team's vcluster kubeconfig."
  value       = { for team, file in local_sensitive_file.kubeconfig : team => abspath(file.filename) }
}

output "team_namespaces" {
  description = "Host namespace of each team's vcluster."
  value       = { for team, release in helm_release.vcluster : team => release.namespace }
}
