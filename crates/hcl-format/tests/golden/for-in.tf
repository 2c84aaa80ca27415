# A value variable named `in`: the next `in` is the keyword, and the tuple after it is kept.
a = [for k, in in [true] : k]
b = [for k, in in [false][0][each.key] : k]
c = {for in, v in [true] : in => v}
d = [for k in [true]: k]
