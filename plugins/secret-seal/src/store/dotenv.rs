//! The dotenv store (spec §7.3): `key=value` split at the first `=`, nothing trimmed, no quotes,
//! `\n` escapes for newlines; `#` lines are comments.

use crate::error::{Error, Result};
use crate::format::float_upper_g;
use crate::tree::{Branch, Item, Key, Value};

pub fn parse(input: &str) -> Result<Branch> {
    let mut b = Branch::default();
    for (n, line) in input.split('\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            b.0.push(Item::comment(c, false));
            continue;
        }
        let (k, v) = line.split_once('=').ok_or_else(|| {
            Error::syntax(
                "dotenv",
                n + 1,
                1,
                format!("invalid line {line:?}: expected KEY=value"),
            )
        })?;
        b.push(k, Value::Str(v.replace("\\n", "\n")));
    }
    Ok(b)
}

/// sops's `ValToString` for the scalar types dotenv and INI write as text.
pub fn val_to_string(v: &Value) -> Option<String> {
    Some(match v {
        Value::Str(s) => s.clone(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_upper_g(*f),
        Value::Bool(b) => b.to_string(),
        Value::Time(t) => t.0.clone(),
        Value::Null => String::new(),
        Value::Map(_) | Value::Seq(_) | Value::Comment(_) => return None,
    })
}

pub fn emit(b: &Branch) -> Result<String> {
    let mut out = String::new();
    for item in &b.0 {
        match &item.key {
            Key::Comment(c) => {
                out.push('#');
                out.push_str(&c.text);
                out.push('\n');
            }
            Key::Name(k) => {
                let v = val_to_string(&item.value).ok_or_else(|| {
                    Error::Invalid(format!("cannot write the nested value of {k:?} as dotenv: dotenv holds only top-level KEY=value pairs"))
                })?;
                out.push_str(k);
                out.push('=');
                out.push_str(&v.replace('\n', "\\n"));
                out.push('\n');
            }
        }
    }
    Ok(out)
}
