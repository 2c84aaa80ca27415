stack {
  id          = "teams-team-a"
  name        = "team-a"
  description = "team-a's applications: nginx and PostgreSQL"
  tags        = ["team", "team-a"]
  after       = ["/stacks/platform/vcluster"]
}
