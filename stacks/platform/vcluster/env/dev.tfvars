vcluster_chart_version = "0.21.2"
teams = {
  team-a = { node_port = 30443 }
  team-b = { node_port = 30444 }
}
