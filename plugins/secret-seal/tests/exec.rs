//! exec-env and exec-file: the child sees the values, nothing reaches the disk.

use crate::support::*;

fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path().display().to_string());
        if e.file_type().unwrap().is_dir() {
            out.extend(listing(&e.path()));
        }
    }
    out.sort();
    out
}

#[test]
fn exec_env_feeds_a_sealed_tfvars_to_a_child_as_tf_vars() {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    let file = env.seal_text(
        &public,
        "prod.secrets.tfvars.json",
        r#"{"db_password": "p@ss word", "zones": ["a", "b"], "tags": {"k": "v"}, "n": 3}"#,
    );
    let tmp = env.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let before = listing(env.dir());
    let out = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .env("TMPDIR", &tmp)
        .args(["exec-env", "--prefix", "TF_VAR_"])
        .arg(&file)
        .args(["--", "env | grep ^TF_VAR_ | sort"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "TF_VAR_db_password=p@ss word\nTF_VAR_n=3\nTF_VAR_tags={\"k\": \"v\"}\nTF_VAR_zones=[\"a\",\"b\"]\n");
    assert_eq!(listing(env.dir()), before, "no file was written");
    // The child's exit code is the command's; --pristine passes nothing else on.
    let code = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .arg("exec-env")
        .arg(&file)
        .args(["--", "exit 7"])
        .output()
        .unwrap();
    assert_eq!(code.status.code(), Some(7));
    let pristine = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .env("LEAK", "x")
        .args(["exec-env", "--pristine"])
        .arg(&file)
        .args(["--", "/usr/bin/env"])
        .output()
        .unwrap();
    assert!(
        !stdout(&pristine).contains("LEAK=") && stdout(&pristine).contains("n=3"),
        "{}",
        stdout(&pristine)
    );
}

#[test]
fn exec_file_hands_over_a_fifo_or_a_private_file_and_leaves_nothing() {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    let file = env.seal_text(&public, "app.yaml", "password: hunter2-hunter2\n");
    let tmp = env.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let before = listing(env.dir());
    let run = |args: &[&str], script: &str| {
        env.cmd()
            .env("SOPS_AGE_KEY_FILE", &key)
            .env("TMPDIR", &tmp)
            .arg("exec-file")
            .args(args)
            .arg(&file)
            .args(["--", script])
            .output()
            .unwrap()
    };
    let fifo = run(&[], "test -p {} && cat {}");
    assert!(
        fifo.status.success(),
        "a FIFO by default: {}",
        stderr(&fifo)
    );
    assert_eq!(stdout(&fifo), "password: hunter2-hunter2\n");
    let private = run(&["--no-fifo"], "stat -c %a {} && cat {}");
    assert_eq!(stdout(&private), "600\npassword: hunter2-hunter2\n");
    let failed = run(&["--no-fifo"], "cat {} >/dev/null; exit 3");
    assert_eq!(failed.status.code(), Some(3));
    let unread = run(&[], "true");
    assert!(
        unread.status.success(),
        "a command that never reads the FIFO does not hang"
    );
    assert_eq!(
        listing(env.dir()),
        before,
        "nothing left behind in TMPDIR or elsewhere"
    );
}
