//! The `sops` metadata section: key groups, MAC, lastmodified, version and the encryption rule
//! (spec §6). Read leniently (any key order, unknown keys, weak typing, 3.5-era `kms: null`),
//! written the way sops 3.13 writes it (keys sorted, empty lists omitted).

use crate::error::{Error, Result};
use crate::rules::{Rule, RULE_KEYS};
use crate::tree::{Branch, Item, Value};

/// The sops version we write; tools (Flux, terragrunt) only compare it loosely.
pub const SOPS_VERSION: &str = "3.13.2";

/// Master key types sops knows but secret-seal cannot use without cloud access; kept verbatim.
const OTHER_KINDS: [&str; 5] = ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault"];

#[derive(Debug, Clone, PartialEq)]
pub enum MasterKey {
    Age {
        recipient: String,
        enc: String,
    },
    Pgp {
        fp: String,
        created_at: String,
        enc: String,
    },
    Other {
        kind: String,
        fields: Branch,
    },
}

impl MasterKey {
    pub fn kind(&self) -> &str {
        match self {
            MasterKey::Age { .. } => "age",
            MasterKey::Pgp { .. } => "pgp",
            MasterKey::Other { kind, .. } => kind,
        }
    }

    /// The recipient/fingerprint/ARN that names this key to a human.
    pub fn id(&self) -> String {
        match self {
            MasterKey::Age { recipient, .. } => recipient.clone(),
            MasterKey::Pgp { fp, .. } => fp.clone(),
            MasterKey::Other { fields, .. } => fields
                .entries()
                .find(|(k, _)| {
                    matches!(
                        *k,
                        "arn" | "resource_id" | "vault_url" | "key_id" | "vault_address"
                    )
                })
                .and_then(|(_, v)| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        }
    }

    fn to_value(&self) -> Value {
        let s = |v: &str| Value::Str(v.to_string());
        let mut b = Branch::default();
        match self {
            MasterKey::Age { recipient, enc } => {
                b.push("enc", s(enc));
                b.push("recipient", s(recipient));
            }
            MasterKey::Pgp {
                fp,
                created_at,
                enc,
            } => {
                b.push("created_at", s(created_at));
                b.push("enc", s(enc));
                b.push("fp", s(fp));
            }
            MasterKey::Other { fields, .. } => {
                let mut items = fields.0.clone();
                items.sort_by(|a, b| a.name().cmp(&b.name()));
                b.0 = items;
            }
        }
        Value::Map(b)
    }
}

pub type KeyGroup = Vec<MasterKey>;

#[derive(Debug, Clone)]
pub struct Metadata {
    pub key_groups: Vec<KeyGroup>,
    pub shamir_threshold: usize,
    pub lastmodified: String,
    pub mac: String,
    pub rule: Rule,
    pub mac_only_encrypted: bool,
    pub version: String,
}

impl Default for Metadata {
    fn default() -> Self {
        Metadata {
            key_groups: Vec::new(),
            shamir_threshold: 0,
            lastmodified: String::new(),
            mac: String::new(),
            rule: Rule::default(),
            mac_only_encrypted: false,
            version: SOPS_VERSION.into(),
        }
    }
}

/// mapstructure's `WeaklyTypedInput`: scalars of any type read as the wanted one.
fn weak_string(v: &Value) -> Option<String> {
    Some(match v {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => crate::format::float_f(*f),
        Value::Bool(b) => b.to_string(),
        Value::Time(t) => t.0.clone(),
        Value::Null => String::new(),
        _ => return None,
    })
}

fn weak_bool(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Str(s) => matches!(s.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True"),
        _ => false,
    }
}

fn weak_usize(v: &Value) -> Option<usize> {
    match v {
        Value::Int(i) => usize::try_from(*i).ok(),
        Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 => Some(*f as usize),
        Value::Str(s) => s.trim().parse().ok(),
        Value::Null => Some(0),
        _ => None,
    }
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::Invalid(format!("invalid sops metadata: {}", msg.into()))
}

fn field(b: &Branch, key: &str) -> String {
    b.get(key).and_then(weak_string).unwrap_or_default()
}

fn parse_keys(kind: &str, v: &Value, out: &mut KeyGroup) -> Result<()> {
    let items = match v {
        Value::Seq(items) => items,
        Value::Null => return Ok(()),
        _ => return Err(invalid(format!("`{kind}` must be a list"))),
    };
    for item in items {
        let Value::Map(b) = item else {
            return Err(invalid(format!("`{kind}` entries must be mappings")));
        };
        out.push(match kind {
            "age" => MasterKey::Age {
                recipient: field(b, "recipient"),
                enc: field(b, "enc"),
            },
            "pgp" => MasterKey::Pgp {
                fp: field(b, "fp"),
                created_at: field(b, "created_at"),
                enc: field(b, "enc"),
            },
            other => MasterKey::Other {
                kind: other.to_string(),
                fields: b.clone(),
            },
        });
    }
    Ok(())
}

/// Keys of one group, in sops's decryption order: age, pgp, then the others.
fn parse_group(b: &Branch) -> Result<KeyGroup> {
    let mut group = Vec::new();
    for kind in ["age", "pgp"].into_iter().chain(OTHER_KINDS) {
        if let Some(v) = b.get(kind) {
            parse_keys(kind, v, &mut group)?;
        }
    }
    Ok(group)
}

impl Metadata {
    pub fn from_branch(b: &Branch) -> Result<Self> {
        let mut meta = Metadata::default();
        let top = parse_group(b)?;
        if !top.is_empty() {
            meta.key_groups.push(top);
        } else if let Some(groups) = b.get("key_groups") {
            let Value::Seq(groups) = groups else {
                return Err(invalid("`key_groups` must be a list"));
            };
            for g in groups {
                let Value::Map(g) = g else {
                    return Err(invalid("each key group must be a mapping"));
                };
                meta.key_groups.push(parse_group(g)?);
            }
        }
        if meta.key_groups.is_empty() {
            return Err(invalid("no keys found in file"));
        }
        if let Some(v) = b.get("shamir_threshold") {
            meta.shamir_threshold =
                weak_usize(v).ok_or_else(|| invalid("`shamir_threshold` is not a number"))?;
        }
        meta.lastmodified = field(b, "lastmodified");
        if !crate::time::is_rfc3339(&meta.lastmodified) {
            return Err(invalid(format!(
                "`lastmodified` {:?} is not an RFC3339 time",
                meta.lastmodified
            )));
        }
        meta.mac = field(b, "mac");
        meta.version = field(b, "version");
        meta.mac_only_encrypted = b.get("mac_only_encrypted").is_some_and(weak_bool);
        let mut rules = RULE_KEYS.iter().filter_map(|k| {
            b.get(k)
                .and_then(weak_string)
                .filter(|v| !v.is_empty())
                .map(|v| (*k, v))
        });
        if let Some((k, v)) = rules.next() {
            meta.rule = Rule::from_key(k, &v).map_err(invalid)?;
        }
        if rules.next().is_some() {
            return Err(invalid(
                "more than one encryption rule is set; sops allows one",
            ));
        }
        Ok(meta)
    }

