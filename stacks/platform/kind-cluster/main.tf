terraform {
  required_version = ">= 1.6.0"
  required_providers {
    kind = {
      source  = "tehcyx/kind"
      version = "~> 0.9"
    }
  }
}

# The host cluster. Each team's vcluster API server is published on a fixed NodePort, mapped to the
# same port on 127.0.0.1, so the exported team kubeconfigs work without a port-forward.
resource "kind_cluster" "host" {
  name            = "${var.cluster_name}-${var.environment}"
  node_image      = "kindest/node:${var.kubernetes_version}"
  wait_for_ready  = true
  kubeconfig_path = "${var.kubeconfig_dir}/kind-kubeconfig"

  kind_config {
    kind        = "Cluster"
    api_version = "kind.x-k8s.io/v1alpha4"

    node {
      role = "control-plane"

      dynamic "extra_port_mappings" {
        for_each = [for t in values(var.teams) : t.node_port]
        content {
          container_port = extra_port_mappings.value
          host_port      = extra_port_mappings.value
          listen_address = "127.0.0.1"
          protocol       = "TCP"
        }
      }
    }

    dynamic "node" {
      for_each = range(var.worker_count)
      content {
        role = "worker"
      }
    }
  }
}
