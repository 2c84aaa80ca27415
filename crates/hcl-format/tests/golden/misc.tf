resource aws_instance web {
  ami = "ami-123"
  count = 2
  tags = merge(var.tags,{Name="web"})
  list = [ 1 , 2 , 3 ]
  empty_obj = { }
  empty_list = [ ]
  splat = aws_instance.web[*].id
  legacy = aws_instance.web.*.id
  index = var.list [0]
  attr = var.obj . attr
  call = provider::aws::arn_parse(var.arn)
  args = concat(var.a, var.b...)
  cond = (
    var.a
    ? 1
    : 2
  )
  nested { inner = 1 }
  dynamic "setting" {
    for_each = var.settings
    content {
      name = setting.value.name
    }
  }
}
variable "v1" {
  type = "string"
}
variable "v2" {
  type = "list"
}
variable "v3" {
  type = map
}
variable "v4" {
  type = set
}
variable "v5" {
  type = list(string)
  default = []
}
module "m" {
  source = "./m"
  type = "string"
}
/* block
   comment */
# hash
// slashes
output "o" { value = "${var.x}" }
