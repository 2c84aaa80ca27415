//! The `terraform fmt`-compatible oracle the formatter's tests compare against.

use std::path::Path;
use std::process::Command;

/// A `terraform fmt`-compatible command to compare against (see [`crate::terraform_engine`]).
pub use crate::terraform_engine as oracle;

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

/// `fmt -` of the oracle on `input`: its standard output, or None when it refuses the input.
pub fn oracle_stdin(oracle: &[String], input: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut child = Command::new(&oracle[0])
        .args(&oracle[1..])
        .args(["fmt", "-no-color", "-"])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the oracle runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    out.status.success().then_some(out.stdout)
}
