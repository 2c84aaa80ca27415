//! File formats ("stores" in sops): reading a document into the tree and writing it back, plain
//! or with its `sops` metadata, byte-compatible with sops.

pub mod dotenv;

/// How deep maps and lists may nest in a YAML or JSON document. The readers, the encryption
/// walk and the writers recurse, so a file nested thousands deep would overflow the stack and
/// abort the process (Go's JSON decoder stops at 10,000); real secrets files nest a few levels.
/// What `encrypt` accepts, `decrypt` reads back: both stop at the same depth.
pub const MAX_DEPTH: usize = 500;

/// The keys of one mapping being read, to refuse a key given twice (which of the two values
/// sops or a reader would keep is a silent choice). A scan while the mapping is small, a hash
/// set once scanning would cost more.
#[derive(Default)]
pub(crate) struct SeenKeys(Option<std::collections::HashSet<String>>);

impl SeenKeys {
    /// Whether `key` is new among the entries of `branch` (which it is about to join).
    pub(crate) fn is_new(&mut self, branch: &Branch, key: &str) -> bool {
        match &mut self.0 {
            Some(set) => set.insert(key.to_string()),
            None => {
                let new = !branch.0.iter().any(|i| i.name() == Some(key));
                if branch.0.len() >= 16 {
                    let mut set: std::collections::HashSet<String> = branch
                        .0
                        .iter()
                        .filter_map(|i| i.name().map(str::to_string))
                        .collect();
                    set.insert(key.to_string());
                    self.0 = Some(set);
                }
                new
            }
        }
    }
}

fn too_deep() -> String {
    format!("maps and lists are nested more than {MAX_DEPTH} levels deep; secret-seal stops there rather than overflow its stack")
}
pub mod flatten;
pub mod ini;
pub mod json;
pub mod tfvars;
pub mod yaml;
pub mod yaml_scalar;

use std::path::Path;

use crate::error::{Error, Result};
use crate::metadata::Metadata;
use crate::tree::{Branch, Tree, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Dotenv,
    Ini,
    Binary,
    /// HCL tfvars, a plaintext format only (sealed files are JSON or YAML).
    Tfvars,
}

impl Format {
    /// sops's choice by suffix (case-sensitive); everything else is binary.
    pub fn from_path(path: &Path) -> Self {
        let name = path.to_string_lossy();
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            Format::Yaml
        } else if name.ends_with(".json") {
            Format::Json
        } else if name.ends_with(".env") {
            Format::Dotenv
        } else if name.ends_with(".ini") {
            Format::Ini
        } else {
            Format::Binary
        }
    }

    /// `--input-type`/`--output-type`; unknown names mean binary, as in sops.
    pub fn from_name(name: &str) -> Self {
        match name {
            "yaml" => Format::Yaml,
            "json" => Format::Json,
            "dotenv" => Format::Dotenv,
            "ini" => Format::Ini,
            "tfvars" => Format::Tfvars,
            _ => Format::Binary,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Dotenv => "dotenv",
            Format::Ini => "ini",
            Format::Binary => "binary",
            Format::Tfvars => "tfvars",
        }
    }
}

/// Indentation settings (`stores:` in `.sops.yaml`, `--indent`).
#[derive(Debug, Clone, Copy, Default)]
pub struct EmitOptions {
    pub yaml_indent: Option<usize>,
    pub json_indent: Option<usize>,
}

fn utf8<'a>(bytes: &'a [u8], format: &'static str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        Error::syntax(format, line, 0, "the file is not valid UTF-8")
    })
}

/// Reads a document into a tree of branches (sops metadata, if any, still inside).
pub fn parse(format: Format, bytes: &[u8]) -> Result<Vec<Branch>> {
    match format {
        Format::Yaml => yaml::parse(utf8(bytes, "YAML")?),
        Format::Json => Ok(vec![json::parse(utf8(bytes, "JSON")?)?]),
        Format::Dotenv => Ok(vec![dotenv::parse(utf8(bytes, "dotenv")?)?]),
        Format::Ini => Ok(vec![ini::parse(utf8(bytes, "INI")?)?]),
        Format::Tfvars => Ok(vec![tfvars::parse(utf8(bytes, "tfvars")?)?]),
        Format::Binary => {
            let value = match String::from_utf8(bytes.to_vec()) {
                Ok(s) => Value::Str(s),
                Err(e) => Value::Bytes(e.into_bytes()),
            };
            Ok(vec![Branch(vec![crate::tree::Item::entry("data", value)])])
        }
    }
}

/// Reads a plaintext document for encryption; refuses one that already carries metadata.
pub fn load_plain(format: Format, bytes: &[u8]) -> Result<Tree> {
    if format != Format::Binary && bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty);
    }
    let branches = parse(format, bytes)?;
    // A var file, dotenv or INI file of comments only holds nothing to seal (and what is written
    // back would be empty).
    let flat = matches!(format, Format::Tfvars | Format::Dotenv | Format::Ini);
    let no_values = flat && branches.iter().all(|b| b.entries().next().is_none());
    if branches.is_empty() || no_values {
        return Err(Error::Empty);
    }
    // What is sealed must decrypt back into the same format: a value that format cannot write
    // (INI's `"""` cannot hold one that ends with `"`) is refused now, not at decrypt time.
    if format == Format::Ini {
        ini::emit(&branches[0])?;
    }
    if format != Format::Binary {
        for b in &branches {
            let reserved = match format {
                Format::Dotenv => b.entries().any(|(k, _)| k.starts_with("sops_")),
                _ => b.get("sops").is_some(),
            };
            if reserved {
                return Err(Error::AlreadyEncrypted);
            }
        }
    }
    Ok(Tree { branches })
}

