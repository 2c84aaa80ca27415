//! Test plumbing: the seeded HCL generator and the oracle (both in test-peers, which tofu-envs's
//! tests and benches share), and the golden files.

use std::path::{Path, PathBuf};

pub use test_peers::fmt_oracle::{oracle, oracle_format_dir, oracle_stdin};
pub use test_peers::hcl_gen as gen;

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}
