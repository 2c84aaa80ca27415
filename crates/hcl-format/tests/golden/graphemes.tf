locals {
  naïve = 1
  日本語 = 2
  plain = 5
  tags = {
    "Ünïcode" = "ö" # ü
    "e\u0301" = 3 # combining
    "é" = 4 # decomposed e + accent: one grapheme
    "👍🏽" = 5 # emoji with skin tone: one grapheme
    ascii = "a" # b
  }
}
