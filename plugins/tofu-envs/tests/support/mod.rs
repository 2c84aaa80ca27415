//! Test plumbing: the repository with its bundled stacks, and the demo key.

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
