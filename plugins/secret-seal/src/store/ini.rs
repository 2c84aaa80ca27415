//! The INI store, following go-ini's defaults as sops uses them (spec §7.4): one top-level item
//! per section, values always strings, `;`/`#` comments, inline comments cut from unquoted
//! values, `"""` multi-line values.

use super::dotenv::val_to_string;
use crate::error::{Error, Result};
use crate::tree::{Branch, Comment, Item, Key, Value};

fn strip_comment_char(line: &str) -> &str {
    line.trim_start_matches([';', '#']).trim_start_matches(' ')
}

pub fn parse(input: &str) -> Result<Branch> {
    let mut root = Branch::default();
    let mut section: (String, Branch) = ("DEFAULT".into(), Branch::default());
    let mut comments: Vec<String> = Vec::new();
    let lines: Vec<&str> = input.lines().collect();
    let has_cr = input.contains('\r');
    let mut i = 0;
    let flush = |root: &mut Branch, section: &mut (String, Branch)| {
        let (name, b) = std::mem::take(section);
        if name != "DEFAULT" || !b.0.is_empty() {
            root.push(name, Value::Map(b));
        }
    };
    while i < lines.len() {
        let n = i + 1;
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() {
            continue;
        }
        if line.starts_with(';') || line.starts_with('#') {
            comments.push(strip_comment_char(line).to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let close = rest.find(']').ok_or_else(|| {
                Error::syntax("INI", n, 1, "unclosed section header: expected ']'")
            })?;
            flush(&mut root, &mut section);
            section = (rest[..close].trim().to_string(), Branch::default());
            let inline = rest[close + 1..].trim();
            if !inline.is_empty() {
                comments.push(strip_comment_char(inline).to_string());
            }
            if !comments.is_empty() {
                section.1 .0.push(Item::comment(comments.join("\n"), false));
                comments.clear();
            }
            continue;
        }
        let sep = line.find(['=', ':']).ok_or_else(|| {
            Error::syntax(
                "INI",
                n,
                1,
                format!("invalid line {line:?}: expected key = value"),
            )
        })?;
        let key = line[..sep].trim().to_string();
        let mut raw = line[sep + 1..].trim_start().to_string();
        let value = if let Some(body) = raw.strip_prefix("\"\"\"") {
            // Multi-line value up to the closing `"""`.
            let mut text = body.to_string();
            while !text.contains("\"\"\"") {
                let next = lines
                    .get(i)
                    .ok_or_else(|| Error::syntax("INI", n, sep + 2, "unterminated \"\"\" value"))?;
                text.push('\n');
                text.push_str(next);
                i += 1;
            }
            // go-ini keeps a line's carriage return inside a multi-line value; split into lines
            // here, it would be lost or moved, and the value read back changed.
            if has_cr && text.contains('\n') {
                return Err(Error::syntax(
                    "INI",
                    n,
                    sep + 2,
                    "a multi-line \"\"\" value in a file with carriage returns cannot be read as go-ini reads it; convert the line endings to LF (dos2unix)",
                ));
            }
            let end = text.find("\"\"\"").expect("checked");
            text.truncate(end);
            text
        } else if raw.starts_with('`') && raw[1..].contains('`') {
            let end = raw[1..].find('`').expect("checked") + 1;
            raw[1..end].to_string()
        } else if (raw.starts_with('"') || raw.starts_with('\''))
            && raw.len() >= 2
            && raw[1..].contains(&raw[..1])
        {
            let q = &raw[..1];
            let end = raw[1..].find(q).expect("checked") + 1;
            raw[1..end].to_string()
        } else {
            while raw.ends_with('\\') && i < lines.len() {
                raw.pop();
                raw.push_str(lines[i].trim());
                i += 1;
            }
            // go-ini cuts an unquoted value at the first `#` or `;`: the rest is a comment.
            if let Some(cut) = raw.find(['#', ';']) {
                // Trimmed as a full-line comment is, so that it reads back the same.
                comments.push(strip_comment_char(raw[cut..].trim_end()).to_string());
                raw.truncate(cut);
            }
            raw.trim().to_string()
        };
        // Duplicate keys overwrite, as in go-ini.
        if let Some(existing) = section.1.get_mut(&key) {
            *existing = Value::Str(value);
        } else {
            section.1.push(key, Value::Str(value));
        }
        if !comments.is_empty() {
            section.1 .0.push(Item::comment(comments.join("\n"), false));
            comments.clear();
        }
    }
    flush(&mut root, &mut section);
    Ok(root)
}

/// A value as go-ini (sops's INI writer) quotes it, so that a reader gets it back whole: `"""`
/// around one with a line break or a backtick, backticks around one with a comment character,
/// double quotes around one with blanks at its ends. One that starts with a quote (a reader
/// would take it for quoting) is quoted too. A value no quoting can carry (`"""` inside, or a
/// line break and a final `"`) is an error, not a value that silently loses its end.
fn quote_value(v: &str) -> Result<String> {
    if v.contains('\n') && v.contains('\r') {
        return Err(Error::Invalid(
            "an INI value cannot hold both a line break and a carriage return (a reader would not give it back whole); choose another output type".into(),
        ));
    }
    let starts_like_quoting = v.starts_with(['"', '\'', '`']);
    let triple =
        || (!v.contains("\"\"\"") && !v.ends_with('"')).then(|| format!("\"\"\"{v}\"\"\""));
    let backticks = || (!v.contains(['`', '\n'])).then(|| format!("`{v}`"));
    // A reader ends a double-quoted value at its next quote.
    let double = || (!v.contains('"')).then(|| format!("\"{v}\""));
    let quoted = if v.contains('\n') || v.contains('`') || starts_like_quoting {
        triple().or_else(backticks)
    } else if v.contains(['#', ';']) {
        backticks().or_else(triple)
    } else if v.starts_with(char::is_whitespace)
        || v.ends_with(char::is_whitespace)
        || v.ends_with('\\')
    {
        // go-ini quotes a value that strings.TrimSpace would change (tabs too), as a reader
        // trims it; and a final backslash, which a reader takes for a line continuation.
        double().or_else(backticks).or_else(triple)
    } else {
        Some(v.to_string())
    };
    quoted.ok_or_else(|| {
        Error::Invalid(format!(
            "cannot write the value {v:?} as INI: no INI quoting carries it whole; use YAML or JSON for it"
        ))
    })
}

fn write_comment(c: &Comment, out: &mut String) {
    for line in c.text.split('\n') {
        out.push_str("; ");
        out.push_str(line);
        out.push('\n');
    }
}

pub fn emit(root: &Branch) -> Result<String> {
    let mut out = String::new();
    let mut first = true;
    for item in &root.0 {
        let Key::Name(name) = &item.key else { continue };
        let Value::Map(section) = &item.value else {
            return Err(Error::Invalid(format!(
                "cannot write {name:?} as INI: top-level values must be sections (mappings)"
            )));
        };
        let keys: Vec<&str> = section.entries().map(|(k, _)| k).collect();
        if name == "DEFAULT" && keys.is_empty() {
            continue;
        }
        if !first {
            out.push('\n');
        }
        first = false;
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        let items = &section.0;
        // The section comment is its first item; a key's comment follows the key.
        let mut start = 0;
        if let Some(Item {
            key: Key::Comment(c),
            ..
        }) = items.first()
        {
            write_comment(c, &mut out);
            start = 1;
        }
        if name != "DEFAULT" {
            out.push_str(&format!("[{name}]\n"));
        }
        let mut j = start;
        while j < items.len() {
            let Key::Name(k) = &items[j].key else {
                if let Key::Comment(c) = &items[j].key {
                    write_comment(c, &mut out);
                }
                j += 1;
                continue;
            };
            let mut after = j + 1;
            while let Some(Item {
                key: Key::Comment(c),
                ..
            }) = items.get(after)
            {
                write_comment(c, &mut out);
                after += 1;
            }
            let v = val_to_string(&items[j].value).ok_or_else(|| {
                Error::Invalid(format!(
                    "cannot write the nested value [{name:?}][{k:?}] as INI"
                ))
            })?;
            let pad = width - k.chars().count();
            out.push_str(&format!("{k}{} = {}\n", " ".repeat(pad), quote_value(&v)?));
            j = after;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: a value starting with a tab was written bare and read back trimmed.
    #[test]
    fn values_with_blanks_at_their_ends_read_back_whole() {
        for v in [
            "\tx", "x\t", " x", "x ", "\"a\" b", "'a' b", "\"a\"", "x`y", "a;b", ".\"2 ", "c:\\",
            "\\",
        ] {
            let mut section = Branch::default();
            section.0.push(Item::entry("k", Value::Str(v.into())));
            let mut root = Branch::default();
            root.0.push(Item::entry("s", Value::Map(section)));
            let text = emit(&root).unwrap();
            let back = parse(&text).unwrap();
            let Some(Value::Map(s)) = back.get("s") else {
                panic!("{text}")
            };
            assert_eq!(s.get("k"), Some(&Value::Str(v.into())), "{text:?}");
        }
    }
}
