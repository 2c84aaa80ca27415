//! The user's kubeconfig files as kubectl finds them, and the teams' vcluster kubeconfigs.

pub mod doc;
pub mod emit;
pub mod rewrite;
pub mod store;

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use doc::{Doc, Edits};

/// The kubeconfig files kubectl reads, in its order: `--kubeconfig`, else every file of
/// `KUBECONFIG`, else `~/.kube/config`.
#[derive(Debug, Clone)]
pub struct Chain {
    pub files: Vec<PathBuf>,
}

impl Chain {
    pub fn locate(explicit: Option<&Path>) -> Result<Chain> {
        if let Some(p) = explicit {
            return Ok(Chain {
                files: vec![p.to_path_buf()],
            });
        }
        let mut files: Vec<PathBuf> = Vec::new();
        if let Some(list) = std::env::var_os("KUBECONFIG") {
            for p in std::env::split_paths(&list) {
                if !p.as_os_str().is_empty() && !files.contains(&p) {
                    files.push(p);
                }
            }
        }
        if files.is_empty() {
            let home = std::env::var_os("HOME").ok_or(Error::NoHome)?;
            files.push(Path::new(&home).join(".kube").join("config"));
        }
        Ok(Chain { files })
    }

    /// The file new entries go to, as kubectl chooses it (clientcmd's `GetDefaultFilename`):
    /// the one file, or with several the first that exists, else the last. The other files of
    /// a multi-file KUBECONFIG get no new entries (kubectx#489, kubeswitch#43).
    pub fn target(&self) -> &Path {
        if self.files.len() > 1 {
            if let Some(existing) = self.files.iter().find(|f| f.exists()) {
                return existing;
            }
        }
        self.files.last().expect("a chain has a file")
    }

    pub fn describe(&self) -> String {
        self.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(":")
    }

    /// The parts of each existing file that reading needs, in order. Only the `current-context`
    /// line and the `contexts` block are kept (shell prompts ask on every prompt, and
    /// certificates are most of a big kubeconfig); a file that is not plain block YAML is read
    /// whole.
    pub fn sections(&self) -> Result<Sections> {
        let mut files = Vec::new();
        for path in &self.files {
            let read = match context_sections(path) {
                Ok(Some(sections)) => Ok(sections),
                Ok(None) => std::fs::read_to_string(path),
                Err(e) => Err(e),
            };
            match read {
                Ok(src) => files.push((path.display().to_string(), src)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(Error::Read {
                        path: path.clone(),
                        source,
                    })
                }
            }
        }
        Ok(Sections { files })
    }

    /// `current-context` as kubectl resolves it: the first file that sets it wins.
    pub fn current_context(&self) -> Result<Option<String>> {
        self.sections()?.current_context()
    }

    /// The namespace a context sets (`Some(None)` when it sets none), from the first file
    /// defining the context; None when no file defines it.
    pub fn context_namespace(&self, context: &str) -> Result<Option<Option<String>>> {
        self.sections()?.context_namespace(context)
    }
}

/// What reading needs of the chain's files, read once for several questions.
pub struct Sections {
    files: Vec<(String, String)>,
}

impl Sections {
    /// Runs `f` on each file in order until it answers.
    fn first<T>(&self, mut f: impl FnMut(&View) -> Option<T>) -> Result<Option<T>> {
        for (label, src) in &self.files {
            if let Some(t) = f(&View::read(src, label)?) {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    pub fn current_context(&self) -> Result<Option<String>> {
        self.first(|v| v.current_context())
    }

    pub fn context_namespace(&self, context: &str) -> Result<Option<Option<String>>> {
        self.first(|v| v.context_namespace(context))
    }
}

/// The `current-context` line and the `contexts` block of a block-YAML kubeconfig, gathered in
/// one streaming pass through a small buffer: the rest (clusters, users, their certificates) is
/// skipped line by line, never held or parsed, and reading stops once both are read. None when the file is anything else (JSON, flow
/// style, several documents, a key twice, not UTF-8): the caller reads it whole, as before.
fn context_sections(path: &Path) -> std::io::Result<Option<String>> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, std::fs::File::open(path)?);
    let mut line = Vec::with_capacity(4096);
    let mut out = Vec::new();
    let (mut keeping, mut seen_key) = (false, false);
    let mut seen: [bool; 2] = [false; 2];
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        match line.first() {
            // Inside the block of the current top-level key (indented, or kubectl's column-0
            // list items), a comment or a blank line.
            Some(b' ' | b'\t' | b'#' | b'\n' | b'\r') | None => {}
            Some(b'-') if !line.starts_with(b"---") => {
                if !seen_key {
                    return Ok(None);
                }
            }
            Some(b'{' | b'[') => return Ok(None),
            Some(_) if line.starts_with(b"---") || line.starts_with(b"...") => {
                if seen_key {
                    return Ok(None);
                }
            }
            // A key the plain `name:` test below could misread: let the full reader decide.
            Some(b'"' | b'\'' | b'?' | b'&' | b'!' | b'*' | b'%' | b'@' | b'|' | b'>') => {
                return Ok(None)
            }
            Some(_)
                if (line.starts_with(b"current-context") || line.starts_with(b"contexts"))
                    && !(line.starts_with(b"current-context:")
                        || line.starts_with(b"contexts:")) =>
            {
                return Ok(None)
            }
            Some(_) => {
                seen_key = true;
                let which = [&b"current-context:"[..], &b"contexts:"[..]]
                    .iter()
                    .position(|k| line.starts_with(k));
                keeping = which.is_some();
                if let Some(i) = which {
                    if std::mem::replace(&mut seen[i], true) {
                        return Ok(None);
                    }
                } else if seen == [true, true] {
                    // Both read: the rest of the file (kubectl writes users, the bulk, after
                    // them) is not needed to answer.
                    break;
                }
            }
        }
        if keeping {
            out.extend_from_slice(&line);
        }
    }
    Ok(String::from_utf8(out).ok())
}

