b"é"{}
resource /* a */ "x" /* b */ "y" {}
b "x"  /* c */  {}
b /* c */ {}
b /* c */ x /* d */ y {}
b /*c*/ /*d*/ "x" {
  a=1
}
