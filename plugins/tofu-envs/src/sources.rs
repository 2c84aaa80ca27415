//! Where a stack's variables get values in one environment, in tofu's precedence order (lowest
//! first, ../shared/specs/tofu-vars.md §2.3): terragrunt inputs and `TF_VAR_` (explicit ones win),
//! `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars[.json]` in lexical order, then the
//! var files `tofu-envs run` passes: `env/<env>.tfvars` and the sealed `env/<env>.secrets.tfvars.json`.

use std::path::{Path, PathBuf};

use crate::layout::{Layout, Stack};
use crate::value::{self, Located, Value};
use hcl_format::SyntaxError;

#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    TerragruntInputs,
    EnvVar,
    /// A var file in the stack directory (`terraform.tfvars`, `*.auto.tfvars`).
    StackFile,
    /// `env/<env>.tfvars`
    EnvFile,
    /// `env/<env>.secrets.tfvars.json`
    SealedFile,
}

/// One value given to a variable.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub line: usize,
    pub column: usize,
    /// `None` when the value is computed (a terragrunt dependency output) or sealed without a key.
    pub value: Option<Located>,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub kind: SourceKind,
    /// The file, relative to the repository root where possible.
    pub file: Option<PathBuf>,
    pub label: String,
    pub entries: Vec<Entry>,
}

/// The state of the sealed file of an environment.
#[derive(Debug, Clone, PartialEq)]
pub enum Sealed {
    Absent,
    /// Opened with an available key; MAC verified.
    Opened,
    /// Structure valid; no key available here, values unknown.
    NoKey,
    /// Not a sealed file, a broken one, or the MAC does not verify.
    Broken(String),
}

#[derive(Debug, Clone)]
pub struct Sources {
    pub sources: Vec<Source>,
    pub sealed: Sealed,
    /// Syntax errors in var files: (file, error).
    pub errors: Vec<(PathBuf, SyntaxError)>,
}

pub fn relative(layout: &Layout, p: &Path) -> PathBuf {
    p.strip_prefix(&layout.root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

fn tfvars_source(
    layout: &Layout,
    path: &Path,
    kind: SourceKind,
    errors: &mut Vec<(PathBuf, SyntaxError)>,
) -> Option<Source> {
    let rel = relative(layout, path);
    let text = match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        // A var file tofu would load but we cannot read is a finding, never a silent skip.
        Err(e) => {
            errors.push((
                rel,
                SyntaxError::at("", 0, "Cannot read the file", &e.to_string()),
            ));
            return None;
        }
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let src = String::from_utf8_lossy(valid);
                errors.push((
                    rel,
                    SyntaxError::at(
                        &src,
                        src.len(),
                        "Invalid UTF-8",
                        "The file is not UTF-8 text, which tofu requires; save it as UTF-8.",
                    ),
                ));
                return None;
            }
        },
    };
    let entries = if path.extension().is_some_and(|e| e == "json") {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(o)) => o
                .iter()
                .map(|(k, v)| {
                    let (line, column) = json_key_position(&text, k);
                    Entry {
                        name: k.clone(),
                        line,
                        column,
                        value: Some(Located {
                            value: crate::value::from_json(v),
                            line,
                            column,
                        }),
                    }
                })
                .collect(),
            _ => {
                errors.push((
                    rel,
                    SyntaxError {
                        line: 1,
                        column: 1,
                        summary: "Invalid JSON var file".into(),
                        detail: "The file must hold one JSON object.".into(),
                    },
                ));
                return None;
            }
        }
    } else {
        match value::parse_tfvars(&text) {
            Ok(assignments) => assignments
                .into_iter()
                .map(|a| Entry {
                    name: a.name,
                    line: a.line,
                    column: a.column,
                    value: Some(a.value),
                })
                .collect(),
            Err(e) => {
                errors.push((rel, e));
                return None;
            }
        }
    };
    Some(Source {
        kind,
        label: rel.display().to_string(),
        file: Some(rel),
        entries,
    })
}

/// Line and column of `"key":` in a JSON text (1,1 when not found).
pub fn json_key_position(text: &str, key: &str) -> (usize, usize) {
    let needle = format!("{}:", serde_json::to_string(key).unwrap_or_default());
    let compact = text
        .find(&needle)
        .or_else(|| text.find(&needle.replace(':', " :")));
    compact.map_or((1, 1), |off| hcl_format::line_col(text, off))
}

/// Where `name = ...` stands inside the `inputs = { ... }` of a terragrunt file.
fn input_position(text: &str, name: &str) -> (usize, usize) {
    let Some(start) = text
        .find("\ninputs")
        .map(|i| i + 1)
        .or_else(|| text.starts_with("inputs").then_some(0))
    else {
        return (0, 0);
    };
    let mut from = start;
    while let Some(i) = text[from..].find(name) {
        let at = from + i;
        let before_ok = text[..at].ends_with([' ', '\t', '\n', '{', ',']);
        let after = text[at + name.len()..].trim_start_matches([' ', '\t']);
        if before_ok && (after.starts_with('=') || after.starts_with(':')) {
            return hcl_format::line_col(text, at);
        }
        from = at + name.len();
    }
    (0, 0)
}

