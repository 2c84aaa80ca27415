//! tofu-envs: environments for the terragrunt layout, and HCL formatting identical to `tofu fmt`.

pub mod fmt;
pub mod hcl;
