//! A seeded generator of valid HCL (attributes, blocks, every expression form, templates,
//! heredocs, comments) and a whitespace perturbation that keeps token boundaries.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

// Identifiers as hclsyntax takes them (Unicode 9.0 ID_Start/ID_Continue): an Other_ID_Start
// letter, a connector punctuation, a decomposed accent (one grapheme, two code points) and an
// Indic conjunct (two graphemes for terraform's Unicode 15.0 segmentation, one for 15.1's).
const NAMES: [&str; 17] = [
    "\u{2118}",
    "x\u{FE34}y",
    "e\u{301}te\u{301}",
    "\u{938}\u{94D}\u{924}",
    "\u{915}\u{94D}\u{937}a",
    "name",
    "id",
    "count",
    "tags",
    "vpc_id",
    "instance_type",
    "enabled",
    "x",
    "long_attribute_name",
    "naïve",
    "日本",
    "a-b",
];
const BLOCKS: [&str; 6] = [
    "resource",
    "module",
    "locals",
    "dynamic",
    "lifecycle",
    "provisioner",
];

pub struct Gen {
    rng: Rng,
    out: String,
}

pub fn file(seed: u64) -> String {
    let mut g = Gen {
        rng: Rng::new(seed),
        out: String::new(),
    };
    let items = 1 + g.rng.below(8);
    g.body(0, items, true);
    g.out
}

impl Gen {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn body(&mut self, depth: usize, items: usize, top: bool) {
        let mut names = Vec::new();
        for _ in 0..items {
            match self.rng.below(10) {
                0 => self.out.push('\n'),
                1 => {
                    self.indent(depth);
                    let c =
                        self.rng
                            .pick(&["# note", "// other", "/* block */", "# ünïcode comment"]);
                    self.out.push_str(c);
                    self.out.push('\n');
                }
                2 | 3 if depth < 3 => self.block(depth, top),
                _ => {
                    let mut name = self.rng.pick(&NAMES).to_string();
                    if names.contains(&name) {
                        name = format!("{name}_{}", names.len());
                    }
                    names.push(name.clone());
                    self.indent(depth);
                    self.out.push_str(&name);
                    self.out.push_str(" = ");
                    self.expr(0, true);
                    // Nothing may follow a heredoc's closing marker on its line.
                    if self.rng.chance(20) && !self.out.ends_with("EOT") {
                        self.out.push_str(" # trailing");
                    }
                    self.out.push('\n');
                }
            }
        }
    }

    fn block(&mut self, depth: usize, top: bool) {
        self.indent(depth);
        let kind = if top && self.rng.chance(20) {
            "variable"
        } else {
            self.rng.pick(&BLOCKS)
        };
        self.out.push_str(kind);
        for _ in 0..self.rng.below(3) {
            if self.rng.chance(10) {
                // tofu drops comments before and between labels.
                self.out.push_str(" /* c */");
            }
            // Lossy: tofu drops a label holding `$` or `%` beside other characters.
            let label = if self.rng.chance(3) {
                " \"a$b\""
            } else {
                self.rng.pick(&[
                    " \"label\"",
                    " bare_label",
                    " \"label\"",
                    " bare_label",
                    // Written back NFC-normalised, and escaped afresh.
                    " \"e\u{301}\"",
                    " \"tab\\there\"",
                    // One escape alone: kept. Beside other characters: lost.
                    " \"$${\"",
                    " \"%%{\"",
                    " \"$${a\"",
                    // Format, private-use and unassigned characters: escaped (Go's IsPrint).
                    " \"\u{600}\u{661}\"",
                    " \"\u{61C}x\"",
                    " \"\u{E000}\"",
                    " \"\u{378}\"",
                    " \"\u{1FAF8}\"",
                ])
            };
            self.out.push_str(label);
        }
        if kind == "variable" {
            self.out.push_str(" {\n");
            self.indent(depth + 1);
            let t = self.rng.pick(&[
                "\"string\"",
                "\"list\"",
                "\"map\"",
                "list",
                "map",
                "set",
                "string",
                "list(string)",
            ]);
            self.out.push_str(&format!("type = {t}\n"));
            self.indent(depth);
            self.out.push_str("}\n");
            return;
        }
        if self.rng.chance(10) {
            self.out.push_str(" {}\n");
            return;
        }
        self.out.push_str(" {\n");
        let n = 1 + self.rng.below(4);
        self.body(depth + 1, n, false);
        self.indent(depth);
        self.out.push_str("}\n");
    }

