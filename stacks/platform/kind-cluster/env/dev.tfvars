cluster_name       = "platform"
kubernetes_version = "v1.31.0"
worker_count       = 0
