variable "postgres_version" {
  type        = string
  description = "PostgreSQL image tag."
  default     = "16"
}

variable "postgres_user" {
  type        = string
  description = "PostgreSQL user of the team database."
  default     = "{{team_snake}}"
}

variable "postgres_database" {
  type        = string
  description = "Name of the team database."
  default     = "{{team_snake}}"
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
