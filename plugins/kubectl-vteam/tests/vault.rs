//! Team credentials from Vault, never on disk: against a real OpenBao (KV v2 at `secret/`), the
//! real kubectl and a loopback TLS API server that accepts only the team's token.

use std::path::Path;

use test_peers::openbao::OpenBao;

use crate::support::*;

const LOCATION: &str = "secret/platform/teams";

/// Every file under `dir` whose bytes hold `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(files_holding(&path, needle));
        } else if std::fs::read(&path)
            .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        {
            out.push(path.display().to_string());
        }
    }
    out
}

#[test]
fn a_team_kept_in_vault_reaches_kubectl_through_the_credential_plugin_and_nothing_on_disk() {
    let Some(bao) = OpenBao::start() else { return };
    let desk = Desk::new(&["team-a"]);
    let Some(mut kubectl) = desk.kubectl() else {
        return;
    };
    let pki = Pki::new();
    let server = ApiServer::start(&pki, Mode::Normal);
    let first = "team-a-token-one";
    server.accept_token(first);
    let file = desk.repo.write_team_kubeconfig(
        "team-a",
        &token_kubeconfig(&server.url(), &pki, first, "vcluster-team-a"),
    );
    let published_bytes = std::fs::read_to_string(&file).unwrap();
    let tmp = desk.home.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let vteam = |args: &[&str]| {
        let mut c = desk.vteam();
        c.env("VAULT_ADDR", &bao.address)
            .env("VAULT_TOKEN", &bao.token)
            .env("TMPDIR", &tmp)
            .env("VTEAM_VAULT", LOCATION)
            .args(args);
        c.output().unwrap()
    };
    let out = vteam(&["publish", "team-a"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        bao.ok(&[
            "kv",
            "get",
            "-field=kubeconfig",
            "secret/platform/teams/dev/team-a"
        ]),
        published_bytes,
        "stored with its bytes unchanged"
    );
    // The developer's side: the local file is gone, Vault has it.
    std::fs::remove_file(&file).unwrap();
    let out = vteam(&["use", "team-a"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    assert!(
        config.contains("client.authentication.k8s.io/v1"),
        "{config}"
    );
    assert!(
        config.contains("credential") && config.contains("VAULT_ADDR"),
        "{config}"
    );
    assert!(
        !config.contains("VAULT_TOKEN") && !config.contains(first),
        "{config}"
    );
    kubectl
        .env("VAULT_TOKEN", &bao.token)
        .env("TMPDIR", &tmp)
        .args(["get", "--raw", "/version"]);
    let out = kubectl.output().unwrap();
    assert!(
        out.status.success(),
        "kubectl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("v1.31.4"));
    assert_eq!(
        files_holding(desk.home.path(), first),
        Vec::<String>::new(),
        "no file under HOME or TMPDIR holds the token"
    );
    // Rotated in Vault: kubectl works at once, without another `use`.
    let second = "team-a-token-two";
    let rotated = token_kubeconfig(&server.url(), &pki, second, "vcluster-team-a");
    let secret_file = desk.home.path().join("rotated.kubeconfig");
    std::fs::write(&secret_file, &rotated).unwrap();
    bao.ok(&[
        "kv",
        "put",
        "secret/platform/teams/dev/team-a",
        &format!("kubeconfig=@{}", secret_file.display()),
    ]);
    std::fs::remove_file(&secret_file).unwrap();
    server.accept_token(second);
    let get = || {
        let mut k = desk.kubectl().unwrap();
        k.env("VAULT_TOKEN", &bao.token)
            .args(["get", "--raw", "/version"]);
        k.output().unwrap()
    };
    let out = get();
    assert!(
        out.status.success(),
        "after rotation: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Revoked (deleted in Vault): kubectl fails, and the error names Vault.
    bao.ok(&["kv", "delete", "secret/platform/teams/dev/team-a"]);
    let out = get();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("Vault") && said.contains("secret/platform/teams/dev/team-a"),
        "{said}"
    );
}

#[test]
fn an_exec_user_from_vault_is_kept_only_for_known_logins_or_when_allowed() {
    let Some(bao) = OpenBao::start() else { return };
    let desk = Desk::new(&["team-a"]);
    let pki = Pki::new();
    let kubeconfig = |command: &str| {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: {}\ncontexts:\n- name: c\n  context: {{cluster: c, user: u}}\ncurrent-context: c\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {command}\n      args: [eks, get-token]\n",
            b64(&pki.ca_pem)
        )
    };
    let use_team = |allow: bool| {
        let mut c = desk.vteam();
        c.env("VAULT_ADDR", &bao.address)
            .env("VAULT_TOKEN", &bao.token)
            .args(["--vault", LOCATION, "use", "team-a"]);
        if allow {
            c.arg("--allow-exec");
        }
        c.output().unwrap()
    };
    for (command, known) in [("aws", true), ("/tmp/evil.sh", false)] {
        let file = desk.home.path().join("k.yaml");
        std::fs::write(&file, kubeconfig(command)).unwrap();
        bao.ok(&[
            "kv",
            "put",
            "secret/platform/teams/dev/team-a",
            &format!("kubeconfig=@{}", file.display()),
        ]);
        let out = use_team(false);
        if known {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(std::fs::read_to_string(desk.kubeconfig())
                .unwrap()
                .contains("command: aws"));
        } else {
            assert_eq!(out.status.code(), Some(2));
            let said = String::from_utf8_lossy(&out.stderr);
            assert!(
                said.contains("/tmp/evil.sh") && said.contains("--allow-exec"),
                "{said}"
            );
            assert!(!std::fs::read_to_string(desk.kubeconfig())
                .unwrap()
                .contains("evil"));
            let out = use_team(true);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
