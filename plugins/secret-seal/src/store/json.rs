//! The JSON store: Go's token decoder with `UseNumber` on the way in (duplicate keys kept,
//! integers within int64 as ints), `encoding/json` + `json.Indent` on the way out (spec §7.2).

use crate::error::{Error, Result};
use crate::format::float_json;
use crate::tree::{Branch, Item, Key, Value};

pub fn parse(input: &str) -> Result<Branch> {
    let mut p = Parser {
        s: input.as_bytes(),
        pos: 0,
        depth: 0,
    };
    p.ws();
    if p.peek() != Some(b'{') {
        return Err(p.err("the top level of a JSON document must be an object"));
    }
    let Value::Map(branch) = p.value()? else {
        unreachable!("checked for '{{'")
    };
    // Go's stream decoder would stop after the first value and drop the rest without a word;
    // whatever follows the document is refused instead, so nothing in the file is lost.
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err(
            "unexpected text after the JSON document: a file holds one JSON object (merge the rest into it)",
        ));
    }
    Ok(branch)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    /// Maps and lists open around the current position.
    depth: usize,
}

impl Parser<'_> {
    fn err(&self, message: &str) -> Error {
        let before = &self.s[..self.pos.min(self.s.len())];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        Error::syntax("JSON", line, col, message)
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        self.ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected '{}'", c as char)))
        }
    }

    fn value(&mut self) -> Result<Value> {
        self.depth += 1;
        if self.depth > super::MAX_DEPTH {
            return Err(self.err(&super::too_deep()));
        }
        let value = self.value_at_depth();
        self.depth -= 1;
        value
    }

    fn value_at_depth(&mut self) -> Result<Value> {
        self.ws();
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut b = Branch::default();
                let mut seen = super::SeenKeys::default();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Value::Map(b));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.err("expected a string key"));
                    }
                    let key_at = self.pos;
                    let k = self.string()?;
                    if !seen.is_new(&b, &k) {
                        self.pos = key_at;
                        return Err(self.err(&format!("key {k:?} is given twice in one object")));
                    }
                    self.expect(b':')?;
                    let v = self.value()?;
                    b.0.push(Item::entry(k, v));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Value::Map(b));
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Value::Seq(items));
                }
                loop {
                    items.push(self.value()?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::Seq(items));
                        }
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
            }
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            None => Err(self.err("unexpected end of input")),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn word(&mut self, w: &str, v: Value) -> Result<Value> {
        if self.s[self.pos..].starts_with(w.as_bytes()) {
            self.pos += w.len();
            Ok(v)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.pos;
        let mut is_float = false;
        while let Some(c) = self.peek() {
            match c {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => is_float = true,
                _ => break,
            }
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).expect("ASCII");
        if !is_float {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Int(i));
            }
        }
        match text.parse::<f64>() {
            // Go's decoder (sops) refuses a number beyond float64's range rather than take it
            // for infinity, which JSON cannot write back.
            Ok(f) if f.is_infinite() => Err(self.err(&format!(
                "the number {text} is beyond the range of a 64-bit float; quote it to keep it as text"
            ))),
            Ok(f) => Ok(Value::Float(f)),
            Err(_) => Err(self.err("invalid number")),
        }
    }

    fn string(&mut self) -> Result<String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            // Runs of plain bytes (most of a sealed value or an age block) are copied at once.
            let rest = &self.s[self.pos..];
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            out.extend_from_slice(&rest[..run]);
            self.pos += run;
            let c = self.peek().ok_or_else(|| self.err("unterminated string"))?;
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.peek().ok_or_else(|| self.err("unterminated escape"))?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s[self.pos..].starts_with(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    self.pos = save;
                                }
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                c if c < 0x20 => return Err(self.err("control character in string")),
                c => out.push(c),
            }
        }
        Ok(String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("short \\u escape"))?;
        let v = u32::from_str_radix(std::str::from_utf8(h).unwrap_or("x"), 16)
            .map_err(|_| self.err("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }
}

/// Any JSON value (what `set` takes on its command line).
pub fn parse_value(input: &str) -> Result<Value> {
    let mut p = Parser {
        s: input.as_bytes(),
        pos: 0,
        depth: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(v)
}

/// Go `encoding/json` string escaping (HTML-safe, U+2028/9 escaped).
pub fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// How nested levels are indented: sops's default is a tab; `indent: N` in `.sops.yaml`
/// `stores.json` gives N spaces.
pub fn indent_unit(indent: Option<usize>) -> String {
    match indent {
        None => "\t".into(),
        Some(n) => " ".repeat(n),
    }
}

/// Go's encoder (sops) refuses infinity and NaN, which JSON cannot write ("json: unsupported
/// value"); a YAML `.inf` asked for as JSON is refused likewise, naming where it is.
pub fn refuse_non_finite(branch: &Branch) -> Result<()> {
    fn walk(v: &Value, path: &mut Vec<String>) -> Option<(String, f64)> {
        match v {
            Value::Float(f) if !f.is_finite() => Some((path.join("."), *f)),
            Value::Map(b) => b.0.iter().find_map(|i| {
                path.push(i.name().unwrap_or_default().to_string());
                let found = walk(&i.value, path);
                path.pop();
                found
            }),
            Value::Seq(items) => items.iter().enumerate().find_map(|(n, v)| {
                path.push(n.to_string());
                let found = walk(v, path);
                path.pop();
                found
            }),
            _ => None,
        }
    }
    // Walked in place: a clone of plaintext would be dropped without being wiped.
    let found = branch.0.iter().find_map(|i| {
        let mut path = vec![i.name().unwrap_or_default().to_string()];
        walk(&i.value, &mut path)
    });
    match found {
        Some((at, f)) => Err(Error::Invalid(format!(
            "JSON cannot hold the value {f} at {at}; choose another --output-type (yaml keeps it)"
        ))),
        None => Ok(()),
    }
}

pub fn emit(branch: &Branch, indent: &str) -> String {
    emit_with_trailer(branch, None, indent)
}

/// [`emit`] of `branch` with `trailer` as its last entry (a sealed file's `sops`), without a
/// copy of the tree to append it to.
pub fn emit_with_trailer(branch: &Branch, trailer: Option<&Item>, indent: &str) -> String {
    let mut out = String::new();
    emit_entries(branch.0.iter().chain(trailer), indent, 0, &mut out);
    out.push('\n');
    out
}

fn newline(out: &mut String, indent: &str, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str(indent);
    }
}

fn emit_map(b: &Branch, indent: &str, depth: usize, out: &mut String) {
    emit_entries(b.0.iter(), indent, depth, out)
}

fn emit_entries<'i>(
    items: impl Iterator<Item = &'i Item>,
    indent: &str,
    depth: usize,
    out: &mut String,
) {
    let mut entries = items.filter(|i| matches!(i.key, Key::Name(_))).peekable();
    if entries.peek().is_none() {
        out.push_str("{}");
        return;
    }
    out.push('{');
    for (i, item) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, indent, depth + 1);
        quote(item.name().unwrap_or_default(), out);
        out.push_str(": ");
        emit_value(&item.value, indent, depth + 1, out);
    }
    newline(out, indent, depth);
    out.push('}');
}

pub fn emit_value(v: &Value, indent: &str, depth: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_json(*f)),
        Value::Str(s) => quote(s, out),
        Value::Bytes(b) => quote(&String::from_utf8_lossy(b), out),
        Value::Time(t) => quote(&t.0, out),
        Value::Map(b) => emit_map(b, indent, depth, out),
        Value::Seq(items) => {
            let items: Vec<_> = items
                .iter()
                .filter(|v| !matches!(v, Value::Comment(_)))
                .collect();
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                emit_value(item, indent, depth + 1, out);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Comment(_) => {}
    }
}
