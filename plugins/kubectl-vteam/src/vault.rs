//! Team credentials kept in Vault (KV v2), never on a developer's disk. The platform team
//! `publish`es each team's kubeconfig, its bytes unchanged, at `<location>/<env>/<team>` (field
//! `kubeconfig`). A developer's kubeconfig then gets the team's cluster and, as its user, an
//! exec credential plugin (`kubectl-vteam credential TEAM`) that reads Vault at each call: a
//! rotated credential works at once, a revoked one stops, and no token is written anywhere.

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::kubeconfig::TeamConfig;
use platform_vault::kv::Location;

/// The field of the secret that holds the kubeconfig.
pub const FIELD: &str = "kubeconfig";

/// Exec plugins a team kubeconfig from Vault may keep as its user: the commands of the usual
/// cloud and OIDC logins, which hold no secret themselves. Any other command would run on every
/// developer's machine on Vault's word alone; `--allow-exec` accepts it.
pub const KNOWN_EXEC: [&str; 5] = [
    "kubelogin",
    "kubectl-oidc_login",
    "aws",
    "aws-iam-authenticator",
    "gke-gcloud-auth-plugin",
];

/// Where the teams' kubeconfigs are kept: `VTEAM_VAULT`/`--vault`, at the Vault of `VAULT_ADDR`.
#[derive(Debug, Clone)]
pub struct Store {
    pub location: Location,
}

fn vault_error(what: String, e: platform_vault::Error) -> Error {
    Error::Vault {
        what,
        reason: e.to_string(),
        hint: match e {
            platform_vault::Error::Denied { .. } | platform_vault::Error::NoToken { .. } => {
                "; log in (`vault login` or `bao login`) or set VAULT_TOKEN"
            }
            _ => "",
        },
    }
}

impl Store {
    pub fn new(location: &str) -> Result<Store> {
        let location =
            Location::parse(location).map_err(|e| vault_error(format!("--vault {location}"), e))?;
        Ok(Store { location })
    }

    fn client() -> Result<(&'static platform_vault::Client, &'static str)> {
        let client =
            platform_vault::Client::shared().map_err(|e| vault_error("its settings".into(), e))?;
        let address = client
            .address()
            .map_err(|e| vault_error("its address".into(), e))?;
        Ok((client, address))
    }

    /// Where a team's kubeconfig is kept.
    pub fn path(&self, env: &str, team: &str) -> Location {
        self.location.join(&[env, team])
    }

    /// Stores `kubeconfig`, its bytes unchanged, as the team's.
    pub fn publish(&self, env: &str, team: &str, kubeconfig: &str) -> Result<Location> {
        let (client, address) = Store::client()?;
        let at = self.path(env, team);
        let mut fields = Map::new();
        fields.insert(FIELD.into(), Value::String(kubeconfig.into()));
        platform_vault::kv::write(client, address, &at, fields)
            .map_err(|e| vault_error(format!("writing {at}"), e))?;
        Ok(at)
    }

    /// The team's kubeconfig as published.
    pub fn kubeconfig(&self, env: &str, team: &str) -> Result<String> {
        let (client, address) = Store::client()?;
        let at = self.path(env, team);
        let fields = platform_vault::kv::read(client, address, &at)
            .map_err(|e| vault_error(format!("reading {at}"), e))?;
        fields
            .and_then(|f| f.get(FIELD)?.as_str().map(str::to_string))
            .ok_or_else(|| Error::Vault {
                what: format!("{at} at {address}"),
                reason: format!("no `{FIELD}` there"),
                hint: "; the platform team publishes it with `kubectl vteam publish TEAM`",
            })
    }

    /// The teams published for `env`.
    pub fn teams(&self, env: &str) -> Result<Vec<String>> {
        let (client, address) = Store::client()?;
        let at = self.location.join(&[env]);
        let names = platform_vault::kv::list(client, address, &at)
            .map_err(|e| vault_error(format!("listing {at}"), e))?;
        Ok(names.into_iter().filter(|n| !n.ends_with('/')).collect())
    }
}

/// The user entry a developer's kubeconfig gets for a team from Vault: the team's own user
/// when it is an exec plugin of a known login (or `allow_exec`), else `kubectl-vteam
/// credential`, with `VAULT_ADDR` in its environment (so it works from IDEs and k9s) and never
/// the token.
pub fn user_entry(
    config: &TeamConfig,
    exe: &Path,
    store: &Store,
    team: &str,
    env: &str,
    allow_exec: bool,
) -> Result<Value> {
    if let Some(command) = config.user["exec"]["command"].as_str() {
        let base = Path::new(command)
            .file_name()
            .map_or(command.to_string(), |n| n.to_string_lossy().into_owned());
        if allow_exec || KNOWN_EXEC.contains(&base.as_str()) {
            return Ok(config.user.clone());
        }
        return Err(Error::ExecFromVault {
            team: team.into(),
            command: command.into(),
            known: KNOWN_EXEC.join(", "),
        });
    }
    let mut exec_env = vec![];
    if let Ok(addr) = std::env::var("VAULT_ADDR") {
        exec_env.push(json!({ "name": "VAULT_ADDR", "value": addr }));
    }
    Ok(json!({
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": exe.display().to_string(),
            "args": ["credential", team, "--env", env, "--vault", store.location.to_string()],
            "env": exec_env,
            "interactiveMode": "Never",
            "provideClusterInfo": false,
        }
    }))
}

/// What `kubectl-vteam credential` prints for kubectl: the team's token, or its client
/// certificate and key, as an ExecCredential.
pub fn exec_credential(config: &TeamConfig, label: &str) -> Result<zeroize::Zeroizing<String>> {
    use base64::Engine as _;
    let user = &config.user;
    let decoded = |key: &str| -> Result<Option<String>> {
        let Some(data) = user[key].as_str() else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| Error::BadTeamKubeconfig {
                path: label.into(),
                reason: format!("{key} is not base64"),
            })?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    };
    let status = if let Some(token) = user["token"].as_str() {
        json!({ "token": token })
    } else if let (Some(cert), Some(key)) = (
        decoded("client-certificate-data")?,
        decoded("client-key-data")?,
    ) {
        json!({ "clientCertificateData": cert, "clientKeyData": key })
    } else {
        return Err(Error::BadTeamKubeconfig {
            path: label.into(),
            reason: "its user has neither a token nor client-certificate-data and client-key-data"
                .into(),
        });
    };
    Ok(zeroize::Zeroizing::new(
        json!({
            "apiVersion": "client.authentication.k8s.io/v1",
            "kind": "ExecCredential",
            "status": status,
        })
        .to_string(),
    ))
}
