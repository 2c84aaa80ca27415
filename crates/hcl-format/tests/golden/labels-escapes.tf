# A label that is exactly one escape is kept; a bare label after it is quoted.
data "$${" "😀" tags {
}
variable "%%{" "key=value" { }
provider"$${"{}
data "$" "%" {}
