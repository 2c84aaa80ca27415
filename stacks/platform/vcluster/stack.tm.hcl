stack {
  id          = "platform-vcluster"
  name        = "vcluster"
  description = "One vcluster per team on the host cluster"
  tags        = ["platform"]
  after       = ["/stacks/platform/kind-cluster"]
}