    /// `multiline`: whether the expression may span lines (it is not inside a quoted template).
    fn expr(&mut self, depth: usize, multiline: bool) {
        let leaf = depth > 3;
        match if leaf {
            self.rng.below(5)
        } else {
            self.rng.below(19)
        } {
            0 => {
                let n = self.rng.pick(&["1", "42", "3.14", "1e3", "0"]);
                self.out.push_str(n);
            }
            1 => {
                let s = self.rng.pick(&[
                    "\"plain\"",
                    "\"with space\"",
                    "\"esc\\\"aped\\n\"",
                    "\"$${literal}\"",
                    "\"ö\"",
                    "\"\"",
                ]);
                self.out.push_str(s);
            }
            2 => {
                let r = self.rng.pick(&[
                    "var.x",
                    "local.y",
                    "aws_instance.web.id",
                    "each.value",
                    "true",
                    "null",
                    "count.index",
                ]);
                self.out.push_str(r);
            }
            3 => {
                self.out.push_str("\"${");
                self.expr(depth + 1, false);
                self.out.push('}');
                if self.rng.chance(50) {
                    self.out.push_str("-suffix");
                }
                self.out.push('"');
            }
            4 => {
                self.out.push_str("\"pre-${");
                self.expr(depth + 1, false);
                self.out.push_str("}%{ if var.c }y%{ else }n%{ endif }\"");
            }
            5 => {
                let op = self.rng.pick(&["!", "-"]);
                self.out.push_str(op);
                self.expr(depth + 1, multiline);
            }
            6 => {
                self.expr(depth + 1, multiline);
                let op = self.rng.pick(&[
                    " + ", " - ", " * ", " / ", " % ", " == ", " != ", " < ", " >= ", " && ",
                    " || ",
                ]);
                self.out.push_str(op);
                self.expr(depth + 1, multiline);
            }
            7 => {
                self.out.push('(');
                self.expr(depth + 1, multiline);
                self.out.push_str(" ? ");
                self.expr(depth + 1, multiline);
                self.out.push_str(" : ");
                self.expr(depth + 1, multiline);
                self.out.push(')');
            }
            8 => {
                let f = self.rng.pick(&[
                    "merge",
                    "lookup",
                    "concat",
                    "provider::aws::arn_parse",
                    "format",
                ]);
                self.out.push_str(f);
                self.out.push('(');
                let n = self.rng.below(3);
                for i in 0..n {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(depth + 1, multiline);
                }
                if n > 0 && self.rng.chance(15) {
                    self.out.push_str("...");
                }
                self.out.push(')');
            }
            9 => {
                let newline = multiline && self.rng.chance(40);
                self.out.push('[');
                let n = self.rng.below(4);
                for i in 0..n {
                    if newline {
                        self.out.push('\n');
                    }
                    self.expr(depth + 1, multiline);
                    if i + 1 < n || (newline && self.rng.chance(50)) {
                        self.out.push(',');
                        if !newline {
                            self.out.push(' ');
                        }
                    }
                }
                if newline {
                    self.out.push('\n');
                }
                self.out.push(']');
            }
            10 => {
                let newline = multiline && self.rng.chance(60);
                self.out.push('{');
                let n = self.rng.below(4);
                for i in 0..n {
                    self.out.push_str(if newline { "\n" } else { " " });
                    let key = match self.rng.below(7) {
                        5 => format!("\"\u{938}\u{94D}\u{924}{i}\""),
                        6 => format!("\u{2118}{i}"),
                        0 => format!("a{i}"),
                        1 => format!("bb{i}"),
                        2 => format!("\"quoted key {i}\""),
                        3 => format!("long_key_name{i}"),
                        _ => format!("(var.k{i})"),
                    };
                    self.out.push_str(&key);
                    self.out
                        .push_str(if self.rng.chance(80) { " = " } else { ": " });
                    self.expr(depth + 1, multiline);
                    if !newline && i + 1 < n {
                        self.out.push(',');
                    }
                    if newline && self.rng.chance(20) {
                        self.out.push_str(" # c");
                    }
                }
                self.out.push_str(if newline {
                    "\n"
                } else if n > 0 {
                    " "
                } else {
                    ""
                });
                self.out.push('}');
            }
            11 => {
                self.out.push_str("[for x in ");
                self.expr(depth + 1, multiline);
                self.out.push_str(" : ");
                self.expr(depth + 1, multiline);
                if self.rng.chance(40) {
                    self.out.push_str(" if x != null");
                }
                self.out.push(']');
            }
            12 if self.rng.chance(25) => {
                // A value variable named `in`: the next `in` is the keyword, the tuple kept.
                self.out.push_str(self.rng.pick(&[
                    "[for k, in in [true] : k]",
                    "[for k, in in [false][0][each.key] : in]",
                    "{for in, v in [null] : in => v}",
                ]));
            }
            12 => {
                self.out.push_str("{for k, v in var.m : k => v");
                if self.rng.chance(30) {
                    self.out.push_str("...");
                }
                self.out.push('}');
            }
            13 => {
                // Lossy: tofu writes `[]` for a keyword index of a static traversal.
                let lossy = ["local.m[true]", "var.m[1][null]"];
                let s = if self.rng.chance(5) {
                    self.rng.pick(&lossy)
                } else {
                    self.rng.pick(&[
                        "var.list[0]",
                        "var.list[*].id",
                        "aws_instance.web.*.id",
                        "var.map[\"k\"]",
                        "var.l[count.index].name",
                        "var.x.0",
                        "local.m[(true)]",
                        "local.m[\"e\u{301}\"]",
                    ])
                };
                self.out.push_str(s);
            }
            // A heredoc's closing marker must end its line: only as a whole attribute value.
            14 if multiline && depth == 0 => {
                let dash = if self.rng.chance(50) { "-" } else { "" };
                self.out.push_str(&format!("<<{dash}EOT\n"));
                for _ in 0..1 + self.rng.below(3) {
                    let line = self.rng.pick(&[
                        "  text ${ var.x }",
                        "plain line",
                        "    %{ if true }y%{ endif }",
                        "trailing   ",
                        "",
                    ]);
                    self.out.push_str(line);
                    self.out.push('\n');
                }
                self.out
                    .push_str(if dash.is_empty() { "EOT" } else { "  EOT" });
            }
            15 if multiline => {
                self.out.push_str("\"${\n");
                self.expr(depth + 1, false);
                self.out.push_str("\n}\"");
            }
            16 => {
                self.out.push('-');
                let n = self.rng.pick(&["1", "var.n"]);
                self.out.push_str(n);
            }
            17 => self.out.push_str("\"${ {a=1} }\""),
            _ => self.out.push_str("\"${var.only}\""),
        }
    }
}

/// Whitespace perturbation: spaces/tabs added or removed where a token boundary allows it (per
/// `boundaries`, byte offsets between tokens), indentation changed, trailing spaces, CRLF.
pub fn perturb(src: &str, boundaries: &[usize], seed: u64) -> String {
    let mut rng = Rng::new(seed ^ 0xDEAD_BEEF);
    let mut out = String::with_capacity(src.len() * 2);
    let mut b = boundaries.iter().peekable();
    let crlf = rng.chance(10);
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
    for (i, c) in src.char_indices() {
        while b.peek().is_some_and(|&&o| o < i) {
            b.next();
        }
        let at_boundary = b.peek().is_some_and(|&&o| o == i);
        if at_boundary && rng.chance(20) {
            out.push_str(rng.pick(&[" ", "  ", "\t", "   "]));
        }
        // Drop a space between tokens, unless that would join two words into one.
        let joins_words = word(out.chars().last()) && word(src[i + c.len_utf8()..].chars().next());
        if c == ' ' && at_boundary && !joins_words && rng.chance(30) {
            continue;
        }
        if c == '\n' {
            if rng.chance(10) {
                out.push_str("  ");
            }
            if crlf {
                out.push('\r');
            }
        }
        out.push(c);
    }
    out
}
