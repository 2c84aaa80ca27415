//! Vault's KV version 2 engine: secrets at `<mount>/data/<path>`, listed at
//! `<mount>/metadata/<path>`. A location is written as Vault's CLI takes it, the mount first:
//! `secret/platform/teams`.

use serde_json::{json, Map, Value};

use crate::client::Client;
use crate::error::{Error, Result};

/// A KV v2 path: the engine's mount and the path under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub mount: String,
    pub path: String,
}

impl Location {
    /// `secret/platform/teams` (the first segment is the mount).
    pub fn parse(text: &str) -> Result<Location> {
        let text = text.trim().trim_matches('/');
        let (mount, path) = text.split_once('/').unwrap_or((text, ""));
        if mount.is_empty() || path.split('/').any(|s| s == "..") {
            return Err(Error::Address {
                address: text.into(),
                why: "a KV v2 location is MOUNT/PATH, e.g. secret/platform/teams".into(),
            });
        }
        Ok(Location {
            mount: mount.into(),
            path: path.into(),
        })
    }

    /// This location with `segments` under it.
    pub fn join(&self, segments: &[&str]) -> Location {
        let mut parts: Vec<&str> = vec![];
        if !self.path.is_empty() {
            parts.push(&self.path);
        }
        parts.extend(segments.iter().copied());
        Location {
            mount: self.mount.clone(),
            path: parts.join("/"),
        }
    }

    fn api(&self, kind: &str) -> String {
        format!("{}/{kind}/{}", self.mount, self.path)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.path.is_empty() {
            true => write!(f, "{}", self.mount),
            false => write!(f, "{}/{}", self.mount, self.path),
        }
    }
}

/// The latest version's fields of the secret at `at`; None where there is none (never written,
/// or deleted).
pub fn read(client: &Client, address: &str, at: &Location) -> Result<Option<Map<String, Value>>> {
    match client.request("GET", address, &at.api("data"), None) {
        Ok(answer) => Ok(answer["data"]["data"].as_object().cloned()),
        Err(Error::Server { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `fields` as a new version of the secret at `at`.
pub fn write(
    client: &Client,
    address: &str,
    at: &Location,
    fields: Map<String, Value>,
) -> Result<()> {
    client
        .request(
            "POST",
            address,
            &at.api("data"),
            Some(&json!({ "data": fields })),
        )
        .map(drop)
}

/// The names under `at` (a trailing `/` marks a folder); empty where there are none.
pub fn list(client: &Client, address: &str, at: &Location) -> Result<Vec<String>> {
    match client.request(
        "GET",
        address,
        &format!("{}?list=true", at.api("metadata")),
        None,
    ) {
        Ok(answer) => Ok(answer["data"]["keys"]
            .as_array()
            .map(|k| {
                k.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()),
        Err(Error::Server { status: 404, .. }) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_mount_then_path() {
        let l = Location::parse("secret/platform/teams/").unwrap();
        assert_eq!(
            (l.mount.as_str(), l.path.as_str()),
            ("secret", "platform/teams")
        );
        assert_eq!(
            l.join(&["dev", "team-a"]).to_string(),
            "secret/platform/teams/dev/team-a"
        );
        assert_eq!(
            l.join(&["dev"]).api("data"),
            "secret/data/platform/teams/dev"
        );
        assert!(Location::parse("").is_err());
        assert!(Location::parse("secret/../sys").is_err());
    }
}
