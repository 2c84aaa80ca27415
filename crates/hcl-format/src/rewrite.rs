//! The terraform/tofu-specific rewrites `tofu fmt` makes before formatting (OpenTofu and
//! Terraform `internal/command/fmt.go`, `formatBody`): interpolation-only strings unwrapped,
//! block labels quoted, pre-0.12 variable types modernised. terragrunt's `hcl fmt` makes none.

use std::borrow::Cow;

use unicode_normalization::{is_nfc, UnicodeNormalization};

use super::format::Spaced;
use super::lexer::Kind;
use super::parse::{Body, Item};

/// A replacement of the tokens `start..end` by `with`.
pub struct Edit<'a> {
    pub start: usize,
    pub end: usize,
    pub with: Vec<Spaced<'a>>,
}

pub fn edits<'a>(body: &Body, toks: &[Spaced<'a>]) -> Vec<Edit<'a>> {
    let mut out = Vec::new();
    walk(body, toks, &mut Vec::new(), &mut out);
    out.sort_by_key(|e| e.start);
    out
}

fn walk<'a>(body: &Body, toks: &[Spaced<'a>], blocks: &mut Vec<String>, out: &mut Vec<Edit<'a>>) {
    for item in &body.items {
        match item {
            Item::Attribute { name, expr: (s, e) } => {
                let expr = &toks[*s..*e];
                let new = if blocks.len() == 1 && blocks[0] == "variable" && name == "type" {
                    type_expr(expr)
                } else {
                    value_expr(expr)
                };
                if let Some(with) = new {
                    out.push(Edit {
                        start: *s,
                        end: *e,
                        with,
                    });
                }
            }
            Item::Block { kind, labels, body } => {
                if let (Some(first), Some(last)) = (labels.first(), labels.last()) {
                    let with: Vec<Spaced<'a>> = labels
                        .iter()
                        .flat_map(|&(s, e)| quoted_label(&toks[s..e]))
                        .collect();
                    // tofu replaces everything from the block type to the last label, so
                    // comments before and between the labels go (`resource /* a */ "x" {}`).
                    let mut start = first.0;
                    while start > 0 && toks[start - 1].kind == Kind::Comment {
                        start -= 1;
                    }
                    out.push(Edit {
                        start,
                        end: last.1,
                        with,
                    });
                }
                blocks.push(kind.clone());
                walk(body, toks, blocks, out);
                blocks.pop();
            }
        }
    }
}

/// `"${ expr }"` holding exactly one interpolation becomes `expr` (wrapped in parentheses when
/// it spans lines).
fn value_expr<'a>(toks: &[Spaced<'a>]) -> Option<Vec<Spaced<'a>>> {
    let n = toks.len();
    if n < 5
        || toks[0].kind != Kind::OQuote
        || toks[1].kind != Kind::TemplateInterp
        || toks[n - 2].kind != Kind::TemplateSeqEnd
        || toks[n - 1].kind != Kind::CQuote
    {
        return None;
    }
    let inside = &toks[2..n - 2];
    let mut quotes = 0i32;
    for t in inside {
        match t.kind {
            Kind::OQuote => quotes += 1,
            Kind::CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            Kind::TemplateInterp | Kind::TemplateSeqEnd | Kind::QuotedLit => return None,
            _ => {}
        }
    }
    let start = inside
        .iter()
        .position(|t| t.kind != Kind::Newline)
        .unwrap_or(inside.len());
    let end = inside
        .iter()
        .rposition(|t| t.kind != Kind::Newline)
        .map_or(start, |i| i + 1);
    let trimmed = &inside[start..end.max(start)];
    let multi_line = trimmed.iter().any(|t| t.kind == Kind::Newline);
    let parenthesised = trimmed.first().is_some_and(|t| t.kind == Kind::OParen)
        && trimmed.last().is_some_and(|t| t.kind == Kind::CParen);
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    if multi_line && !parenthesised {
        out.push(Spaced::new(Kind::OParen, "("));
        out.extend(trimmed.iter().cloned());
        out.push(Spaced::new(Kind::CParen, ")"));
    } else {
        out.extend(trimmed.iter().cloned());
    }
    Some(out)
}

