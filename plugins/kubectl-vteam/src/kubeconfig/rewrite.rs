//! A kubeconfig the in-place editor does not take (JSON, flow style), changed as kubectl changes
//! any kubeconfig: read whole, the entries we own replaced or added and `current-context` set,
//! and written back whole as block YAML in kubectl's style. Every other entry keeps its content
//! (kubectl reads the same configuration); its syntax does not survive, as with kubectl.

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::kubeconfig::{emit, parse_yaml};

/// What a switch changes: the entries of one name (cluster, user, context bodies), when given,
/// and the current context.
pub struct Change<'a> {
    pub name: &'a str,
    pub entries: Option<(&'a Value, &'a Value, Value)>,
    pub current: &'a str,
}

/// What applying a change found and made.
pub struct Rewritten {
    /// The `current-context` the file had (None: unset or empty).
    pub current_before: Option<String>,
    /// The file with the change applied, as block YAML; None when nothing would change.
    pub text: Option<String>,
}

/// `src` with `change` applied.
pub fn apply(src: &str, label: &str, change: &Change<'_>) -> Result<Rewritten> {
    let mut doc = match parse_yaml(src, label)? {
        Value::Object(m) => m,
        _ => {
            return Err(Error::UnsupportedKubeconfig {
                path: label.into(),
                line: 1,
                what: "a document that is not a mapping".into(),
            })
        }
    };
    refuse_duplicates(&doc, label, src)?;
    let current_before = doc
        .get("current-context")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    let before = Value::Object(doc.clone());
    if let Some((cluster, user, context)) = &change.entries {
        upsert(
            &mut doc,
            "clusters",
            "cluster",
            change.name,
            (*cluster).clone(),
        );
        upsert(&mut doc, "users", "user", change.name, (*user).clone());
        upsert(
            &mut doc,
            "contexts",
            "context",
            change.name,
            context.clone(),
        );
    }
    doc.insert("current-context".into(), json!(change.current));
    let text = (Value::Object(doc.clone()) != before).then(|| emit::document(&doc));
    Ok(Rewritten {
        current_before,
        text,
    })
}

/// What kubectl refuses to load (a list that is not one, a name twice) is refused here too.
fn refuse_duplicates(doc: &Map<String, Value>, label: &str, src: &str) -> Result<()> {
    for list in ["clusters", "contexts", "users"] {
        let items = match doc.get(list) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(items)) => items,
            Some(_) => {
                return Err(Error::UnsupportedKubeconfig {
                    path: label.into(),
                    line: line_of_key(src, list),
                    what: format!("`{list}` that is not a list, which kubectl refuses to load"),
                })
            }
        };
        let mut seen = std::collections::HashSet::new();
        for name in items.iter().filter_map(|e| e["name"].as_str()) {
            if !seen.insert(name) {
                return Err(Error::UnsupportedKubeconfig {
                    path: label.into(),
                    line: line_of_key(src, list),
                    what: format!(
                        "`{name}` twice in `{list}`, which kubectl refuses to load: remove one"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The line of the top-level key `key` (block `key:` or JSON `"key"`), 1 when not found.
fn line_of_key(src: &str, key: &str) -> usize {
    let at = [format!("\n{key}:"), format!("\"{key}\"")]
        .iter()
        .filter_map(|k| {
            src.find(k.as_str())
                .map(|i| if k.starts_with('\n') { i + 1 } else { i })
        })
        .min()
        .or_else(|| src.starts_with(&format!("{key}:")).then_some(0));
    at.map_or(1, |i| src[..i].matches('\n').count() + 1)
}

fn upsert(doc: &mut Map<String, Value>, list: &str, field: &str, name: &str, body: Value) {
    let entry = json!({ field: body, "name": name });
    let items = doc.entry(list).or_insert_with(|| json!([]));
    if !items.is_array() {
        *items = json!([]);
    }
    let items = items.as_array_mut().expect("made an array");
    match items.iter_mut().find(|e| e["name"] == name) {
        Some(existing) => *existing = entry,
        None => items.push(entry),
    }
}
