//! `.sops.yaml`: creation rules (which recipients and which encryption rule a new file gets)
//! and store settings, read exactly as sops reads them (spec §8).

use std::path::{Path, PathBuf};

use regex::Regex;

use crate::error::{Error, Result};
use crate::keys::{split_list, Recipient};
use crate::rules::{Rule, RULE_KEYS};
use crate::store::{yaml, EmitOptions};
use crate::tree::{Branch, Value};

#[derive(Debug, Clone, Default)]
pub struct CreationRule {
    pub path_regex: Option<Regex>,
    pub key_groups: Vec<Vec<Recipient>>,
    pub shamir_threshold: usize,
    pub rule: Option<Rule>,
    pub mac_only_encrypted: bool,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub creation_rules: Vec<CreationRule>,
    pub stores: EmitOptions,
}

/// Finds `.sops.yaml` in `start` or its ancestors (at most 100 levels, as sops).
/// Unlike sops, which starts at the working directory (getsops/sops#242), callers start at the
/// directory of the file being encrypted, so a rule applies wherever the command is run from.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    start
        .ancestors()
        .take(101)
        .map(|d| d.join(".sops.yaml"))
        .find(|p| p.is_file())
}

/// The `.sops.yaml` that covers `file`: [`find`] from the file's own directory.
pub fn find_for(file: &Path) -> Option<PathBuf> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    find(dir)
}

fn strings(v: &Value, what: &str, path: &Path) -> Result<Vec<String>> {
    match v {
        Value::Str(s) => Ok(split_list(s).collect()),
        Value::Seq(items) => {
            let mut out = Vec::new();
            for i in items {
                match i {
                    Value::Str(s) => out.extend(split_list(s)),
                    Value::Comment(_) => {}
                    _ => {
                        return Err(Error::Config {
                            path: path.into(),
                            message: format!("`{what}` entries must be strings"),
                        })
                    }
                }
            }
            Ok(out)
        }
        Value::Null => Ok(Vec::new()),
        _ => Err(Error::Config {
            path: path.into(),
            message: format!("`{what}` must be a string or a list of strings"),
        }),
    }
}

/// Key types sops knows that secret-seal cannot seal for (no client for those services).
const CLOUD_KEYS: [&str; 4] = ["gcp_kms", "azure_keyvault", "hckms", "merge"];

fn group_from(b: &Branch, path: &Path) -> Result<Vec<Recipient>> {
    for kind in CLOUD_KEYS {
        if b.get(kind).is_some_and(|v| {
            !matches!(v, Value::Null)
                && !matches!(v, Value::Str(s) if s.is_empty())
                && !matches!(v, Value::Seq(s) if s.is_empty())
        }) {
            return Err(Error::Config {
                path: path.into(),
                message: format!("the rule uses `{kind}`, which secret-seal cannot seal for (it speaks to Vault/OpenBao, not this service); use age, pgp or hc_vault keys, or sops for this file"),
            });
        }
    }
    let mut group = Vec::new();
    if let Some(v) = b.get("age") {
        for r in strings(v, "age", path)? {
            // A bad recipient is the configuration's fault: say so where it is, not when a
            // file is sealed with it.
            if let Err(e) = crate::keys::age::parse_recipient(&r) {
                return Err(Error::Config {
                    path: path.into(),
                    message: format!("{e}; fix the rule's `age:` entry (`age-keygen -y KEYFILE` prints a key's recipient)"),
                });
            }
            if !group.contains(&Recipient::Age(r.clone())) {
                group.push(Recipient::Age(r));
            }
        }
    }
    if let Some(v) = b.get("pgp") {
        for r in strings(v, "pgp", path)? {
            if !group.contains(&Recipient::Pgp(r.clone())) {
                group.push(Recipient::Pgp(r));
            }
        }
    }
    for key in kms_keys(b, path)? {
        if !group.contains(&key) {
            group.push(key);
        }
    }
    // A rule names transit keys as `hc_vault_transit_uri`, a key group as `hc_vault`.
    for name in ["hc_vault_transit_uri", "hc_vault"] {
        let Some(v) = b.get(name) else { continue };
        for uri in strings(v, name, path)? {
            if let Err(e) = crate::keys::vault::key_of(&uri) {
                return Err(Error::Config {
                    path: path.into(),
                    message: format!("`{name}`: {e}"),
                });
            }
            if !group.contains(&Recipient::HcVault(uri.clone())) {
                group.push(Recipient::HcVault(uri));
            }
        }
    }
    Ok(group)
}

