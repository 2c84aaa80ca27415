//! tofu-envs: environments for the terragrunt layout (per-environment tfvars checked against each
//! stack's variables.tf, sealed secrets), and HCL formatting identical to `tofu fmt`.

pub mod atlantis;
pub mod check;
pub mod envs;
pub mod fmt;
pub mod hcl;
pub mod layout;
pub mod run;
pub mod sources;
pub mod transfer;
pub mod types;
pub mod value;
pub mod variables;
