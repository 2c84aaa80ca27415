//! What can go wrong talking to Vault, each naming the address (and path) and what to do.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the Vault address {address:?} cannot be used: {why}")]
    Address { address: String, why: String },
    #[error("VAULT_ADDR is not set: export VAULT_ADDR=https://vault.example.com:8200 (your Vault's address)")]
    NoAddress,
    #[error("refusing to send a Vault token to {address}: only an address you name receives it (VAULT_ADDR, SOPS_HC_VAULT_ALLOWLIST, or a URI on the command line), and a file or .sops.yaml alone does not count. If you trust it: export SOPS_HC_VAULT_ALLOWLIST={origin}")]
    NotAllowed { address: String, origin: String },
    #[error("no Vault token for {address}: set VAULT_TOKEN, or log in (`vault login` or `bao login` writes ~/.vault-token)")]
    NoToken { address: String },
    #[error("Vault at {address} cannot be reached: {cause}")]
    Unreachable { address: String, cause: String },
    #[error("Vault at {address} refused {path}: permission denied (the token is wrong, expired, or its policy does not allow it; `vault login` for a new one)")]
    Denied { address: String, path: String },
    #[error("Vault at {address}: {path}: {message}")]
    Server {
        address: String,
        path: String,
        status: u16,
        message: String,
    },
    #[error("Vault's TLS settings: {0}")]
    Tls(String),
}

impl Error {
    /// Whether Vault itself answered (the request reached it), as against a refusal made here
    /// or a server that could not be reached.
    pub fn answered(&self) -> bool {
        matches!(self, Error::Denied { .. } | Error::Server { .. })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
