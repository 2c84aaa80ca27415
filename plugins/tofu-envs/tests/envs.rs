//! Environments on the real stacks/ layout and on fixture layouts built to contain every finding
//! `check` knows; expected findings are asserted exactly (file, line, variable).

use std::path::Path;

use assert_cmd::Command;

use crate::support::{demo_key, repo};

pub(crate) fn cmd(root: &Path) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("tofu-envs");
    let mut c = Command::from_std(test_peers::hermetic::command(bin, root));
    c.arg("--root").arg(root).env("NO_COLOR", "1");
    c
}

pub(crate) fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

pub(crate) const VARIABLES: &str = r#"variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "replicas" {
  type = number
}

variable "zones" {
  type    = list(string)
  default = []
}

variable "teams" {
  type = map(object({
    node_port = number
    namespace = optional(string)
  }))
  default = {}
}

variable "enabled" {
  type    = bool
  default = true
}

variable "db_password" {
  type      = string
  sensitive = true
}
"#;

/// A root with one stack, `.sops.yaml` for the demo key, and a clean `dev` environment.
pub(crate) fn fixture() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    std::fs::copy(repo().join(".sops.yaml"), root.join(".sops.yaml")).unwrap();
    write(root, "stacks/app/variables.tf", VARIABLES);
    write(
        root,
        "stacks/app/env/dev.tfvars",
        "replicas = 2\nzones    = [\"a\", \"b\"]\nteams = {\n  team-a = { node_port = 30443 }\n}\n",
    );
    seal(
        root,
        "stacks/app/env/dev.secrets.tfvars.json",
        "{\"db_password\": \"a-long-enough-password\"}",
    );
    d
}

pub(crate) fn seal(root: &Path, rel: &str, json: &str) {
    write(root, rel, json);
    let bin = assert_cmd::cargo::cargo_bin("secret-seal");
    let status = std::process::Command::new(bin)
        .args(["encrypt", "-i"])
        .arg(root.join(rel))
        .env("HOME", root)
        .status()
        .unwrap();
    assert!(status.success());
}

pub(crate) fn findings(root: &Path, env: &str, key: bool) -> (i32, Vec<String>) {
    let mut c = cmd(root);
    if key {
        c.env("SOPS_AGE_KEY_FILE", demo_key());
    }
    let out = c.args(["check", env]).output().unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (out.status.code().unwrap(), lines)
}

#[test]
fn the_bundled_stacks_pass_check_with_and_without_the_key() {
    for key in [false, true] {
        let mut c = cmd(&repo());
        if key {
            c.env("SOPS_AGE_KEY_FILE", demo_key());
        }
        let out = c.arg("check").output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("0 finding(s) in 2 environment(s) × 4 stack(s)"));
    }
}

