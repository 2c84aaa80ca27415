//! The merge driver with real git: two people change a sealed file on two branches, and git
//! merges, rebases and cherry-picks it value by value; a real conflict stays sealed until
//! `secret-seal edit` resolves it; without a key git merges as it would without the driver.

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};

use crate::support::*;

const FILE: &str = "app.secrets.yaml";
const PLAIN: &str = "# the app's database\ndb:\n    password: base-password # rotated monthly\n    user: app\ntoken: base-token\nuntouched: keep-me\n";

struct Repo {
    env: Env,
    dir: PathBuf,
    key: PathBuf,
}

impl Repo {
    /// A repository with one sealed file, committed on `main`, and `git-setup` done.
    fn new() -> Repo {
        let env = Env::new();
        let (key, public) = env.keygen("key.txt");
        let dir = env.path("repo");
        std::fs::create_dir_all(&dir).unwrap();
        let r = Repo { env, dir, key };
        r.ok(&["init", "-q", "-b", "main"]);
        r.ok(&["config", "user.email", "bob@example.com"]);
        r.ok(&["config", "user.name", "Bob"]);
        r.env.write(&format!("repo/{FILE}"), PLAIN);
        r.env
            .cmd()
            .args(["encrypt", "--age", &public, "-i"])
            .arg(r.file())
            .assert()
            .success();
        r.env
            .cmd()
            .current_dir(&r.dir)
            .arg("git-setup")
            .assert()
            .success();
        r.ok(&["add", "-A"]);
        r.ok(&["commit", "-q", "-m", "sealed"]);
        r
    }