/// One file as read: scanned in place when it is block YAML, else parsed (kubectl reads JSON and
/// flow style too; only writing needs the block form).
enum View<'a> {
    Block(Doc<'a>),
    Generic(Value),
}

impl<'a> View<'a> {
    fn read(src: &'a str, label: &str) -> Result<View<'a>> {
        if let Ok(doc) = Doc::parse(src, label) {
            if doc.reads_list("contexts") {
                return Ok(View::Block(doc));
            }
        }
        Ok(View::Generic(parse_yaml(src, label)?))
    }

    fn current_context(&self) -> Option<String> {
        match self {
            View::Block(d) => d.current_context(),
            View::Generic(v) => v["current-context"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        }
    }

    fn context_namespace(&self, context: &str) -> Option<Option<String>> {
        match self {
            View::Block(d) => match d.context_namespace(context) {
                Ok(found) => found,
                // A context written in flow style: defined here, namespace not read in place.
                Err(_) => d
                    .names("contexts")
                    .ok()?
                    .iter()
                    .any(|n| n == context)
                    .then_some(None),
            },
            View::Generic(v) => v["contexts"]
                .as_array()?
                .iter()
                .find(|c| c["name"] == context)
                .map(|c| c["context"]["namespace"].as_str().map(str::to_string)),
        }
    }
}

pub fn parse_yaml(src: &str, label: &str) -> Result<Value> {
    if src.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_saphyr::from_str::<Value>(src).map_err(|e| Error::BadTeamKubeconfig {
        path: label.to_string(),
        reason: e.to_string(),
    })
}

/// One team's vcluster kubeconfig, reduced to the cluster and user its context points at.
#[derive(Debug, Clone)]
pub struct TeamConfig {
    pub cluster: Value,
    pub user: Value,
    pub server: Option<String>,
}

impl TeamConfig {
    /// `dir` resolves relative certificate and token paths, as kubectl does for the file.
    pub fn parse(src: &str, label: &str, dir: Option<&Path>) -> Result<TeamConfig> {
        let bad = |reason: String| Error::BadTeamKubeconfig {
            path: label.to_string(),
            reason,
        };
        let v = parse_yaml(src, label)?;
        let contexts = v["contexts"].as_array().cloned().unwrap_or_default();
        let wanted = v["current-context"].as_str().filter(|s| !s.is_empty());
        let ctx = match wanted {
            Some(name) => contexts.iter().find(|c| c["name"] == name),
            None if contexts.len() == 1 => contexts.first(),
            None => None,
        }
        .ok_or_else(|| bad("no current-context, and not exactly one context".into()))?;
        let find = |list: &str, name: &Value| {
            v[list]
                .as_array()
                .and_then(|a| a.iter().find(|e| &e["name"] == name))
                .map(|e| e[&list[..list.len() - 1]].clone())
        };
        let mut cluster = find("clusters", &ctx["context"]["cluster"]).ok_or_else(|| {
            bad(format!(
                "context's cluster {} is not defined",
                ctx["context"]["cluster"]
            ))
        })?;
        let mut user = find("users", &ctx["context"]["user"]).unwrap_or_else(|| json!({}));
        if let Some(dir) = dir {
            absolutize(&mut cluster, &["certificate-authority"], dir);
            absolutize(
                &mut user,
                &["client-certificate", "client-key", "tokenFile"],
                dir,
            );
        }
        let server = cluster["server"].as_str().map(str::to_string);
        if server.is_none() {
            return Err(bad("its cluster has no server".into()));
        }
        Ok(TeamConfig {
            cluster,
            user,
            server,
        })
    }

    /// Edits that merge this team under `name` into a kubeconfig and make it current.
    /// The edits that put this team's cluster, user and context into `doc` (making it current is
    /// the switch's).
    pub fn merge_edits(&self, doc: &Doc, name: &str, namespace: &str) -> Result<Edits> {
        let mut edits = Edits::default();
        doc.upsert_item(&mut edits, "clusters", name, |i| {
            emit::item(i, "cluster", &self.cluster, name)
        })?;
        doc.upsert_item(&mut edits, "users", name, |i| {
            emit::item(i, "user", &self.user, name)
        })?;
        let context = context_body(name, namespace);
        doc.upsert_item(&mut edits, "contexts", name, |i| {
            emit::item(i, "context", &context, name)
        })?;
        Ok(edits)
    }

    /// A kubeconfig with this one context, current (for `shell`, `env`, `exec`).
    pub fn standalone(&self, name: &str, namespace: &str) -> String {
        let mut root = Map::new();
        root.insert("apiVersion".into(), json!("v1"));
        root.insert(
            "clusters".into(),
            json!([{"cluster": self.cluster, "name": name}]),
        );
        root.insert(
            "contexts".into(),
            json!([{"context": context_body(name, namespace), "name": name}]),
        );
        root.insert("current-context".into(), json!(name));
        root.insert("kind".into(), json!("Config"));
        root.insert("preferences".into(), json!({}));
        root.insert("users".into(), json!([{"name": name, "user": self.user}]));
        emit::document(&root)
    }
}

pub fn context_body(name: &str, namespace: &str) -> Value {
    json!({"cluster": name, "namespace": namespace, "user": name})
}

fn absolutize(v: &mut Value, keys: &[&str], dir: &Path) {
    for k in keys {
        if let Some(Value::String(p)) = v.get_mut(*k) {
            if !p.is_empty() && Path::new(p.as_str()).is_relative() {
                *p = dir.join(&*p).display().to_string();
            }
        }
    }
}

/// A namespace name as the API server accepts one (a DNS-1123 label): at most 63 lowercase
/// letters, digits and `-`, starting and ending with a letter or digit.
pub fn check_namespace(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::BadNamespace(name.to_string()))
    }
}

