terraform {
  required_version = ">= 1.6.0"
  required_providers {
    helm = {
      source  = "hashicorp/helm"
      version = "~> 2.15"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.33"
    }
    local = {
      source  = "hashicorp/local"
      version = "~> 2.5"
    }
  }
}

provider "helm" {
  kubernetes {
    config_path = var.host_kubeconfig_path
  }
}

provider "kubernetes" {
  config_path = var.host_kubeconfig_path
}

# One vcluster per team. The API server is a NodePort service on the port KIND maps to 127.0.0.1,
# and exportKubeConfig.server points the exported kubeconfig there.
resource "helm_release" "vcluster" {
  for_each = var.teams

  name             = each.key
  namespace        = coalesce(each.value.namespace, "vcluster-${each.key}")
  create_namespace = true
  repository       = "https://charts.loft.sh"
  chart            = "vcluster"
  version          = var.vcluster_chart_version
  wait             = true

  values = [yamlencode({
    controlPlane = {
      proxy = {
        extraSANs = ["127.0.0.1", "localhost"]
      }
      service = {
        spec          = { type = "NodePort" }
        httpsNodePort = each.value.node_port
      }
    }
    exportKubeConfig = {
      server  = "https://127.0.0.1:${each.value.node_port}"
      context = "vcluster-${each.key}"
    }
  })]
}

# vcluster writes the kubeconfig into the vc-<name> secret of the release namespace.
data "kubernetes_secret" "kubeconfig" {
  for_each = helm_release.vcluster

  metadata {
    name      = "vc-${each.key}"
    namespace = each.value.namespace
  }
}

resource "local_sensitive_file" "kubeconfig" {
  for_each = data.kubernetes_secret.kubeconfig

  filename        = "${var.kubeconfig_dir}/vcluster-${each.key}.kubeconfig"
  content         = each.value.data["config"]
  file_permission = "0600"
}