    fn file(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// git as a key holder (`with_key`) or as someone without one.
    fn git(&self, args: &[&str], with_key: bool) -> Output {
        let mut c = StdCommand::new("git");
        c.args(args)
            .current_dir(&self.dir)
            .env("HOME", self.env.dir())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_EDITOR", "true")
            .env_remove("SOPS_AGE_KEY_FILE")
            .env_remove("SOPS_AGE_KEY");
        if with_key {
            c.env("SOPS_AGE_KEY_FILE", &self.key);
        }
        c.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.git(args, true);
        assert!(
            out.status.success(),
            "git {args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// `secret-seal set` of one value, committed.
    fn change(&self, path: &str, json: &str) {
        self.env
            .cmd()
            .env("SOPS_AGE_KEY_FILE", &self.key)
            .arg("set")
            .arg(self.file())
            .args([path, json])
            .assert()
            .success();
        self.ok(&["commit", "-q", "-am", &format!("set {path}")]);
    }

    fn plaintext(&self) -> String {
        let out = self.env.decrypt(&self.key, &self.file());
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    }

    fn sealed_line(&self, key: &str) -> String {
        line_starting(&std::fs::read_to_string(self.file()).unwrap(), key)
    }
}

/// Two branches from the same commit: `feature` changes the token, `main` the password.
fn diverged() -> Repo {
    let r = Repo::new();
    r.ok(&["checkout", "-q", "-b", "feature"]);
    r.change(r#"["token"]"#, r#""feature-token""#);
    r.ok(&["checkout", "-q", "main"]);
    r.change(r#"["db"]["password"]"#, r#""main-password""#);
    r
}

fn assert_both_changes(r: &Repo, untouched_before: &str) {
    let plain = r.plaintext();
    assert_eq!(
        plain,
        "# the app's database\ndb:\n    password: main-password # rotated monthly\n    user: app\ntoken: feature-token\nuntouched: keep-me\n"
    );
    // Values nobody changed keep their exact ciphertext: the diff of the merge stays minimal.
    assert_eq!(r.sealed_line("untouched:"), untouched_before);
    let status = stdout(
        &r.env
            .cmd()
            .arg("filestatus")
            .arg(r.file())
            .output()
            .unwrap(),
    );
    assert_eq!(status.trim(), r#"{"encrypted":true}"#);
    read_by_sops_age(r);
}

/// The independent SOPS reader (npm's sops-age) opens the merged file too.
fn read_by_sops_age(r: &Repo) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop");
    if !(has("node") && dir.join("node_modules/sops-age").is_dir()) {
        test_peers::skip("node or sops-age is missing (npm ci --prefix plugins/secret-seal/tests/interop; scripts/test does)");
        return;
    }
    let out = StdCommand::new("node")
        .arg(dir.join("decrypt.mjs"))
        .arg(&r.key)
        .arg(r.file())
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "sops-age: {}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        r#"{"db":{"password":"main-password","user":"app"},"token":"feature-token","untouched":"keep-me"}"#
    );
}

#[test]
fn git_merge_of_different_values_is_clean_and_keeps_untouched_ciphertext() {
    let r = diverged();
    let untouched = r.sealed_line("untouched:");
    r.ok(&["merge", "-q", "--no-edit", "feature"]);
    assert_both_changes(&r, &untouched);
}

#[test]
fn git_rebase_of_a_sealed_file_is_clean() {
    let r = diverged();
    let untouched = r.sealed_line("untouched:");
    r.ok(&["checkout", "-q", "feature"]);
    r.ok(&["rebase", "-q", "main"]);
    assert_both_changes(&r, &untouched);
}

#[test]
fn git_cherry_pick_of_a_sealed_file_is_clean() {
    let r = diverged();
    let untouched = r.sealed_line("untouched:");
    r.ok(&["cherry-pick", "feature"]);
    assert_both_changes(&r, &untouched);
}

/// Every byte git and the working tree hold for the repository, objects inflated.
fn everything_in(r: &Repo) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![r.dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push((p.display().to_string(), bytes));
            }
        }
    }
    let objects = r.git(&["cat-file", "--batch-all-objects", "--batch"], true);
    assert!(objects.status.success());
    out.push(("git objects".into(), objects.stdout));
    let stages = r.git(&["ls-files", "-s"], true);
    out.push(("index".into(), stages.stdout));
    out
}

#[test]
fn a_real_conflict_stays_sealed_and_edit_resolves_it() {
    let r = Repo::new();
    r.ok(&["checkout", "-q", "-b", "feature"]);
    r.change(r#"["db"]["password"]"#, r#""feature-password""#);
    r.ok(&["checkout", "-q", "main"]);
    r.change(r#"["db"]["password"]"#, r#""main-password""#);
    r.change(r#"["token"]"#, r#""main-token""#);

    let merge = r.git(&["merge", "--no-edit", "feature"], true);
    assert!(!merge.status.success(), "a conflict: {}", stdout(&merge));
    let said = format!("{}{}", stdout(&merge), stderr(&merge));
    assert!(
        said.contains(r#"both sides changed ["db"]["password"]"#)
            && said.contains("secret-seal edit app.secrets.yaml"),
        "{said}"
    );
    // Nothing in the working tree or in .git holds a plaintext value.
    for (place, bytes) in everything_in(&r) {
        for secret in [
            "feature-password",
            "main-password",
            "base-password",
            "main-token",
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in plain text in {place}"
            );
        }
    }
    // The file is sealed, and opens to both sides of the conflict and the merged rest.
    let plain = r.plaintext();
    assert!(
        plain.contains("<<<<<<< ours\n        main-password\n        =======\n        feature-password\n        >>>>>>> theirs")
            && plain.contains("token: main-token"),
        "{plain}"
    );

    // An edit that leaves the markers is refused, and the file is left as it was.
    let before = std::fs::read(r.file()).unwrap();
    let keep_all = r.env.write(
        "keep-all.sh",
        "#!/bin/sh\necho '# looked at it' >> \"$1\"\n",
    );
    let refused = r
        .env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &r.key)
        .env("SOPS_EDITOR", format!("sh {}", keep_all.display()))
        .arg("edit")
        .arg(r.file())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("still hold(s) both sides of a merge conflict"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(r.file()).unwrap(), before);

    // Keeping our side resolves it.
    let keep_ours = r.env.write(
        "keep-ours.sh",
        "#!/bin/sh\nsed -i -e '/<<<<<<< ours/d' -e '/=======/,/>>>>>>> theirs/d' \"$1\"\n",
    );
    r.env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &r.key)
        .env("SOPS_EDITOR", format!("sh {}", keep_ours.display()))
        .arg("edit")
        .arg(r.file())
        .assert()
        .success();
    assert_eq!(
        r.plaintext(),
        "# the app's database\ndb:\n    password: main-password # rotated monthly\n    user: app\ntoken: main-token\nuntouched: keep-me\n"
    );
    r.ok(&["add", FILE]);
    r.ok(&["commit", "-q", "--no-edit"]);
}

#[test]
fn without_a_key_git_merges_as_it_would_without_the_driver_and_says_why() {
    let r = diverged();
    let merge = r.git(&["merge", "--no-edit", "feature"], false);
    let err = stderr(&merge);
    assert!(!merge.status.success());
    assert!(
        err.contains("secret-seal merge: app.secrets.yaml:")
            && err.contains("merged as text, as git does without the driver"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let text = std::fs::read_to_string(r.file()).unwrap();
    assert!(
        text.contains("<<<<<<< ours") && text.contains(">>>>>>> theirs"),
        "{text}"
    );
}