#[cfg(test)]
mod sections_tests {
    use super::*;

    fn sections(text: &str) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config");
        std::fs::write(&p, text).unwrap();
        context_sections(&p).unwrap()
    }

    fn chain_answer(text: &str) -> (Option<String>, Option<Option<String>>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config");
        std::fs::write(&p, text).unwrap();
        let chain = Chain { files: vec![p] };
        let s = chain.sections().unwrap();
        (
            s.current_context().unwrap(),
            s.context_namespace("b").unwrap(),
        )
    }

    const KC: &str = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://a\n  name: a\ncontexts:\n- context:\n    cluster: a\n    namespace: apps\n    user: a\n  name: b\ncurrent-context: b\nkind: Config\nusers:\n- name: a\n  user:\n    token: t\n";

    #[test]
    fn only_the_current_context_and_the_contexts_are_kept() {
        let kept = sections(KC).unwrap();
        assert_eq!(
            kept,
            "contexts:\n- context:\n    cluster: a\n    namespace: apps\n    user: a\n  name: b\ncurrent-context: b\n"
        );
        assert_eq!(
            chain_answer(KC),
            (Some("b".into()), Some(Some("apps".into())))
        );
    }

    #[test]
    fn anything_but_plain_block_yaml_is_read_whole() {
        // JSON, a key twice, a quoted key, two documents: the full reader decides.
        assert_eq!(sections("{\"current-context\": \"b\"}\n"), None);
        assert_eq!(
            sections("current-context: a\ncurrent-context: b\ncontexts: []\n"),
            None
        );
        assert_eq!(sections("\"current-context\": b\n"), None);
        assert_eq!(
            sections("current-context: a\n---\ncurrent-context: b\n"),
            None
        );
        assert_eq!(
            chain_answer("{\"current-context\": \"b\", \"contexts\": [{\"name\": \"b\", \"context\": {\"namespace\": \"x\"}}]}\n"),
            (Some("b".into()), Some(Some("x".into())))
        );
    }

    #[test]
    fn the_answer_is_the_same_wherever_the_keys_stand() {
        let reordered = "users:\n- name: a\n  user: {}\ncurrent-context: b\napiVersion: v1\ncontexts:\n- context:\n    namespace: apps\n  name: b\n";
        assert_eq!(
            chain_answer(reordered),
            (Some("b".into()), Some(Some("apps".into())))
        );
        assert_eq!(chain_answer("apiVersion: v1\n"), (None, None));
    }
}
