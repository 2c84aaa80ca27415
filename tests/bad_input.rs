//! Bad input, as a hostile or an unlucky user gives it, across the four tools: each case asserts
//! the exit code, that the message names the file (and the line where there is one) and says
//! what to do, and that nothing changed on disk (the whole repository copy and HOME, byte for
//! byte). Every case runs the real binary on a copy of the bundled layout; what each printed,
//! whole, is kept as a reviewed snapshot (`tests/snapshots/bad_input__bad_input.snap`).

mod support;
use support::{bin, cmd, platform_copy, repo_root, text, tree};

/// The cases, one file a tool.
mod bad_input {
    use super::*;

    pub mod hooks;
    pub mod kubectl_vteam;
    pub mod secret_seal;
    pub mod tofu_envs;
}

const DEMO_RECIPIENT: &str = "age1v7z65ade8ju0kgd5tdzrsv67x8zqdgh0ejn4tz23s8kydmxnqfzs2z70pm";
/// A valid age identity that opens none of the bundled files, made afresh (a key in the
/// repository is what the secrets hook refuses).
fn other_key() -> String {
    let out = std::process::Command::new(bin("secret-seal"))
        .arg("keygen")
        .output()
        .unwrap();
    assert!(out.status.success());
    text(&out.stdout)
}
const SEALED: &str = "stacks/teams/team-a/env/dev.secrets.tfvars.json";
const TEAM_KUBECONFIG: &str = "stacks/platform/vcluster/vcluster-team-a.kubeconfig";

struct Case {
    name: &'static str,
    tool: &'static str,
    args: Vec<String>,
    files: Vec<(String, Vec<u8>)>,
    env: Vec<(&'static str, String)>,
    code: i32,
    says: Vec<&'static str>,
}

fn case(
    name: &'static str,
    tool: &'static str,
    args: &[&str],
    code: i32,
    says: &[&'static str],
) -> Case {
    Case {
        name,
        tool,
        args: args
            .iter()
            .map(|a| a.replace("{pub}", DEMO_RECIPIENT))
            .collect(),
        files: Vec::new(),
        env: Vec::new(),
        code,
        says: says.to_vec(),
    }
}

impl Case {
    fn file(mut self, rel: &str, content: impl Into<Vec<u8>>) -> Self {
        self.files.push((rel.to_string(), content.into()));
        self
    }

    fn env(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.env.push((name, value.into()));
        self
    }
}

fn bundled(rel: &str) -> String {
    std::fs::read_to_string(repo_root().join(rel)).unwrap()
}

/// A kubeconfig for team-a's vcluster, as the vcluster stack's apply writes it.
fn team_kubeconfig() -> String {
    "apiVersion: v1\nkind: Config\nclusters:\n- name: vcluster-team-a\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: vcluster-team-a\n  context:\n    cluster: vcluster-team-a\n    user: vcluster-team-a\ncurrent-context: vcluster-team-a\nusers:\n- name: vcluster-team-a\n  user:\n    token: t\n".into()
}

/// Hard links for the cases that test them: made after the files are written.
fn link_pairs(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "encrypt -i on a hard-linked file" => Some(("work/h.yaml", "work/h2.yaml")),
        "fmt of a hard-linked file" => Some(("work/h.tf", "work/h2.tf")),
        "use with a hard-linked kubeconfig" => Some(("home/.kube/config", "home/config.backup")),
        _ => None,
    }
}

/// What the case printed and its exit code, in the repository copy's own terms (`$ROOT`).
fn transcript(case: &Case, root: &std::path::Path, out: &std::process::Output) -> String {
    let root = root.display().to_string();
    let said = |bytes: &[u8]| text(bytes).replace(&root, "$ROOT");
    let mut t = format!(
        "## {}\n$ {} {}\n",
        case.name,
        case.tool,
        case.args.join(" ")
    );
    t.push_str(&said(&out.stdout));
    if !out.stderr.is_empty() {
        t.push_str("--- stderr\n");
        t.push_str(&said(&out.stderr));
    }
    t.push_str(&format!("--- exit {}\n", out.status.code().unwrap_or(-1)));
    t.replace(&root, "$ROOT")
}

fn run(case: &Case) -> (Result<(), String>, String) {
    let repo = platform_copy();
    let root = repo.path();
    let home = root.join("home");
    std::fs::create_dir_all(home.join(".kube")).unwrap();
    for (rel, content) in &case.files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    if let Some((a, b)) = link_pairs(case.name) {
        std::fs::hard_link(root.join(a), root.join(b)).unwrap();
    }
    // kubectl-vteam's lock beside the kubeconfig stays, by design (removing a flock file races
    // the next holder); it holds no data.
    let data = |t: std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>| {
        t.into_iter()
            .filter(|(p, _)| !p.to_string_lossy().ends_with(".vteam.lock"))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let before = data(tree(root));
    let mut c = cmd(bin(case.tool), root, &home);
    c.env("PLATFORM_ROOT", root)
        .env("XDG_RUNTIME_DIR", root.join("home"));
    for (k, v) in &case.env {
        c.env(k, v);
    }
    let out = c.args(&case.args).output().unwrap();
    let transcript = transcript(case, root, &out);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let mut wrong = Vec::new();
    if out.status.code() != Some(case.code) {
        wrong.push(format!("exit {:?}, want {}", out.status.code(), case.code));
    }
    for needle in &case.says {
        if !said.contains(needle) {
            wrong.push(format!("does not say {needle:?}"));
        }
    }
    let after = data(tree(root));
    if after != before {
        let changed: Vec<String> = after
            .keys()
            .chain(before.keys())
            .filter(|k| after.get(*k) != before.get(*k))
            .map(|k| k.display().to_string())
            .collect();
        wrong.push(format!("changed on disk: {changed:?}"));
    }
    let result = if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} ({} {}): {}\n    said: {}",
            case.name,
            case.tool,
            case.args.join(" "),
            wrong.join("; "),
            said.trim_end().replace('\n', "\n          ")
        ))
    };
    (result, transcript)
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let cases: Vec<Case> = [
        bad_input::secret_seal::cases(),
        bad_input::tofu_envs::cases(),
        bad_input::kubectl_vteam::cases(),
        bad_input::hooks::cases(),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let (results, transcripts): (Vec<_>, Vec<_>) = cases.iter().map(run).unzip();
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    // Every word each tool says, reviewed as a whole: a changed message shows up as a diff of
    // tests/snapshots/ (`INSTA_UPDATE=always cargo test --test bad_input` to accept it).
    insta::assert_snapshot!("bad_input", transcripts.join("\n"));
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not handled as they should be:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
