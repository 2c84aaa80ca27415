//! Moving values between the shell and the env files: `export` prints `export TF_VAR_...` lines
//! (for `eval` or direnv), `import` takes `TF_VAR_*` and writes them where they belong: sensitive
//! or secret-looking names into the sealed file, the rest into the plain tfvars.

use crate::error::{Error, Result};
use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::layout::{Layout, Stack};
use crate::sources::{self, Sealed, SourceKind};
use crate::value::{self, Value};
use crate::variables;

/// POSIX shell single quoting.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The text a `TF_VAR_` carries for a value: strings raw, everything else in HCL.
pub fn env_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_hcl(),
    }
}

/// `export` lines for the env's values (plain, and sealed ones only with `reveal`).
pub fn export(layout: &Layout, stacks: &[&Stack], env: &str, reveal: bool) -> Result<Vec<String>> {
    let mut seen = BTreeMap::new();
    for stack in stacks {
        // What `run` gives plain tofu for a terragrunt stack: its literal inputs as TF_VAR_
        // (below the env files, which win in tofu's precedence and so here).
        if stack.terragrunt_file().is_some() {
            let (inputs, _computed) = crate::run::terragrunt_inputs_as_env(layout, stack, env, &[]);
            for (var, value) in inputs {
                let name = var.trim_start_matches("TF_VAR_").to_string();
                seen.insert(name, format!("export {var}={}", shell_quote(&value)));
            }
        }
        let srcs = sources::collect(layout, stack, env, &[]);
        for s in srcs.sources.iter().filter(|s| {
            matches!(s.kind, SourceKind::EnvFile) || (reveal && s.kind == SourceKind::SealedFile)
        }) {
            if s.kind == SourceKind::SealedFile && srcs.sealed != Sealed::Opened {
                return Err(Error::Usage(format!(
                    "{}: cannot open it (no key); set SOPS_AGE_KEY_FILE",
                    s.label
                )));
            }
            for e in &s.entries {
                if let Some(v) = &e.value {
                    seen.insert(
                        e.name.clone(),
                        format!(
                            "export TF_VAR_{}={}",
                            e.name,
                            shell_quote(&env_text(&v.value))
                        ),
                    );
                }
            }
        }
    }
    // TOFU_ENV first: after `eval`, terragrunt's root.hcl picks this environment's state, not
    // dev's, for these values.
    let mut lines = vec![format!(
        "export {}={}",
        platform_layout::ENV_VAR,
        shell_quote(env)
    )];
    lines.extend(seen.into_values());
    Ok(lines)
}

/// Names that look secret even when not declared `sensitive`.
pub fn looks_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["password", "passwd", "token", "secret", "key", "credential"]
        .iter()
        .any(|w| n.contains(w))
}

/// Parses `export NAME=value` / `NAME=value` lines (quotes removed) into pairs.
pub fn parse_exports(text: &str) -> Vec<(String, Zeroizing<String>)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = if let Some(inner) = v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
                inner.replace(r"'\''", "'")
            } else if let Some(inner) = v.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                inner.replace("\\\"", "\"").replace("\\\\", "\\")
            } else {
                v.to_string()
            };
            Some((k.trim().to_string(), Zeroizing::new(v)))
        })
        .collect()
}

/// The assignments of a var file (Bob's `terraform.tfvars`) as `TF_VAR_` pairs: a string as it
/// is, any other value as HCL, as tofu reads a `TF_VAR_` of that type.
pub fn pairs_from_tfvars(
    text: &str,
) -> std::result::Result<Vec<(String, Zeroizing<String>)>, hcl_format::SyntaxError> {
    let assignments = value::parse_tfvars(text)?;
    Ok(assignments
        .into_iter()
        .map(|a| {
            let raw = match &a.value.value {
                Value::String(s) => s.clone(),
                other => other.to_hcl(),
            };
            (format!("TF_VAR_{}", a.name), Zeroizing::new(raw))
        })
        .collect())
}

pub struct Imported {
    pub plain: Vec<String>,
    pub sealed: Vec<String>,
    pub ignored: Vec<String>,
}

