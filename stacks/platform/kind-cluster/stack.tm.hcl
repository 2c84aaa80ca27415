stack {
  id          = "platform-kind-cluster"
  name        = "kind-cluster"
  description = "KIND host cluster for the team vclusters"
  tags        = ["platform"]
}
