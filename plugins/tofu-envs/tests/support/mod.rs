//! Test plumbing: the repository with its bundled stacks, and the demo key.

pub mod world;

use std::path::{Path, PathBuf};

pub use test_peers::terraform_engine as oracle;

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

/// The value at `key` of a sealed file, opened with the demo key by the real secret-seal.
pub fn sealed_value(file: &Path, key: &str) -> String {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("secret-seal"))
        .args(["decrypt", "--extract", &format!("[\"{key}\"]")])
        .arg(file)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .output()
        .unwrap();
    assert_ok(&out);
    String::from_utf8(out.stdout).unwrap()
}

/// Fails the test with the command's stderr unless it exited 0.
#[track_caller]
pub fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
