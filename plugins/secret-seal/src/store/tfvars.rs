//! HCL tfvars as a plaintext format (`--input-type tfvars` / `--output-type tfvars`): literal
//! values only, as tofu requires of var files. Written back canonically: one assignment per line,
//! objects one attribute per line, formatted exactly as `tofu fmt` formats them. Sealed files are
//! never tfvars: at rest they are SOPS JSON or YAML, which sops, terragrunt and Flux read.

use hcl_format::literal::{self, Value as Lit};

use crate::error::{Error, Result};
use crate::format::float_f;
use crate::tree::{Branch, Value};

pub fn parse(input: &str) -> Result<Branch> {
    let assignments = literal::parse_tfvars(input).map_err(|e| {
        Error::syntax(
            "tfvars",
            e.line,
            e.column,
            format!("{}: {}", e.summary, e.detail),
        )
    })?;
    let mut b = Branch::default();
    for a in assignments {
        let value = from_literal(&a.value.value).map_err(|n| {
            Error::syntax(
                "tfvars",
                a.value.line,
                a.value.column,
                format!("the number {n} is beyond the range of a 64-bit float, which a sealed value carries; quote it to keep it as text"),
            )
        })?;
        b.push(a.name, value);
    }
    Ok(b)
}

/// A literal as a value; `Err` with the number's text for one no 64-bit float holds.
fn from_literal(v: &Lit) -> std::result::Result<Value, String> {
    Ok(match v {
        Lit::Null => Value::Null,
        Lit::Bool(b) => Value::Bool(*b),
        Lit::Number(n) => match n.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => match n.parse::<f64>() {
                Ok(f) if f.is_finite() => Value::Float(f),
                Ok(_) => return Err(n.clone()),
                Err(_) => Value::Str(n.clone()),
            },
        },
        Lit::String(s) => Value::Str(s.clone()),
        Lit::Tuple(items) => Value::Seq(
            items
                .iter()
                .map(|i| from_literal(&i.value))
                .collect::<std::result::Result<_, _>>()?,
        ),
        Lit::Object(attrs) => Value::Map(Branch(
            attrs
                .iter()
                .map(|(k, v)| Ok(crate::tree::Item::entry(k.clone(), from_literal(&v.value)?)))
                .collect::<std::result::Result<_, String>>()?,
        )),
    })
}

fn write_value(v: &Value, out: &mut String) -> Result<()> {
    match v {
        Value::Null | Value::Comment(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) if f.is_finite() => out.push_str(&float_f(*f)),
        Value::Float(_) => {
            return Err(Error::Invalid(
                "infinite and NaN numbers cannot be written as tfvars".into(),
            ))
        }
        Value::Str(s) => literal::quote(s, out),
        Value::Bytes(b) => literal::quote(&String::from_utf8_lossy(b), out),
        Value::Time(t) => literal::quote(&t.0, out),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items
                .iter()
                .filter(|v| !matches!(v, Value::Comment(_)))
                .enumerate()
            {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out)?;
            }
            out.push(']');
        }
        Value::Map(b) => {
            let entries: Vec<_> = b.entries().collect();
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push_str("{\n");
            for (k, v) in entries {
                if literal::is_identifier(k) {
                    out.push_str(k);
                } else {
                    literal::quote(k, out);
                }
                out.push_str(" = ");
                write_value(v, out)?;
                out.push('\n');
            }
            out.push('}');
        }
    }
    Ok(())
}

pub fn emit(b: &Branch) -> Result<String> {
    let mut out = String::new();
    for (k, v) in b.entries() {
        if !literal::is_identifier(k) {
            return Err(Error::Invalid(format!(
                "{k:?} is not a valid variable name for a tfvars file"
            )));
        }
        out.push_str(k);
        out.push_str(" = ");
        write_value(v, &mut out)?;
        out.push('\n');
    }
    hcl_format::format(&out, hcl_format::Mode::Tofu)
        .map_err(|e| Error::Invalid(format!("internal: the tfvars written do not parse: {e}")))
}
