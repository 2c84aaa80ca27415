nginx_replicas = 1
team_config = {
  log_level = "info"
  owner     = "{{owner}}"
}
