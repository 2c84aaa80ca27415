//! What users read, kept as reviewed text: the help of every command of the four binaries, and
//! their main outputs on the bundled stacks. A change to any of it fails here until its snapshot
//! is updated (`INSTA_UPDATE=always cargo test --test snapshots`, or `cargo insta review`), so it
//! shows up in review as a diff of `tests/snapshots/`.

mod support;
use support::repo_root;

const TOOLS: [&str; 4] = [
    "secret-seal",
    "tofu-envs",
    "kubectl-vteam",
    "platform-hooks",
];

/// The command as a user at the repository root runs it, with nothing of this machine in it.
fn run(tool: &str, args: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = support::tool(tool, home.path())
        .args(args)
        .current_dir(repo_root())
        .env("KUBECONFIG", home.path().join("kubeconfig"))
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    let mut said = format!("$ {tool} {}\n", args.join(" "));
    said.push_str(&String::from_utf8_lossy(&out.stdout));
    if !out.stderr.is_empty() {
        said.push_str("--- stderr\n");
        said.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    said.push_str(&format!("--- exit {}\n", out.status.code().unwrap_or(-1)));
    said
}

#[test]
fn the_help_of_every_command() {
    for tool in TOOLS {
        let top = run(tool, &["--help"]);
        let subs = support::listed_subcommands(&top);
        assert!(!subs.is_empty(), "{tool} lists no subcommands:\n{top}");
        insta::assert_snapshot!(format!("{tool}-help"), top);
        for sub in subs {
            insta::assert_snapshot!(
                format!("{tool}-{sub}-help"),
                run(tool, &[sub.as_str(), "--help"])
            );
        }
    }
}

#[test]
fn the_main_outputs_on_the_bundled_stacks() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("tofu-envs-list", "tofu-envs", &["list"]),
        ("tofu-envs-check", "tofu-envs", &["check"]),
        (
            "tofu-envs-vars-prod",
            "tofu-envs",
            &["vars", "prod", "teams/team-a"],
        ),
        ("tofu-envs-diff", "tofu-envs", &["diff", "dev", "prod"]),
        ("tofu-envs-team-list", "tofu-envs", &["team", "list"]),
        (
            "tofu-envs-team-add-taken",
            "tofu-envs",
            &["team", "add", "team-a"],
        ),
        (
            "tofu-envs-export-prod",
            "tofu-envs",
            &["export", "prod", "teams/team-a"],
        ),
        (
            "tofu-envs-unknown-env",
            "tofu-envs",
            &["vars", "prd", "teams/team-a"],
        ),
        ("kubectl-vteam-list", "kubectl-vteam", &["list"]),
        (
            "kubectl-vteam-list-prod",
            "kubectl-vteam",
            &["--env", "prod", "list"],
        ),
        (
            "kubectl-vteam-unknown-team",
            "kubectl-vteam",
            &["use", "tema-a"],
        ),
        (
            "secret-seal-filestatus",
            "secret-seal",
            &[
                "filestatus",
                "stacks/teams/team-a/env/prod.secrets.tfvars.json",
            ],
        ),
        (
            "secret-seal-extract-missing-key",
            "secret-seal",
            &[
                "decrypt",
                "--extract",
                "[\"nginx_replicas\"]",
                "stacks/teams/team-a/env/prod.secrets.tfvars.json",
            ],
        ),
    ];
    for (name, tool, args) in cases {
        insta::assert_snapshot!(*name, run(tool, args));
    }
}
