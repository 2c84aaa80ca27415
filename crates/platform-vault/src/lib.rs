//! HashiCorp Vault and OpenBao, for every tool of the platform that meets them: secret-seal's
//! `hc_vault` master keys (transit) and kubectl-vteam's team credentials (KV v2).
//!
//! Settings are read as Vault's own client reads them (`VAULT_ADDR`, `VAULT_TOKEN` else
//! `~/.vault-token`, `VAULT_NAMESPACE`, `VAULT_CACERT`, `VAULT_SKIP_VERIFY`), and the token is
//! sent only to an address the user named ([`origin`]). One client, and so one connection pool,
//! per process; every request has a timeout.

mod client;
pub mod error;
pub mod kv;
pub mod origin;
pub mod transit;

pub use client::{limit_wait, Client, Settings};
pub use error::{Error, Result};
pub use origin::{name_on_command_line, Allowed, Origin};
