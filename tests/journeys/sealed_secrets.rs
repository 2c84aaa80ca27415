//! Secrets across people: Bob seals prod, hooks stop an unsealed secret, two people merge one sealed file.

use std::path::PathBuf;
use std::process::Command;

use crate::*;

/// Journey 1: Bob seals the prod secrets and commits them; Carol, whose key is a recipient, sees
/// the change in plain text in `git diff`; Dave, without a key, sees only sealed text.
#[test]
fn bob_seals_prod_secrets_and_only_key_holders_read_the_diff() {
    let bob = Person::new("bob", true);
    let carol = Person::new("carol", true);
    let dave = Person::new("dave", false);
    let origin = tempfile::tempdir().unwrap();
    let repo = origin.path();
    bob.git(repo, &["init", "-q"]);
    write_sops_yaml(repo, "password", &[&bob, &carol]);
    let secrets = "stacks/teams/team-a/env/prod.secrets.tfvars.json";
    std::fs::create_dir_all(repo.join("stacks/teams/team-a/env")).unwrap();
    std::fs::write(
        repo.join(secrets),
        "{\n  \"postgres_password\": \"first-prod-password-2026\",\n  \"postgres_host\": \"db.team-a\"\n}\n",
    )
    .unwrap();
    bob.tool("secret-seal", repo, &["encrypt", "-i", secrets]);
    bob.tool("secret-seal", repo, &["git-setup"]);
    bob.git(repo, &["add", "-A"]);
    bob.git(repo, &["commit", "-q", "-m", "team-a prod secrets"]);
    // Bob rotates the password: one value re-sealed in place, no plaintext file.
    bob.tool(
        "secret-seal",
        repo,
        &[
            "set",
            secrets,
            r#"["postgres_password"]"#,
            r#""second-prod-password-2026""#,
        ],
    );
    bob.git(
        repo,
        &["commit", "-q", "-am", "rotate team-a's prod password"],
    );
    let committed = bob.git(repo, &["show", &format!("HEAD:{secrets}")]);
    assert!(
        !committed.contains("prod-password-2026") && committed.contains("ENC[AES256_GCM,data:"),
        "what is committed is sealed:\n{committed}"
    );

    let clone_for = |who: &Person| {
        let dir = who.home.path().join("platform");
        who.git(
            who.home.path(),
            &["clone", "-q", repo.to_str().unwrap(), "platform"],
        );
        // git does not clone configuration: each colleague runs git-setup once.
        who.tool("secret-seal", &dir, &["git-setup"]);
        dir
    };
    let carols = clone_for(&carol);
    let diff = carol.git(&carols, &["diff", "HEAD~1", "HEAD", "--", secrets]);
    assert!(
        diff.contains("-\t\"postgres_password\": \"first-prod-password-2026\",")
            && diff.contains("+\t\"postgres_password\": \"second-prod-password-2026\","),
        "Carol holds a key: the diff is in plain text:\n{diff}"
    );
    let log = carol.git(&carols, &["log", "-p", "--", secrets]);
    assert!(
        log.contains("+\t\"postgres_password\": \"first-prod-password-2026\","),
        "{log}"
    );

    let daves = clone_for(&dave);
    let diff = dave.git(&daves, &["diff", "HEAD~1", "HEAD", "--", secrets]);
    assert!(
        !diff.contains("prod-password-2026") && diff.contains("ENC[AES256_GCM,data:"),
        "Dave has no key: the diff shows sealed text only:\n{diff}"
    );
    assert!(
        !diff.is_empty() && diff.contains("-\t\"postgres_password\": \"ENC["),
        "{diff}"
    );
    let denied = dave
        .cmd(bin("secret-seal"), &daves)
        .args(["decrypt", secrets])
        .output()
        .unwrap();
    assert!(!denied.status.success());
}

/// The pre-commit framework (from PyPI), or a skip that says how to get it.
fn pre_commit_framework() -> Option<PathBuf> {
    required_peer(
        find_in_path("pre-commit"),
        "the pre-commit framework",
        "pip install pre-commit",
    )
}

/// The configuration a team writes for the pre-commit framework: our hooks, from this build.
fn pre_commit_config() -> String {
    let hooks = bin("platform-hooks");
    let hook = |id: &str, files: &str| {
        format!(
            "      - id: {id}\n        name: {id}\n        entry: {} {id}\n        language: system\n{files}",
            hooks.display()
        )
    };
    format!(
        "repos:\n  - repo: local\n    hooks:\n{}{}{}",
        hook("tofu-fmt", "        files: \\.(tf|tfvars)$\n"),
        hook("secrets-sealed", ""),
        hook(
            "tfvars-valid",
            "        files: (^|/)env/[^/]+\\.(tfvars|secrets\\.tfvars\\.json)$\n"
        ),
    )
}

