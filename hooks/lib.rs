//! The pre-commit hooks: formatting identical to `tofu fmt`, sealed secrets, valid tfvars. They
//! judge what is being committed (the git index), in-process, with the project's own libraries:
//! no terraform binary, no per-directory `terraform fmt`.

pub mod fix;
pub mod install;
pub mod report;
pub mod rules;
pub mod staged;

/// The hooks, by their pre-commit ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hook {
    TofuFmt,
    TerragruntFmt,
    SecretsSealed,
    TfvarsValid,
}

impl Hook {
    pub const ALL: [Hook; 4] = [
        Hook::TofuFmt,
        Hook::TerragruntFmt,
        Hook::SecretsSealed,
        Hook::TfvarsValid,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Hook::TofuFmt => "tofu-fmt",
            Hook::TerragruntFmt => "terragrunt-fmt",
            Hook::SecretsSealed => "secrets-sealed",
            Hook::TfvarsValid => "tfvars-valid",
        }
    }
}