/// A top-level `variable` block's legacy `type`: `"string"`, `"list"`, `"map"`, bare `list`...
fn type_expr<'a>(toks: &[Spaced<'a>]) -> Option<Vec<Spaced<'a>>> {
    let call = |name: &'static str, arg: &'static str| {
        vec![
            Spaced::new(Kind::Ident, name),
            Spaced::new(Kind::OParen, "("),
            Spaced::new(Kind::Ident, arg),
            Spaced::new(Kind::CParen, ")"),
        ]
    };
    match toks {
        [kw] if kw.kind == Kind::Ident => match kw.text.as_ref() {
            "list" => Some(call("list", "any")),
            "map" => Some(call("map", "any")),
            "set" => Some(call("set", "any")),
            _ => None,
        },
        [o, s, c]
            if o.kind == Kind::OQuote && s.kind == Kind::QuotedLit && c.kind == Kind::CQuote =>
        {
            match s.text.as_ref() {
                "string" => Some(vec![Spaced::new(Kind::Ident, "string")]),
                "list" => Some(call("list", "string")),
                "map" => Some(call("map", "string")),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A label as hclwrite's `SetLabels` writes it: the label's value through cty.StringVal, which
/// normalizes it to NFC, quoted and escaped afresh. Normalizing comes before escaping: a
/// combining mark after an escaped control character (`\r` + U+0307) must not compose with the
/// escape's letter.
fn quoted_label<'a>(toks: &[Spaced<'a>]) -> Vec<Spaced<'a>> {
    let value: Cow<'a, str> = match toks {
        [ident] if ident.kind == Kind::Ident => nfc(ident.text.clone()),
        [_, lit, _] if lit.kind == Kind::QuotedLit => {
            if lit
                .text
                .chars()
                .any(|c| matches!(c, '\\' | '$' | '%') || !is_print(c))
            {
                Cow::Owned(escape(&nfc(Cow::Owned(super::unescape(&lit.text)))))
            } else {
                nfc(lit.text.clone())
            }
        }
        _ => Cow::Borrowed(""),
    };
    let mut out = vec![Spaced::new(Kind::OQuote, "\"")];
    if !value.is_empty() {
        out.push(Spaced::new(Kind::QuotedLit, value));
    }
    out.push(Spaced::new(Kind::CQuote, "\""));
    out
}

fn nfc(value: Cow<'_, str>) -> Cow<'_, str> {
    if is_nfc(&value) {
        value
    } else {
        Cow::Owned(value.nfc().collect())
    }
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation and symbols, and the ASCII
/// space; every other space, control, format, private-use and unassigned character is
/// escaped (Unicode 15.0, as the engines' Go has it).
fn is_print(c: char) -> bool {
    use unicode_general_category::GeneralCategory as G;
    c == ' '
        || !matches!(
            unicode_general_category::get_general_category(c),
            G::Control
                | G::Format
                | G::Surrogate
                | G::PrivateUse
                | G::Unassigned
                | G::SpaceSeparator
                | G::LineSeparator
                | G::ParagraphSeparator
        )
}

/// hclwrite's `escapeQuotedStringLit`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if s[i + 1..].starts_with('{') {
                    out.push(c);
                }
            }
            c if !is_print(c) => {
                let u = c as u32;
                if u < 65536 {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\U{u:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Applies sorted, non-overlapping edits.
pub fn apply<'a>(toks: Vec<Spaced<'a>>, edits: Vec<Edit<'a>>) -> Vec<Spaced<'a>> {
    if edits.is_empty() {
        return toks;
    }
    let mut out = Vec::with_capacity(toks.len());
    let mut at = 0;
    let mut iter = toks.into_iter().enumerate().peekable();
    for edit in edits {
        while let Some((i, _)) = iter.peek() {
            if *i >= edit.start {
                break;
            }
            out.push(iter.next().expect("peeked").1);
        }
        for _ in edit.start.max(at)..edit.end {
            iter.next();
        }
        at = edit.end;
        out.extend(edit.with);
    }
    out.extend(iter.map(|(_, t)| t));
    out
}
