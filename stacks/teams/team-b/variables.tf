variable "environment" {
  type        = string
  description = "Environment name (TOFU_ENV), set by the root terragrunt configuration."
  default     = "dev"
}

variable "kubeconfig_path" {
  type        = string
  description = "team-b's vcluster kubeconfig (from the vcluster stack)."
}

variable "namespace" {
  type        = string
  description = "Namespace of team-b's applications inside its vcluster."
  default     = "team-b-apps"
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

variable "redis_version" {
  type        = string
  description = "Redis image tag."
  default     = "7.4"
}

variable "redis_password" {
  type        = string
  description = "Password of the team's Redis. Sealed in env/<env>.secrets.tfvars.json."
  sensitive   = true

  validation {
    condition     = length(var.redis_password) >= 16
    error_message = "redis_password must be at least 16 characters."
  }
}