/// Writes `TF_VAR_*` values into the stack's env files. Existing values are kept unless given
/// again; in the plain file only the values given change (each in place, or a line added at its
/// end): its comments, order and layout stay byte for byte. The sealed file keeps its data key
/// and recipients (values not given keep their ciphertext), is changed under its lock, and never
/// exists in plain text.
pub fn import(
    layout: &Layout,
    stack: &Stack,
    env: &str,
    vars_in: &[(String, Zeroizing<String>)],
) -> Result<Imported> {
    let declared = variables::read_dir(&stack.dir)?;
    let mut result = Imported {
        plain: Vec::new(),
        sealed: Vec::new(),
        ignored: Vec::new(),
    };
    let mut plain: Vec<(String, Value)> = Vec::new();
    let plain_text = std::fs::read_to_string(stack.plain_file(env)).ok();
    if let Some(text) = &plain_text {
        plain = value::parse_tfvars(text)
            .map_err(|e| Error::invalid(stack.plain_file(env))(e.to_string()))?
            .into_iter()
            .map(|a| (a.name, a.value.value))
            .collect();
    }
    let mut secret: Vec<(String, Value)> = Vec::new();
    for (k, raw) in vars_in {
        let Some(name) = k.strip_prefix("TF_VAR_") else {
            continue;
        };
        let Some(var) = declared.iter().find(|v| v.name == name) else {
            result.ignored.push(name.to_string());
            continue;
        };
        // A TF_VAR_ is a string for primitive types and HCL for the others, as tofu reads it.
        let v = match var.ty {
            crate::types::Type::String | crate::types::Type::Any => Value::String(raw.to_string()),
            crate::types::Type::Number if raw.parse::<f64>().is_ok() => {
                Value::Number(raw.to_string())
            }
            crate::types::Type::Bool if raw.as_str() == "true" || raw.as_str() == "false" => {
                Value::Bool(raw.as_str() == "true")
            }
            _ => value::parse_tfvars(&format!("v = {}", raw.as_str()))
                .ok()
                .and_then(|mut a| a.pop())
                .map_or_else(|| Value::String(raw.to_string()), |a| a.value.value),
        };
        // A value tofu would refuse for the variable's type is refused here, before any file
        // is written, not imported to fail at the next plan.
        let mut mismatches = Vec::new();
        var.ty
            .check(&value::Located::nowhere(v.clone()), "", &mut mismatches);
        if let Some(m) = mismatches.first() {
            return Err(Error::Usage(format!(
                "TF_VAR_{name}{}: {} (variable {name:?} is {}); nothing was imported",
                m.path,
                m.message,
                var.ty.display()
            )));
        }
        let (target, names) = if var.sensitive || looks_secret(name) {
            (&mut secret, &mut result.sealed)
        } else {
            (&mut plain, &mut result.plain)
        };
        match target.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = v,
            None => target.push((name.to_string(), v)),
        }
        names.push(name.to_string());
    }
    // The sealed file is opened (its key checked) before anything is written: without a key
    // to it, nothing is imported. It keeps its data key and recipients; only the values given
    // get new ciphertext.
    let sealed_path = stack.sealed_file(env);
    let sealed = if result.sealed.is_empty() {
        None
    } else {
        Some(
            secret_seal::SealedFile::open_or_new(&sealed_path, Some(secret_seal::Format::Json))
                .map_err(|e| match e {
                    secret_seal::Error::NoDataKey { .. } => Error::Usage(format!(
                        "{}: cannot open the existing sealed file to add to it (no key?): set SOPS_AGE_KEY_FILE",
                        sources::relative(layout, &sealed_path).display()
                    )),
                    e => Error::seal(sources::relative(layout, &sealed_path))(e),
                })?,
        )
    };
    if !result.plain.is_empty() {
        let given: Vec<(String, Value)> = plain
            .iter()
            .filter(|(n, _)| result.plain.contains(n))
            .cloned()
            .collect();
        let text = with_values(plain_text.as_deref().unwrap_or(""), &given)
            .map_err(Error::invalid(stack.plain_file(env)))?;
        platform_fs::create_dir_all(&stack.env_dir())?;
        platform_fs::write(&stack.plain_file(env), text.as_bytes(), 0o644)?;
    }
    if let Some(mut file) = sealed {
        let root = file.root_mut();
        for (n, v) in &secret {
            match root.get_mut(n) {
                Some(slot) => *slot = to_sealed(v),
                None => root.push(n.clone(), to_sealed(v)),
            }
        }
        file.write(Some(0o644))
            .map_err(Error::seal(sources::relative(layout, &sealed_path)))?;
    }
    Ok(result)
}

/// Why a var file cannot be edited in place.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// hcl-edit could not read it.
    #[error("{0}")]
    Parse(String),
    #[error(transparent)]
    Format(#[from] hcl_format::SyntaxError),
}

/// A var file's text with `values` set: an attribute that is there gets its value replaced where
/// it is; one that is not is added at the end, formatted. Every other byte stays, except that a
/// file `tofu fmt` accepted stays one it accepts (a value of another length or shape can change
/// the alignment of its neighbours).
pub fn with_values(
    text: &str,
    values: &[(String, Value)],
) -> std::result::Result<String, EditError> {
    use hcl_edit::Span;
    let was_formatted =
        hcl_format::format(text, hcl_format::Mode::Tofu).is_ok_and(|formatted| formatted == text);
    let body = hcl_edit::parser::parse_body(text).map_err(|e| EditError::Parse(e.to_string()))?;
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut added = String::new();
    for (name, v) in values {
        match body.get_attribute(name).and_then(|a| a.value.span()) {
            Some(span) => edits.push((span, v.to_hcl())),
            None => added.push_str(&format!("{name} = {}\n", v.to_hcl())),
        }
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = text.to_string();
    for (range, replacement) in edits {
        out.replace_range(range, &replacement);
    }
    if !added.is_empty() {
        let added = hcl_format::format(&added, hcl_format::Mode::Tofu)?;
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&added);
    }
    if was_formatted {
        out = hcl_format::format(&out, hcl_format::Mode::Tofu)?;
    }
    Ok(out)
}

fn to_sealed(v: &Value) -> secret_seal::Value {
    use secret_seal::Value as S;
    match v {
        Value::Null => S::Null,
        Value::Bool(b) => S::Bool(*b),
        Value::Number(n) => n.parse::<i64>().map(S::Int).unwrap_or_else(|_| {
            n.parse::<f64>()
                .map_or_else(|_| S::Str(n.clone()), S::Float)
        }),
        Value::String(s) => S::Str(s.clone()),
        Value::Tuple(items) => S::Seq(items.iter().map(|i| to_sealed(&i.value)).collect()),
        Value::Object(attrs) => S::Map(secret_seal::Branch(
            attrs
                .iter()
                .map(|(k, v)| secret_seal::Item::entry(k.clone(), to_sealed(&v.value)))
                .collect(),
        )),
    }
}
