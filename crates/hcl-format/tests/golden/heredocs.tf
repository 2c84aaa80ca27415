locals {
  a = <<EOT
hello ${ var.x   }
  %{ if  true }y%{ endif }
    kept   as is   
EOT
  b = <<-EOT
    indented ${var.y}
    EOT
  c = <<-JSON
  {
    "k": "${ jsonencode(var.z) }"
  }
  JSON
  d = 1
}
resource "x" "y" {
  user_data = <<-EOF
    #!/bin/bash
    echo "${ var.name }"
  EOF

  tags = {}
}