#[test]
fn the_bundled_stacks_are_formatted() {
    let out = Command::cargo_bin("tofu-envs")
        .unwrap()
        .args(["fmt", "-check", "-recursive", "stacks"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "unformatted: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let root = Command::cargo_bin("tofu-envs")
        .unwrap()
        .args(["fmt", "-check", "-terragrunt", "root.hcl"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(root.status.code(), Some(0));
}

#[test]
fn a_clean_environment_passes() {
    let d = fixture();
    assert_eq!(findings(d.path(), "dev", true), (0, vec![]));
    assert_eq!(
        findings(d.path(), "dev", false),
        (0, vec![]),
        "without a key the sealed names still count"
    );
}

#[test]
fn every_finding_is_caught_where_it_is() {
    let d = fixture();
    let root = d.path();
    write(
        root,
        "stacks/app/env/bad.tfvars",
        "replicas = \"three\"\nzones = { a = 1 }\nregoin = \"x\"\nteams = {\n  team-a = { node_port = 30443, nodeport = 1 }\n  team-b = { namespace = \"b\" }\n}\ndb_password = \"in-plain-text\"\nenabled = \"true\"\n",
    );
    write(
        root,
        "stacks/app/env/bad.secrets.tfvars.json",
        "{\"db_password\": \"not sealed\"}\n",
    );
    let (code, lines) = findings(root, "bad", true);
    assert_eq!(code, 1);
    let expected = [
        "stacks/app/env/bad.secrets.tfvars.json:1:1: the file is not sealed",
        "stacks/app/env/bad.tfvars:1:12: replicas: invalid value: a number is required; the string \"three\" is not one",
        "stacks/app/env/bad.tfvars:2:9: zones: invalid value: a list is required (list(string)), not an object",
        "stacks/app/env/bad.tfvars:3:1: regoin: undeclared variable: tofu would ignore this value with only a warning (did you mean \"region\"?)",
        "stacks/app/env/bad.tfvars:5:44: teams: invalid value at [\"team-a\"].nodeport: attribute \"nodeport\" is not in the type (tofu would silently drop it)",
        "stacks/app/env/bad.tfvars:6:12: teams: invalid value at [\"team-b\"]: attribute \"node_port\" is required",
        "stacks/app/env/bad.tfvars:8:1: db_password: a sensitive variable is set in a plain file",
    ];
    for e in expected {
        assert!(
            lines.iter().any(|l| l.starts_with(e)),
            "missing finding {e:?} in:\n{}",
            lines.join("\n")
        );
    }
    // `enabled = "true"` converts (tofu accepts it); nothing else is reported.
    assert_eq!(lines.len(), expected.len(), "{}", lines.join("\n"));
    assert!(
        !lines.iter().any(|l| l.contains("in-plain-text")),
        "a sensitive value must not be printed"
    );
}

#[test]
fn missing_required_values_and_tampered_secrets_are_found() {
    let d = fixture();
    let root = d.path();
    write(
        root,
        "stacks/app/env/empty.tfvars",
        "region = \"us-east-1\"\n",
    );
    let (code, lines) = findings(root, "empty", true);
    assert_eq!(code, 1);
    assert!(lines.contains(&"stacks/app/variables.tf:6:1: replicas: required variable has no value in environment \"empty\" and no default (add `replicas = ...` to stacks/app/env/empty.tfvars)".to_string()), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with(
            "stacks/app/variables.tf:28:1: db_password: required variable has no value"
        )),
        "{lines:?}"
    );
    // A sealed value swapped in from another file breaks the MAC (or the value's AAD).
    let sealed = root.join("stacks/app/env/dev.secrets.tfvars.json");
    let text = std::fs::read_to_string(&sealed).unwrap();
    let tampered = text.replacen(
        "\"db_password\": \"ENC[AES256_GCM,data:",
        "\"db_password\": \"ENC[AES256_GCM,data:AA",
        1,
    );
    std::fs::write(&sealed, tampered).unwrap();
    let (code, lines) = findings(root, "dev", true);
    assert_eq!(code, 1);
    assert!(
        lines.iter().any(
            |l| l.starts_with("stacks/app/env/dev.secrets.tfvars.json:1:1:")
                && l.contains("db_password")
        ),
        "{lines:?}"
    );
}

#[test]
fn diff_masks_secrets_but_says_whether_they_differ() {
    let d = fixture();
    let root = d.path();
    write(
        root,
        "stacks/app/env/prod.tfvars",
        "replicas = 5\nzones    = [\"a\", \"b\"]\n",
    );
    seal(
        root,
        "stacks/app/env/prod.secrets.tfvars.json",
        "{\"db_password\": \"another-long-password\"}",
    );
    let out = cmd(root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .args(["diff", "dev", "prod", "--output", "json"])
        .output()
        .unwrap();
    let diffs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_name = |n: &str| {
        diffs
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == n)
            .cloned()
    };
    assert_eq!(by_name("replicas").unwrap()["b"], "5");
    assert_eq!(by_name("db_password").unwrap()["a"], "(sensitive) differs");
    assert!(
        by_name("zones").is_none(),
        "equal values are not differences"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("another-long-password"));
}

/// A mistyped environment is refused before anything runs: tofu would otherwise get no var file
/// and plan (or apply) on defaults.
#[test]
fn an_unknown_environment_is_refused_with_a_suggestion() {
    let d = fixture();
    let root = d.path();
    for args in [
        &["run", "dve", "app", "--", "plan"][..],
        &["vars", "dve", "app"],
        &["check", "dve"],
        &["export", "dve"],
        &["diff", "dev", "dve"],
    ] {
        let out = cmd(root)
            .env("TOFU_BINARY", "/bin/echo")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "tofu-envs: error: no environment \"dve\": no stack has env/dve.tfvars or env/dve.secrets.tfvars.json (known: dev); did you mean \"dev\"? `tofu-envs new dve` creates it\n",
            "{args:?}"
        );
    }
}

/// Must show 3: `validation {}` conditions run against the env's values, as plan runs them: a
/// failure is reported with the variable's error_message where the value is and where the
/// validation is; a condition using a function tofu-envs does not evaluate is said to be skipped
/// (standard error) and never counted as a finding; the sealed value is checked too.
#[test]
fn validations_run_on_the_values_and_the_unknown_is_skipped() {
    let d = fixture();
    let root = d.path();
    let validated = VARIABLES
        .replace(
            "variable \"replicas\" {\n  type = number\n}",
            "variable \"replicas\" {\n  type = number\n  validation {\n    condition     = var.replicas >= 1 && var.replicas <= 9\n    error_message = \"replicas must be between 1 and 9.\"\n  }\n}",
        )
        .replace(
            "  sensitive = true\n}",
            "  sensitive = true\n  validation {\n    condition     = length(var.db_password) >= 32\n    error_message = \"db_password must be at least 32 characters.\"\n  }\n  validation {\n    condition     = cidrhost(var.db_password, 1) != \"\"\n    error_message = \"never evaluated\"\n  }\n}",
        );
    write(root, "stacks/app/variables.tf", &validated);
    write(
        root,
        "stacks/app/env/dev.tfvars",
        "replicas = 0\nzones    = [\"a\", \"b\"]\n",
    );
    let out = cmd(root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .args(["check", "dev"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "stacks/app/env/dev.tfvars:1:1: replicas: replicas must be between 1 and 9. (validation at stacks/app/variables.tf:9)",
            "stacks/app/env/dev.secrets.tfvars.json:2:2: db_password: db_password must be at least 32 characters. (validation at stacks/app/variables.tf:36)",
        ],
        "{stdout}"
    );
    assert!(
        stderr.contains("db_password: validation skipped: it uses the function cidrhost()")
            && stderr.contains("2 finding(s)"),
        "{stderr}"
    );
    // Fixed, the skipped condition alone does not fail the check.
    write(root, "stacks/app/env/dev.tfvars", "replicas = 3\n");
    seal(
        root,
        "stacks/app/env/dev.secrets.tfvars.json",
        "{\"db_password\": \"a-password-long-enough-for-thirty-two\"}",
    );
    let out = cmd(root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .args(["check", "dev"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("validation skipped") && stderr.contains("ok: 0 finding(s)"),
        "{stderr}"
    );
}
