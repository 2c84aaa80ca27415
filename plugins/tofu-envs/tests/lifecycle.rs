//! An environment's life: `new` (from nothing or `--from`), expiry and `gc`, a `new` that fails
//! half way, and `import` of values into the plain and sealed files.

use std::path::{Path, PathBuf};

use crate::envs::{cmd, findings, fixture, seal, write, VARIABLES};
use crate::support::{demo_key, sealed_value};

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
    crate::support::assert_ok(&out);
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
    crate::support::assert_ok(&out);

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

/// A value of another shape changes the alignment around it: a formatted file stays one
/// `tofu fmt` accepts. Values from a file are named as they are there, with the file.
#[test]
fn import_leaves_a_formatted_file_formatted_and_names_where_values_came_from() {
    let d = fixture();
    let root = d.path();
    write(
        root,
        "stacks/app/env/dev.tfvars",
        "replicas = 2\nzones    = [\"a\", \"b\"]\nteams = {\n  team-a = { node_port = 30443 }\n}\nregion = \"eu\"\n",
    );
    write(root, "in.tfvars", "teams = {}\nnot_a_variable = 1\n");
    let out = cmd(root)
        .env("SOPS_AGE_KEY_FILE", demo_key())
        .args(["import", "dev", "stacks/app", "--file"])
        .arg(root.join("in.tfvars"))
        .output()
        .unwrap();
    crate::support::assert_ok(&out);
    let (said, warned) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        said.contains("teams (from ") && said.contains("in.tfvars)"),
        "{said}"
    );
    assert!(
        warned.contains("in.tfvars: not_a_variable is not declared") && !warned.contains("TF_VAR_"),
        "{warned}"
    );
    let text = std::fs::read_to_string(root.join("stacks/app/env/dev.tfvars")).unwrap();
    assert_eq!(
        text,
        "replicas = 2\nzones    = [\"a\", \"b\"]\nteams    = {}\nregion   = \"eu\"\n"
    );
    cmd(root)
        .args(["fmt", "-check", "stacks/app/env/dev.tfvars"])
        .assert()
        .success();
}
