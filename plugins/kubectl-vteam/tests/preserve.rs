//! Must show 2: every byte outside the entries we own stays as it was; a multi-file KUBECONFIG
//! is written in its first file only; a switch to the current team writes nothing.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::support::*;

/// Comments everywhere, keys out of kubectl's order, anchors and aliases, an exec user, CRLF-free
/// but indented lists: what kubectl and kubectx rewrite (kubectx#319, #436, kubectl#1262).
const USER_CONFIG: &str = "\
# my kubeconfig, kept by hand
kind: Config
apiVersion: v1
preferences: {}

users:
  # prod uses SSO
  - name: prod-admin
    user: &sso
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: kubelogin   # trailing comment
        args: [get-token, --oidc-issuer-url=https://sso.example.com]
  - name: staging-admin
    user: *sso
current-context: prod   # where I usually am
clusters:
  - name: prod
    cluster:
      server: https://prod.example.com:6443
      insecure-skip-tls-verify: true
  - cluster: {server: 'https://staging.example.com:6443'}
    name: staging
contexts:
  - name: prod
    context: {cluster: prod, user: prod-admin}
  - name: staging
    context:
      cluster: staging
      user: staging-admin
      namespace: web

# trailing comment at the end
";

fn desk() -> (Desk, ApiServer) {
    let (desk, _pki, server) = Desk::with_live_teams(&["team-a", "team-b"], &["team-a", "team-b"]);
    (desk, server)
}

/// Removes the items named `vteam-*` (dash line to the last line of the item) and returns the
/// rest, so what is left can be compared with the original.
fn without_owned_items(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let indent = l.len() - l.trim_start().len();
        if l.trim_start().starts_with("- ") {
            // The item runs while lines are indented deeper than the dash.
            let mut j = i + 1;
            while j < lines.len() && {
                let m = lines[j];
                let ind = m.len() - m.trim_start().len();
                ind > indent && !m.trim().is_empty()
            } {
                j += 1;
            }
            let item: String = lines[i..j].concat();
            if item.contains("name: vteam-") {
                i = j;
                continue;
            }
        }
        out.push_str(l);
        i += 1;
    }
    out
}

