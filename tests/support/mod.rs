//! What the cross-tool tests share: the repository, the built binaries, and commands that see
//! nothing of the machine they run on.
#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A binary of the workspace, as `cargo test` at the root builds every one.
pub fn bin(name: &str) -> PathBuf {
    let path = assert_cmd::cargo::cargo_bin(name);
    assert!(
        path.exists(),
        "{name} is built by `cargo test` at the workspace root"
    );
    path
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The standard output of a command that must have succeeded.
pub fn succeeded(what: &str, out: Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The variables of the tools and their peers that a user may have set: a test sets the ones
/// it means.
pub const USER_SETTINGS: [&str; 10] = [
    "PLATFORM_ROOT",
    "VTEAM_ROOT",
    "TOFU_ENV",
    "KUBECONFIG",
    "XDG_STATE_HOME",
    "XDG_CONFIG_HOME",
    "SOPS_AGE_KEY",
    "SOPS_AGE_KEY_CMD",
    "SOPS_AGE_RECIPIENTS",
    "TERM",
];

/// `name` run in `home` (also its HOME) with none of the user's settings, no colour, and the
/// bundled demo key for the bundled sealed files.
pub fn tool(name: &str, home: &Path) -> Command {
    let mut c = Command::new(bin(name));
    c.env("HOME", home)
        .env("NO_COLOR", "1")
        .env(
            "SOPS_AGE_KEY_FILE",
            repo_root().join("tests/fixtures/demo-age-key.txt"),
        )
        .current_dir(home);
    for var in USER_SETTINGS {
        c.env_remove(var);
    }
    c
}
