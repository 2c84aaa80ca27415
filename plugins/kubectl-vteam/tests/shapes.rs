//! Kubeconfigs shaped the way other tools and people write them, judged by the real kubectl:
//! after `use team-a` and `use -`, kubectl reads the file, every entry that is not ours is as it
//! was, and the current context is right.

use crate::support::*;

/// (what, kubeconfig) pairs: sections in other orders, missing or null, written by hand.
/// Kubeconfigs as the tools that write them write them (`tests/kubeconfigs/`: kind, k3d,
/// minikube, `aws eks update-kubeconfig`, `gcloud container clusters get-credentials`,
/// `az aks get-credentials`, `oc login`, `vcluster connect`, and stale `vteam-*` entries).
fn written_by_tools() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kubeconfigs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn corpus() -> Vec<(&'static str, String)> {
    let cluster = "- name: other\n  cluster:\n    server: https://1.2.3.4\n";
    let context = "- name: other\n  context:\n    cluster: other\n    user: other\n";
    let user = "- name: other\n  user:\n    token: other-token\n";
    let head = "apiVersion: v1\nkind: Config\n";
    vec![
        (
            "contexts last, no users (credentials split into another file)",
            format!("{head}clusters:\n{cluster}current-context: other\ncontexts:\n{context}"),
        ),
        (
            "contexts last without a final line break, no users",
            format!("{head}clusters:\n{cluster}current-context: other\ncontexts:\n{}", context.trim_end()),
        ),
        (
            "users: null",
            format!("{head}clusters:\n{cluster}contexts:\n{context}current-context: other\nusers: null\n"),
        ),
        (
            "users first, clusters last",
            format!("{head}users:\n{user}current-context: other\ncontexts:\n{context}clusters:\n{cluster}"),
        ),
        (
            "no clusters and no contexts",
            format!("{head}current-context: \"\"\nusers:\n{user}"),
        ),
        (
            "every section empty",
            format!("{head}clusters: []\ncontexts: []\nusers: []\ncurrent-context: \"\"\n"),
        ),
        (
            "only apiVersion and kind",
            head.to_string(),
        ),
        (
            "one document between --- and ... markers",
            format!("---\n{head}clusters:\n{cluster}contexts:\n{context}current-context: other\nusers:\n{user}...\n"),
        ),
        (
            "flow-style lists",
            format!("{head}clusters: [{{name: other, cluster: {{server: \"https://1.2.3.4\"}}}}]\ncontexts: [{{name: other, context: {{cluster: other, user: other}}}}]\ncurrent-context: other\nusers: [{{name: other, user: {{token: other-token}}}}]\n"),
        ),
        (
            "JSON",
            "{\"apiVersion\": \"v1\", \"kind\": \"Config\", \"clusters\": [{\"name\": \"other\", \"cluster\": {\"server\": \"https://1.2.3.4\"}}], \"contexts\": [{\"name\": \"other\", \"context\": {\"cluster\": \"other\", \"user\": \"other\"}}], \"current-context\": \"other\", \"users\": [{\"name\": \"other\", \"user\": {\"token\": \"other-token\"}}]}\n".to_string(),
        ),
        (
            "a --- marker after the document, and a comment",
            format!("{head}clusters:\n{cluster}contexts:\n{context}current-context: other\n---\n# end\n"),
        ),
    ]
}

/// kubectl's view of the file, without our own entries.
fn others(desk: &Desk) -> serde_json::Value {
    let mut k = desk.kubectl().unwrap();
    let out = k.args(["config", "view", "-o", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "kubectl reads it: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(desk.kubeconfig()).unwrap()
    );
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for list in ["clusters", "contexts", "users"] {
        // An absent list and an empty one are the same to kubectl.
        if v[list].is_null() {
            v[list] = serde_json::json!([]);
        }
        if let Some(items) = v[list].as_array_mut() {
            items.retain(|i| !i["name"].as_str().unwrap_or("").starts_with("vteam-"));
        }
    }
    v.as_object_mut().unwrap().remove("current-context");
    v
}

fn current(desk: &Desk) -> String {
    let mut k = desk.kubectl().unwrap();
    let out = k.args(["config", "current-context"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn kubectl_reads_every_shape_after_use_and_use_back() {
    let (desk, _pki, _server) = Desk::with_live_teams(&["team-a"], &["team-a"]);
    if desk.kubectl().is_none() {
        return;
    }
    let mut shapes: Vec<(String, String)> = corpus()
        .into_iter()
        .map(|(what, text)| (what.to_string(), text))
        .collect();
    shapes.extend(written_by_tools());
    for (what, text) in &shapes {
        std::fs::write(desk.kubeconfig(), text).unwrap();
        let before = others(&desk);
        let was = current(&desk);
        let out = desk.vteam().args(["use", "team-a"]).output().unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            others(&desk),
            before,
            "{what}: the other entries are unchanged"
        );
        assert_eq!(current(&desk), "vteam-team-a", "{what}");
        let out = desk.vteam().args(["use", "-"]).output().unwrap();
        // With nothing current before, there is no way back to it (what `use -` does then
        // depends on earlier switches); otherwise it goes back.
        if !was.is_empty() {
            assert!(
                out.status.success(),
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(current(&desk), was, "{what}: back");
        }
        assert_eq!(others(&desk), before, "{what}: still unchanged");
    }
    eprintln!("kubectl judged {} kubeconfig shapes", shapes.len());
}

/// What kubectl refuses to load, kubectl vteam refuses to edit, at the line, writing nothing.
#[test]
fn what_kubectl_refuses_is_refused_and_left_alone() {
    let (desk, _pki, _server) = Desk::with_live_teams(&["team-a"], &["team-a"]);
    let context = "- name: other\n  context:\n    cluster: other\n    user: other\n";
    for (what, text, line) in [
        (
            "a context twice",
            format!("apiVersion: v1\nkind: Config\ncontexts:\n{context}{context}current-context: other\n"),
            8,
        ),
        (
            "a YAML syntax error",
            "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: [https://1.2.3.4\ncontexts: []\n".to_string(),
            7,
        ),
    ] {
        std::fs::write(desk.kubeconfig(), &text).unwrap();
        let out = desk.vteam().args(["use", "team-a"]).output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {said}");
        assert!(said.contains(&format!("config:{line}:")), "{what}: {said}");
        assert_eq!(std::fs::read_to_string(desk.kubeconfig()).unwrap(), text, "{what}");
    }
}
