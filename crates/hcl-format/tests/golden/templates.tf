a = "${ var.z }-x"
b = "${var.x}"
c = "${  var.y  }"
d = "prefix-${var.a}-${ var.b }"
e = "%{ if var.c }yes%{ else }no%{ endif }"
f = "${~ var.d ~}"
g = "$${literal} and %%{literal}"
h = "${ {a=1} }"
i = "${foo("${bar}")}"
j = "${
  var.multi
}"
k = "${
  a ? b : c
}"
l = "${(a)}"
m = "x${y}"
n = "${a}${b}"
o = "${ "nested" }"