/// Journey 3: with the hooks installed through the pre-commit framework, git refuses a commit
/// holding an unsealed secret and an unformatted file, and accepts it once both are fixed.
#[test]
fn git_refuses_an_unsealed_secret_and_an_unformatted_file_until_fixed() {
    let Some(pre_commit) = pre_commit_framework() else {
        return;
    };
    let bob = Person::new("bob", true);
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let copied = Command::new("cp")
        .arg("-R")
        .args(["stacks", "root.hcl", ".gitignore"].map(|f| repo_root().join(f)))
        .arg(repo)
        .status()
        .unwrap();
    assert!(copied.success());
    write_sops_yaml(repo, "password", &[&bob]);
    // The bundled secrets are sealed for the demo key; Bob's layout has his own.
    for (team, var) in [
        ("team-a", "postgres_password"),
        ("team-b", "redis_password"),
    ] {
        for env in ["dev", "prod"] {
            let file = format!("stacks/teams/{team}/env/{env}.secrets.tfvars.json");
            std::fs::write(
                repo.join(&file),
                format!("{{\"{var}\": \"{team}-{env}-long-enough-password\"}}\n"),
            )
            .unwrap();
            bob.tool("secret-seal", repo, &["encrypt", "-i", &file]);
        }
    }
    std::fs::write(repo.join(".pre-commit-config.yaml"), pre_commit_config()).unwrap();
    bob.git(repo, &["init", "-q"]);
    succeeded(
        "pre-commit install",
        bob.cmd(&pre_commit, repo).arg("install").output().unwrap(),
    );
    bob.git(repo, &["add", "-A"]);
    bob.git(repo, &["commit", "-q", "-m", "the platform layout"]);

    let secrets = "stacks/teams/team-a/env/staging.secrets.tfvars.json";
    let tfvars = "stacks/teams/team-a/env/staging.tfvars";
    std::fs::write(
        repo.join(secrets),
        "{\"postgres_password\": \"staging-password-in-plain-text\"}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join(tfvars),
        "nginx_replicas=2\nnginx_version = \"1.27\"\n",
    )
    .unwrap();
    bob.git(repo, &["add", "-A"]);
    let commit = || {
        bob.cmd("git", repo)
            .args(["commit", "-m", "team-a staging"])
            .output()
            .unwrap()
    };
    let refused = commit();
    let said = format!("{}{}", text(&refused.stdout), text(&refused.stderr));
    assert!(
        !refused.status.success(),
        "the commit went through:\n{said}"
    );
    assert!(
        said.contains(&format!(
            "{secrets}:1:1: [secrets-sealed] a secrets file that is not sealed"
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "{tfvars}:1:1: [tofu-fmt] not formatted as `tofu fmt` formats it"
        )),
        "{said}"
    );
    assert_eq!(
        bob.git(repo, &["rev-list", "--count", "HEAD"]),
        "1\n",
        "nothing was committed"
    );

    bob.tool("secret-seal", repo, &["encrypt", "-i", secrets]);
    bob.tool("tofu-envs", repo, &["fmt", tfvars]);
    assert_eq!(
        std::fs::read_to_string(repo.join(tfvars)).unwrap(),
        "nginx_replicas = 2\nnginx_version  = \"1.27\"\n"
    );
    bob.git(repo, &["add", "-A"]);
    let accepted = commit();
    assert!(
        accepted.status.success(),
        "{}{}",
        text(&accepted.stdout),
        text(&accepted.stderr)
    );
    assert_eq!(bob.git(repo, &["rev-list", "--count", "HEAD"]), "2\n");
    let staged = bob.git(repo, &["show", &format!("HEAD:{secrets}")]);
    assert!(
        !staged.contains("staging-password-in-plain-text"),
        "{staged}"
    );
}

