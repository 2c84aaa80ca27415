//! The conventions every tool shares (DESIGN's "conventions shared by all parts"), checked on
//! the four real binaries at once: the same root and environment from `PLATFORM_ROOT` and
//! `TOFU_ENV`, writes through symlinks, quiet exits at a closed pipe, errors said once, and
//! "did you mean" for a mistyped name.

use std::os::unix::fs::{symlink, MetadataExt};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};

mod support;
use support::{repo_root, succeeded as ok, text, tool};

/// A copy of the bundled layout (stacks/, root.hcl, .sops.yaml) to write in.
fn layout_copy() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let status = Command::new("cp")
        .arg("-R")
        .args(["stacks", "root.hcl", ".sops.yaml"].map(|f| repo_root().join(f)))
        .arg(d.path())
        .status()
        .unwrap();
    assert!(status.success());
    d
}

#[test]
fn platform_root_and_tofu_env_mean_the_same_to_every_tool() {
    let home = tempfile::tempdir().unwrap();
    let root = repo_root();
    // tofu-envs: the root from PLATFORM_ROOT, the environment from TOFU_ENV, the stack from
    // the working directory.
    let envs = |args: &[&str], tofu_env: Option<&str>, cwd: &std::path::Path| {
        let mut c = tool("tofu-envs", home.path());
        c.env("PLATFORM_ROOT", root).current_dir(cwd).args(args);
        if let Some(e) = tofu_env {
            c.env("TOFU_ENV", e);
        }
        ok(
            &format!("tofu-envs {args:?} (TOFU_ENV={tofu_env:?})"),
            c.output().unwrap(),
        )
    };
    let named = envs(&["vars", "prod", "teams/team-a"], None, home.path());
    assert_eq!(
        named,
        envs(&["vars", "teams/team-a"], Some("prod"), home.path())
    );
    assert!(
        named.contains("stacks/teams/team-a/env/prod.tfvars:1"),
        "{named}"
    );
    let stack_dir = root.join("stacks/teams/team-a/env");
    assert_eq!(envs(&["vars"], Some("prod"), &stack_dir), named);
    let export_named = envs(&["export", "prod", "teams/team-a"], None, home.path());
    assert_eq!(
        export_named,
        envs(&["export", "teams/team-a"], Some("prod"), home.path())
    );
    assert!(
        export_named.starts_with("export TOFU_ENV='prod'\nexport TF_VAR_environment='prod'\nexport TF_VAR_nginx_replicas='3'\n"),
        "{export_named}"
    );

    // kubectl-vteam: the same root from PLATFORM_ROOT (it used to read only VTEAM_ROOT), the
    // same environment from TOFU_ENV: prod's teams are the ones prod's vcluster state names.
    let copy = layout_copy();
    let state = copy
        .path()
        .join(".terraform-state/prod/stacks/platform/vcluster/terraform.tfstate");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    std::fs::write(
        &state,
        r#"{"version": 4, "outputs": {"team_kubeconfig_paths": {"value": {"team-a": "a.kubeconfig", "team-b": "b.kubeconfig"}}}}"#,
    )
    .unwrap();
    let teams = ok(
        "kubectl-vteam list",
        tool("kubectl-vteam", home.path())
            .env("PLATFORM_ROOT", copy.path())
            .env("TOFU_ENV", "prod")
            .env("KUBECONFIG", home.path().join("kubeconfig"))
            .args(["list", "-o", "json"])
            .output()
            .unwrap(),
    );
    let teams: serde_json::Value = serde_json::from_str(&teams).unwrap();
    let names: Vec<&str> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["team-a", "team-b"], "{teams}");
    assert!(
        teams.as_array().unwrap().iter().all(|t| t["env"] == "prod"
            && t["namespace"] == format!("{}-apps", t["name"].as_str().unwrap())),
        "{teams}"
    );

    // A PLATFORM_ROOT without stacks/ is an error in every tool, never another repository.
    let nowhere = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("tofu-envs", &["list"][..]),
        ("kubectl-vteam", &["list"][..]),
    ] {
        let out = tool(name, home.path())
            .env("PLATFORM_ROOT", nowhere.path())
            .env("KUBECONFIG", home.path().join("kubeconfig"))
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with(&format!("{name}: error: "))
                && err.contains("has no stacks/ directory (from PLATFORM_ROOT)"),
            "{name}: {err}"
        );
    }
}

