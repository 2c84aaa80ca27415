stack {
  id          = "teams-{{team}}"
  name        = "{{team}}"
  description = "{{team}}'s applications: {{services}}"
  tags        = ["team", "{{team}}"]
  after       = ["/stacks/platform/vcluster"]
}
