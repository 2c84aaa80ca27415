//! Vault's transit engine as sops uses it for `hc_vault` master keys: transit's plaintext is the
//! base64 of the data key (what transit takes; it decodes it), the ciphertext (`vault:vN:...`) is the entry's `enc`. Several keys
//! go in one request (`batch_input`).

use base64::Engine as _;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::client::Client;
use crate::error::{Error, Result};

/// A transit key: `<address>/v1/<engine path>/keys/<name>`, as sops writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// `scheme://host[:port]`, no path.
    pub address: String,
    /// The engine's mount, `transit` or a nested one like `team/transit`.
    pub engine: String,
    pub name: String,
}

impl Key {
    /// Reads sops's URI form: `https://vault.example.com:8200/v1/transit/keys/NAME`. A scheme
    /// is required, and a prefix before `/v1/` is refused, as sops refuses it.
    pub fn from_uri(uri: &str) -> Result<Key> {
        let bad = |why: &str| Error::Address {
            address: uri.into(),
            why: format!(
                "{why} (write it like https://vault.example.com:8200/v1/transit/keys/NAME)"
            ),
        };
        let (scheme, rest) = uri
            .trim()
            .split_once("://")
            .ok_or_else(|| bad("it has no scheme"))?;
        let (authority, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("it has no key path"))?;
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let v = parts.iter().position(|p| {
            p.len() > 1 && p.starts_with('v') && p[1..].bytes().all(|b| b.is_ascii_digit())
        });
        match v {
            Some(0) => {}
            Some(_) => return Err(bad("a Vault behind a path prefix is not supported")),
            None => return Err(bad("the path is not /v1/<engine>/keys/<name>")),
        }
        let n = parts.len();
        if n < 4 || parts[n - 2] != "keys" || parts[1..n - 2].iter().any(|p| p.is_empty()) {
            return Err(bad("the path is not /v1/<engine>/keys/<name>"));
        }
        Ok(Key {
            address: format!("{scheme}://{authority}"),
            engine: parts[1..n - 2].join("/"),
            name: parts[n - 1].to_string(),
        })
    }

    /// sops's URI form of the key.
    pub fn uri(&self) -> String {
        format!("{}/v1/{}/keys/{}", self.address, self.engine, self.name)
    }

    /// Wraps each secret (a data key or a Shamir share) with this key, in one request.
    pub fn encrypt(&self, client: &Client, secrets: &[&[u8]]) -> Result<Vec<String>> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let batch: Vec<Value> = secrets
            .iter()
            .map(|s| json!({ "plaintext": b64.encode(s) }))
            .collect();
        let results = self.batch(client, "encrypt", batch)?;
        results
            .iter()
            .map(|r| self.field(r, "ciphertext").map(str::to_string))
            .collect()
    }

    /// Unwraps each `enc` of this key, in one request.
    pub fn decrypt(
        &self,
        client: &Client,
        ciphertexts: &[&str],
    ) -> Result<Vec<Zeroizing<Vec<u8>>>> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let batch: Vec<Value> = ciphertexts
            .iter()
            .map(|c| json!({ "ciphertext": c }))
            .collect();
        let results = self.batch(client, "decrypt", batch)?;
        results
            .iter()
            .map(|r| {
                let plaintext = Zeroizing::new(self.field(r, "plaintext")?.to_string());
                b64.decode(plaintext.as_bytes())
                    .map(Zeroizing::new)
                    .map_err(|_| self.protocol("decrypt", "the plaintext is not base64"))
            })
            .collect()
    }

    fn batch(&self, client: &Client, op: &str, batch: Vec<Value>) -> Result<Vec<Value>> {
        let path = format!("{}/{op}/{}", self.engine, self.name);
        let n = batch.len();
        let response = client.request(
            "POST",
            &self.address,
            &path,
            Some(&json!({ "batch_input": batch })),
        )?;
        let results = response["data"]["batch_results"]
            .as_array()
            .cloned()
            .filter(|r| r.len() == n)
            .ok_or_else(|| self.protocol(op, "the answer has no batch_results"))?;
        if let Some(e) = results.iter().find_map(|r| {
            r.get("error")
                .and_then(Value::as_str)
                .filter(|e| !e.is_empty())
        }) {
            return Err(Error::Server {
                address: self.address.clone(),
                path,
                status: 400,
                message: e.to_string(),
            });
        }
        Ok(results)
    }

    fn field<'a>(&self, result: &'a Value, name: &str) -> Result<&'a str> {
        result
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| self.protocol(name, "missing from the answer"))
    }

    fn protocol(&self, what: &str, message: &str) -> Error {
        Error::Server {
            address: self.address.clone(),
            path: format!("{}/{what}/{}", self.engine, self.name),
            status: 200,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_read_as_sops_reads_them() {
        let k = Key::from_uri("https://vault.example.com:8200/v1/team/transit/keys/sops").unwrap();
        assert_eq!(k.address, "https://vault.example.com:8200");
        assert_eq!(k.engine, "team/transit");
        assert_eq!(k.name, "sops");
        assert_eq!(
            k.uri(),
            "https://vault.example.com:8200/v1/team/transit/keys/sops"
        );
        for bad in [
            "vault.example.com/v1/transit/keys/a",
            "https://vault.example.com/prefix/v1/transit/keys/a",
            "https://vault.example.com/v1/transit/a",
            "https://vault.example.com",
        ] {
            assert!(Key::from_uri(bad).is_err(), "{bad}");
        }
    }
}
