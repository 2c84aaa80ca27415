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
    owner     = optional(string)
    namespace = optional(string)
  }))
  description = "The platform's teams, from stacks/teams.tfvars (teams.auto.tfvars here): each team gets a vcluster with its API server on node_port, in the host namespace `namespace` (default vcluster-<team>)."

  validation {
    condition     = alltrue([for t in values(var.teams) : t.node_port >= 30000 && t.node_port <= 32767])
    error_message = "Each team's node_port must be in the NodePort range 30000-32767."
  }

  validation {
    condition     = length(distinct([for t in values(var.teams) : t.node_port])) == length(var.teams)
    error_message = "Two teams have the same node_port: each team's vcluster needs a port of its own."
  }

  validation {
    condition     = alltrue([for name in keys(var.teams) : can(regex("^[a-z]([a-z0-9-]{0,52}[a-z0-9])?$", name))])
    error_message = "Team names must be DNS labels (lowercase letters, digits, dashes) of at most 54 characters."
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
