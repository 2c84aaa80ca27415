//! After git-setup, `git diff` of a changed sealed file shows the plaintext change to whoever
//! holds a key, and the sealed text to everyone else.

use crate::support::*;

fn git(env: &Env, dir: &std::path::Path, args: &[&str], key: Option<&std::path::Path>) -> String {
    let mut c = std::process::Command::new("git");
    c.args(args)
        .current_dir(dir)
        .env("HOME", env.dir())
        .env_remove("SOPS_AGE_KEY_FILE")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    if let Some(k) = key {
        c.env("SOPS_AGE_KEY_FILE", k);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn git_diff_shows_decrypted_changes_to_key_holders_only() {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    let repo = env.path("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&env, &repo, &["init", "-q"], None);
    git(
        &env,
        &repo,
        &["config", "user.email", "bob@example.com"],
        None,
    );
    git(&env, &repo, &["config", "user.name", "Bob"], None);
    env.write("repo/prod.secrets.yaml", "password: old-value\nuser: app\n");
    env.cmd()
        .args(["encrypt", "--age", &public, "-i"])
        .arg(repo.join("prod.secrets.yaml"))
        .assert()
        .success();
    git(&env, &repo, &["add", "-A"], None);
    git(&env, &repo, &["commit", "-q", "-m", "sealed"], None);
    env.cmd()
        .current_dir(&repo)
        .arg("git-setup")
        .assert()
        .success();
    assert!(std::fs::read_to_string(repo.join(".gitattributes"))
        .unwrap()
        .contains("*.secrets.* diff=secret-seal"));
    assert_eq!(
        git(
            &env,
            &repo,
            &["config", "--local", "diff.secret-seal.cachetextconv"],
            None
        )
        .trim(),
        "false"
    );
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["set"])
        .arg(repo.join("prod.secrets.yaml"))
        .args([r#"["password"]"#, r#""new-value""#])
        .assert()
        .success();

    let with_key = git(
        &env,
        &repo,
        &["diff", "--", "prod.secrets.yaml"],
        Some(&key),
    );
    assert!(
        with_key.contains("-password: old-value\n+password: new-value\n"),
        "{with_key}"
    );
    assert!(
        !with_key.contains("user: app\n-") && !with_key.contains("ENC["),
        "only the change, in plain text:\n{with_key}"
    );
    let without = git(&env, &repo, &["diff", "--", "prod.secrets.yaml"], None);
    assert!(
        !without.contains("new-value") && without.contains("+password: ENC[AES256_GCM"),
        "{without}"
    );
    // Running it again changes nothing.
    env.cmd()
        .current_dir(&repo)
        .arg("git-setup")
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitattributes"))
            .unwrap()
            .matches("*.secrets.*")
            .count(),
        1
    );
}
