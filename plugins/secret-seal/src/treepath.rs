//! Tree paths as sops writes them for `--extract` and `set`: `["key"][0]["other"]`.

use crate::error::{Error, Result};
use crate::tree::{Branch, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

pub fn parse(path: &str) -> Result<Vec<Step>> {
    let bad = |message: &str| Error::TreePath {
        path: path.to_string(),
        message: message.to_string(),
    };
    let mut steps = Vec::new();
    let mut rest = path.trim();
    while !rest.is_empty() {
        rest = rest
            .strip_prefix('[')
            .ok_or_else(|| bad("each step must start with '['"))?;
        if let Some(r) = rest.strip_prefix('"').or_else(|| rest.strip_prefix('\'')) {
            let q = rest.as_bytes()[0] as char;
            let end = r.find(q).ok_or_else(|| bad("unterminated key"))?;
            steps.push(Step::Key(r[..end].to_string()));
            rest = r[end + 1..]
                .strip_prefix(']')
                .ok_or_else(|| bad("expected ']' after a key"))?;
        } else {
            let end = rest.find(']').ok_or_else(|| bad("expected ']'"))?;
            let idx = rest[..end]
                .trim()
                .parse()
                .map_err(|_| bad("an index must be a number; quote keys"))?;
            steps.push(Step::Index(idx));
            rest = &rest[end + 1..];
        }
    }
    Ok(steps)
}

/// Follows a path from a document's root mapping; comments do not count as list elements.
pub fn get<'a>(root: &'a Branch, steps: &[Step]) -> Option<&'a Value> {
    let (Step::Key(first), rest) = steps.split_first()? else {
        return None;
    };
    let mut cur = root.get(first)?;
    for step in rest {
        cur = match (step, cur) {
            (Step::Key(k), Value::Map(b)) => b.get(k)?,
            (Step::Index(i), Value::Seq(items)) => items
                .iter()
                .filter(|v| !matches!(v, Value::Comment(_)))
                .nth(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}