/// The KMS keys of a rule (`kms: ARN[+ROLE],...` with the rule's `aws_profile`) or of a key
/// group (`kms: [{arn, role, context, aws_profile}]`), in sops's order.
fn kms_keys(b: &Branch, path: &Path) -> Result<Vec<Recipient>> {
    use crate::keys::kms::Key;
    let bad = |message: String| Error::Config {
        path: path.into(),
        message,
    };
    let profile = match b.get("aws_profile") {
        Some(Value::Str(p)) if !p.is_empty() => Some(p.clone()),
        _ => None,
    };
    let mut keys = Vec::new();
    match b.get("kms") {
        None | Some(Value::Null) => {}
        Some(Value::Seq(items)) if items.iter().any(|i| matches!(i, Value::Map(_))) => {
            for item in items {
                let Value::Map(m) = item else {
                    return Err(bad(
                        "each `kms` entry of a key group must be a mapping with `arn`".into(),
                    ));
                };
                let text = |k: &str| {
                    m.get(k)
                        .and_then(Value::as_str)
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                };
                let arn = text("arn").ok_or_else(|| bad("a `kms` entry has no `arn`".into()))?;
                let mut context = std::collections::BTreeMap::new();
                if let Some(Value::Map(c)) = m.get("context") {
                    for (k, v) in c.entries() {
                        match v.as_str() {
                            Some(v) => {
                                context.insert(k.to_string(), v.to_string());
                            }
                            // sops drops a context with a value that is not a string.
                            None => {
                                context.clear();
                                break;
                            }
                        }
                    }
                }
                let mut key = Key::from_arn(&arn, context, text("aws_profile"));
                if let Some(role) = text("role") {
                    key.role = Some(role);
                }
                keys.push(key);
            }
        }
        Some(v) => {
            for arn in strings(v, "kms", path)? {
                keys.push(Key::from_arn(&arn, Default::default(), profile.clone()));
            }
        }
    }
    for key in &keys {
        key.region().map_err(|e| bad(format!("`kms`: {e}")))?;
    }
    Ok(keys.into_iter().map(Recipient::Kms).collect())
}

/// A configuration error with the line and column of what it names (the first `"quoted"` or
/// `backticked` word of its message, where the text has it), when it has none yet.
fn placed(e: Error, text: &str) -> Error {
    let Error::Config { path, message } = e else {
        return e;
    };
    if message.contains(" line ") {
        return Error::Config { path, message };
    }
    let quoted = |open: char, close: char| {
        let start = message.find(open)? + 1;
        let end = start + message[start..].find(close)?;
        Some(message[start..end].to_string()).filter(|w| !w.is_empty())
    };
    let place = [quoted('"', '"'), quoted('`', '`')]
        .into_iter()
        .flatten()
        .find_map(|word| text.find(&word));
    let Some(at) = place else {
        return Error::Config { path, message };
    };
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    Error::Config {
        path,
        message: format!("line {line}, column {column}: {message}"),
    }
}