#[test]
fn use_keeps_every_byte_it_does_not_own() {
    let (desk, _server) = desk();
    std::fs::write(desk.kubeconfig(), USER_CONFIG).unwrap();
    std::fs::set_permissions(desk.kubeconfig(), std::fs::Permissions::from_mode(0o600)).unwrap();
    desk.vteam().args(["use", "team-a"]).assert().success();
    desk.vteam().args(["use", "team-b"]).assert().success();
    let after = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    let expected = USER_CONFIG.replace(
        "current-context: prod   #",
        "current-context: vteam-team-b   #",
    );
    assert_eq!(
        without_owned_items(&after),
        expected,
        "whole file:\n{after}"
    );
    // The owned entries went after each list's last item, at the list's indentation.
    assert!(
        after.contains("      namespace: web\n  - context:\n      cluster: vteam-team-a\n"),
        "{after}"
    );
    assert_eq!(
        std::fs::metadata(desk.kubeconfig())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    // kubectl still reads the anchors and every context.
    if let Some(mut k) = desk.kubectl() {
        let names = stdout(k.args(["config", "get-contexts", "-o", "name"]));
        assert_eq!(names, "prod\nstaging\nvteam-team-a\nvteam-team-b\n");
        let user = stdout(desk.kubectl().unwrap().args([
            "config",
            "view",
            "-o",
            "jsonpath={.users[?(@.name==\"staging-admin\")].user.exec.command}",
        ]));
        assert_eq!(user, "kubelogin");
    }
    // Back to prod, then `use -`: only current-context changes.
    desk.vteam().args(["use", "-"]).assert().success();
    let back = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    assert_eq!(
        back,
        after.replace(
            "current-context: vteam-team-b",
            "current-context: vteam-team-a"
        )
    );
}

/// A kubeconfig of a few megabytes is mapped rather than read (platform_fs::Contents): the
/// switch must keep its bytes just the same, and kubectl must still read every context.
#[test]
fn a_large_kubeconfig_is_switched_byte_for_byte() {
    let (desk, _server) = desk();
    let cert = "QUJD".repeat(700);
    let mut big = String::from("apiVersion: v1\nclusters:\n");
    for i in 0..600 {
        big += &format!("- cluster:\n    certificate-authority-data: {cert}\n    server: https://c{i}.example.com:6443\n  name: c{i}\n");
    }
    big += "contexts:\n";
    for i in 0..600 {
        big += &format!("- context:\n    cluster: c{i}\n    user: u{i}\n  name: ctx-{i}\n");
    }
    big += "current-context: ctx-7\nkind: Config\npreferences: {}\nusers:\n";
    for i in 0..600 {
        big += &format!("- name: u{i}\n  user:\n    token: t{i}\n");
    }
    assert!(big.len() > 1 << 20, "large enough to be mapped");
    std::fs::write(desk.kubeconfig(), &big).unwrap();
    desk.vteam().args(["use", "team-a"]).assert().success();
    let after = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    assert_eq!(
        without_owned_items(&after),
        big.replace("current-context: ctx-7", "current-context: vteam-team-a")
    );
    desk.vteam().args(["use", "-"]).assert().success();
    let back = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    assert_eq!(
        without_owned_items(&back),
        big,
        "back to ctx-7 with nothing else changed"
    );
    if let Some(mut k) = desk.kubectl() {
        let names = stdout(k.args(["config", "get-contexts", "-o", "name"]));
        assert_eq!(names.lines().count(), 601);
    }
}

#[test]
fn use_of_the_current_team_writes_nothing() {
    let (desk, _server) = desk();
    desk.vteam().args(["use", "team-a"]).assert().success();
    let before = std::fs::metadata(desk.kubeconfig()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    desk.vteam()
        .args(["use", "team-a"])
        .assert()
        .success()
        .stderr(predicates::str::contains("unchanged"));
    let after = std::fs::metadata(desk.kubeconfig()).unwrap();
    assert_eq!(
        (before.ino(), before.mtime_nsec()),
        (after.ino(), after.mtime_nsec())
    );
}

/// Where kubectl itself writes with a multi-file KUBECONFIG (clientcmd's default file): the
/// first file that exists, else the last; the others are never touched. Checked against the
/// real kubectl's own writes on copies of the same files.
#[test]
fn a_multi_file_kubeconfig_is_written_where_kubectl_writes() {
    let (desk, _server) = desk();
    let home = desk.home.path();
    let first = home.join("first.yaml");
    let second = home.join("second.yaml");
    let list = format!("{}:{}", first.display(), second.display());
    // Where kubectl puts a new context with the files as they are.
    let kubectl_writes =
        |files: &[(&std::path::Path, Option<&str>)]| -> Option<std::path::PathBuf> {
            let mut k = desk.kubectl()?;
            let probe = home.join("probe");
            let _ = std::fs::remove_dir_all(&probe);
            std::fs::create_dir_all(&probe).unwrap();
            let copies: Vec<std::path::PathBuf> = files
                .iter()
                .map(|(p, text)| {
                    let copy = probe.join(p.file_name().unwrap());
                    if let Some(t) = text {
                        std::fs::write(&copy, t).unwrap();
                    }
                    copy
                })
                .collect();
            let joined = std::env::join_paths(&copies).unwrap();
            k.env("KUBECONFIG", joined)
                .args(["config", "set-context", "vteam-probe", "--cluster=prod"])
                .assert()
                .success();
            copies
                .iter()
                .position(|c| std::fs::read_to_string(c).is_ok_and(|t| t.contains("vteam-probe")))
                .map(|i| files[i].0.to_path_buf())
        };

    // The first file missing: kubectl writes the second, and so do we; the first is not made.
    std::fs::write(&second, USER_CONFIG).unwrap();
    let expected = kubectl_writes(&[(&first, None), (&second, Some(USER_CONFIG))]);
    desk.vteam()
        .env("KUBECONFIG", &list)
        .args(["use", "team-a"])
        .assert()
        .success();
    assert!(!first.exists(), "a missing first file is not created");
    assert!(std::fs::read_to_string(&second)
        .unwrap()
        .contains("name: vteam-team-a"));
    if let Some(expected) = expected {
        assert_eq!(expected, second, "kubectl writes the second file too");
    }
    if let Some(mut k) = desk.kubectl() {
        k.env("KUBECONFIG", &list);
        assert_eq!(
            stdout(k.args(["config", "current-context"])),
            "vteam-team-a\n"
        );
    }

    // Both files there: the first gets the entries, the second is never touched.
    let header = "apiVersion: v1\nkind: Config\n";
    std::fs::write(&first, header).unwrap();
    std::fs::write(&second, USER_CONFIG).unwrap();
    let expected = kubectl_writes(&[(&first, Some(header)), (&second, Some(USER_CONFIG))]);
    desk.vteam()
        .env("KUBECONFIG", &list)
        .args(["use", "team-a"])
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&second).unwrap(), USER_CONFIG);
    let written = std::fs::read_to_string(&first).unwrap();
    assert!(
        written.starts_with(header) && written.contains("vteam-team-a"),
        "{written}"
    );
    if let Some(expected) = expected {
        assert_eq!(expected, first, "kubectl writes the first file too");
    }
    // `use -` goes back to the context the second file made current.
    desk.vteam()
        .env("KUBECONFIG", &list)
        .args(["use", "-"])
        .assert()
        .success();
    assert!(std::fs::read_to_string(&first)
        .unwrap()
        .contains("current-context: prod\n"));
    assert_eq!(std::fs::read_to_string(&second).unwrap(), USER_CONFIG);
}

