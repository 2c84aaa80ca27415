//! `kms` master keys: the data key wrapped by AWS KMS, entries as sops writes them (`arn`,
//! `aws_profile` always, `context` and `role` when set, `created_at`, `enc`).

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::metadata::MasterKey;
use crate::tree::{Branch, Value};

pub use platform_aws::kms::Key;

pub const KIND: &str = "kms";

/// The KMS key of a file's `kms` entry.
pub fn key_of_entry(fields: &Branch) -> Result<Key, String> {
    let text = |k: &str| super::entry_text(fields, k);
    let arn = super::entry_needs(fields, KIND, "arn")?;
    let mut context = BTreeMap::new();
    if let Some(Value::Map(c)) = fields.get("context") {
        for (k, v) in c.entries() {
            let v = v
                .as_str()
                .ok_or("the kms entry's context holds a value that is not a string")?;
            context.insert(k.to_string(), v.to_string());
        }
    }
    let key = Key {
        arn: arn.to_string(),
        role: text("role").map(str::to_string),
        context,
        profile: text("aws_profile").map(str::to_string),
    };
    key.region().map_err(|e| e.to_string())?;
    Ok(key)
}

/// Wraps `secret` with `key`: the file's new `kms` entry.
pub fn wrap(key: &Key, secret: &[u8], created: &str) -> Result<MasterKey, String> {
    let enc = key.encrypt(secret).map_err(|e| e.to_string())?;
    let s = |v: &str| Value::Str(v.to_string());
    let mut fields = Branch::default();
    fields.push("arn", s(&key.arn));
    fields.push("aws_profile", s(key.profile.as_deref().unwrap_or("")));
    if !key.context.is_empty() {
        let mut context = Branch::default();
        for (k, v) in &key.context {
            context.push(k, s(v));
        }
        fields.push("context", Value::Map(context));
    }
    fields.push("created_at", s(created));
    fields.push("enc", s(&enc));
    if let Some(role) = &key.role {
        fields.push("role", s(role));
    }
    Ok(MasterKey::Other {
        kind: KIND.into(),
        fields,
    })
}

/// Unwraps a `kms` entry through KMS.
pub fn unwrap(fields: &Branch) -> Result<Zeroizing<Vec<u8>>, String> {
    let key = key_of_entry(fields)?;
    let enc = super::entry_needs(fields, KIND, "enc")?;
    key.decrypt(enc).map_err(|e| e.to_string())
}
