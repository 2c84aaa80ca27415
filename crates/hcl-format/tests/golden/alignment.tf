locals {
  a = 1
  bbb = 2

  cc = 3
  # a comment breaks the chain
  dddd = 4
  e = {
    x = 1
  }
  ffffff = 5
  g = <<EOT
body
EOT
  hhhhhhh = 6
  i = [1,
  2]
  jj = 7 # trailing
  k = "x"  # aligned
  lllll = true    // slashes
  m = null /* block */
}
