nginx_replicas   = 3
postgres_version = "16"
team_config = {
  log_level = "info"
  owner     = "team-a@example.com"
}
