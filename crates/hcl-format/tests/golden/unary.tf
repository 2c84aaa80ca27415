a = -1
b = 2 - -3
c = 4-5
d = [-1, - 2, (-3)]
e = x ? -1 : -y
f = !true
g = ! var.flag
h = 1 * -2
i = -var.x - -var.y
j = foo(-1)
k = a == -1 && b != -2 || c < -3
l = { v = -1 }
