stack {
  id          = "teams-team-b"
  name        = "team-b"
  description = "team-b's applications: nginx and Redis"
  tags        = ["team", "team-b"]
  after       = ["/stacks/platform/vcluster"]
}
