a=1
bb = "${x}"
c = <<EOT
line
EOT
