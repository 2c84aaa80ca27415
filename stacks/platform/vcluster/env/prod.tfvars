vcluster_chart_version = "0.21.2"
teams = {
  team-a = { node_port = 30443, namespace = "vcluster-team-a" }
  team-b = { node_port = 30444, namespace = "vcluster-team-b" }
}
