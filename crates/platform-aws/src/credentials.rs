//! Credentials as the AWS SDK finds them: a profile named (by the key's `aws_profile` or
//! `AWS_PROFILE`) is read from the shared files; else the environment's keys; else the
//! `default` profile. A profile with `role_arn` assumes that role through STS with the
//! credentials of its `source_profile` (or the environment's, for `credential_source =
//! Environment`).

use std::collections::HashMap;
use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub session_token: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({})", self.access_key_id)
    }
}

type Sections = HashMap<String, HashMap<String, String>>;

/// An INI file as the AWS CLI writes it: `[section]`, `key = value`, `#`/`;` comments.
fn parse_ini(text: &str) -> Sections {
    let mut out = Sections::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_string();
            out.entry(name.clone()).or_default();
            current = Some(name);
        } else if let (Some(section), Some((k, v))) = (&current, line.split_once('=')) {
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    out
}

fn home_file(var: &str, default: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    Some(PathBuf::from(std::env::var_os("HOME")?).join(default))
}

/// The shared files: `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`) sections by profile
/// name, and `~/.aws/config` (`AWS_CONFIG_FILE`), whose sections are `[default]` and
/// `[profile NAME]`.
pub struct SharedFiles {
    credentials: Sections,
    config: Sections,
}

impl SharedFiles {
    pub fn load() -> SharedFiles {
        let read = |p: Option<PathBuf>| {
            p.and_then(|p| std::fs::read_to_string(p).ok())
                .map(|t| parse_ini(&t))
                .unwrap_or_default()
        };
        let config = read(home_file("AWS_CONFIG_FILE", ".aws/config"))
            .into_iter()
            .map(|(name, v)| {
                let name = name
                    .strip_prefix("profile ")
                    .map(str::trim)
                    .unwrap_or(&name);
                (name.to_string(), v)
            })
            .collect();
        SharedFiles {
            credentials: read(home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")),
            config,
        }
    }

    /// A setting of a profile: the credentials file first for keys, the config file for the rest.
    pub fn get(&self, profile: &str, key: &str) -> Option<&str> {
        [&self.credentials, &self.config]
            .iter()
            .find_map(|s| s.get(profile)?.get(key))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn has(&self, profile: &str) -> bool {
        self.credentials.contains_key(profile) || self.config.contains_key(profile)
    }
}

fn from_env() -> Option<Credentials> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some(Credentials {
        access_key_id: var("AWS_ACCESS_KEY_ID")?,
        secret_access_key: Zeroizing::new(var("AWS_SECRET_ACCESS_KEY")?),
        session_token: var("AWS_SESSION_TOKEN").map(Zeroizing::new),
    })
}

/// Assumes a role: what STS does, given base credentials (see [`crate::sts`]).
pub type AssumeRole<'a> = dyn Fn(&Credentials, &str, &str) -> Result<Credentials> + 'a;

/// The credentials for `profile` (None: the SDK's default order); `assume` asks STS when a
/// profile assumes a role.
pub fn resolve(profile: Option<&str>, assume: &AssumeRole<'_>) -> Result<Credentials> {
    let files = SharedFiles::load();
    let named = profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    match named {
        Some(p) => from_profile(&files, &p, assume, 0),
        None => match from_env() {
            Some(c) => Ok(c),
            None => from_profile(&files, "default", assume, 0),
        },
    }
}

fn from_profile(
    files: &SharedFiles,
    profile: &str,
    assume: &AssumeRole<'_>,
    depth: usize,
) -> Result<Credentials> {
    if depth > 5 {
        return Err(Error::Credentials(format!(
            "profile {profile}: source_profile chain too long (a loop?)"
        )));
    }
    if !files.has(profile) {
        return Err(Error::Credentials(format!(
            "no AWS credentials: the profile {profile:?} is in neither ~/.aws/credentials nor ~/.aws/config, and AWS_ACCESS_KEY_ID is not set"
        )));
    }
    if let Some(role) = files.get(profile, "role_arn") {
        let base = match (files.get(profile, "source_profile"), files.get(profile, "credential_source")) {
            (Some(source), _) => from_profile(files, source, assume, depth + 1)?,
            (None, Some(s)) if s.eq_ignore_ascii_case("environment") => from_env().ok_or_else(|| {
                Error::Credentials(format!(
                    "profile {profile}: credential_source = Environment, but AWS_ACCESS_KEY_ID is not set"
                ))
            })?,
            _ => {
                return Err(Error::Credentials(format!(
                    "profile {profile} has role_arn but neither source_profile nor credential_source = Environment"
                )))
            }
        };
        let session = files
            .get(profile, "role_session_name")
            .unwrap_or("platform-tools");
        return assume(&base, role, session);
    }
    match (files.get(profile, "aws_access_key_id"), files.get(profile, "aws_secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: Zeroizing::new(secret.to_string()),
            session_token: files.get(profile, "aws_session_token").map(|t| Zeroizing::new(t.to_string())),
        }),
        _ => Err(Error::Credentials(format!(
            "the AWS profile {profile} has no aws_access_key_id/aws_secret_access_key and no role_arn (SSO and web identity profiles: run `aws configure export-credentials --profile {profile} --format env` first)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_sections_are_read_as_the_cli_writes_them() {
        let s = parse_ini("# c\n[profile ops]\nrole_arn = arn:aws:iam::1:role/x\n source_profile=base \n[base]\naws_access_key_id=A\n");
        assert_eq!(s["profile ops"]["source_profile"], "base");
        assert_eq!(s["base"]["aws_access_key_id"], "A");
    }
}
