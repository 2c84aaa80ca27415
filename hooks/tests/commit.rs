//! Real `git commit`s through the installed hook: each kind of bad content is refused with its
//! message, and commits once fixed.

use crate::support::*;

fn installed() -> Repo {
    let r = Repo::with_stacks();
    let out = r.hooks(&["install"]);
    assert!(out.status.success(), "{}", text(&out));
    r
}

/// A secrets file sealed with a rule of its sealer's choosing that leaves the password in plain
/// text (`--encrypted-regex ^nothing$`); its path.
fn sealed_with_a_plain_password(r: &Repo) -> &'static str {
    let file = "stacks/teams/team-a/env/qa.secrets.tfvars.json";
    r.write(
        file,
        "{\"postgres_password\": \"a-very-long-qa-password\"}\n",
    );
    let sealed = r
        .cmd(
            assert_cmd::cargo::cargo_bin("secret-seal")
                .to_str()
                .unwrap(),
        )
        .args(["encrypt", "-i", "--encrypted-regex", "^nothing$", file])
        .output()
        .unwrap();
    assert!(sealed.status.success(), "{}", text(&sealed));
    file
}

fn refused(r: &Repo, needles: &[&str]) -> String {
    let (ok, out) = r.commit("try");
    assert!(!ok, "the commit went through:\n{out}");
    for n in needles {
        assert!(out.contains(n), "missing {n:?} in:\n{out}");
    }
    out
}

/// Runs, from the repository root as the hook ran, the fix command the finding for `file`
/// names: it must succeed. With `key`, as a key holder.
fn run_fix(r: &Repo, hook_output: &str, file: &str, key: Option<&std::path::Path>) {
    let line = hook_output
        .lines()
        .find(|l| l.starts_with(&format!("{file}:")))
        .unwrap_or_else(|| panic!("no finding for {file}:\n{hook_output}"));
    let command = line
        .rsplit_once("(fix: ")
        .map(|(_, c)| c.trim_end_matches(')'))
        .unwrap_or_else(|| panic!("no fix in {line}"));
    let mut sh = r.cmd("sh");
    sh.args(["-c", command]);
    if let Some(k) = key {
        sh.env("SOPS_AGE_KEY_FILE", k);
    }
    let out = sh.output().unwrap();
    assert!(out.status.success(), "`{command}` failed: {}", text(&out));
}

#[test]
fn an_unsealed_secret_is_refused_until_sealed() {
    let r = installed();
    r.write(
        "stacks/teams/team-a/env/qa.secrets.tfvars.json",
        "{\"postgres_password\": \"a-very-long-qa-password\"}\n",
    );
    r.write("stacks/teams/team-a/env/qa.tfvars", "nginx_replicas = 1\n");
    r.git(&["add", "-A"]);
    let file = "stacks/teams/team-a/env/qa.secrets.tfvars.json";
    let out = refused(
        &r,
        &[&format!(
            "{file}:1:1: [secrets-sealed] a secrets file that is not sealed (fix: "
        )],
    );
    // The hint works from where the hook runs, with no secret-seal on PATH.
    run_fix(&r, &out, file, None);
    assert!(r.read(file).contains("ENC[AES256_GCM,"));
    let (ok, out) = r.commit("qa environment");
    assert!(ok, "{out}");
}

#[test]
fn a_secret_in_a_plain_tfvars_is_refused() {
    let r = installed();
    r.write(
        "stacks/teams/team-b/env/dev.tfvars",
        "nginx_replicas = 1\nredis_password = \"in-plain-text-0123\"\n",
    );
    r.git(&["add", "-A"]);
    refused(&r, &["stacks/teams/team-b/env/dev.tfvars:2:1: [secrets-sealed] redis_password is declared sensitive but set in a plain tfvars file"]);
}

