variable "environment" {
  type        = string
  description = "Environment name (TOFU_ENV), set by the root terragrunt configuration."
  default     = "dev"
}

variable "kubeconfig_path" {
  type        = string
  description = "team-a's vcluster kubeconfig (from the vcluster stack)."
}

variable "namespace" {
  type        = string
  description = "Namespace of team-a's applications inside its vcluster."
  default     = "team-a-apps"
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

variable "postgres_version" {
  type        = string
  description = "PostgreSQL image tag."
  default     = "16"
}

variable "postgres_user" {
  type        = string
  description = "PostgreSQL user of the team database."
  default     = "team_a"
}

variable "postgres_database" {
  type        = string
  description = "Name of the team database."
  default     = "team_a"
}

variable "postgres_password" {
  type        = string
  description = "Password of the team database user. Sealed in env/<env>.secrets.tfvars.json."
  sensitive   = true

  validation {
    condition     = length(var.postgres_password) >= 16
    error_message = "postgres_password must be at least 16 characters."
  }
}
