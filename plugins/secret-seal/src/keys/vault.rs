//! `hc_vault` master keys: the data key wrapped by a Vault (or OpenBao) transit key, entries as
//! sops writes them (`created_at`, `enc`, `engine_path`, `key_name`, `vault_address`).

use std::collections::HashMap;
use std::sync::Mutex;

use zeroize::Zeroizing;

use crate::metadata::{MasterKey, Metadata};
use crate::tree::{Branch, Value};

pub const KIND: &str = "hc_vault";

/// The transit key a URI names (`https://vault:8200/v1/transit/keys/NAME`).
pub fn key_of(uri: &str) -> Result<platform_vault::transit::Key, String> {
    platform_vault::transit::Key::from_uri(uri).map_err(|e| e.to_string())
}

/// The transit key of a file's `hc_vault` entry.
pub fn key_of_entry(fields: &Branch) -> Result<platform_vault::transit::Key, String> {
    let field = |k: &str| super::entry_needs(fields, KIND, k);
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

/// Secrets unwrapped ahead of time by [`prefetch`], by key URI and `enc`.
type Opened = HashMap<(String, String), Zeroizing<Vec<u8>>>;
static PREFETCHED: Mutex<Option<Opened>> = Mutex::new(None);

/// Unwraps an `hc_vault` entry through Vault (or takes what [`prefetch`] unwrapped).
pub fn unwrap(fields: &Branch) -> Result<Zeroizing<Vec<u8>>, String> {
    let key = key_of_entry(fields)?;
    let enc = super::entry_needs(fields, KIND, "enc")?;
    let cached = PREFETCHED
        .lock()
        .ok()
        .and_then(|p| p.as_ref()?.get(&(key.uri(), enc.to_string())).cloned());
    if let Some(secret) = cached {
        return Ok(secret);
    }
    let client = platform_vault::Client::shared().map_err(|e| e.to_string())?;
    key.decrypt(client, &[enc])
        .map_err(|e| e.to_string())?
        .pop()
        .ok_or_else(|| "Vault returned no plaintext".into())
}

/// How many ciphertexts go in one transit request.
const BATCH: usize = 256;

/// Unwraps, a batch a request, the `hc_vault` entries of many files' metadata that only a key
/// service can open (groups with an age or PGP key are left to it: offline keys come first), so
/// that opening a thousand files (`tofu-envs check`) is a few requests, not a thousand. Failures
/// are left for each file's own open to report.
pub fn prefetch<'a>(files: impl IntoIterator<Item = &'a Metadata>) {
    let mut wanted: HashMap<String, (platform_vault::transit::Key, Vec<String>)> = HashMap::new();
    for meta in files {
        for group in &meta.key_groups {
            if group
                .iter()
                .any(|k| matches!(k, MasterKey::Age { .. } | MasterKey::Pgp { .. }))
            {
                continue;
            }
            for key in group {
                let MasterKey::Other { kind, fields } = key else {
                    continue;
                };
                let (Ok(k), Some(enc)) = (key_of_entry(fields), super::entry_text(fields, "enc"))
                else {
                    continue;
                };
                if kind == KIND {
                    wanted
                        .entry(k.uri())
                        .or_insert_with(|| (k, Vec::new()))
                        .1
                        .push(enc.to_string());
                }
            }
        }
    }
    if wanted.is_empty() {
        return;
    }
    let Ok(client) = platform_vault::Client::shared() else {
        return;
    };
    let mut opened = Opened::new();
    for (uri, (key, encs)) in wanted {
        for chunk in encs.chunks(BATCH) {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            if let Ok(secrets) = key.decrypt(client, &refs) {
                for (enc, secret) in chunk.iter().zip(secrets) {
                    opened.insert((uri.clone(), enc.clone()), secret);
                }
            }
        }
    }
    if let Ok(mut p) = PREFETCHED.lock() {
        p.get_or_insert_with(Opened::new).extend(opened);
    }
}
