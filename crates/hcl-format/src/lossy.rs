//! Where `tofu fmt` itself would lose tokens: hclwrite's parse drops them while rebuilding the
//! syntax tree, so its output means something else or does not parse. A drop-in formatter must
//! report such a file as tofu does (it is not formatted) but never write tofu's bytes over it.
//!
//! Found by differential fuzzing against terraform 1.11 and tofu:
//! - an index step holding only `true`, `false` or `null` in a static traversal: `c[true]`
//!   becomes `c[]` (the keyword is parsed as a traversal key and its token is not kept);
//! - a quoted block label holding `$` or `%` beside anything else: hclsyntax splits such a
//!   literal into several tokens and hclwrite's label parser drops the whole label, so
//!   `d "$}" {}` becomes `d {}` (a label of exactly one escape, `$${` or `%%{`, is one token
//!   and is kept);
//! - an interpolation-only string holding a comment (`"${ a # note\n}"`): tofu unwraps it and
//!   the comment swallows what followed it on its line, so the output does not parse.

use crate::lexer::{Kind, Token};
use crate::line_col;
use crate::parse::{Body, Item};

/// One place where tofu's rewrite would change the file's meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lossy {
    pub line: usize,
    pub column: usize,
    /// What tofu would write instead, and what to do about it.
    pub message: String,
}

pub(crate) fn find(src: &str, toks: &[Token], body: &Body) -> Vec<Lossy> {
    let mut out = Vec::new();
    keyword_indexes(src, toks, &mut out);
    block_labels(src, toks, body, &mut out);
    out.sort_by_key(|l| (l.line, l.column));
    out
}

/// tofu's rewrite of the string at `offset` gives output that does not parse (`error`).
pub(crate) fn unparseable(src: &str, offset: usize, error: &crate::SyntaxError) -> Lossy {
    at(
        src,
        offset,
        format!(
            "tofu fmt would unwrap this \"${{ ... }}\" with the comment inside it into HCL that does not parse ({}); move the comment out of the string",
            error.summary
        ),
    )
}

fn at(src: &str, offset: usize, message: String) -> Lossy {
    let (line, column) = line_col(src, offset);
    Lossy {
        line,
        column,
        message,
    }
}

fn is_keyword(t: &Token) -> bool {
    t.kind == Kind::Ident && matches!(t.text, "true" | "false" | "null")
}

/// Whether the token at `i` is the `in` of a `for` expression's header (`for k in`, `for k, v
/// in`): what follows it is the collection, not an index of a variable named `in` (terraform
/// keeps `for k, in in [true]` as it is).
fn is_for_in(toks: &[Token], i: usize) -> bool {
    let word = |j: usize, w: &str| {
        toks.get(j)
            .is_some_and(|t| t.kind == Kind::Ident && t.text == w)
    };
    let ident = |j: usize| toks.get(j).is_some_and(|t| t.kind == Kind::Ident);
    if !word(i, "in") || i < 2 || !ident(i - 1) {
        return false;
    }
    word(i - 2, "for")
        || (i >= 4 && toks[i - 2].kind == Kind::Comma && ident(i - 3) && word(i - 4, "for"))
}

/// The next token that is not a line break or comment (hclsyntax ignores both inside brackets).
fn next_code(toks: &[Token], mut i: usize) -> usize {
    while toks
        .get(i)
        .is_some_and(|t| matches!(t.kind, Kind::Newline | Kind::Comment))
    {
        i += 1;
    }
    i
}

/// Static traversals (`root`, `.name`, `.0`, `[0]`, `["key"]`, `[true]`...) with a keyword
/// index step.
fn keyword_indexes(src: &str, toks: &[Token], out: &mut Vec<Lossy>) {
    for (start, root) in toks.iter().enumerate() {
        let after_dot = start > 0 && toks[start - 1].kind == Kind::Dot;
        if root.kind != Kind::Ident || is_keyword(root) || after_dot || is_for_in(toks, start) {
            continue;
        }
        let mut i = start + 1;
        loop {
            match toks.get(i).map(|t| t.kind) {
                Some(Kind::Dot)
                    if toks
                        .get(i + 1)
                        .is_some_and(|t| matches!(t.kind, Kind::Ident | Kind::Number)) =>
                {
                    i += 2;
                }
                Some(Kind::OBrack) => {
                    let key = next_code(toks, i + 1);
                    let Some(k) = toks.get(key) else { break };
                    let end = if k.kind == Kind::Number || is_keyword(k) {
                        key + 1
                    } else if k.kind == Kind::OQuote {
                        match (toks.get(key + 1), toks.get(key + 2)) {
                            (Some(c), _) if c.kind == Kind::CQuote => key + 2,
                            (Some(l), Some(c))
                                if l.kind == Kind::QuotedLit && c.kind == Kind::CQuote =>
                            {
                                key + 3
                            }
                            _ => break,
                        }
                    } else {
                        break;
                    };
                    let close = next_code(toks, end);
                    if toks.get(close).map(|t| t.kind) != Some(Kind::CBrack) {
                        break;
                    }
                    if is_keyword(k) {
                        out.push(at(
                            src,
                            k.offset,
                            format!(
                                "tofu fmt would write `[{}]` as `[]`, which changes what it means; write the index as `[({})]`, which tofu keeps",
                                k.text, k.text
                            ),
                        ));
                    }
                    i = close + 1;
                }
                _ => break,
            }
        }
    }
}

/// Quoted labels with `$` or `%` beside other characters, but for a lone escape.
fn block_labels(src: &str, toks: &[Token], body: &Body, out: &mut Vec<Lossy>) {
    for item in &body.items {
        let Item::Block { labels, body, .. } = item else {
            continue;
        };
        for &(s, e) in labels {
            let raw = &src[toks[s].offset..toks[e - 1].offset + toks[e - 1].text.len()];
            let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
                continue;
            };
            // hclwrite keeps a label that is one token of the quoted literal: plain text, a lone
            // `$` or `%`, or exactly one escape (`$${`, `%%{`); any other `$` or `%` beside other
            // characters splits it into several tokens, and the label is lost (measured against
            // terraform fmt: `$$`, `a$`, `$${a`, `$${$${` are lost, `$${` and `%%{` kept).
            let one_escape = matches!(inner, "$${" | "%%{");
            if inner.len() > 1 && inner.contains(['$', '%']) && !one_escape {
                out.push(at(
                    src,
                    toks[s].offset,
                    format!(
                        "tofu fmt would drop the label {raw}: hclwrite loses a block label that holds `$` or `%` beside other characters (it keeps one of exactly `$${{` or `%%{{`); rename it"
                    ),
                ));
            }
        }
        block_labels(src, toks, body, out);
    }
}
