//! hclwrite's `format`: three passes over lines of tokens that only change the spaces before
//! tokens: indentation by bracket depth, spacing between tokens, and alignment of `=` and trailing
//! comments across consecutive lines (hashicorp/hcl `hclwrite/format.go`).

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;

use super::lexer::Kind;

/// A token with the number of spaces the formatter puts before it. Text is borrowed from the
/// source except where a rewrite made new text.
#[derive(Debug, Clone)]
pub struct Spaced<'a> {
    pub kind: Kind,
    pub text: Cow<'a, str>,
    pub spaces: usize,
}

impl<'a> Spaced<'a> {
    pub fn new(kind: Kind, text: impl Into<Cow<'a, str>>) -> Self {
        Spaced {
            kind,
            text: text.into(),
            spaces: 0,
        }
    }
}

/// A line split into hclwrite's cells: `lead`, `assign` (from the first `=` when the brackets
/// after it balance) and a trailing `comment`. Ranges index into the token slice.
#[derive(Debug, Clone, Default)]
struct Line {
    lead: (usize, usize),
    assign: Option<(usize, usize)>,
    comment: Option<(usize, usize)>,
}

fn is_newline(t: &Spaced) -> bool {
    t.kind == Kind::Newline || (t.kind == Kind::Comment && t.text.ends_with('\n'))
}

pub fn bracket_change(kind: Kind) -> i32 {
    match kind {
        Kind::OBrace
        | Kind::OBrack
        | Kind::OParen
        | Kind::TemplateControl
        | Kind::TemplateInterp => 1,
        Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
        _ => 0,
    }
}

/// Net bracket change of a token run; the lead cell stops counting at a heredoc opener, the
/// assign cell does not (as in hclwrite).
fn net_brackets(toks: &[Spaced], stop_at_heredoc: bool) -> i32 {
    let mut net = 0;
    for t in toks {
        net += bracket_change(t.kind);
        if stop_at_heredoc && t.kind == Kind::OHeredoc {
            break;
        }
    }
    net
}

fn lines_for_format(toks: &[Spaced]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if t.kind == Kind::Eof {
            lines.push(Line {
                lead: (start, i),
                ..Default::default()
            });
            start = usize::MAX;
            break;
        }
        if is_newline(t) {
            lines.push(Line {
                lead: (start, i + 1),
                ..Default::default()
            });
            start = i + 1;
        }
    }
    if start != usize::MAX && start < toks.len() {
        lines.push(Line {
            lead: (start, toks.len()),
            ..Default::default()
        });
    }
    for line in &mut lines {
        let (s, e) = line.lead;
        if e - s > 1 && toks[e - 1].kind == Kind::Comment {
            line.comment = Some((e - 1, e));
            line.lead = (s, e - 1);
        }
        let (s, e) = line.lead;
        if let Some(eq) = (s + 1..e).find(|&i| toks[i].kind == Kind::Equal) {
            if net_brackets(&toks[eq..e], false) == 0 {
                line.assign = Some((eq, e));
                line.lead = (s, eq);
            }
        }
    }
    lines
}

fn format_indent(toks: &mut [Spaced], lines: &[Line]) {
    let mut indents: Vec<i32> = Vec::new();
    for line in lines {
        let (s, e) = line.lead;
        if s == e {
            continue;
        }
        if toks[s].kind == Kind::Newline {
            toks[s].spaces = 0;
            continue;
        }
        let mut net = net_brackets(&toks[s..e], true);
        if let Some((a, b)) = line.assign {
            net += net_brackets(&toks[a..b], false);
        }
        if net > 0 {
            toks[s].spaces = 2 * indents.len();
            indents.push(net);
        } else {
            let mut closed = -net;
            while closed > 0 {
                let Some(last) = indents.last_mut() else {
                    break;
                };
                if closed > *last {
                    closed -= *last;
                    indents.pop();
                } else if closed < *last {
                    *last -= closed;
                    closed = 0;
                } else {
                    indents.pop();
                    closed = 0;
                }
            }
            toks[s].spaces = 2 * indents.len();
        }
    }
}

fn is_unary_context(before: Option<Kind>) -> bool {
    use Kind::*;
    match before {
        None => true,
        Some(k) => matches!(
            k,
            OParen
                | OBrace
                | OBrack
                | Equal
                | Colon
                | Comma
                | Question
                | Plus
                | Star
                | Slash
                | Percent
                | Minus
                | EqualOp
                | NotEqual
                | GreaterThan
                | GreaterThanEq
                | LessThan
                | LessThanEq
                | And
                | Or
                | Bang
        ),
    }
}

