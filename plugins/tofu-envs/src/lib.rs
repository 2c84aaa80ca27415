//! tofu-envs: environments for the terragrunt layout (per-environment tfvars checked against each
//! stack's variables.tf, sealed secrets), and HCL formatting identical to `tofu fmt`.

pub mod atlantis;
pub mod check;
pub mod envs;
pub mod error;
pub use error::{Error, Result};
pub mod finding;
pub mod fmt;
pub mod fresh;
pub mod gc;
pub mod graph;
pub mod layout;
pub mod pin;
pub mod run;
pub mod sources;
pub mod team;
pub mod transfer;
pub mod types;
pub mod validation;
pub mod value;
pub mod variables;