#[test]
fn private_keys_credentialed_kubeconfigs_and_state_are_refused() {
    let r = installed();
    let key = r.hooks(&["--help"]); // keep the binary warm; the key is made by secret-seal below
    assert!(key.status.success());
    let made = r
        .cmd(
            assert_cmd::cargo::cargo_bin("secret-seal")
                .to_str()
                .unwrap(),
        )
        .args(["keygen", "-o", "team.key"])
        .output()
        .unwrap();
    assert!(made.status.success());
    r.git(&["add", "team.key"]);
    refused(&r, &["team.key:3:1: [secrets-sealed] a private key"]);
    r.git(&["rm", "-q", "--cached", "team.key"]);

    r.write(
        "vcluster-team-a.kubeconfig",
        "apiVersion: v1\nkind: Config\nclusters:\n- name: vcluster-team-a\n  cluster:\n    server: https://127.0.0.1:30443\nusers:\n- name: admin\n  user:\n    token: eyJhbGciOiJSUzI1NiJ9.payload.sig\n",
    );
    r.git(&["add", "-f", "vcluster-team-a.kubeconfig"]);
    refused(
        &r,
        &["vcluster-team-a.kubeconfig:10:1: [secrets-sealed] a kubeconfig with credentials"],
    );
    r.git(&["rm", "-q", "--cached", "vcluster-team-a.kubeconfig"]);
    // The same credentials in the shapes other tools write: flow style, JSON, any file name.
    for (name, text, line) in [
        (
            "kubeconfig",
            "apiVersion: v1\nkind: Config\nclusters: [{name: a, cluster: {server: \"https://x\"}}]\nusers: [{name: a, user: {token: abc}}]\n",
            4,
        ),
        (
            "team.kubeconfig",
            "{\"apiVersion\": \"v1\", \"kind\": \"Config\",\n \"users\": [{\"name\": \"a\", \"user\": {\"client-key-data\": \"LS0t\"}}]}\n",
            2,
        ),
    ] {
        r.write(name, text);
        r.git(&["add", "-f", name]);
        refused(
            &r,
            &[&format!("{name}:{line}:1: [secrets-sealed] a kubeconfig with credentials")],
        );
        r.git(&["rm", "-q", "--cached", name]);
    }

    r.write(
        "stacks/teams/team-a/terraform.tfstate",
        "{\"version\": 4}\n",
    );
    r.git(&["add", "-f", "stacks/teams/team-a/terraform.tfstate"]);
    refused(&r, &["stacks/teams/team-a/terraform.tfstate:1:1: [secrets-sealed] state and .terraform/ content"]);
    r.git(&[
        "rm",
        "-q",
        "--cached",
        "stacks/teams/team-a/terraform.tfstate",
    ]);

    // Nothing bad staged any more: the commit goes through (a kubeconfig without credentials too).
    r.write(
        "public.kubeconfig",
        "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: x\n  user:\n    token: \"\"\n",
    );
    r.git(&["add", "-f", "public.kubeconfig"]);
    let (ok, out) = r.commit("ok");
    assert!(ok, "{out}");
}

#[test]
fn unformatted_hcl_and_undeclared_variables_are_refused_until_fixed() {
    let r = installed();
    r.write(
        "stacks/teams/team-a/locals.tf",
        "locals {\n  a=1\n    bbb = 2\n}\n",
    );
    r.write(
        "stacks/teams/team-a/env/dev.tfvars",
        "nginx_replicas = 1\nnginx_replica  = 2\n",
    );
    r.git(&["add", "-A"]);
    refused(
        &r,
        &[
            "stacks/teams/team-a/locals.tf:2:1: [tofu-fmt] not formatted as `tofu fmt` formats it, from this line (fix: ",
            "stacks/teams/team-a/env/dev.tfvars:2:1: [tfvars-valid] nginx_replica: undeclared variable: tofu would ignore this value with only a warning (fix: did you mean \"nginx_replicas\"?)",
        ],
    );
    let fixed = r.hooks(&["tofu-fmt", "--fix", "stacks/teams/team-a/locals.tf"]);
    assert_eq!(
        fixed.status.code(),
        Some(1),
        "the commit is still stopped, to re-stage"
    );
    assert_eq!(
        r.read("stacks/teams/team-a/locals.tf"),
        "locals {\n  a   = 1\n  bbb = 2\n}\n"
    );
    r.write("stacks/teams/team-a/env/dev.tfvars", "nginx_replicas = 2\n");
    r.git(&["add", "-A"]);
    let (ok, out) = r.commit("fixed");
    assert!(ok, "{out}");
}

