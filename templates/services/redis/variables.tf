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
