nginx_replicas = 2
redis_version  = "7.4"
team_config = {
  log_level = "info"
}
