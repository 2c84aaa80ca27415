//! What the cross-tool tests share: the repository, the built binaries, and commands that see
//! nothing of the machine they run on.
#![allow(dead_code)] // each test file uses its own part

use std::collections::BTreeMap;
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

/// `name` run in `home` (also its HOME) with none of the user's settings, no colour, and the
/// bundled demo key for the bundled sealed files.
pub fn tool(name: &str, home: &Path) -> Command {
    let mut c = test_peers::hermetic::command(bin(name), home);
    c.env("NO_COLOR", "1").env(
        "SOPS_AGE_KEY_FILE",
        repo_root().join("tests/fixtures/demo-age-key.txt"),
    );
    c
}

/// A copy of the repository's platform layout (symbolic links kept), as a team's clone has it.
pub fn platform_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let copied = Command::new("cp")
        .arg("-R")
        .args(
            [
                "stacks",
                "templates",
                "modules",
                "scripts",
                "root.hcl",
                ".gitignore",
                ".sops.yaml",
                ".opentofu-version",
            ]
            .map(|f| repo_root().join(f)),
        )
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copied.success());
    dir
}

/// A command in `repo` with a HOME of its own, the bundled demo key and no setting of the user's.
pub fn cmd(program: impl AsRef<std::ffi::OsStr>, repo: &Path, home: &Path) -> Command {
    let mut c = test_peers::hermetic::command(program, home);
    c.current_dir(repo)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Platform")
        .env("GIT_AUTHOR_EMAIL", "platform@example.com")
        .env("GIT_COMMITTER_NAME", "Platform")
        .env("GIT_COMMITTER_EMAIL", "platform@example.com")
        .env(
            "SOPS_AGE_KEY_FILE",
            repo_root().join("tests/fixtures/demo-age-key.txt"),
        )
        .env("TERRAGRUNT_BINARY", "none")
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TOFU_ENVS_BIN", bin("tofu-envs"));
    c
}

/// Every file under `dir` but .git: its bytes, or where a link points.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let path = e.path();
            let rel = path.strip_prefix(base).unwrap().to_path_buf();
            let kind = e.file_type().unwrap();
            if rel == Path::new(".git") {
                continue;
            }
            if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(rel, format!("-> {}", target.display()).into_bytes());
            } else if kind.is_dir() {
                out.insert(rel.clone(), b"(dir)".to_vec());
                walk(base, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The subcommands a `--help` lists under "Commands:" (clap's layout), but `help`.
pub fn listed_subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|s| *s != "help")
        .map(str::to_string)
        .collect()
}
