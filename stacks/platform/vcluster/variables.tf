variable "environment" {
  type        = string
  description = "Environment name (TOFU_ENV), set by the root terragrunt configuration."
  default     = "dev"
}

variable "host_kubeconfig_path" {
  type        = string
  description = "kubeconfig of the host cluster (from the kind-cluster stack)."
}

variable "teams" {
  type = map(object({
    node_port = number
    namespace = optional(string)
  }))
  description = "Teams that get a vcluster, with the NodePort of its API server."
  default = {
    team-a = { node_port = 30443 }
    team-b = { node_port = 30444 }
  }

  validation {
    condition     = alltrue([for t in values(var.teams) : t.node_port >= 30000 && t.node_port <= 32767])
    error_message = "Each team's node_port must be in 30000-32767 and mapped by the kind-cluster stack."
  }
}

variable "vcluster_chart_version" {
  type        = string
  description = "Version of the loft-sh vcluster Helm chart."
  default     = "0.21.2"
}

variable "kubeconfig_dir" {
  type        = string
  description = "Directory the vcluster-<team>.kubeconfig files are written to (the stack directory)."
}