/// Journey 6: Bob and Carol change different secrets of one sealed file on two branches, with the
/// repository's hooks installed through the pre-commit framework. The merge is clean and sealed;
/// where they both changed the same password, the conflict stays sealed, Carol resolves it with
/// `secret-seal edit`, and the hooks accept the resolution.
#[test]
fn two_people_change_one_sealed_file_and_git_merges_it() {
    let Some(pre_commit) = pre_commit_framework() else {
        return;
    };
    let carol = Person::new("carol", true);
    let bob = Person::new("bob", true);
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    write_sops_yaml(repo, "password", &[&bob, &carol]);
    let secrets = "stacks/teams/team-a/env/prod.secrets.tfvars.json";
    std::fs::create_dir_all(repo.join("stacks/teams/team-a/env")).unwrap();
    std::fs::write(
        repo.join(secrets),
        "{\n  \"postgres_password\": \"first-prod-password-2026\",\n  \"replica_password\": \"first-replica-password-2026\",\n  \"admin_password\": \"first-admin-password-2026\"\n}\n",
    )
    .unwrap();
    std::fs::write(repo.join(".pre-commit-config.yaml"), pre_commit_config()).unwrap();
    carol.git(repo, &["init", "-q", "-b", "main"]);
    carol.tool("secret-seal", repo, &["encrypt", "-i", secrets]);
    carol.tool("secret-seal", repo, &["git-setup"]);
    succeeded(
        "pre-commit install",
        carol
            .cmd(&pre_commit, repo)
            .arg("install")
            .output()
            .unwrap(),
    );
    carol.git(repo, &["add", "-A"]);
    carol.git(repo, &["commit", "-q", "-m", "team-a prod secrets"]);
    let set = |who: &Person, key: &str, value: &str| {
        who.tool(
            "secret-seal",
            repo,
            &[
                "set",
                secrets,
                &format!("[\"{key}\"]"),
                &format!("\"{value}\""),
            ],
        );
    };
    // Bob's branch: the replica password, and the admin password.
    carol.git(repo, &["checkout", "-q", "-b", "bob"]);
    set(&bob, "replica_password", "bobs-replica-password-2026");
    set(&bob, "admin_password", "bobs-admin-password-2026");
    bob.git(repo, &["commit", "-q", "-am", "bob: replica and admin"]);
    // Carol's main: the primary password, and the admin password too.
    carol.git(repo, &["checkout", "-q", "main"]);
    set(&carol, "postgres_password", "carols-prod-password-2026");
    set(&carol, "admin_password", "carols-admin-password-2026");
    carol.git(repo, &["commit", "-q", "-am", "carol: primary and admin"]);

    let merge = carol
        .cmd("git", repo)
        .args(["merge", "--no-edit", "bob"])
        .output()
        .unwrap();
    let said = format!("{}{}", text(&merge.stdout), text(&merge.stderr));
    assert!(!merge.status.success(), "{said}");
    assert!(
        said.contains(r#"both sides changed ["admin_password"]"#),
        "{said}"
    );
    // Nothing but sealed text on disk (Carol's `git diff` shows her the plain text: she holds a key).
    let on_disk = std::fs::read_to_string(repo.join(secrets)).unwrap();
    assert!(
        !on_disk.contains("password-2026") && on_disk.contains("ENC[AES256_GCM,"),
        "{on_disk}"
    );
    // Adding the file as it is does not let the conflict in: the hook, holding Carol's key,
    // finds both sides still in the sealed value.
    carol.git(repo, &["add", secrets]);
    let refused = carol
        .cmd("git", repo)
        .args(["commit", "-q", "--no-edit"])
        .output()
        .unwrap();
    let said = format!("{}{}", text(&refused.stdout), text(&refused.stderr));
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains(r#"["admin_password"] still hold(s) both sides of a merge conflict"#)
            && said.contains(&format!("secret-seal edit {secrets}")),
        "{said}"
    );
    // Carol keeps Bob's admin password: the conflicting value, replaced in the editor.
    let keep_theirs = carol.home.path().join("keep-theirs.sh");
    std::fs::write(
        &keep_theirs,
        "#!/bin/sh\nsed -i 's/\"admin_password\": \".*\"/\"admin_password\": \"bobs-admin-password-2026\"/' \"$1\"\n",
    )
    .unwrap();
    succeeded(
        "secret-seal edit",
        carol
            .cmd(bin("secret-seal"), repo)
            .env("SOPS_EDITOR", format!("sh {}", keep_theirs.display()))
            .args(["edit", secrets])
            .output()
            .unwrap(),
    );
    carol.git(repo, &["add", secrets]);
    // The pre-commit framework runs the hooks on the resolution: sealed, valid MAC.
    carol.git(repo, &["commit", "-q", "--no-edit"]);
    let merged = carol.tool("secret-seal", repo, &["decrypt", secrets]);
    assert_eq!(
        merged,
        "{\n\t\"postgres_password\": \"carols-prod-password-2026\",\n\t\"replica_password\": \"bobs-replica-password-2026\",\n\t\"admin_password\": \"bobs-admin-password-2026\"\n}\n"
    );
    // Bob, the other recipient, reads the same.
    assert_eq!(bob.tool("secret-seal", repo, &["decrypt", secrets]), merged);
}