#[test]
fn the_staged_version_is_judged_not_the_working_copy() {
    let r = installed();
    // Staged fine, working copy broken: commits.
    r.write("stacks/teams/team-a/extra.tf", "locals {\n  x = 1\n}\n");
    r.git(&["add", "-A"]);
    r.write("stacks/teams/team-a/extra.tf", "locals {\nx=1\n}\n");
    let (ok, out) = r.commit("staged is fine");
    assert!(ok, "{out}");
    // Staged broken, working copy fine: refused, and --fix leaves the working copy alone.
    r.git(&["add", "-A"]);
    r.write("stacks/teams/team-a/extra.tf", "locals {\n  x = 1\n}\n");
    refused(&r, &["stacks/teams/team-a/extra.tf:2:1: [tofu-fmt]"]);
    let fix = r.hooks(&["tofu-fmt", "--fix", "stacks/teams/team-a/extra.tf"]);
    assert!(
        text(&fix).contains("not rewritten: the working copy has unstaged changes"),
        "{}",
        text(&fix)
    );
}

#[test]
fn install_keeps_and_chains_an_existing_hook_and_uninstall_restores_it() {
    let r = Repo::with_stacks();
    let hook = r.path().join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\necho previous-hook-ran\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert!(r.hooks(&["install"]).status.success());
    r.write("stacks/teams/team-a/ok.tf", "locals {\n  ok = true\n}\n");
    r.git(&["add", "-A"]);
    let out = r
        .cmd("git")
        .args(["commit", "-m", "chained"])
        .output()
        .unwrap();
    assert!(
        out.status.success() && text(&out).contains("previous-hook-ran"),
        "{}",
        text(&out)
    );
    assert!(r.hooks(&["uninstall"]).status.success());
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho previous-hook-ran\n"
    );
}

