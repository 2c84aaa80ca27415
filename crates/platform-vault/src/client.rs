//! One HTTP client a process, with Vault's settings read as its own client reads them.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::origin::Allowed;

/// The longest any request of this process may take, when a caller (a git hook, which must
/// never hang a commit) set one: milliseconds, 0 for none.
static LIMIT_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Caps every request of this process at `limit` (connection included). Call before the
/// first request.
pub fn limit_wait(limit: Duration) {
    let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX).max(1);
    LIMIT_MS.store(ms, std::sync::atomic::Ordering::Relaxed);
}

/// How requests are made: the token, namespace, TLS trust and timeouts.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `VAULT_ADDR`: where requests go when no file names an address (KV reads and writes).
    pub address: Option<String>,
    /// `VAULT_TOKEN`, else `~/.vault-token` (trimmed); None: no token to send.
    pub token: Option<Zeroizing<String>>,
    /// `VAULT_NAMESPACE` (Vault Enterprise, OpenBao namespaces).
    pub namespace: Option<String>,
    /// `VAULT_CACERT`: the PEM bundle that signs the server's certificate.
    pub ca_cert: Option<PathBuf>,
    /// `VAULT_SKIP_VERIFY`: no certificate check at all (a development server).
    pub skip_verify: bool,
    /// Connecting gives up after this: a dead address fails in seconds.
    pub connect_timeout: Duration,
    /// A whole request gives up after this (`VAULT_CLIENT_TIMEOUT`, seconds; default 30).
    pub timeout: Duration,
}

impl Settings {
    pub fn from_env() -> Settings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let token = var("VAULT_TOKEN")
            .or_else(|| {
                let home = std::env::var_os("HOME")?;
                let text =
                    std::fs::read_to_string(PathBuf::from(home).join(".vault-token")).ok()?;
                Some(text.trim().to_string()).filter(|t| !t.is_empty())
            })
            .map(Zeroizing::new);
        let timeout = var("VAULT_CLIENT_TIMEOUT")
            .and_then(|t| t.trim_end_matches('s').parse::<u64>().ok())
            .map_or(Duration::from_secs(30), Duration::from_secs);
        let limit = match LIMIT_MS.load(std::sync::atomic::Ordering::Relaxed) {
            0 => Duration::MAX,
            ms => Duration::from_millis(ms),
        };
        let timeout = timeout.min(limit);
        Settings {
            address: var("VAULT_ADDR").map(|a| a.trim_end_matches('/').to_string()),
            token,
            namespace: var("VAULT_NAMESPACE"),
            ca_cert: var("VAULT_CACERT").map(PathBuf::from),
            skip_verify: var("VAULT_SKIP_VERIFY").is_some_and(|v| {
                matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "t" | "yes")
            }),
            connect_timeout: Duration::from_secs(5).min(timeout),
            timeout,
        }
    }
}

/// A client for Vault's HTTP API: requests go only to allowed addresses, carry the token and
/// namespace, and share one connection pool.
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
    allowed: Allowed,
}

static SHARED: OnceLock<Client> = OnceLock::new();

impl Client {
    /// The process's client, made from the environment on first use.
    pub fn shared() -> Result<&'static Client> {
        if let Some(c) = SHARED.get() {
            return Ok(c);
        }
        let client = Client::new(Settings::from_env(), Allowed::from_env()?)?;
        Ok(SHARED.get_or_init(|| client))
    }

    pub fn new(settings: Settings, allowed: Allowed) -> Result<Client> {
        let mut tls = ureq::tls::TlsConfig::builder().disable_verification(settings.skip_verify);
        if let Some(path) = &settings.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                Error::Tls(format!("cannot read VAULT_CACERT {}: {e}", path.display()))
            })?;
            let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c.to_owned()),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(Error::Tls(format!(
                    "VAULT_CACERT {} holds no PEM certificate",
                    path.display()
                )));
            }
            tls = tls.root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(settings.connect_timeout))
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            .tls_config(tls.build())
            .build()
            .into();
        Ok(Client {
            agent,
            settings,
            allowed,
        })
    }

    /// `VAULT_ADDR`, the address the user named for their Vault.
    pub fn address(&self) -> Result<&str> {
        self.settings.address.as_deref().ok_or(Error::NoAddress)
    }

    /// `method` on `<address>/v1/<path>` with a JSON body; the response's JSON (`null` for
    /// an empty body, as a delete gives). Refused before any connection when the address is
    /// not allowed or there is no token.
    pub fn request(
        &self,
        method: &str,
        address: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        self.allowed.check(address)?;
        let token = self.settings.token.as_ref().ok_or_else(|| Error::NoToken {
            address: address.into(),
        })?;
        let url = format!("{}/v1/{}", address.trim_end_matches('/'), path);
        let unreachable = |e: ureq::Error| Error::Unreachable {
            address: address.into(),
            cause: e.to_string(),
        };
        let headers = |mut r: ureq::http::request::Builder| {
            r = r
                .header("X-Vault-Token", token.as_str())
                .header("X-Vault-Request", "true");
            if let Some(ns) = &self.settings.namespace {
                r = r.header("X-Vault-Namespace", ns);
            }
            r
        };
        let request = headers(ureq::http::Request::builder().method(method).uri(&url))
            .header("Content-Type", "application/json")
            .body(body.map(Value::to_string).unwrap_or_default())
            .map_err(|e| Error::Address {
                address: url.clone(),
                why: e.to_string(),
            })?;
        let mut response = self.agent.run(request).map_err(unreachable)?;
        let status = response.status().as_u16();
        let text = Zeroizing::new(response.body_mut().read_to_string().map_err(unreachable)?);
        let json: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        match status {
            200..=299 => Ok(json),
            403 => Err(Error::Denied {
                address: address.into(),
                path: path.into(),
            }),
            _ => Err(Error::Server {
                address: address.into(),
                path: path.into(),
                status,
                message: errors_of(&json).unwrap_or_else(|| format!("HTTP {status}")),
            }),
        }
    }
}

/// Vault's `{"errors": [...]}`, joined.
fn errors_of(json: &Value) -> Option<String> {
    let errors: Vec<&str> = json
        .get("errors")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    (!errors.is_empty()).then(|| errors.join("; "))
}