/// The `inputs` of a terragrunt file, literal where possible.
fn terragrunt_inputs(layout: &Layout, path: &Path, env: &str) -> Option<Source> {
    let text = std::fs::read_to_string(path).ok()?;
    // hcl-rs recurses without a limit: a file tofu could not parse is skipped before it.
    hcl_format::check(&text).ok()?;
    let body = hcl::parse(&text).ok()?;
    let inputs = body.attributes().find(|a| a.key.as_str() == "inputs")?;
    let hcl::Expression::Object(obj) = &inputs.expr else {
        return None;
    };
    let entries = obj
        .iter()
        .filter_map(|(k, v)| {
            let name = match k {
                hcl::ObjectKey::Identifier(i) => i.to_string(),
                hcl::ObjectKey::Expression(hcl::Expression::String(s)) => s.clone(),
                _ => return None,
            };
            let (line, column) = input_position(&text, &name);
            let literal = crate::value::from_hcl(v).or_else(|| {
                // The root configuration's environment is TOFU_ENV, which tofu-envs sets.
                let shown = hcl::format::to_string(v).unwrap_or_default();
                (shown.trim() == "local.environment").then(|| Value::String(env.to_string()))
            });
            Some(Entry {
                name,
                line,
                column,
                value: literal.map(|value| Located {
                    value,
                    line,
                    column,
                }),
            })
        })
        .collect();
    let rel = relative(layout, path);
    Some(Source {
        kind: SourceKind::TerragruntInputs,
        label: format!("terragrunt inputs ({})", rel.display()),
        file: Some(rel),
        entries,
    })
}

/// The `inputs` terragrunt passes as `TF_VAR_` (root first, then the stack's), for a stack with a
/// terragrunt.hcl; explicit `TF_VAR_` win over them.
pub fn terragrunt_sources(layout: &Layout, stack: &Stack, env: &str) -> Vec<Source> {
    let Some(own) = stack.terragrunt_file() else {
        return Vec::new();
    };
    [
        layout.root.join("root.hcl"),
        layout.root.join("terragrunt.hcl"),
        own,
    ]
    .iter()
    .filter_map(|file| terragrunt_inputs(layout, file, env))
    .collect()
}

pub fn collect(
    layout: &Layout,
    stack: &Stack,
    env: &str,
    env_vars: &[(String, String)],
) -> Sources {
    let mut sources = terragrunt_sources(layout, stack, env);
    let mut errors = Vec::new();
    let env_entries: Vec<Entry> = env_vars
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("TF_VAR_").map(|name| (name, v)))
        .map(|(name, v)| Entry {
            name: name.to_string(),
            line: 0,
            column: 0,
            // tofu parses TF_VAR_ values as HCL for complex types, as strings otherwise; keep the text.
            value: Some(Located::nowhere(
                value::parse_tfvars(&format!("v = {v}"))
                    .ok()
                    .and_then(|mut a| a.pop())
                    .map_or(Value::String(v.clone()), |a| match a.value.value {
                        Value::Tuple(_) | Value::Object(_) => a.value.value,
                        _ => Value::String(v.clone()),
                    }),
            )),
        })
        .collect();
    if !env_entries.is_empty() {
        sources.push(Source {
            kind: SourceKind::EnvVar,
            file: None,
            label: "TF_VAR_ environment".into(),
            entries: env_entries,
        });
    }
    for name in ["terraform.tfvars", "terraform.tfvars.json"] {
        sources.extend(tfvars_source(
            layout,
            &stack.dir.join(name),
            SourceKind::StackFile,
            &mut errors,
        ));
    }
    let mut autos: Vec<PathBuf> = std::fs::read_dir(&stack.dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
        })
        .collect();
    autos.sort();
    for p in autos {
        sources.extend(tfvars_source(
            layout,
            &p,
            SourceKind::StackFile,
            &mut errors,
        ));
    }
    sources.extend(tfvars_source(
        layout,
        &stack.plain_file(env),
        SourceKind::EnvFile,
        &mut errors,
    ));
    let (sealed_source, sealed) = sealed_source(layout, &stack.sealed_file(env));
    sources.extend(sealed_source);
    Sources {
        sources,
        sealed,
        errors,
    }
}

/// Reads the sealed file: names always (keys are in clear), values when a key is available.
pub fn sealed_source(layout: &Layout, path: &Path) -> (Option<Source>, Sealed) {
    let Ok(bytes) = std::fs::read(path) else {
        return (None, Sealed::Absent);
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let rel = relative(layout, path);
    let sealed = match secret_seal::Sealed::parse(secret_seal::Format::Json, &bytes) {
        Ok(s) => s,
        Err(secret_seal::Error::NotEncrypted) => {
            return (None, Sealed::Broken("the file is not sealed: it holds plain values (seal it with `secret-seal encrypt -i`)".into()));
        }
        Err(e) => {
            return (
                None,
                Sealed::Broken(format!("not a valid sealed file: {e}")),
            )
        }
    };
    let names: Vec<String> = sealed
        .tree
        .branches
        .first()
        .map(|b| b.entries().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default();
    let entry = |name: &str, value: Option<Value>| {
        let (line, column) = json_key_position(&text, name);
        Entry {
            name: name.to_string(),
            line,
            column,
            value: value.map(|value| Located {
                value,
                line,
                column,
            }),
        }
    };
    let (entries, state) = match sealed.read_for_user(true) {
        Ok(mut tree) => {
            let b = std::mem::take(&mut tree.branches)
                .into_iter()
                .next()
                .unwrap_or_default();
            (
                b.entries()
                    .map(|(k, v)| entry(k, Some(crate::value::from_sealed(v))))
                    .collect(),
                Sealed::Opened,
            )
        }
        Err(
            secret_seal::Error::NoDataKey { .. }
            | secret_seal::Error::KeyFile { .. }
            | secret_seal::Error::Key(_),
        ) => (
            names.iter().map(|n| entry(n, None)).collect(),
            Sealed::NoKey,
        ),
        Err(e) => (
            names.iter().map(|n| entry(n, None)).collect(),
            Sealed::Broken(e.to_string()),
        ),
    };
    let source = Source {
        kind: SourceKind::SealedFile,
        label: rel.display().to_string(),
        file: Some(rel),
        entries,
    };
    (Some(source), state)
}
