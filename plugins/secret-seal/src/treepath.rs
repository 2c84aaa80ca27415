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

fn missing(path: &str, what: &str) -> Error {
    Error::TreePath {
        path: path.to_string(),
        message: what.to_string(),
    }
}

/// Sets the value at `steps`, creating missing mappings on the way (as `sops set`); returns
/// whether anything changed.
pub fn set(root: &mut Branch, steps: &[Step], value: Value, path: &str) -> Result<bool> {
    let (first, rest) = steps
        .split_first()
        .ok_or_else(|| missing(path, "the path is empty"))?;
    let Step::Key(k) = first else {
        return Err(missing(
            path,
            "the document root is a mapping; start with a key",
        ));
    };
    if rest.is_empty() {
        return Ok(match root.get_mut(k) {
            Some(v) if *v == value => false,
            Some(v) => {
                *v = value;
                true
            }
            None => {
                root.push(k.clone(), value);
                true
            }
        });
    }
    if root.get(k).is_none() {
        root.push(k.clone(), Value::Map(Branch::default()));
    }
    set_in(root.get_mut(k).expect("inserted"), rest, value, path)
}

fn set_in(cur: &mut Value, steps: &[Step], value: Value, path: &str) -> Result<bool> {
    let (step, rest) = steps.split_first().expect("not empty");
    let slot: &mut Value = match (step, cur) {
        (Step::Key(k), Value::Map(b)) => {
            if b.get(k).is_none() {
                b.push(
                    k.clone(),
                    if rest.is_empty() {
                        Value::Null
                    } else {
                        Value::Map(Branch::default())
                    },
                );
            }
            b.get_mut(k).expect("inserted")
        }
        (Step::Index(i), Value::Seq(items)) => {
            let n = items
                .iter()
                .filter(|v| !matches!(v, Value::Comment(_)))
                .count();
            if *i == n {
                items.push(Value::Null);
            } else if *i > n {
                return Err(missing(path, "index out of range"));
            }
            items
                .iter_mut()
                .filter(|v| !matches!(v, Value::Comment(_)))
                .nth(*i)
                .expect("in range")
        }
        _ => {
            return Err(missing(
                path,
                "the path goes through a value that is not a mapping or list",
            ))
        }
    };
    if rest.is_empty() {
        if *slot == value {
            return Ok(false);
        }
        *slot = value;
        return Ok(true);
    }
    set_in(slot, rest, value, path)
}

/// Removes the key or index at `steps`; `Ok(false)` when it was not there.
pub fn unset(root: &mut Branch, steps: &[Step], path: &str) -> Result<bool> {
    match steps {
        [] => Err(missing(path, "the path is empty")),
        [Step::Key(k)] => Ok(root.remove(k).is_some()),
        [Step::Key(k), rest @ ..] => Ok(root.get_mut(k).is_some_and(|v| unset_in(v, rest))),
        [Step::Index(_), ..] => Err(missing(
            path,
            "the document root is a mapping; start with a key",
        )),
    }
}

fn unset_in(v: &mut Value, steps: &[Step]) -> bool {
    let entries = |items: &mut Vec<Value>| {
        items
            .iter()
            .enumerate()
            .filter(|(_, v)| !matches!(v, Value::Comment(_)))
            .map(|(p, _)| p)
            .collect::<Vec<_>>()
    };
    match (steps, v) {
        ([Step::Key(k)], Value::Map(b)) => b.remove(k).is_some(),
        ([Step::Index(i)], Value::Seq(items)) => match entries(items).get(*i) {
            Some(&p) => {
                items.remove(p);
                true
            }
            None => false,
        },
        ([Step::Key(k), rest @ ..], Value::Map(b)) => {
            b.get_mut(k).is_some_and(|c| unset_in(c, rest))
        }
        ([Step::Index(i), rest @ ..], Value::Seq(items)) => match entries(items).get(*i) {
            Some(&p) => unset_in(&mut items[p], rest),
            None => false,
        },
        _ => false,
    }
}

/// What `decrypt --extract` prints for the value at `path` in the first document: a map in
/// `format`, a leaf raw without a newline (as sops does); a whole list is refused.
pub fn extract(
    tree: &crate::Tree,
    path: &str,
    format: crate::Format,
    opts: crate::store::EmitOptions,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let steps = parse(path)?;
    let empty = Branch::default();
    let root = tree.branches.first().unwrap_or(&empty);
    let error = |message: &str| Error::TreePath {
        path: path.into(),
        message: message.into(),
    };
    let value = get(root, &steps).ok_or_else(|| error("no such key or index in the file"))?;
    let bytes = match value {
        Value::Map(b) => crate::store::emit_plain(
            format,
            &crate::Tree {
                branches: vec![b.clone()],
            },
            opts,
        )?,
        Value::Seq(_) => {
            return Err(error(
                "extracting a whole list is not supported; extract one element",
            ))
        }
        Value::Str(s) => s.clone().into_bytes(),
        Value::Bytes(b) => b.clone(),
        leaf => crate::store::dotenv::val_to_string(leaf)
            .unwrap_or_default()
            .into_bytes(),
    };
    Ok(zeroize::Zeroizing::new(bytes))
}
