//! Flattening the metadata tree into `key__map_child__list_0` keys for dotenv and INI (spec §6.3).

use crate::error::{Error, Result};
use crate::tree::{Branch, Value};

const MAP: &str = "__map_";
const LIST: &str = "__list_";

/// Flattens a metadata branch; leaves keep their value.
pub fn flatten(b: &Branch) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in b.entries() {
        flatten_value(k.to_string(), v, &mut out);
    }
    out
}

fn flatten_value(prefix: String, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Map(b) => {
            for (k, v) in b.entries() {
                flatten_value(format!("{prefix}{MAP}{k}"), v, out);
            }
        }
        Value::Seq(items) => {
            for (i, v) in items
                .iter()
                .filter(|v| !matches!(v, Value::Comment(_)))
                .enumerate()
            {
                flatten_value(format!("{prefix}{LIST}{i}"), v, out);
            }
        }
        leaf => out.push((prefix, leaf.clone())),
    }
}

enum Token<'a> {
    Map(&'a str),
    List(usize),
}

fn tokens(key: &str) -> Result<(String, Vec<Token<'_>>)> {
    let mut toks = Vec::new();
    let first_sep = [key.find(MAP), key.find(LIST)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(key.len());
    let head = key[..first_sep].to_string();
    let mut rest = &key[first_sep..];
    while !rest.is_empty() {
        let (is_map, body) = if let Some(r) = rest.strip_prefix(MAP) {
            (true, r)
        } else if let Some(r) = rest.strip_prefix(LIST) {
            (false, r)
        } else {
            return Err(Error::Invalid(format!(
                "invalid flattened metadata key {key:?}"
            )));
        };
        let end = [body.find(MAP), body.find(LIST)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(body.len());
        let name = &body[..end];
        toks.push(if is_map {
            Token::Map(name)
        } else {
            Token::List(name.parse().map_err(|_| {
                Error::Invalid(format!("invalid list index in metadata key {key:?}"))
            })?)
        });
        rest = &body[end..];
    }
    Ok((head, toks))
}

/// Rebuilds the metadata tree from flattened keys (lists must be dense).
pub fn unflatten(pairs: &[(String, Value)]) -> Result<Branch> {
    let mut root = Branch::default();
    for (key, value) in pairs {
        let (head, toks) = tokens(key)?;
        if toks.is_empty() {
            root.push(head, value.clone());
            continue;
        }
        if root.get(&head).is_none() {
            root.push(head.clone(), container_for(&toks[0]));
        }
        let mut slot = root.get_mut(&head).expect("inserted");
        for (i, tok) in toks.iter().enumerate() {
            let leaf = i + 1 == toks.len();
            let child = if leaf {
                value.clone()
            } else {
                container_for(&toks[i + 1])
            };
            slot = match (tok, slot) {
                (Token::Map(name), Value::Map(b)) => {
                    if b.get(name).is_none() || leaf {
                        b.push(name.to_string(), child);
                    }
                    b.get_mut(name).expect("inserted")
                }
                (Token::List(idx), Value::Seq(items)) => {
                    if *idx == items.len() {
                        items.push(child);
                    } else if *idx > items.len() {
                        return Err(Error::Invalid(format!(
                            "metadata key {key:?}: list indices are not dense"
                        )));
                    }
                    &mut items[*idx]
                }
                _ => {
                    return Err(Error::Invalid(format!(
                        "metadata key {key:?} mixes lists and maps"
                    )))
                }
            };
        }
    }
    Ok(root)
}

fn container_for(tok: &Token) -> Value {
    match tok {
        Token::Map(_) => Value::Map(Branch::default()),
        Token::List(_) => Value::Seq(Vec::new()),
    }
}