/// Reads an encrypted document: the tree (still encrypted) and its metadata.
pub fn load_encrypted(format: Format, bytes: &[u8]) -> Result<(Tree, Metadata)> {
    // The binary store's envelope is JSON.
    let parse_as = if format == Format::Binary {
        Format::Json
    } else {
        format
    };
    let mut branches = parse(parse_as, bytes)?;
    let meta_branch = match parse_as {
        Format::Dotenv => {
            let b = branches.first_mut().ok_or(Error::NotEncrypted)?;
            let mut pairs = Vec::new();
            b.0.retain(
                |item| match item.name().and_then(|n| n.strip_prefix("sops_")) {
                    Some(k) => {
                        pairs.push((k.to_string(), item.value.clone()));
                        false
                    }
                    None => true,
                },
            );
            if pairs.is_empty() {
                return Err(Error::NotEncrypted);
            }
            flatten::unflatten(&pairs)?
        }
        Format::Ini => {
            let b = branches.first_mut().ok_or(Error::NotEncrypted)?;
            let Some(Value::Map(section)) = b.remove("sops") else {
                return Err(Error::NotEncrypted);
            };
            // EscapeNewlines: INI metadata values carry `\n` as two characters.
            let pairs: Vec<(String, Value)> = section
                .entries()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        match v {
                            Value::Str(s) => Value::Str(s.replace("\\n", "\n")),
                            other => other.clone(),
                        },
                    )
                })
                .collect();
            flatten::unflatten(&pairs)?
        }
        _ => {
            let mut meta = None;
            for (i, b) in branches.iter_mut().enumerate() {
                match b.remove("sops") {
                    Some(Value::Map(m)) if i == 0 => meta = Some(m),
                    Some(_) if i == 0 => {
                        return Err(Error::Invalid(
                            "the `sops` metadata is not a mapping".into(),
                        ))
                    }
                    _ => {}
                }
            }
            meta.ok_or(Error::NotEncrypted)?
        }
    };
    let meta = Metadata::from_branch(&meta_branch)?;
    if format == Format::Binary && branches.first().and_then(|b| b.get("data")).is_none() {
        return Err(Error::Invalid(
            "the binary envelope has no `data` value".into(),
        ));
    }
    Ok((Tree { branches }, meta))
}

/// Writes a plaintext tree.
pub fn emit_plain(format: Format, tree: &Tree, opts: EmitOptions) -> Result<Vec<u8>> {
    // Borrowed, not cloned: a copy of plaintext would be dropped without being wiped.
    let empty = Branch::default();
    let first = || tree.branches.first().unwrap_or(&empty);
    Ok(match format {
        Format::Yaml => yaml::emit(&tree.branches, opts.yaml_indent.unwrap_or(4)).into_bytes(),
        Format::Json => {
            json::refuse_non_finite(first())?;
            json::emit(first(), &json::indent_unit(opts.json_indent)).into_bytes()
        }
        Format::Dotenv => dotenv::emit(first())?.into_bytes(),
        Format::Ini => ini::emit(first())?.into_bytes(),
        Format::Tfvars => tfvars::emit(first())?.into_bytes(),
        Format::Binary => match first().get("data") {
            Some(Value::Str(s)) => s.clone().into_bytes(),
            Some(Value::Bytes(b)) => b.clone(),
            _ => return Err(Error::Invalid("binary output needs a top-level `data` string (use --output-type to pick a structured format)".into())),
        },
    })
}

/// Writes an encrypted tree with its metadata, where sops puts it for each store.
pub fn emit_encrypted(
    format: Format,
    tree: &Tree,
    meta: &Metadata,
    opts: EmitOptions,
) -> Result<Vec<u8>> {
    let meta_branch = meta.to_branch();
    // Only the stores that flatten the metadata into the tree copy it; YAML and JSON write the
    // `sops` entry after the tree's own.
    let branches = || tree.branches.clone();
    match format {
        Format::Tfvars => Err(Error::Invalid(
            "a sealed file is SOPS JSON or YAML, never tfvars (so sops, terragrunt and Flux read it): use --output-type json, e.g. env/prod.secrets.tfvars.json".into(),
        )),
        Format::Dotenv => {
            let mut branches = branches();
            let b = branches.first_mut().ok_or(Error::Empty)?;
            for (k, v) in flatten::flatten(&meta_branch) {
                b.push(format!("sops_{k}"), v);
            }
            Ok(dotenv::emit(b)?.into_bytes())
        }
        Format::Ini => {
            let mut branches = branches();
            let b = branches.first_mut().ok_or(Error::Empty)?;
            let section = flatten::flatten(&meta_branch)
                .into_iter()
                .map(|(k, v)| {
                    crate::tree::Item::entry(
                        k,
                        match v {
                            Value::Str(s) => Value::Str(s.replace('\n', "\\n")),
                            other => other,
                        },
                    )
                })
                .collect();
            b.push("sops", Value::Map(Branch(section)));
            Ok(ini::emit(b)?.into_bytes())
        }
        Format::Yaml => {
            let sops = crate::tree::Item::entry("sops", Value::Map(meta_branch));
            Ok(
                yaml::emit_with_trailer(&tree.branches, Some(&sops), opts.yaml_indent.unwrap_or(4))
                    .into_bytes(),
            )
        }
        Format::Json | Format::Binary => {
            let b = tree.branches.first().ok_or(Error::Empty)?;
            let sops = crate::tree::Item::entry("sops", Value::Map(meta_branch));
            Ok(
                json::emit_with_trailer(b, Some(&sops), &json::indent_unit(opts.json_indent))
                    .into_bytes(),
            )
        }
    }
}
