//! Literal values as tfvars files hold them (strings, numbers, bools, null, lists, objects,
//! heredocs), with where each one was written (file:line:column), and written back as HCL.

use std::fmt::Write;

use crate::lexer::{self, Kind, Token};
use crate::{self as hclfmt, SyntaxError};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Kept as written; tofu numbers are arbitrary precision.
    Number(String),
    String(String),
    Tuple(Vec<Located>),
    Object(Vec<(String, Located)>),
}

/// A value and where it starts (1-based; 0 when it has no position, e.g. a default).
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub value: Value,
    pub line: usize,
    pub column: usize,
}

impl Located {
    pub fn nowhere(value: Value) -> Self {
        Located {
            value,
            line: 0,
            column: 0,
        }
    }
}

/// A top-level assignment in a var file.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub value: Located,
}

impl Value {
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Tuple(_) => "tuple",
            Value::Object(_) => "object",
        }
    }

    /// HCL syntax for the value (single line), as `tofu console` would show it.
    pub fn to_hcl(&self) -> String {
        let mut s = String::new();
        self.write_hcl(&mut s);
        s
    }

    fn write_hcl(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => quote(s, out),
            Value::Tuple(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.value.write_hcl(out);
                }
                out.push(']');
            }
            Value::Object(attrs) => {
                if attrs.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push_str("{ ");
                for (i, (k, v)) in attrs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if is_identifier(k) {
                        out.push_str(k);
                    } else {
                        quote(k, out);
                    }
                    out.push_str(" = ");
                    v.value.write_hcl(out);
                }
                out.push_str(" }");
            }
        }
    }
}

/// Whether `s` can stand unquoted as an attribute or variable name (HCL's identifier rules).
pub fn is_identifier(s: &str) -> bool {
    use crate::lexer::{is_ident_continue, is_ident_start};
    s.chars().next().is_some_and(is_ident_start) && s.chars().all(is_ident_continue)
}

/// A string as a quoted HCL literal (`"`, `\`, `${` and `%{` escaped), as tofu reads it back.
pub fn quote(s: &str, out: &mut String) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Reads a tfvars file: top-level `name = literal` assignments, positioned. Function calls,
/// references and templates are refused, as tofu refuses them in var files.
pub fn parse_tfvars(src: &str) -> Result<Vec<Assignment>, SyntaxError> {
    let src = src.strip_prefix('\u{FEFF}').unwrap_or(src);
    let tokens = lexer::lex(src)?;
    // The same gate as the formatter: syntax errors and "Attribute redefined".
    let body = crate::parse::parse(src, &tokens)?;
    let mut out = Vec::new();
    for item in &body.items {
        match item {
            crate::parse::Item::Attribute { name, expr: (s, e) } => {
                let name_tok = tokens[..*s]
                    .iter()
                    .rev()
                    .find(|t| t.kind == Kind::Ident)
                    .expect("attribute name");
                let (line, column) = hclfmt::line_col(src, name_tok.offset);
                let toks: Vec<&Token> = tokens[*s..*e]
                    .iter()
                    .filter(|t| !matches!(t.kind, Kind::Newline | Kind::Comment))
                    .collect();
                let mut r = LiteralReader { src, toks, pos: 0 };
                let value = r.value()?;
                if r.pos < r.toks.len() {
                    return Err(r.err("Invalid expression", "Operators and references are not allowed in a variables file; write the literal value."));
                }
                out.push(Assignment {
                    name: name.clone(),
                    line,
                    column,
                    value,
                });
            }
            crate::parse::Item::Block { kind, .. } => {
                let at = tokens
                    .iter()
                    .find(|t| t.kind == Kind::Ident && t.text == kind)
                    .map_or(0, |t| t.offset);
                return Err(SyntaxError::at(
                    src,
                    at,
                    "Unexpected block",
                    "Blocks are not allowed in a variables file; write `name = value` assignments.",
                ));
            }
        }
    }
    Ok(out)
}

struct LiteralReader<'a, 't> {
    src: &'a str,
    toks: Vec<&'t Token<'a>>,
    pos: usize,
}

impl LiteralReader<'_, '_> {
    fn at(&self) -> (usize, usize) {
        let off = self.toks.get(self.pos).map_or(self.src.len(), |t| t.offset);
        hclfmt::line_col(self.src, off)
    }

