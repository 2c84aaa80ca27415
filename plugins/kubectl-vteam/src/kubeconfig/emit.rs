//! Rendering the entries we own as block YAML in kubectl's own style (`- cluster:` then the
//! mapping four spaces in, keys sorted, lists at their key's indentation), so an entry we write
//! looks like one kubectl wrote.

use serde_json::{Map, Value};

/// One item of `clusters`, `users` or `contexts` at list indentation `indent`:
/// `- <field>:` with `body` under it, then `name:`.
pub fn item(indent: usize, field: &str, body: &Value, name: &str) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    // kubectl sorts keys: `name` comes before `user`, after `cluster` and `context`.
    let name_first = field > "name";
    if name_first {
        out.push_str(&format!("{pad}- name: {}\n", scalar(name)));
    }
    let dash = if name_first { "  " } else { "- " };
    match body {
        Value::Object(m) if !m.is_empty() => {
            out.push_str(&format!("{pad}{dash}{field}:\n"));
            map(m, indent + 4, &mut out);
        }
        other => out.push_str(&format!("{pad}{dash}{field}: {}\n", value_inline(other))),
    }
    if !name_first {
        out.push_str(&format!("{pad}  name: {}\n", scalar(name)));
    }
    out
}

/// A whole one-context kubeconfig (for `shell`, `env` and `exec`).
pub fn document(root: &Map<String, Value>) -> String {
    let mut out = String::new();
    map(root, 0, &mut out);
    out
}

fn map(m: &Map<String, Value>, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for (k, v) in m {
        let key = scalar(k);
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push_str(&format!("{pad}{key}:\n"));
                map(inner, indent + 2, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push_str(&format!("{pad}{key}:\n"));
                list(items, indent, out);
            }
            other => out.push_str(&format!("{pad}{key}: {}\n", value_inline(other))),
        }
    }
}

fn list(items: &[Value], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for v in items {
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                let mut sub = String::new();
                map(inner, indent + 2, &mut sub);
                // The first key goes on the dash line.
                out.push_str(&pad);
                out.push_str("- ");
                out.push_str(&sub[indent + 2..]);
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push_str(&format!("{pad}-\n"));
                list(inner, indent + 2, out);
            }
            other => out.push_str(&format!("{pad}- {}\n", value_inline(other))),
        }
    }
}

fn value_inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string as a YAML scalar: plain when it cannot be read as anything else, else double-quoted
/// (JSON string syntax is valid YAML).
pub fn scalar(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serializes")
    }
}

fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || first == '/' || first == '_' || first == '.') {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._/:@+=-".contains(c))
    {
        return false;
    }
    if s.contains(": ") || s.ends_with(':') {
        return false;
    }
    // YAML 1.1 and 1.2 would read these as booleans, null or numbers.
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    ) {
        return false;
    }
    let numeric = s.trim_start_matches(['+', '-']);
    !(numeric.parse::<f64>().is_ok()
        || numeric.starts_with("0x")
        || numeric.starts_with("0o")
        || numeric.starts_with(".inf")
        || lower == ".nan"
        || s.chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '_' || c == '-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_like_kubectl() {
        let body =
            json!({"server": "https://127.0.0.1:30443", "certificate-authority-data": "LS0t+/=="});
        assert_eq!(
            item(0, "cluster", &body, "vteam-team-a"),
            "- cluster:\n    certificate-authority-data: LS0t+/==\n    server: https://127.0.0.1:30443\n  name: vteam-team-a\n"
        );
        let user = json!({"exec": {"args": ["a", "--x"], "env": [{"name": "K", "value": "1"}], "command": "c"}});
        assert_eq!(
            item(2, "user", &user, "u"),
            "  - name: u\n    user:\n      exec:\n        args:\n        - a\n        - \"--x\"\n        command: c\n        env:\n        - name: K\n          value: \"1\"\n"
        );
    }

    #[test]
    fn quotes_what_yaml_would_misread() {
        for s in [
            "true", "no", "1.5", "0x1F", "", " a", "a: b", "#x", "12:30", "null", "-1",
        ] {
            assert!(scalar(s).starts_with('"'), "{s}");
        }
        for s in ["team-a-apps", "vteam-team-a", "https://h:1/p", "a@b"] {
            assert_eq!(scalar(s), s);
        }
    }
}
