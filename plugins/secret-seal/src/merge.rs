//! Three-way merge of decrypted SOPS trees, value by value, for git's merge driver: a value
//! changed on one side takes that side, a key added or removed on one side is added or removed,
//! the same change on both sides is one change. Maps merge key by key; any other value (a list,
//! a string) is one value. Our side's order and comments are kept.
//!
//! A value changed differently on both sides becomes a string that holds both, between
//! conflict markers, so the file can stay sealed while it is in conflict; `secret-seal edit`
//! shows it, and refuses to seal it again until one side is chosen.

use crate::store::json;
use crate::tree::{Branch, Item, Value};

pub const OURS_MARK: &str = "<<<<<<< ours";
pub const SPLIT_MARK: &str = "=======";
pub const THEIRS_MARK: &str = ">>>>>>> theirs";

/// The merged branch, and the key paths (`["db"]["password"]`) both sides changed differently.
#[derive(Debug)]
pub struct Merged {
    pub branch: Branch,
    pub conflicts: Vec<String>,
}

pub fn merge(base: &Branch, ours: &Branch, theirs: &Branch) -> Merged {
    let mut conflicts = Vec::new();
    let branch = merge_map(base, ours, theirs, "", &mut conflicts);
    Merged { branch, conflicts }
}

fn merge_map(
    base: &Branch,
    ours: &Branch,
    theirs: &Branch,
    path: &str,
    conflicts: &mut Vec<String>,
) -> Branch {
    let mut out: Vec<Item> = Vec::new();
    for item in &ours.0 {
        let Some(name) = item.name() else {
            out.push(item.clone());
            continue;
        };
        let here = child_path(path, name);
        match (base.get(name), theirs.get(name)) {
            (b, Some(t)) => out.push(Item::entry(
                name,
                merge_value(b, &item.value, t, &here, conflicts),
            )),
            // Added on our side only.
            (None, None) => out.push(item.clone()),
            // Removed on theirs, untouched on ours: removed.
            (Some(b), None) if *b == item.value => {}
            // Changed on ours, removed on theirs.
            (Some(_), None) => {
                conflicts.push(here);
                out.push(Item::entry(name, conflict(Some(&item.value), None)));
            }
        }
    }
    for (at, item) in theirs.0.iter().enumerate() {
        let Some(name) = item.name() else { continue };
        if ours.get(name).is_some() {
            continue;
        }
        let here = child_path(path, name);
        let added = match base.get(name) {
            // Added on their side only.
            None => item.clone(),
            // Removed on ours, untouched on theirs: stays removed.
            Some(b) if *b == item.value => continue,
            // Removed on ours, changed on theirs.
            Some(_) => {
                conflicts.push(here);
                Item::entry(name, conflict(None, Some(&item.value)))
            }
        };
        // After the key it follows on their side, where that key is in the result.
        let after = theirs.0[..at]
            .iter()
            .rev()
            .filter_map(Item::name)
            .find_map(|prev| out.iter().position(|i| i.name() == Some(prev)));
        match after {
            Some(i) => out.insert(i + 1, added),
            None => out.push(added),
        }
    }
    Branch(out)
}

fn merge_value(
    base: Option<&Value>,
    ours: &Value,
    theirs: &Value,
    path: &str,
    conflicts: &mut Vec<String>,
) -> Value {
    if ours == theirs || base == Some(theirs) {
        return ours.clone();
    }
    if base == Some(ours) {
        return theirs.clone();
    }
    if let (Value::Map(o), Value::Map(t)) = (ours, theirs) {
        let empty = Branch::default();
        let b = match base {
            Some(Value::Map(b)) => b,
            _ => &empty,
        };
        return Value::Map(merge_map(b, o, t, path, conflicts));
    }
    conflicts.push(path.to_string());
    conflict(Some(ours), Some(theirs))
}