#[test]
fn json_output_lists_findings() {
    let r = Repo::with_stacks();
    r.write("stacks/teams/team-a/x.tf", "a=1\n");
    r.git(&["add", "-A"]);
    let out = r.hooks(&["--output", "json", "run"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["hook"], "tofu-fmt");
    assert_eq!(v[0]["file"], "stacks/teams/team-a/x.tf");
}

/// The hook judges a staged file as `tofu fmt -check FILE` judges it on disk: a file without a
/// final newline is formatted (only `tofu fmt -` adds one); a staged symlink is not HCL, and
/// what it points to is judged where it is staged.
#[test]
fn files_tofu_fmt_check_accepts_and_symlinks_are_committed() {
    let r = installed();
    r.write("stacks/teams/team-a/locals.tf", "locals {\n  a = 1\n}");
    r.write("stacks/teams/team-a/empty.tf", "");
    std::os::unix::fs::symlink(
        "../team-a/locals.tf",
        r.path().join("stacks/teams/team-b/locals.tf"),
    )
    .unwrap();
    r.git(&["add", "-A"]);
    let (ok, out) = r.commit("no final newline, an empty file, a symlink");
    assert!(ok, "refused:\n{out}");

    // A difference at the end of the file is reported on the last line, not at 1:1.
    r.write(
        "stacks/teams/team-a/locals.tf",
        "locals {\n  a = 1\n}\n\n\n\nb=1",
    );
    r.git(&["add", "-A"]);
    refused(
        &r,
        &["stacks/teams/team-a/locals.tf:7:1: [tofu-fmt] not formatted as `tofu fmt` formats it"],
    );
}

/// A file that `tofu fmt` would corrupt (`c[true]` written as `c[]`) is refused as `tofu fmt
/// -check` refuses it, at the index, with the rewrite that tofu keeps; `run --fix` leaves it alone.
#[test]
fn a_file_tofu_fmt_would_corrupt_is_refused_and_never_rewritten() {
    let r = installed();
    let lossy = "locals {\n  a = var.m[true]\n}\n";
    r.write("stacks/teams/team-a/lossy.tf", lossy);
    r.git(&["add", "-A"]);
    refused(
        &r,
        &["stacks/teams/team-a/lossy.tf:2:13: [tofu-fmt] `tofu fmt -check` refuses this file"],
    );
    let out = r.hooks(&["run", "--fix"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("write the index as `[(true)]`"),
        "{}",
        text(&out)
    );
    assert_eq!(r.read("stacks/teams/team-a/lossy.tf"), lossy);

    r.write(
        "stacks/teams/team-a/lossy.tf",
        "locals {\n  a = var.m[(true)]\n}\n",
    );
    r.git(&["add", "-A"]);
    let (ok, out) = r.commit("the index tofu keeps");
    assert!(ok, "refused:\n{out}");
}

/// The secrets check fails closed: a `.sops.yaml` it cannot read stops the commit (it cannot know
/// what must be sealed), and a sealed file is judged by the repository's rule, not by the rule
/// its sealer chose.
#[test]
fn the_secrets_check_fails_closed() {
    let r = installed();
    let sops_yaml = std::fs::read_to_string(r.path().join(".sops.yaml")).unwrap();
    // A rule for config/ and a second rule with a broken regex: the whole file is unreadable.
    r.write(
        ".sops.yaml",
        &format!(
            "{sops_yaml}  - path_regex: ^config/\n    age: age1v7z65ade8ju0kgd5tdzrsv67x8zqdgh0ejn4tz23s8kydmxnqfzs2z70pm\n  - path_regex: '[unclosed'\n    age: age1v7z65ade8ju0kgd5tdzrsv67x8zqdgh0ejn4tz23s8kydmxnqfzs2z70pm\n"
        ),
    );
    r.write("config/app.yaml", "db_password: hunter2-in-plain-text\n");
    r.git(&["add", "-A"]);
    refused(
        &r,
        &[".sops.yaml:1:1: [secrets-sealed] cannot be read, so what must be sealed is unknown"],
    );

    // The rules restored: a file sealed with its own encrypted_regex that leaves the password in
    // plain text is refused by the repository's rule.
    r.write(".sops.yaml", &sops_yaml);
    r.git(&["rm", "-q", "--cached", "config/app.yaml"]);
    std::fs::remove_file(r.path().join("config/app.yaml")).unwrap();
    let file = sealed_with_a_plain_password(&r);
    assert!(r.read(file).contains("a-very-long-qa-password"));
    r.write("stacks/teams/team-a/env/qa.tfvars", "nginx_replicas = 1\n");
    r.git(&["add", "-A"]);
    refused(
        &r,
        &["stacks/teams/team-a/env/qa.secrets.tfvars.json:2:1: [secrets-sealed] [\"postgres_password\"] is in plain text in a sealed file"],
    );
}

/// A hostile pull request cannot crash the hooks: a staged file nested 100,000 deep is a finding.
#[test]
fn a_deeply_nested_file_is_a_finding_not_a_crash() {
    let r = installed();
    let n = 100_000;
    r.write(
        "stacks/teams/team-a/deep.tf",
        &format!("locals {{\n  a = {}{}\n}}\n", "[".repeat(n), "]".repeat(n)),
    );
    r.write(
        "stacks/teams/team-a/env/deep.secrets.tfvars.json",
        &format!("{{\"a\": {}{}}}\n", "[".repeat(n), "]".repeat(n)),
    );
    r.git(&["add", "-A"]);
    let (ok, out) = r.commit("deep");
    assert!(!ok, "{out}");
    assert!(
        out.contains("stacks/teams/team-a/deep.tf:2:")
            && out.contains("[tofu-fmt] Nesting too deep")
            && !out.contains("overflow its stack\n\nthread"),
        "{out}"
    );
    assert!(!out.contains("has overflowed its stack"), "{out}");
}

/// Every fix hint is a command that works where the hook runs: for an unformatted file, and for
/// a sealed file holding a plain value (which `secret-seal encrypt -i` would refuse: it is
/// already sealed); after each, the commit goes through.
#[test]
fn every_fix_hint_runs_and_the_next_commit_passes() {
    let r = installed();
    let tf = "stacks/teams/team-a/locals.tf";
    r.write(tf, "locals {\n  a=1\n}\n");
    let file = sealed_with_a_plain_password(&r);
    r.write("stacks/teams/team-a/env/qa.tfvars", "nginx_replicas = 1\n");
    r.git(&["add", "-A"]);
    let out = refused(&r, &[tf, file]);
    let key = repo_root().join("tests/fixtures/demo-age-key.txt");
    run_fix(&r, &out, tf, None);
    run_fix(&r, &out, file, Some(&key));
    assert!(!r.read(file).contains("a-very-long-qa-password"));
    let (ok, out) = r.commit("fixed by the hints");
    assert!(ok, "{out}");
}

/// A secrets file no `.sops.yaml` rule covers: the hint says to add the rule first (fix alone
/// cannot seal it, and says so), and once the rule is there the printed command works.
#[test]
fn the_hint_for_an_uncovered_secrets_file_works_as_printed() {
    let r = installed();
    let file = "notes/app.secrets.json";
    r.write(file, "{\"api_token\": \"tok-123\"}\n");
    r.git(&["add", file]);
    let out = refused(
        &r,
        &[&format!(
            "{file}:1:1: [secrets-sealed] a secrets file that is not sealed"
        )],
    );
    assert!(
        out.contains(&format!(
            "add a creation rule whose path_regex matches {file} to .sops.yaml, then"
        )),
        "{out}"
    );
    let fix = r.hooks(&["fix", file]);
    assert!(!fix.status.success());
    assert!(
        text(&fix).contains("no creation rule in") && !text(&fix).contains("--age"),
        "{}",
        text(&fix)
    );
    // The rule added, the command after "then" works as printed, and the commit goes through.
    let sops = std::fs::read_to_string(r.path().join(".sops.yaml")).unwrap();
    let recipient = sops
        .split_whitespace()
        .find(|w| w.starts_with("age1"))
        .unwrap()
        .trim_end_matches(',');
    r.write(
        ".sops.yaml",
        &format!("{sops}  - path_regex: ^notes/\n    age: {recipient}\n"),
    );
    r.git(&["add", ".sops.yaml"]);
    let out = refused(&r, &[file]);
    let then = out
        .lines()
        .find(|l| l.starts_with(&format!("{file}:")))
        .and_then(|l| {
            l.split_once(", then ")
                .map(|(_, c)| c.trim_end_matches(')').to_string())
        })
        .unwrap_or_else(|| {
            // The rule covers it now: the hint is the command alone.
            out.lines()
                .find(|l| l.starts_with(&format!("{file}:")))
                .and_then(|l| l.rsplit_once("(fix: "))
                .map(|(_, c)| c.trim_end_matches(')').to_string())
                .unwrap()
        });
    let ran = r.cmd("sh").args(["-c", &then]).output().unwrap();
    assert!(ran.status.success(), "`{then}`: {}", text(&ran));
    let (ok, said) = r.commit("sealed");
    assert!(ok, "{said}");
}
