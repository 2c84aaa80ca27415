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

variable "team_node_ports" {
  type        = map(number)
  description = "Host port (= NodePort) of each team's vcluster API server."
  default = {
    team-a = 30443
    team-b = 30444
  }

  validation {
    condition     = alltrue([for p in values(var.team_node_ports) : p >= 30000 && p <= 32767])
    error_message = "NodePorts must be in 30000-32767."
  }
}

variable "kubeconfig_dir" {
  type        = string
  description = "Directory the host cluster's kind-kubeconfig is written to (the stack directory)."
}
