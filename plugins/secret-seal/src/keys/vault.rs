//! `hc_vault` master keys: the data key wrapped by a Vault (or OpenBao) transit key, entries as
//! sops writes them (`created_at`, `enc`, `engine_path`, `key_name`, `vault_address`).

use zeroize::Zeroizing;

use crate::metadata::MasterKey;
use crate::tree::{Branch, Value};

pub const KIND: &str = "hc_vault";

/// The transit key a URI names (`https://vault:8200/v1/transit/keys/NAME`).
pub fn key_of(uri: &str) -> Result<platform_vault::transit::Key, String> {
    platform_vault::transit::Key::from_uri(uri).map_err(|e| e.to_string())
}

/// The transit key of a file's `hc_vault` entry.
pub fn key_of_entry(fields: &Branch) -> Result<platform_vault::transit::Key, String> {
    let field = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("the hc_vault entry has no {k}"))
    };
    Ok(platform_vault::transit::Key {
        address: field("vault_address")?.trim_end_matches('/').to_string(),
        engine: field("engine_path")?.trim_matches('/').to_string(),
        name: field("key_name")?.to_string(),
    })
}

/// Wraps `secret` with the key at `uri`: the file's new `hc_vault` entry.
pub fn wrap(uri: &str, secret: &[u8], created: &str) -> Result<MasterKey, String> {
    let key = key_of(uri)?;
    let client = platform_vault::Client::shared().map_err(|e| e.to_string())?;
    let enc = key
        .encrypt(client, &[secret])
        .map_err(|e| e.to_string())?
        .pop()
        .ok_or("Vault returned no ciphertext")?;
    let s = |v: &str| Value::Str(v.to_string());
    let mut fields = Branch::default();
    fields.push("created_at", s(created));
    fields.push("enc", s(&enc));
    fields.push("engine_path", s(&key.engine));
    fields.push("key_name", s(&key.name));
    fields.push("vault_address", s(&key.address));
    Ok(MasterKey::Other {
        kind: KIND.into(),
        fields,
    })
}

/// Unwraps an `hc_vault` entry through Vault.
pub fn unwrap(fields: &Branch) -> Result<Zeroizing<Vec<u8>>, String> {
    let key = key_of_entry(fields)?;
    let enc = fields
        .get("enc")
        .and_then(Value::as_str)
        .ok_or("the hc_vault entry has no enc")?;
    let client = platform_vault::Client::shared().map_err(|e| e.to_string())?;
    key.decrypt(client, &[enc])
        .map_err(|e| e.to_string())?
        .pop()
        .ok_or_else(|| "Vault returned no plaintext".into())
}