    fn err(&self, summary: &str, detail: &str) -> SyntaxError {
        let off = self.toks.get(self.pos).map_or(self.src.len(), |t| t.offset);
        SyntaxError::at(self.src, off, summary, detail)
    }

    fn kind(&self) -> Kind {
        self.toks.get(self.pos).map_or(Kind::Eof, |t| t.kind)
    }

    fn value(&mut self) -> Result<Located, SyntaxError> {
        let (line, column) = self.at();
        let v = match self.kind() {
            Kind::Number => {
                let n = self.toks[self.pos].text.to_string();
                self.pos += 1;
                Value::Number(n)
            }
            Kind::Minus if self.toks.get(self.pos + 1).is_some_and(|t| t.kind == Kind::Number) => {
                let n = format!("-{}", self.toks[self.pos + 1].text);
                self.pos += 2;
                Value::Number(n)
            }
            Kind::Ident => {
                let t = self.toks[self.pos].text;
                let next = self.toks.get(self.pos + 1).map(|t| t.kind);
                if matches!(next, Some(Kind::OParen | Kind::DoubleColon)) {
                    return Err(self.err("Function calls not allowed", "Functions may not be called here; a variables file holds literal values only."));
                }
                let v = match t {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => return Err(self.err("Variables not allowed", "Variables may not be used here; a variables file holds literal values only.")),
                };
                self.pos += 1;
                v
            }
            Kind::OQuote => {
                self.pos += 1;
                let mut s = String::new();
                while self.kind() == Kind::QuotedLit {
                    s.push_str(&crate::unescape(self.toks[self.pos].text));
                    self.pos += 1;
                }
                if self.kind() != Kind::CQuote {
                    return Err(self.err("Variables not allowed", "Templates (`${...}`, `%{...}`) are not allowed in a variables file; write the literal value."));
                }
                self.pos += 1;
                Value::String(s)
            }
            Kind::OHeredoc => {
                let strip = self.toks[self.pos].text.starts_with("<<-");
                self.pos += 1;
                let mut lines = String::new();
                while self.kind() == Kind::StringLit {
                    lines.push_str(self.toks[self.pos].text);
                    self.pos += 1;
                }
                if self.kind() != Kind::CHeredoc {
                    return Err(self.err("Variables not allowed", "Templates are not allowed in a variables file; write the literal value."));
                }
                self.pos += 1;
                let text = lines.replace("$${", "${").replace("%%{", "%{");
                Value::String(if strip { dedent(&text) } else { text })
            }
            Kind::OBrack => {
                self.pos += 1;
                let mut items = Vec::new();
                while self.kind() != Kind::CBrack {
                    items.push(self.value()?);
                    if self.kind() == Kind::Comma {
                        self.pos += 1;
                    }
                }
                self.pos += 1;
                Value::Tuple(items)
            }
            Kind::OBrace => {
                self.pos += 1;
                let mut attrs = Vec::new();
                while self.kind() != Kind::CBrace {
                    let key = match self.kind() {
                        Kind::Ident => {
                            let k = self.toks[self.pos].text.to_string();
                            self.pos += 1;
                            k
                        }
                        Kind::OQuote => match self.value()?.value {
                            Value::String(s) => s,
                            _ => unreachable!("a quoted key is a string"),
                        },
                        _ => return Err(self.err("Invalid object key", "Object keys in a variables file must be names or quoted strings.")),
                    };
                    if matches!(self.kind(), Kind::Equal | Kind::Colon) {
                        self.pos += 1;
                    }
                    let v = self.value()?;
                    attrs.push((key, v));
                    if self.kind() == Kind::Comma {
                        self.pos += 1;
                    }
                }
                self.pos += 1;
                Value::Object(attrs)
            }
            Kind::OParen => {
                self.pos += 1;
                let v = self.value()?;
                if self.kind() == Kind::CParen {
                    self.pos += 1;
                }
                return Ok(v);
            }
            _ => return Err(self.err("Invalid expression", "A variables file holds literal values only (strings, numbers, bools, null, lists and maps).")),
        };
        Ok(Located {
            value: v,
            line,
            column,
        })
    }
}

/// `<<-` heredocs: the common leading whitespace of the lines is removed.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.split_inclusive('\n')
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect()
}
