variable "environment" {
  type        = string
  description = "Environment name (TOFU_ENV), set by the root terragrunt configuration."
  default     = "dev"
}

variable "cluster_name" {
  type        = string
  description = "Base name of the KIND cluster; the environment is appended."
  default     = "platform"

  validation {
    condition     = can(regex("^[a-z0-9-]{1,40}$", var.cluster_name))
    error_message = "cluster_name must be 1-40 lowercase letters, digits or dashes."
  }
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes version of the kindest/node image, e.g. v1.31.0."
  default     = "v1.31.0"
}

variable "worker_count" {
  type        = number
  description = "Number of worker nodes besides the control plane."
  default     = 0

  validation {
    condition     = var.worker_count >= 0 && var.worker_count <= 5
    error_message = "worker_count must be between 0 and 5."
  }
}

variable "teams" {
  type = map(object({
    node_port = number
    owner     = optional(string)
    namespace = optional(string)
  }))
  description = "The platform's teams, from stacks/teams.tfvars (teams.auto.tfvars here): the host port (= NodePort) of each team's vcluster API server."

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

variable "kubeconfig_dir" {
  type        = string
  description = "Directory the host cluster's kind-kubeconfig is written to (the stack directory)."
}