#[test]
fn sealing_and_formatting_through_a_symlink_write_the_target_and_keep_the_link() {
    let d = layout_copy();
    let root = d.path();
    let home = tempfile::tempdir().unwrap();
    // A secrets file kept elsewhere and linked in, as a dotfiles or shared-secrets checkout is.
    std::fs::create_dir(root.join("real")).unwrap();
    let target = root.join("real/prod.secrets.tfvars.json");
    std::fs::write(&target, "{\"postgres_password\": \"hunter2-hunter2\"}\n").unwrap();
    let link = root.join("stacks/teams/team-a/env/staging.secrets.tfvars.json");
    symlink("../../../../real/prod.secrets.tfvars.json", &link).unwrap();
    ok(
        "secret-seal encrypt -i LINK",
        tool("secret-seal", home.path())
            .current_dir(root)
            .args([
                "encrypt",
                "-i",
                "stacks/teams/team-a/env/staging.secrets.tfvars.json",
            ])
            .output()
            .unwrap(),
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let sealed = std::fs::read_to_string(&target).unwrap();
    assert!(
        sealed.contains("ENC[AES256_GCM,") && !sealed.contains("hunter2"),
        "the target is sealed: {sealed}"
    );
    let plain = ok(
        "secret-seal decrypt LINK",
        tool("secret-seal", home.path())
            .current_dir(root)
            .args([
                "decrypt",
                "stacks/teams/team-a/env/staging.secrets.tfvars.json",
            ])
            .output()
            .unwrap(),
    );
    assert!(plain.contains("hunter2-hunter2"), "{plain}");

    // tofu-envs fmt on a linked .tf formats its target; the link stays.
    let tf_target = root.join("real/shared.tf");
    std::fs::write(&tf_target, "locals {\n  a=1\n}\n").unwrap();
    let tf_link = root.join("stacks/teams/team-a/shared.tf");
    symlink("../../../real/shared.tf", &tf_link).unwrap();
    ok(
        "tofu-envs fmt LINK",
        tool("tofu-envs", home.path())
            .args(["fmt"])
            .arg(&tf_link)
            .output()
            .unwrap(),
    );
    assert!(std::fs::symlink_metadata(&tf_link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(&tf_target).unwrap(),
        "locals {\n  a = 1\n}\n"
    );
    // Nothing left beside either file.
    let mut left: Vec<String> = std::fs::read_dir(root.join("real"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["prod.secrets.tfvars.json", "shared.tf"]);
}

/// Runs the command with its standard output a pipe whose reader has gone, as `| head -1` leaves it.
fn to_closed_pipe(mut c: Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    c.stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn every_tool_piped_to_a_closed_reader_exits_quietly() {
    let home = tempfile::tempdir().unwrap();
    let root = repo_root();
    let cases: &[(&str, &[&str])] = &[
        ("tofu-envs", &["list"]),
        ("tofu-envs", &["list", "--output", "json"]),
        ("tofu-envs", &["vars", "dev", "teams/team-a"]),
        ("tofu-envs", &["diff", "dev", "prod"]),
        ("tofu-envs", &["completions", "bash"]),
        ("secret-seal", &["completions", "bash"]),
        ("secret-seal", &["man"]),
        ("kubectl-vteam", &["list", "-o", "json"]),
        ("kubectl-vteam", &["list"]),
        ("platform-hooks", &["completions", "bash"]),
        ("platform-hooks", &["man"]),
    ];
    for (name, args) in cases {
        let mut c = tool(name, home.path());
        c.env("PLATFORM_ROOT", root)
            .env("KUBECONFIG", home.path().join("kubeconfig"))
            .args(*args);
        let out = to_closed_pipe(c);
        let quiet_end = out.status.success() || out.status.signal() == Some(nix::libc::SIGPIPE);
        assert!(
            quiet_end && out.stderr.is_empty(),
            "{name} {args:?}: {:?}, stderr: {}",
            out.status,
            text(&out.stderr)
        );
    }
}

#[test]
fn keygen_makes_the_missing_key_directory_private() {
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join(".config/sops/age/keys.txt");
    ok(
        "secret-seal keygen -o ~/.config/sops/age/keys.txt",
        tool("secret-seal", home.path())
            .arg("keygen")
            .arg("-o")
            .arg(&key)
            .output()
            .unwrap(),
    );
    assert_eq!(std::fs::metadata(&key).unwrap().mode() & 0o777, 0o600);
    let dir = home.path().join(".config/sops/age");
    assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    assert!(std::fs::read_to_string(&key)
        .unwrap()
        .contains("AGE-SECRET-KEY-1"));
}

#[test]
fn an_error_says_each_cause_once() {
    let home = tempfile::tempdir().unwrap();
    let out = tool("secret-seal", home.path())
        .args(["decrypt", "no-such-file.yaml"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("secret-seal: error: "), "{err}");
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.contains("no-such-file.yaml"), "{err}");
}

#[test]
fn a_mistyped_team_environment_or_stack_gets_a_suggestion() {
    let home = tempfile::tempdir().unwrap();
    let root = repo_root();
    let kubeconfig = home.path().join("kubeconfig");
    let vteam = tool("kubectl-vteam", home.path())
        .env("PLATFORM_ROOT", root)
        .env("KUBECONFIG", &kubeconfig)
        .args(["use", "tema-a"])
        .output()
        .unwrap();
    assert!(!vteam.status.success());
    assert!(
        text(&vteam.stderr).contains("did you mean `team-a`?"),
        "{}",
        text(&vteam.stderr)
    );
    assert!(!kubeconfig.exists(), "nothing written for a refused team");
    for (args, hint) in [
        (
            &["vars", "prd", "teams/team-a"][..],
            "did you mean \"prod\"?",
        ),
        (
            &["vars", "prod", "teams/tema-a"][..],
            "did you mean \"teams/team-a\"?",
        ),
    ] {
        let out = tool("tofu-envs", home.path())
            .env("PLATFORM_ROOT", root)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains(hint),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// A key manager behind `SOPS_AGE_KEY_CMD` picks the key by `SOPS_AGE_RECIPIENT`, which sops
/// sets to the file's recipient. Every tool that opens a sealed file sets it the same way.
#[test]
fn the_age_key_command_is_told_the_recipient_by_every_tool() {
    let home = tempfile::tempdir().unwrap();
    let key = repo_root().join("tests/fixtures/demo-age-key.txt");
    let recipient = std::fs::read_to_string(&key)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_string))
        .unwrap();
    // Hands out the key only when asked for this recipient.
    let key_cmd = format!(
        "sh -c 'test \"$SOPS_AGE_RECIPIENT\" = {recipient} && cat {}'",
        key.display()
    );
    let with_key_cmd = |name: &str| {
        let mut c = tool(name, home.path());
        c.env_remove("SOPS_AGE_KEY_FILE")
            .env("SOPS_AGE_KEY_CMD", &key_cmd)
            .env("PLATFORM_ROOT", repo_root())
            .current_dir(repo_root());
        c
    };
    let sealed = "stacks/teams/team-a/env/prod.secrets.tfvars.json";
    let plain = ok(
        "secret-seal decrypt",
        with_key_cmd("secret-seal")
            .args(["decrypt", sealed])
            .output()
            .unwrap(),
    );
    assert!(plain.contains("postgres_password"), "{plain}");
    let revealed = ok(
        "tofu-envs vars --reveal",
        with_key_cmd("tofu-envs")
            .args(["vars", "prod", "teams/team-a", "--reveal"])
            .output()
            .unwrap(),
    );
    let line = revealed
        .lines()
        .find(|l| l.starts_with("postgres_password"))
        .unwrap();
    // Opened: the value is shown with the line it is on, not "(sealed; no key to read it)".
    assert!(
        line.ends_with("stacks/teams/team-a/env/prod.secrets.tfvars.json:2"),
        "{revealed}"
    );
}

/// Read-modify-writes are serialized: 100 `secret-seal set`s of different keys at once keep all
/// 100 values, and 20 `tofu-envs new --ttl` at once record 20 expiries.
#[test]
fn concurrent_writers_lose_no_update() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("app.secrets.json");
    std::fs::write(&file, "{\"seed\": \"x\"}\n").unwrap();
    let key = repo_root().join("tests/fixtures/demo-age-key.txt");
    let recipient = std::fs::read_to_string(&key)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_string))
        .unwrap();
    ok(
        "secret-seal encrypt -i",
        tool("secret-seal", home.path())
            .args(["encrypt", "-i", "--age", &recipient])
            .arg(&file)
            .output()
            .unwrap(),
    );
    let sets: Vec<std::process::Child> = (0..100)
        .map(|i| {
            tool("secret-seal", home.path())
                .arg("set")
                .arg(&file)
                .args([format!("[\"k{i}\"]"), format!("\"v{i}\"")])
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in sets {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let plain: serde_json::Value = serde_json::from_str(&ok(
        "secret-seal decrypt",
        tool("secret-seal", home.path())
            .arg("decrypt")
            .arg(&file)
            .output()
            .unwrap(),
    ))
    .unwrap();
    let kept = (0..100)
        .filter(|i| plain[format!("k{i}")] == format!("v{i}"))
        .count();
    assert_eq!(kept, 100, "{plain}");
    let beside: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        beside.len(),
        1,
        "no lock or temp file left beside it: {beside:?}"
    );

    let layout = layout_copy();
    let news: Vec<std::process::Child> = (0..20)
        .map(|i| {
            tool("tofu-envs", home.path())
                .env("PLATFORM_ROOT", layout.path())
                .args(["new", &format!("demo-{i}"), "--from", "dev", "--ttl", "72h"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in news {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let registry: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(layout.path().join("tofu-envs.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        registry["environments"].as_object().unwrap().len(),
        20,
        "{registry}"
    );
}

/// Input that would be dropped or taken silently is refused, and nothing changes on disk: a JSON
/// file holding two documents (the second used to vanish when sealed), a string imported into a
/// number variable.
#[test]
fn bad_input_is_refused_and_nothing_changes() {
    let home = tempfile::tempdir().unwrap();
    let two = home.path().join("two.secrets.json");
    let documents = "{\"a\": \"1\"}\n{\"b\": \"2\"}\n";
    std::fs::write(&two, documents).unwrap();
    let recipient = "age1v7z65ade8ju0kgd5tdzrsv67x8zqdgh0ejn4tz23s8kydmxnqfzs2z70pm";
    let out = tool("secret-seal", home.path())
        .args(["encrypt", "-i", "--age", recipient])
        .arg(&two)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("two.secrets.json")
            && text(&out.stderr)
                .contains("line 2, column 1: unexpected text after the JSON document"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&two).unwrap(), documents);

    let layout = layout_copy();
    let tfvars = layout.path().join("stacks/teams/team-a/env/dev.tfvars");
    let before = std::fs::read(&tfvars).unwrap();
    let out = tool("tofu-envs", home.path())
        .env("PLATFORM_ROOT", layout.path())
        .env("TF_VAR_nginx_replicas", "three")
        .args(["import", "dev", "teams/team-a"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("TF_VAR_nginx_replicas: a number is required")
            && text(&out.stderr).contains("nothing was imported"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&tfvars).unwrap(), before);
}
