//! kubectl-vteam: point kubectl at a team's vcluster.
//!
//! Teams are discovered in the terragrunt layout, in the vcluster stack's state and, on request,
//! in the host cluster ([`teams`]). Switching edits the user's kubeconfig in place, owning only
//! the `vteam-*` entries and `current-context` ([`kubeconfig`], [`switch`]); the other two routes
//! a child process can offer, a sub-shell and an eval-able line, are in [`run`]. With a Vault
//! location, teams' credentials stay in Vault and reach kubectl through an exec plugin ([`vault`]).

pub mod cluster;
pub mod completion;
pub mod error;
pub mod kubeconfig;
pub mod layout;
pub mod run;
pub mod switch;
pub mod teams;
pub mod vault;

pub use error::{Error, Result};
