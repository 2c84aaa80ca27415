# These resources were in this stack before every team's common part moved to modules/team:
# the moved blocks carry their state over, so the next apply changes nothing instead of
# destroying and recreating the namespace (and everything in it).
moved {
  from = kubernetes_namespace.apps
  to   = module.team.kubernetes_namespace.apps
}

moved {
  from = kubernetes_config_map.team
  to   = module.team.kubernetes_config_map.team
}

moved {
  from = kubernetes_deployment.nginx
  to   = module.team.kubernetes_deployment.nginx
}
