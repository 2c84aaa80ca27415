//! Which Vault addresses may receive the user's token. A sealed file names the address its data
//! key is wrapped at, and a `.sops.yaml` can change in the same pull request as the file, so an
//! address that only a file names could be anyone's. A token goes only to an address the user
//! named: `VAULT_ADDR`, `SOPS_HC_VAULT_ALLOWLIST`, or a URI given on the command line. Addresses
//! are compared as origins (scheme, lower-cased host, port with its default), never as string
//! prefixes: `https://vault.corp` does not admit `https://vault.corp.evil.io`.

use std::sync::Mutex;

use crate::error::{Error, Result};

/// An address reduced to what a connection goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// The origin of `address` (`https://vault.example.com:8200`, with or without a path).
    pub fn parse(address: &str) -> Result<Origin> {
        let bad = |why: &str| Error::Address {
            address: address.into(),
            why: why.into(),
        };
        let uri: http::Uri = address.trim().parse().map_err(|_| bad("not a URL"))?;
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| bad("it has no scheme (write https://...)"))?
            .to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return Err(bad("the scheme must be http or https")),
        };
        let host = uri
            .host()
            .ok_or_else(|| bad("it has no host"))?
            .trim_end_matches('.')
            .to_ascii_lowercase();
        Ok(Origin {
            scheme,
            host,
            port: uri.port_u16().unwrap_or(default_port),
        })
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// The addresses the user named on this process's command line (`--hc-vault-transit`,
/// `--add-hc-vault-transit`, `--vault`): they count as named, like `VAULT_ADDR`.
static NAMED: Mutex<Vec<Origin>> = Mutex::new(Vec::new());

/// Records that the user named `address` on the command line.
pub fn name_on_command_line(address: &str) -> Result<()> {
    let origin = Origin::parse(address)?;
    NAMED.lock().unwrap_or_else(|p| p.into_inner()).push(origin);
    Ok(())
}

/// What the environment and the command line allow.
#[derive(Debug, Clone)]
pub struct Allowed {
    /// `SOPS_HC_VAULT_ALLOWLIST=all`: the user allows every address.
    all: bool,
    origins: Vec<Origin>,
}

impl Allowed {
    /// The allowed origins, from `VAULT_ADDR`, `SOPS_HC_VAULT_ALLOWLIST` (`all`, `none`, or
    /// comma-separated addresses, as sops takes it) and the command line.
    pub fn from_env() -> Result<Allowed> {
        let mut allowed = Allowed {
            all: false,
            origins: NAMED.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        };
        match std::env::var("SOPS_HC_VAULT_ALLOWLIST").ok().as_deref() {
            Some("all") => allowed.all = true,
            // sops's `none`: no address at all, not even VAULT_ADDR's.
            Some("none") => return Ok(Allowed::nothing()),
            Some(list) if !list.trim().is_empty() => {
                for (i, entry) in list.split(',').map(str::trim).enumerate() {
                    if entry.is_empty() {
                        return Err(Error::Address {
                            address: list.into(),
                            why: format!("SOPS_HC_VAULT_ALLOWLIST's entry {} is empty", i + 1),
                        });
                    }
                    allowed.origins.push(Origin::parse(entry)?);
                }
            }
            _ => {}
        }
        if let Some(addr) = std::env::var("VAULT_ADDR").ok().filter(|a| !a.is_empty()) {
            allowed.origins.push(Origin::parse(&addr)?);
        }
        Ok(allowed)
    }

    fn nothing() -> Allowed {
        Allowed {
            all: false,
            origins: Vec::new(),
        }
    }

    /// Whether a token may be sent to `address`; the refusal names the address and how to
    /// allow it.
    pub fn check(&self, address: &str) -> Result<Origin> {
        let origin = Origin::parse(address)?;
        if self.all || self.origins.contains(&origin) {
            return Ok(origin);
        }
        Err(Error::NotAllowed {
            address: address.into(),
            origin: origin.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(origins: &[&str]) -> Allowed {
        Allowed {
            all: false,
            origins: origins.iter().map(|o| Origin::parse(o).unwrap()).collect(),
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_port_with_its_default() {
        let a = allowed(&["https://Vault.Corp"]);
        assert!(a.check("https://vault.corp:443").is_ok());
        assert!(a.check("https://vault.corp/v1/transit").is_ok());
        assert!(a.check("https://VAULT.corp.").is_ok());
        for other in [
            "https://vault.corp.evil.io",
            "https://vault.corp:8200",
            "http://vault.corp",
            "https://evil.io/https://vault.corp",
            "https://vault.corp@evil.io",
        ] {
            let err = a.check(other).unwrap_err().to_string();
            assert!(err.contains("SOPS_HC_VAULT_ALLOWLIST"), "{other}: {err}");
        }
    }

    #[test]
    fn an_address_without_a_scheme_is_refused_with_why() {
        let err = Origin::parse("vault.corp:8200").unwrap_err().to_string();
        assert!(err.contains("scheme"), "{err}");
    }
}