/// Both sides of a conflicting value, as the text the user edits.
fn conflict(ours: Option<&Value>, theirs: Option<&Value>) -> Value {
    Value::Str(format!(
        "{OURS_MARK}\n{}\n{SPLIT_MARK}\n{}\n{THEIRS_MARK}",
        side(ours),
        side(theirs)
    ))
}

fn side(v: Option<&Value>) -> String {
    match v {
        None => "(removed)".to_string(),
        Some(Value::Str(s)) => s.clone(),
        Some(v) => {
            let mut out = String::new();
            json::emit_value(v, "", 0, &mut out);
            out
        }
    }
}

fn child_path(path: &str, name: &str) -> String {
    let mut quoted = String::new();
    json::quote(name, &mut quoted);
    format!("{path}[{quoted}]")
}

/// The key paths of values that still hold both sides of a conflict.
pub fn unresolved(branch: &Branch) -> Vec<String> {
    let mut out = Vec::new();
    walk(branch, "", &mut out);
    out
}

fn walk(branch: &Branch, path: &str, out: &mut Vec<String>) {
    for (name, v) in branch.entries() {
        let here = child_path(path, name);
        match v {
            Value::Str(s) if s.starts_with(OURS_MARK) && s.ends_with(THEIRS_MARK) => out.push(here),
            Value::Map(b) => walk(b, &here, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Branch {
        Branch(
            pairs
                .iter()
                .map(|(k, v)| Item::entry(*k, v.clone()))
                .collect(),
        )
    }

    fn s(v: &str) -> Value {
        Value::Str(v.to_string())
    }

    #[test]
    fn changes_on_either_side_merge_and_ours_order_is_kept() {
        let base = map(&[("a", s("1")), ("b", s("2")), ("gone", s("x"))]);
        let ours = map(&[("b", s("2")), ("a", s("ours")), ("new-ours", s("n"))]);
        let theirs = map(&[
            ("a", s("1")),
            ("b", s("theirs")),
            ("new-theirs", s("t")),
            ("gone", s("x")),
        ]);
        let m = merge(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        let keys: Vec<&str> = m.branch.entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "new-theirs", "a", "new-ours"]);
        assert_eq!(m.branch.get("a"), Some(&s("ours")));
        assert_eq!(m.branch.get("b"), Some(&s("theirs")));
    }

    #[test]
    fn nested_maps_merge_key_by_key() {
        let db = |user: &str, pass: &str| Value::Map(map(&[("user", s(user)), ("pass", s(pass))]));
        let base = map(&[("db", db("u", "p"))]);
        let ours = map(&[("db", db("u2", "p"))]);
        let theirs = map(&[("db", db("u", "p2"))]);
        let m = merge(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.branch.get("db"), Some(&db("u2", "p2")));
    }

    #[test]
    fn the_same_value_changed_differently_holds_both_sides() {
        let base = map(&[("pass", s("old")), ("n", Value::Int(1))]);
        let ours = map(&[("pass", s("mine")), ("n", Value::Int(2))]);
        let theirs = map(&[("pass", s("yours")), ("n", Value::Int(3))]);
        let m = merge(&base, &ours, &theirs);
        assert_eq!(m.conflicts, ["[\"pass\"]", "[\"n\"]"]);
        assert_eq!(
            m.branch.get("pass"),
            Some(&s("<<<<<<< ours\nmine\n=======\nyours\n>>>>>>> theirs"))
        );
        assert_eq!(unresolved(&m.branch), m.conflicts);
    }

    #[test]
    fn a_change_against_a_removal_is_a_conflict() {
        let base = map(&[("k", s("v"))]);
        let m = merge(&base, &map(&[("k", s("changed"))]), &map(&[]));
        assert_eq!(m.conflicts, ["[\"k\"]"]);
        let m = merge(&base, &map(&[]), &map(&[("k", s("changed"))]));
        assert_eq!(m.conflicts, ["[\"k\"]"]);
        // Removed on one side and untouched on the other: removed.
        let m = merge(&base, &map(&[]), &base);
        assert!(m.branch.0.is_empty() && m.conflicts.is_empty());
    }
}
