variable "environment" {
  type        = string
  description = "Environment name (TOFU_ENV), set by the root terragrunt configuration."
  default     = "dev"
}

variable "kubeconfig_path" {
  type        = string
  description = "{{team}}'s vcluster kubeconfig (from the vcluster stack)."
}

variable "namespace" {
  type        = string
  description = "Namespace of {{team}}'s applications inside its vcluster."
  default     = "{{team}}-apps"
}

variable "nginx_replicas" {
  type        = number
  description = "Number of nginx replicas."
  default     = 1

  validation {
    condition     = var.nginx_replicas >= 1
    error_message = "nginx_replicas must be at least 1."
  }
}

variable "nginx_version" {
  type        = string
  description = "nginx image tag."
  default     = "1.27"
}

variable "team_config" {
  type        = map(string)
  description = "Settings published in the team-config ConfigMap."
  default     = {}
}
