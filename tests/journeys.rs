//! Journeys across the tools, as the people who use them meet them, on the real binaries.

use std::process::Command;

/// The README's demo command works on a fresh checkout: it seals a file, reads it back, refuses
/// to open it without the key, and leaves the user's HOME alone.
#[test]
fn readme_demo_seals_and_reads_back_without_touching_home() {
    let home = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("secret-seal");
    assert!(
        bin.exists(),
        "secret-seal is built by `cargo test` at the workspace root"
    );
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/demo.sh"))
        .env("HOME", home.path())
        .env("SECRET_SEAL_BIN", &bin)
        .env("TOFU_ENVS_BIN", assert_cmd::cargo::cargo_bin("tofu-envs"))
        .env("VTEAM_BIN", assert_cmd::cargo::cargo_bin("kubectl-vteam"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    let sealed_part = &stdout[stdout.find("==> 4.").unwrap()..stdout.find("==> 5.").unwrap()];
    assert!(
        !sealed_part.contains("correct-horse"),
        "the sealed file shows the password:\n{sealed_part}"
    );
    assert!(
        sealed_part.contains("host: postgres.team-a-apps.svc"),
        "{sealed_part}"
    );
    assert!(sealed_part.contains("{\"encrypted\":true}"));
    let read_back = &stdout[stdout.find("==> 5.").unwrap()..stdout.find("==> 8.").unwrap()];
    assert!(
        read_back.contains("    password: correct-horse-battery-staple\n"),
        "{read_back}"
    );
    assert!(
        read_back.contains("# team-a database, production"),
        "comments come back:\n{read_back}"
    );
    assert!(read_back.contains("db password: correct-horse-battery-staple\n"));
    assert!(
        read_back.contains("cannot recover the data key"),
        "{read_back}"
    );
    let envs = &stdout[stdout.find("==> 8.").unwrap()..];
    assert!(
        envs.contains("prod  teams/team-b           yes     sealed"),
        "{envs}"
    );
    assert!(
        stderr.contains("ok: 0 finding(s) in 2 environment(s) × 4 stack(s)"),
        "{stderr}"
    );
    assert!(
        envs.contains("postgres_password  (sensitive)"),
        "secrets are masked:\n{envs}"
    );
    assert!(envs.contains("nginx_replicas     3                                                     stacks/teams/team-a/env/prod.tfvars:1"), "{envs}");
    assert!(envs.contains("environment demo-acme expires at"), "{envs}");
    assert!(
        envs.contains("nginx_replica: undeclared variable")
            && envs.contains("did you mean \"nginx_replicas\"?"),
        "{envs}"
    );
    let vteam = &stdout[stdout.find("==> 13.").unwrap()..];
    assert!(
        vteam.contains("team-a dev layout https://127.0.0.1:30443 team-a-apps"),
        "{vteam}"
    );
    assert!(
        vteam.contains(":current-context: vteam-team-a\n"),
        "{vteam}"
    );
    assert!(
        vteam.contains("==> 15.") && vteam.contains("\nkind-platform\n"),
        "{vteam}"
    );
    assert!(
        vteam.contains("[team-b] KUBECONFIG=") && vteam.contains("server=https://127.0.0.1:30444"),
        "{vteam}"
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
        let out = Command::new(assert_cmd::cargo::cargo_bin("kubectl-vteam"))
            .args(args)
            .env("HOME", home.path())
            .env("KUBECONFIG", &kubeconfig)
            .env_remove("XDG_STATE_HOME")
            .env_remove("TOFU_ENV")
            .current_dir(repo.path().join("stacks/teams/team-a"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let kubectl_context = || {
        let kubectl = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|d| d.join("kubectl"))
            .find(|p| p.is_file())?;
        let out = Command::new(kubectl)
            .args(["config", "current-context"])
            .env("HOME", home.path())
            .env("KUBECONFIG", &kubeconfig)
            .output()
            .unwrap();
        Some(String::from_utf8(out.stdout).unwrap())
    };
    // Found from inside the repository (a team's stack directory), no flags.
    vteam(&["use", "team-a"]);
    assert_eq!(vteam(&["current"]), "team-a\n");
    match kubectl_context() {
        Some(c) => assert_eq!(c, "vteam-team-a\n"),
        None => eprintln!("SKIPPED kubectl checks: kubectl is not installed"),
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