    /// The metadata as sops 3.13 writes it: keys sorted alphabetically.
    pub fn to_branch(&self) -> Branch {
        let mut items: Vec<Item> = Vec::new();
        if self.key_groups.len() == 1 {
            items.extend(group_items(&self.key_groups[0], false));
        } else {
            let groups = self
                .key_groups
                .iter()
                .map(|g| Value::Map(Branch(group_items(g, true))))
                .collect();
            items.push(Item::entry("key_groups", Value::Seq(groups)));
        }
        if self.shamir_threshold > 0 && self.key_groups.len() > 1 {
            items.push(Item::entry(
                "shamir_threshold",
                Value::Int(self.shamir_threshold as i64),
            ));
        }
        items.push(Item::entry(
            "lastmodified",
            Value::Str(self.lastmodified.clone()),
        ));
        items.push(Item::entry("mac", Value::Str(self.mac.clone())));
        items.push(Item::entry(
            self.rule.metadata_key(),
            Value::Str(self.rule.pattern().to_string()),
        ));
        if self.mac_only_encrypted {
            items.push(Item::entry("mac_only_encrypted", Value::Bool(true)));
        }
        items.push(Item::entry("version", Value::Str(self.version.clone())));
        items.sort_by(|a, b| a.name().cmp(&b.name()));
        Branch(items)
    }

    pub fn recipients(&self) -> impl Iterator<Item = &MasterKey> {
        self.key_groups.iter().flatten()
    }

    /// The first age recipient: what sops hands `SOPS_AGE_KEY_CMD` as `SOPS_AGE_RECIPIENT`.
    pub fn first_age_recipient(&self) -> Option<String> {
        self.recipients()
            .find(|k| k.kind() == "age")
            .map(|k| k.id())
    }
}

/// Items of one key group; inside `key_groups` sops always writes `age` and `hc_vault`.
fn group_items(group: &KeyGroup, in_key_groups: bool) -> Vec<Item> {
    let mut kinds: Vec<&str> = vec!["age", "pgp"];
    kinds.extend(OTHER_KINDS);
    kinds.sort_unstable();
    kinds
        .into_iter()
        .filter_map(|kind| {
            let keys: Vec<Value> = group
                .iter()
                .filter(|k| k.kind() == kind)
                .map(MasterKey::to_value)
                .collect();
            let always = in_key_groups && (kind == "age" || kind == "hc_vault");
            (!keys.is_empty() || always).then(|| Item::entry(kind, Value::Seq(keys)))
        })
        .collect()
}
