//! edit with scripted editors: unchanged values keep their ciphertext, and no plaintext file
//! remains anywhere afterwards, also when the editor fails, the edit does not parse, or the run is
//! interrupted.

use std::path::Path;

use crate::support::*;

fn script(env: &Env, name: &str, body: &str) -> String {
    let p = env.write(name, &format!("#!/bin/sh\n{body}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    p.display().to_string()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        out.push(e.path().display().to_string());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(files_under(&e.path()));
        }
    }
    out
}

fn setup() -> (
    Env,
    std::path::PathBuf,
    std::path::PathBuf,
    std::path::PathBuf,
) {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    let file = env.seal_text(
        &public,
        "app.yaml",
        "# settings\nuser: app\npassword: change-me-123\nport: 5432\n",
    );
    let tmp = env.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    (env, key, file, tmp)
}

#[test]
fn an_edit_changes_only_the_edited_value_and_leaves_no_plaintext() {
    let (env, key, file, tmp) = setup();
    let before = std::fs::read_to_string(&file).unwrap();
    let editor = script(
        &env,
        "editor.sh",
        "sed -i 's/change-me-123/changed-456/' \"$1\"",
    );
    let out = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .env("EDITOR", &editor)
        .env("TMPDIR", &tmp)
        .arg("edit")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let after = std::fs::read_to_string(&file).unwrap();
    let changed: Vec<&str> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.trim_start().split(':').next().unwrap())
        .collect();
    assert!(
        changed
            .iter()
            .all(|k| ["password", "mac", "lastmodified"].contains(k))
            && changed.contains(&"password"),
        "{changed:?}"
    );
    assert_eq!(
        stdout(&env.decrypt(&key, &file)),
        "# settings\nuser: app\npassword: changed-456\nport: 5432\n"
    );
    assert!(
        files_under(&tmp).is_empty(),
        "plaintext left behind: {:?}",
        files_under(&tmp)
    );
    // SOPS_EDITOR wins over EDITOR; nothing changed is exit 200 and no write.
    let snapshot = std::fs::read(&file).unwrap();
    let out = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .env("SOPS_EDITOR", "true")
        .env("EDITOR", "false")
        .env("TMPDIR", &tmp)
        .arg("edit")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(200), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).unwrap(), snapshot);
}

#[test]
fn a_failing_editor_or_a_broken_edit_changes_nothing_and_leaves_nothing() {
    let (env, key, file, tmp) = setup();
    let snapshot = std::fs::read(&file).unwrap();
    for (name, body) in [
        ("fails.sh", "exit 1"),
        ("breaks.sh", "printf 'user: again\\n' >> \"$1\""),
    ] {
        let editor = script(&env, name, body);
        let out = env
            .cmd()
            .env("SOPS_AGE_KEY_FILE", &key)
            .env("EDITOR", &editor)
            .env("TMPDIR", &tmp)
            .arg("edit")
            .arg(&file)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}");
        assert!(stderr(&out).contains("app.yaml"), "{}", stderr(&out));
        assert_eq!(std::fs::read(&file).unwrap(), snapshot, "{name}");
        assert!(
            files_under(&tmp).is_empty(),
            "{name}: plaintext left behind"
        );
    }
}

#[test]
fn an_interrupted_edit_leaves_no_plaintext() {
    let (env, key, file, tmp) = setup();
    let snapshot = std::fs::read(&file).unwrap();
    let pidfile = env.path("editor.pid");
    let editor = script(
        &env,
        "slow.sh",
        &format!("echo $$ > {}\nexec sleep 30", pidfile.display()),
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("secret-seal"))
        .env("HOME", env.dir())
        .env("SOPS_AGE_KEY_FILE", &key)
        .env("EDITOR", &editor)
        .env("TMPDIR", &tmp)
        .arg("edit")
        .arg(&file)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(start.elapsed().as_secs() < 20, "the editor did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        files_under(&tmp).len(),
        2,
        "while editing: the private directory and its file"
    );
    // Ctrl-C reaches both processes (a terminal signals the whole foreground group).
    let editor_pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    for pid in [child.id().to_string(), editor_pid] {
        assert!(std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success());
    }
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(std::fs::read(&file).unwrap(), snapshot);
    assert!(
        files_under(&tmp).is_empty(),
        "plaintext left behind after Ctrl-C: {:?}",
        files_under(&tmp)
    );
}

#[test]
fn a_new_file_starts_from_an_example_and_the_creation_rule() {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    env.write(
        "repo/.sops.yaml",
        &format!("creation_rules:\n  - path_regex: \\.json$\n    age: {public}\n"),
    );
    let editor = script(
        &env,
        "fill.sh",
        "sed -i 's/example_value/first-secret/' \"$1\"",
    );
    let file = env.path("repo/new.json");
    env.cmd()
        .env("EDITOR", &editor)
        .arg("edit")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(
        stdout(&env.decrypt(&key, &file)),
        "{\n\t\"example_key\": \"first-secret\"\n}\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