#[test]
fn a_symlinked_kubeconfig_is_written_through_the_link() {
    let (desk, _server) = desk();
    let real = desk.home.path().join("dotfiles-kubeconfig");
    std::fs::write(&real, USER_CONFIG).unwrap();
    std::os::unix::fs::symlink(&real, desk.kubeconfig()).unwrap();
    desk.vteam().args(["use", "team-a"]).assert().success();
    assert!(std::fs::symlink_metadata(desk.kubeconfig())
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&real)
        .unwrap()
        .contains("current-context: vteam-team-a"));
}

#[test]
fn ns_sets_the_namespace_where_the_context_lives_without_listing_namespaces() {
    let (desk, server) = desk();
    std::fs::write(desk.kubeconfig(), USER_CONFIG).unwrap();
    // prod's context is a flow mapping: editing it in place would mean rewriting it; refused.
    desk.vteam()
        .args(["ns", "payments"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("flow style"));
    assert_eq!(
        std::fs::read_to_string(desk.kubeconfig()).unwrap(),
        USER_CONFIG
    );
    desk.vteam()
        .args(["--context", "staging", "ns", "api"])
        .assert()
        .success();
    let after = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    assert!(after.contains("      namespace: api\n"));
    assert!(
        server.requests().is_empty(),
        "ns must not call the API: {:?}",
        server.requests()
    );
}

/// A JSON kubeconfig is rewritten whole, as kubectl rewrites one (block YAML): it switches, and
/// kubectl reads the result (the kubeconfig corpus checks that every other entry keeps its
/// content).
#[test]
fn a_json_kubeconfig_is_rewritten_as_kubectl_rewrites_it() {
    let (desk, _server) = desk();
    let json = r#"{"apiVersion":"v1","kind":"Config","clusters":[],"contexts":[],"users":[]}"#;
    std::fs::write(desk.kubeconfig(), json).unwrap();
    desk.vteam().args(["use", "team-a"]).assert().success();
    let written = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    assert!(
        written.starts_with("apiVersion: v1\n")
            && written.contains("current-context: vteam-team-a"),
        "{written}"
    );
}

/// A kubeconfig kubectl cannot read, or reads otherwise than a first-match editor would, is
/// refused with the file and the place named, and left as it was: no "Switched" on a file
/// kubectl then fails on, no edit of the first `current-context` while kubectl reads the last.
#[test]
fn a_kubeconfig_kubectl_would_read_otherwise_is_refused_not_switched() {
    let (desk, _server) = desk();
    let cases = [
        (
            "contexts is not a list",
            "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: 5\nusers: []\n",
            "contexts",
        ),
        (
            "current-context twice",
            "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: a\ncurrent-context: b\n",
            "current-context",
        ),
        (
            "not YAML",
            "apiVersion: v1\nkind: Config\nclusters: [\n",
            "config:3:",
        ),
        (
            "a context that is not a map",
            "apiVersion: v1\nkind: Config\nclusters: []\ncontexts:\n- 7\nusers: []\n",
            "contexts",
        ),
    ];
    for (what, text, needle) in cases {
        std::fs::write(desk.kubeconfig(), text).unwrap();
        let out = desk.vteam().args(["use", "team-a"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(
            err.contains("config") && err.contains(needle),
            "{what}: {err}"
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("Switched"),
            "{what}"
        );
        assert_eq!(
            std::fs::read_to_string(desk.kubeconfig()).unwrap(),
            text,
            "{what}: the file changed"
        );
    }
}