/// hclwrite's `spaceAfterToken`.
fn space_after(subject: &Spaced, before: Option<&Spaced>, after: Option<&Spaced>) -> bool {
    use Kind::*;
    let Some(after) = after else { return false };
    let sk = subject.kind;
    let ak = after.kind;
    if ak == Newline {
        return false;
    }
    if sk == Ident && ak == OParen {
        return false;
    }
    if (sk == Ident && ak == DoubleColon) || (sk == DoubleColon && ak == Ident) {
        return false;
    }
    if sk == Dot || ak == Dot {
        return false;
    }
    if ak == Comma || ak == Ellipsis {
        return false;
    }
    if sk == Comma {
        return true;
    }
    if matches!(sk, QuotedLit | StringLit | OQuote | OHeredoc)
        || matches!(ak, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false;
    }
    if sk == Ident && subject.text == "in" && before.is_some_and(|b| b.kind == Ident) {
        return true;
    }
    if ak == OBrack && (sk == Ident || sk == Number || bracket_change(subject.kind) < 0) {
        return false;
    }
    if sk == Bang {
        return false;
    }
    if sk == Minus {
        return !is_unary_context(before.map(|b| b.kind));
    }
    if sk == OBrace || ak == CBrace {
        return !(sk == OBrace && ak == CBrace);
    }
    if matches!(sk, TemplateInterp | TemplateControl) && ak == OBrace {
        return true;
    }
    if sk == CBrace && ak == TemplateSeqEnd {
        return true;
    }
    if sk == TemplateSeqEnd && matches!(ak, TemplateInterp | TemplateControl) {
        return false;
    }
    if bracket_change(subject.kind) > 0 {
        return false;
    }
    if bracket_change(after.kind) < 0 {
        return false;
    }
    true
}

fn space_cell(toks: &mut [Spaced], (s, e): (usize, usize)) {
    for i in s..e.saturating_sub(1) {
        let before = if i > s { Some(&toks[i - 1]) } else { None };
        let space = space_after(&toks[i], before, Some(&toks[i + 1]));
        toks[i + 1].spaces = usize::from(space);
    }
}

fn format_spaces(toks: &mut [Spaced], lines: &[Line]) {
    for line in lines {
        space_cell(toks, line.lead);
        if let Some(assign) = line.assign {
            toks[assign.0].spaces = 1;
            space_cell(toks, assign);
        }
    }
}

fn columns(toks: &[Spaced], (s, e): (usize, usize)) -> usize {
    toks[s..e]
        .iter()
        .map(|t| {
            t.spaces
                + if t.text.is_ascii() {
                    t.text.len()
                } else {
                    t.text.graphemes(true).count()
                }
        })
        .sum()
}

/// Aligns one cell across chains of consecutive lines that have it: the cell starts one column
/// after the widest `before` of the chain.
fn align(
    toks: &mut [Spaced],
    lines: &[Line],
    cell: impl Fn(&Line) -> Option<(usize, usize)>,
    before: impl Fn(&[Spaced], &Line) -> usize,
) {
    let mut start = 0;
    while start < lines.len() {
        if cell(&lines[start]).is_none() {
            start += 1;
            continue;
        }
        let end = (start..lines.len())
            .find(|&i| cell(&lines[i]).is_none())
            .unwrap_or(lines.len());
        let chain = &lines[start..end];
        let max = chain.iter().map(|l| before(toks, l)).max().unwrap_or(0);
        for line in chain {
            let cols = before(toks, line);
            toks[cell(line).expect("in chain").0].spaces = max - cols + 1;
        }
        start = end;
    }
}

fn format_cells(toks: &mut [Spaced], lines: &[Line]) {
    // `=` first, since moving it moves the trailing comments too.
    align(toks, lines, |l| l.assign, |t, l| columns(t, l.lead));
    align(
        toks,
        lines,
        |l| l.comment,
        |t, l| columns(t, l.lead) + l.assign.map_or(0, |a| columns(t, a)),
    );
}

/// Formats a token stream in place (spaces only).
pub fn format(toks: &mut [Spaced]) {
    let lines = lines_for_format(toks);
    format_indent(toks, &lines);
    format_spaces(toks, &lines);
    format_cells(toks, &lines);
}

pub fn write(toks: &[Spaced], out: &mut String) {
    for t in toks {
        for _ in 0..t.spaces {
            out.push(' ');
        }
        out.push_str(&t.text);
    }
}
