//! Must show 1: the real kubectl reads every kubeconfig we write, and reaches the team's API
//! server through it.

use crate::support::*;

fn desk_with_server() -> (Desk, Pki, ApiServer) {
    Desk::with_live_teams(&["team-a", "team-b"], &["team-a", "team-b"])
}

#[test]
fn kubectl_follows_use_to_the_team_and_reaches_its_api_server() {
    let (desk, _pki, server) = desk_with_server();
    desk.vteam().args(["use", "team-a"]).assert().success();
    let Some(mut kubectl) = desk.kubectl() else {
        return;
    };
    assert_eq!(
        stdout(kubectl.args(["config", "current-context"])),
        "vteam-team-a\n"
    );
    let minify = stdout(
        desk.kubectl()
            .unwrap()
            .args(["config", "view", "--minify", "-o", "json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&minify).unwrap();
    assert_eq!(v["contexts"][0]["name"], "vteam-team-a");
    assert_eq!(v["contexts"][0]["context"]["namespace"], "team-a-apps");
    assert_eq!(v["clusters"][0]["cluster"]["server"], server.url());
    let version = stdout(desk.kubectl().unwrap().args(["get", "--raw", "/version"]));
    assert!(version.contains("v1.31.4"), "{version}");
    // A namespace-scoped request goes to the namespace `use` selected.
    let _ = desk
        .kubectl()
        .unwrap()
        .args([
            "get",
            "--raw",
            "/api/v1/namespaces/team-a-apps/secrets/vc-x",
        ])
        .output();
    assert!(server.requests().iter().any(|r| r == "/version"));
}

#[test]
fn kubectl_reads_the_one_context_files_of_env_shell_and_exec() {
    let (desk, _pki, _server) = desk_with_server();
    let Some(kubectl) = kubectl_path() else {
        return;
    };
    let line = stdout(desk.vteam().args(["env", "team-b", "--shell", "bash"]));
    let path = line
        .trim()
        .strip_prefix("export KUBECONFIG=")
        .unwrap()
        .trim_matches('\'');
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let mut k = assert_cmd::Command::new(&kubectl);
    k.env("KUBECONFIG", path).env("HOME", desk.home.path());
    assert!(stdout(k.args(["get", "--raw", "/version"])).contains("v1.31.4"));
    // exec: kubectl inside the team's one-context kubeconfig.
    let out = stdout(desk.vteam().args([
        "exec",
        "team-b",
        "--",
        kubectl.to_str().unwrap(),
        "config",
        "view",
        "--minify",
        "-o",
        "jsonpath={.contexts[0].context.namespace}",
    ]));
    assert_eq!(out, "team-b-apps");
    // The user's own kubeconfig was never written.
    assert!(!desk.kubeconfig().exists());
}
