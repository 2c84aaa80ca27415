# Labels holding format, private-use and unassigned characters: escaped, as Go's unicode.IsPrint says.
data "؀١" "n0" {}
data "؜" "n1" {}
data "󠀁" "n2" {}
data "" "n3" {}
data "͸" "n4" {}
data "🫸" "n5" {}
