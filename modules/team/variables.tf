variable "team" {
  type        = string
  description = "The team's name (a DNS label), as in stacks/teams.tfvars."
}

variable "environment" {
  type        = string
  description = "Environment name (TOFU_ENV)."
}

variable "namespace" {
  type        = string
  description = "Namespace of the team's applications inside its vcluster."
}

variable "team_config" {
  type        = map(string)
  description = "Settings published in the team-config ConfigMap."
  default     = {}
}

variable "nginx_replicas" {
  type        = number
  description = "Number of nginx replicas."
  default     = 1
}

variable "nginx_version" {
  type        = string
  description = "nginx image tag."
  default     = "1.27"
}

variable "quota" {
  type = object({
    cpu    = optional(string, "2")
    memory = optional(string, "4Gi")
    pods   = optional(string, "20")
  })
  description = "Resource quota of the application namespace (requests)."
  default     = {}
}
