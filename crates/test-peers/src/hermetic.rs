//! Commands that see nothing of the developer's machine: every test starts a tool or a peer
//! from here, in a home of its own and without the settings a developer may have exported, then
//! sets the ones it means. One list, so a new setting a tool reads is cleared everywhere at once.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// The variables the tools and their peers read that a developer may have set.
pub const USER_SETTINGS: [&str; 33] = [
    // The platform's own.
    "PLATFORM_ROOT",
    "VTEAM_ROOT",
    "VTEAM_VAULT",
    "TOFU_ENV",
    "TOFU_BINARY",
    "TERRAGRUNT_BINARY",
    "KUBECONFIG",
    // Where things are kept.
    "XDG_STATE_HOME",
    "XDG_CONFIG_HOME",
    "GNUPGHOME",
    // sops and age.
    "SOPS_AGE_KEY",
    "SOPS_AGE_KEY_FILE",
    "SOPS_AGE_KEY_CMD",
    "SOPS_AGE_RECIPIENTS",
    "SOPS_AGE_SSH_PRIVATE_KEY_FILE",
    "SOPS_PGP_FP",
    "SOPS_CONFIG",
    "SOPS_GPG_EXEC",
    "SOPS_EDITOR",
    "SOPS_KMS_ARN",
    "SOPS_HC_VAULT_ALLOWLIST",
    "EDITOR",
    // Key services.
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "VAULT_NAMESPACE",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    // Output.
    "NO_COLOR",
    "CLICOLOR_FORCE",
    "TERM",
    // git, when a test runs inside a hook.
    "GIT_DIR",
    "GIT_INDEX_FILE",
];

/// `program` in `home` (its working directory and HOME), with none of [`USER_SETTINGS`] and no
/// `TF_VAR_*` from the developer's shell.
pub fn command(program: impl AsRef<OsStr>, home: &Path) -> Command {
    let mut c = Command::new(program);
    c.env("HOME", home).current_dir(home);
    for var in USER_SETTINGS {
        c.env_remove(var);
    }
    for (var, _) in std::env::vars_os().filter(|(k, _)| k.to_string_lossy().starts_with("TF_VAR_"))
    {
        c.env_remove(var);
    }
    c
}
