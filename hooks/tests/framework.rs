//! The pre-commit framework (from PyPI) runs our hooks: from `.pre-commit-hooks.yaml` through
//! `pre-commit try-repo` (built by pre-commit with `cargo install`), and on this repository.

use crate::support::*;

fn pre_commit() -> bool {
    test_peers::require(
        has("pre-commit").then_some(()),
        "the pre-commit framework",
        "pip install pre-commit",
    )
    .is_some()
}

#[test]
fn try_repo_blocks_and_permits_the_same_cases() {
    if !pre_commit() {
        return;
    }
    let r = Repo::with_stacks();
    r.write("stacks/teams/team-a/locals.tf", "locals {\n  a=1\n}\n");
    r.write(
        "stacks/teams/team-a/env/qa.secrets.tfvars.json",
        "{\"postgres_password\": \"a-very-long-qa-password\"}\n",
    );
    r.git(&["add", "-A"]);
    // pre-commit builds the hooks with `cargo install`; share a target dir so it builds once.
    let target = repo_root().join("target/pre-commit");
    let run = |r: &Repo| {
        r.cmd("pre-commit")
            .args(["try-repo"])
            .arg(repo_root())
            .env("CARGO_TARGET_DIR", &target)
            .env(
                "PRE_COMMIT_HOME",
                repo_root().join("target/pre-commit-home"),
            )
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .output()
            .unwrap()
    };
    let out = run(&r);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("stacks/teams/team-a/locals.tf:2:1: [tofu-fmt] not formatted"),
        "{t}"
    );
    assert!(
        t.contains("[secrets-sealed] a secrets file that is not sealed"),
        "{t}"
    );
    // Fixed: permitted.
    r.write("stacks/teams/team-a/locals.tf", "locals {\n  a = 1\n}\n");
    std::fs::remove_file(
        r.path()
            .join("stacks/teams/team-a/env/qa.secrets.tfvars.json"),
    )
    .unwrap();
    r.git(&["add", "-A"]);
    let out = run(&r);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn this_repository_passes_its_own_hooks() {
    if !pre_commit() {
        return;
    }
    // A clone, so the framework's stash of unstaged work never touches the working tree.
    let clone = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("git")
        .args(["clone", "-q"])
        .arg(repo_root())
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    let out = std::process::Command::new("pre-commit")
        .args(["run", "--all-files"])
        .current_dir(clone.path())
        // Its own target dir: the hooks run `cargo run`, which must not rebuild the artifacts of
        // the `cargo test` running this test (the doctests link against them afterwards).
        .env(
            "CARGO_TARGET_DIR",
            repo_root().join("target/pre-commit-run"),
        )
        .env(
            "PRE_COMMIT_HOME",
            repo_root().join("target/pre-commit-home"),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}