fn indent_of(stores: &Branch, store: &str) -> Option<usize> {
    match stores.get(store) {
        Some(Value::Map(b)) => match b.get("indent") {
            Some(Value::Int(i)) if *i >= 0 => Some(*i as usize),
            _ => None,
        },
        _ => None,
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.into(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// The configuration in `text` (read from `path`); an error names the line and column of
    /// what it is about.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        Config::parse_unplaced(text, path).map_err(|e| placed(e, text))
    }

    fn parse_unplaced(text: &str, path: &Path) -> Result<Config> {
        let bad = |message: String| Error::Config {
            path: path.into(),
            message,
        };
        let docs = yaml::parse(text).map_err(|e| bad(e.to_string()))?;
        let root = docs.into_iter().next().unwrap_or_default();
        let mut config = Config {
            path: path.to_path_buf(),
            creation_rules: Vec::new(),
            stores: EmitOptions::default(),
        };
        if let Some(Value::Map(stores)) = root.get("stores") {
            config.stores.yaml_indent = indent_of(stores, "yaml");
            config.stores.json_indent = indent_of(stores, "json");
        }
        let rules = match root.get("creation_rules") {
            Some(Value::Seq(rules)) => rules.as_slice(),
            None | Some(Value::Null) => &[],
            Some(_) => return Err(bad("`creation_rules` must be a list".into())),
        };
        for (i, rule) in rules.iter().enumerate() {
            let Value::Map(b) = rule else {
                if matches!(rule, Value::Comment(_)) {
                    continue;
                }
                return Err(bad(format!("creation rule {} is not a mapping", i + 1)));
            };
            let mut cr = CreationRule::default();
            if let Some(Value::Str(re)) = b.get("path_regex") {
                cr.path_regex = Some(
                    Regex::new(re).map_err(|e| bad(format!("invalid path_regex {re:?}: {e}")))?,
                );
            }
            match b.get("key_groups") {
                Some(Value::Seq(groups)) if !groups.is_empty() => {
                    for g in groups {
                        let Value::Map(g) = g else {
                            return Err(bad("each entry of key_groups must be a mapping".into()));
                        };
                        let group = group_from(g, path)?;
                        if group.is_empty() {
                            return Err(bad("empty key group provided".into()));
                        }
                        cr.key_groups.push(group);
                    }
                }
                Some(Value::Seq(_)) => return Err(bad("empty key group provided".into())),
                _ => {
                    let group = group_from(b, path)?;
                    if !group.is_empty() {
                        cr.key_groups.push(group);
                    }
                }
            }
            if let Some(v) = b.get("shamir_threshold") {
                cr.shamir_threshold = match v {
                    Value::Int(n) if *n >= 0 => *n as usize,
                    _ => return Err(bad("shamir_threshold must be a non-negative integer".into())),
                };
            }
            let set: Vec<(&str, String)> = RULE_KEYS
                .iter()
                .filter_map(|k| match b.get(k) {
                    Some(Value::Str(s)) if !s.is_empty() => Some((*k, s.clone())),
                    _ => None,
                })
                .collect();
            if set.len() > 1 {
                return Err(bad(format!(
                    "creation rule {} sets more than one of {}; sops allows one",
                    i + 1,
                    RULE_KEYS.join(", ")
                )));
            }
            if let Some((k, v)) = set.first() {
                cr.rule = Some(Rule::from_key(k, v).map_err(bad)?);
            }
            cr.mac_only_encrypted = matches!(b.get("mac_only_encrypted"), Some(Value::Bool(true)));
            config.creation_rules.push(cr);
        }
        Ok(config)
    }

    /// The first rule whose `path_regex` matches the file's path relative to the config's
    /// directory (a rule without `path_regex` matches everything).
    pub fn rule_for(&self, file: &Path) -> Result<&CreationRule> {
        let rel = relative_to_config(&self.path, file);
        self.creation_rules
            .iter()
            .find(|r| r.path_regex.as_ref().is_none_or(|re| re.is_match(&rel)))
            .ok_or_else(|| Error::NoMatchingRule {
                config: self.path.clone(),
                file: rel,
            })
    }
}

fn relative_to_config(config: &Path, file: &Path) -> String {
    let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let dir = config
        .parent()
        .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.to_path_buf()))
        .unwrap_or_default();
    let abs_s = abs.to_string_lossy().into_owned();
    let prefix = format!("{}/", dir.to_string_lossy().trim_end_matches('/'));
    abs_s
        .strip_prefix(&prefix)
        .map(str::to_string)
        .unwrap_or(abs_s)
}
