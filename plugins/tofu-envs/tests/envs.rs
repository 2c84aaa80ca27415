//! Environments on the real stacks/ layout and on fixture layouts built to contain every finding
//! `check` knows; expected findings are asserted exactly (file, line, variable).

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::support::{demo_key, repo, sealed_value};

fn cmd(root: &Path) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("tofu-envs");
    let mut c = Command::from_std(test_peers::hermetic::command(bin, root));
    c.arg("--root").arg(root).env("NO_COLOR", "1");
    c
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const VARIABLES: &str = r#"variable "region" {
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
fn fixture() -> tempfile::TempDir {
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

fn seal(root: &Path, rel: &str, json: &str) {
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

fn findings(root: &Path, env: &str, key: bool) -> (i32, Vec<String>) {
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

fn password(root: &Path, env: &str) -> String {
    sealed_value(
        &root.join(format!("stacks/app/env/{env}.secrets.tfvars.json")),
        "db_password",
    )
}

/// `new` makes up no value: what is required is left for `check` to report; `--from` gives the
/// new environment fresh secrets (sharing them is `--copy-secrets`); no plaintext on disk.
#[test]
fn new_makes_up_no_value_and_from_gives_fresh_secrets() {
    let d = fixture();
    let root = d.path();
    cmd(root).args(["new", "scaffold"]).assert().success();
    let plain = std::fs::read_to_string(root.join("stacks/app/env/scaffold.tfvars")).unwrap();
    assert!(
        plain.contains("# replicas = ... (required, number: set it here)")
            && plain.contains("# region = \"eu-west-1\"")
            && !plain.contains("db_password"),
        "{plain}"
    );
    assert!(!root
        .join("stacks/app/env/scaffold.secrets.tfvars.json")
        .exists());
    let (code, lines) = findings(root, "scaffold", true);
    assert_eq!(code, 1, "{lines:?}");
    for missing in ["replicas", "db_password"] {
        assert!(
            lines.iter().any(|l| l.contains(&format!(
                "{missing}: required variable has no value in environment \"scaffold\""
            ))),
            "{lines:?}"
        );
    }

    // --from without a key cannot make fresh secrets, and says how to copy them instead.
    let out = cmd(root)
        .args(["new", "nokey", "--from", "dev"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--copy-secrets"));
    assert!(
        !root.join("stacks/app/env/nokey.tfvars").exists(),
        "a half-made environment"
    );

    cmd(root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .args(["new", "copy", "--from", "dev"])
        .assert()
        .success();
    assert_eq!(findings(root, "copy", true), (0, vec![]));
    let fresh = password(root, "copy");
    assert!(
        fresh.len() >= 32 && fresh != password(root, "dev"),
        "{fresh}"
    );
    cmd(root)
        .args(["new", "twin", "--from", "dev", "--copy-secrets"])
        .assert()
        .success();
    assert_eq!(password(root, "twin"), password(root, "dev"));
    for entry in walk(root) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        assert!(
            !text.contains("a-long-enough-password") && !text.contains(&fresh),
            "plaintext secret in {}",
            entry.display()
        );
    }
    cmd(root).args(["new", "copy"]).assert().code(2);
    cmd(root).args(["new", "Bad_Name"]).assert().code(2);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn short_lived_environments_expire_and_are_collected() {
    let d = fixture();
    let root = d.path();
    cmd(root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .args(["new", "demo-acme", "--from", "dev", "--ttl", "1s"])
        .assert()
        .success();
    let listed = cmd(root)
        .args(["list", "--output", "json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let demo = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["env"] == "demo-acme")
        .unwrap();
    assert!(
        demo["expires"].is_string() && demo["secrets"] == "sealed",
        "{demo}"
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let dry = cmd(root).args(["gc", "--dry-run"]).output().unwrap();
    assert!(String::from_utf8_lossy(&dry.stdout)
        .contains("would remove stacks/app/env/demo-acme.tfvars"));
    assert!(root.join("stacks/app/env/demo-acme.tfvars").exists());
    // State that still holds the environment's resources (terragrunt's, through root.hcl's
    // backend path) keeps every file: without them it could not be destroyed.
    let state = root.join(".terraform-state/demo-acme/stacks/app/terraform.tfstate");
    write(
        root,
        ".terraform-state/demo-acme/stacks/app/terraform.tfstate",
        r#"{"version": 4, "resources": [{"mode": "managed", "type": "terraform_data", "name": "app", "instances": [{"attributes": {}}]}]}"#,
    );
    let gc = cmd(root).arg("gc").output().unwrap();
    let text = String::from_utf8_lossy(&gc.stdout);
    assert_eq!(gc.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "app: .terraform-state/demo-acme/stacks/app/terraform.tfstate holds 1 resource(s)"
        ) && text.contains("kept stacks/app/env/demo-acme.tfvars")
            && text.contains("tofu-envs gc --destroy"),
        "{text}"
    );
    assert!(root.join("stacks/app/env/demo-acme.tfvars").exists());
    // A longer time to live, then back to expired.
    let extended = cmd(root)
        .args(["extend", "demo-acme", "--ttl", "1h"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&extended.stdout).contains("environment demo-acme expires at"));
    let gc = cmd(root).arg("gc").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&gc.stdout),
        "no expired environments\n"
    );
    cmd(root)
        .args(["extend", "demo-acme", "--ttl", "1s"])
        .assert()
        .success();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    // A state behind the environment's own backend settings that cannot be read (here: the
    // stack declares no backend to use them with) counts as live: kept.
    write(
        root,
        "stacks/app/env/demo-acme.backend.hcl",
        "key = \"x\"\n",
    );
    let gc = cmd(root).arg("gc").output().unwrap();
    let text = String::from_utf8_lossy(&gc.stdout);
    assert_eq!(gc.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "app: the backend set by stacks/app/env/demo-acme.backend.hcl cannot be read ("
        ) && text
            .contains("the stack declares no backend block to use them with): counted as live"),
        "{text}"
    );
    std::fs::remove_file(root.join("stacks/app/env/demo-acme.backend.hcl")).unwrap();
    write(
        root,
        "stacks/app/.terraform/tofu-envs/demo-acme/terraform.tfstate",
        "{}",
    );
    // Destroyed (the state is empty now), the files go, and the environment's data directory.
    write(
        root,
        ".terraform-state/demo-acme/stacks/app/terraform.tfstate",
        r#"{"version": 4, "resources": []}"#,
    );
    let gc = cmd(root).arg("gc").output().unwrap();
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stdout)
    );
    assert!(state.exists(), "gc never removes state");
    assert!(!root
        .join("stacks/app/.terraform/tofu-envs/demo-acme")
        .exists());
    assert!(
        !root.join("stacks/app/env/demo-acme.tfvars").exists()
            && !root
                .join("stacks/app/env/demo-acme.secrets.tfvars.json")
                .exists()
    );
    assert!(
        root.join("stacks/app/env/dev.tfvars").exists(),
        "other environments stay"
    );
    assert!(
        !root.join("tofu-envs.json").exists(),
        "the registry is empty again"
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

/// `new` across stacks either completes or leaves the tree as it was: a write that fails in one
/// stack takes back the files written in the others and the expiry recorded first.
#[test]
fn a_new_environment_that_fails_half_way_leaves_nothing() {
    let d = fixture();
    let root = d.path();
    // A second stack whose env/ is a file: the environment's directory cannot be made there.
    write(
        root,
        "stacks/zz/variables.tf",
        "variable \"x\" {\n  default = 1\n}\n",
    );
    write(root, "stacks/zz/env", "not a directory\n");
    let out = cmd(root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .args(["new", "demo-half", "--from", "dev", "--ttl", "1h"])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stacks/zz/env"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["demo-half.tfvars", "demo-half.secrets.tfvars.json"] {
        assert!(
            !root.join("stacks/app/env").join(f).exists(),
            "{f} was left"
        );
    }
    assert!(!root.join("tofu-envs.json").exists(), "the expiry was left");
}

/// Must show 2 (import): an import changes only the values it is given, in place; comments,
/// order and layout stay byte for byte, a new value is added at the end. Bob's own
/// `terraform.tfvars` goes in with `--file`: plain values to the env file, the sensitive one
/// sealed, and he is told to remove the plaintext original.
#[test]
fn import_keeps_every_other_byte_and_takes_a_terraform_tfvars() {
    let d = fixture();
    let root = d.path();
    let commented = "# dev: small\nreplicas = 2 # one per zone\n\n# where\nzones    = [\"a\", \"b\"]\nteams = {\n  team-a = { node_port = 30443 }\n}\n";
    write(root, "stacks/app/env/dev.tfvars", commented);
    let out = cmd(root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .env("TF_VAR_replicas", "3")
        .env("TF_VAR_enabled", "false")
        .args(["import", "dev", "stacks/app"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("stacks/app/env/dev.tfvars")).unwrap(),
        commented.replace("replicas = 2 #", "replicas = 3 #") + "enabled = false\n"
    );

    write(
        root,
        "stacks/app/terraform.tfvars",
        "# Bob's\nreplicas    = 4\ndb_password = \"bobs-new-password-123\"\n",
    );
    let out = cmd(root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .args([
            "import",
            "dev",
            "stacks/app",
            "--file",
            "stacks/app/terraform.tfvars",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("remove it, it holds the secrets in plain text"),
        "{stderr}"
    );
    let plain = std::fs::read_to_string(root.join("stacks/app/env/dev.tfvars")).unwrap();
    assert!(
        plain.contains("replicas = 4 # one per zone") && !plain.contains("bobs-new"),
        "{plain}"
    );
    assert_eq!(
        sealed_value(
            &root.join("stacks/app/env/dev.secrets.tfvars.json"),
            "db_password"
        ),
        "bobs-new-password-123"
    );
}

/// Issue 29, must show 1: `import` into an existing sealed file changes it where it stands: the
/// data key and every recipient stay (one added by `rotate` included), a value it was not given
/// keeps its ciphertext byte for byte, and the change waits for the file's lock.
#[test]
fn import_into_a_sealed_file_keeps_its_data_key_recipients_and_untouched_ciphertext() {
    const OTHER: &str = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq";
    let d = fixture();
    let root = d.path();
    let sealed = root.join("stacks/app/env/dev.secrets.tfvars.json");
    write(
        root,
        "stacks/app/variables.tf",
        &format!("{VARIABLES}\nvariable \"api_token\" {{\n  type      = string\n  sensitive = true\n}}\n"),
    );
    seal(
        root,
        "stacks/app/env/dev.secrets.tfvars.json",
        "{\"db_password\": \"a-long-enough-password\", \"api_token\": \"token-nobody-touches\"}",
    );
    let rotated = std::process::Command::new(assert_cmd::cargo::cargo_bin("secret-seal"))
        .args(["rotate", "-i", "--add-age", OTHER])
        .arg(&sealed)
        .env("HOME", root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .status()
        .unwrap();
    assert!(rotated.success());
    let read = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&sealed).unwrap()).unwrap()
    };
    let before = read();

    let lock = platform_fs::Lock::on_file(&sealed).unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tofu-envs"))
        .arg("--root")
        .arg(root)
        .args(["import", "dev", "stacks/app"])
        .current_dir(root)
        .env("HOME", root)
        .env_remove("SOPS_AGE_KEY")
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .env("TF_VAR_db_password", "a-new-and-longer-password")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let mut child = child;
    assert!(
        child.try_wait().unwrap().is_none(),
        "import did not wait for the sealed file's lock"
    );
    assert_eq!(read(), before, "changed while another held the lock");
    drop(lock);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let after = read();
    assert_eq!(after["api_token"], before["api_token"]);
    assert_ne!(after["db_password"], before["db_password"]);
    // The same recipients, each with the same wrapped data key: the data key did not change.
    assert_eq!(after["sops"]["age"], before["sops"]["age"]);
    let recipients: Vec<&str> = after["sops"]["age"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["recipient"].as_str().unwrap())
        .collect();
    assert!(recipients.contains(&OTHER), "{recipients:?}");
    assert_eq!(
        sealed_value(&sealed, "db_password"),
        "a-new-and-longer-password"
    );
    assert_eq!(sealed_value(&sealed, "api_token"), "token-nobody-touches");
}
