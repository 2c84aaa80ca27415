//! edit with scripted editors: unchanged values keep their ciphertext, and no plaintext file
//! remains anywhere afterwards, also when the editor fails, the edit does not parse, or the run is
//! interrupted.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;

use crate::support::*;

fn script(env: &Env, name: &str, body: &str) -> String {
    let p = env.write(name, &format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
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
    // The private runtime directory edit prefers (a login session's tmpfs): 0700, ours.
    let tmp = env.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o700)).unwrap();
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
        .env("XDG_RUNTIME_DIR", &tmp)
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
        .env("XDG_RUNTIME_DIR", &tmp)
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
            .env("XDG_RUNTIME_DIR", &tmp)
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
        .env("XDG_RUNTIME_DIR", &tmp)
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

/// Starts `secret-seal edit FILE` with an editor that records its pid and the file it was given,
/// then waits; returns the running child, the editor's pid and the plaintext's path.
fn start_slow_edit(
    env: &Env,
    key: &Path,
    file: &Path,
    runtime: Option<&Path>,
) -> (std::process::Child, String, std::path::PathBuf) {
    let (pidfile, argfile) = (env.path("editor.pid"), env.path("editor.arg"));
    let _ = std::fs::remove_file(&pidfile);
    let editor = script(
        env,
        "slow.sh",
        &format!(
            "echo \"$1\" > {}\necho $$ > {}\nexec sleep 30",
            argfile.display(),
            pidfile.display()
        ),
    );
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("secret-seal"));
    cmd.env("HOME", env.dir())
        .env("SOPS_AGE_KEY_FILE", key)
        .env("EDITOR", &editor)
        .env_remove("XDG_RUNTIME_DIR")
        .arg("edit")
        .arg(file)
        .stderr(std::process::Stdio::null());
    if let Some(r) = runtime {
        cmd.env("XDG_RUNTIME_DIR", r);
    }
    let child = cmd.spawn().unwrap();
    let start = std::time::Instant::now();
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(start.elapsed().as_secs() < 20, "the editor did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let editor_pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    let plaintext = std::path::PathBuf::from(std::fs::read_to_string(&argfile).unwrap().trim());
    (child, editor_pid, plaintext)
}

fn kill(signal: &str, pid: &str) {
    let _ = std::process::Command::new("kill")
        .args([signal, pid])
        .status();
}

/// SIGTERM, or SIGHUP when the terminal closes: the plaintext and its directory go before the
/// process dies of the signal, and the sealed file is as it was.
#[test]
fn a_terminated_or_hung_up_edit_removes_its_plaintext() {
    for (signal, number) in [("-TERM", 15), ("-HUP", 1)] {
        let (env, key, file, tmp) = setup();
        let snapshot = std::fs::read(&file).unwrap();
        let (mut child, editor, plaintext) = start_slow_edit(&env, &key, &file, Some(&tmp));
        let dir = plaintext.parent().unwrap().to_path_buf();
        assert!(
            dir.starts_with(&tmp),
            "{} is not in the runtime dir",
            dir.display()
        );
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(&plaintext).unwrap().mode() & 0o777, 0o600);
        kill(signal, &child.id().to_string());
        let status = child.wait().unwrap();
        // The editor got the signal too: it does not outlive the edit.
        let start = std::time::Instant::now();
        while std::path::Path::new(&format!("/proc/{editor}")).exists()
            && start.elapsed().as_secs() < 5
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let editor_left = std::path::Path::new(&format!("/proc/{editor}")).exists();
        kill("-KILL", &editor);
        assert!(!editor_left, "{signal}: the editor survived the edit");
        assert_eq!(status.signal(), Some(number), "{signal}: {status:?}");
        assert!(
            !plaintext.exists() && !dir.exists(),
            "{signal}: plaintext left behind"
        );
        assert!(
            files_under(&tmp).is_empty(),
            "{signal}: {:?}",
            files_under(&tmp)
        );
        assert_eq!(std::fs::read(&file).unwrap(), snapshot);
    }
}

/// A kill nobody can catch leaves the plaintext; the next edit removes it before it starts.
#[test]
fn plaintext_left_by_a_killed_edit_is_swept_by_the_next_one() {
    let (env, key, file, tmp) = setup();
    let (mut child, editor, plaintext) = start_slow_edit(&env, &key, &file, Some(&tmp));
    kill("-KILL", &child.id().to_string());
    child.wait().unwrap();
    kill("-KILL", &editor);
    assert!(plaintext.exists(), "SIGKILL cannot be caught");
    let out = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .env("XDG_RUNTIME_DIR", &tmp)
        .env("EDITOR", "true")
        .arg("edit")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(200), "{}", stderr(&out));
    assert!(!plaintext.exists(), "the orphan was not swept");
    assert!(files_under(&tmp).is_empty(), "{:?}", files_under(&tmp));
}

/// Without a runtime directory, the plaintext goes to memory (`/dev/shm`) where there is one.
#[test]
fn without_a_runtime_dir_the_plaintext_stays_in_memory() {
    if !Path::new("/dev/shm").is_dir() {
        test_peers::skip("no /dev/shm on this system");
        return;
    }
    let (env, key, file, _) = setup();
    let (mut child, editor, plaintext) = start_slow_edit(&env, &key, &file, None);
    assert!(plaintext.starts_with("/dev/shm"), "{}", plaintext.display());
    kill("-TERM", &child.id().to_string());
    child.wait().unwrap();
    kill("-KILL", &editor);
    assert!(!plaintext.parent().unwrap().exists());
}
