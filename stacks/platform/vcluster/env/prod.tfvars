vcluster_chart_version = "0.21.2"
