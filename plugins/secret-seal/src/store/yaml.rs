//! The YAML store: a reader for the block-style YAML sops reads (with yaml.v3's scalar typing and
//! comment placement, since the placement decides the AAD of encrypted comments) and an emitter
//! that writes what yaml.v3's encoder writes with sops's settings (spec §7.1).
//!
//! Anchors are expanded, tags other than `!!str` are dropped, blank lines are not kept: all as
//! sops does, so round trips through sops and through secret-seal give the same bytes.

use std::collections::HashMap;

use super::yaml_scalar::{
    double_quote, resolve_non_string, resolve_plain_owned, scalar_text, string_style, Style,
};
use crate::error::{Error, Result};
use crate::tree::{Branch, Comment, Item, Key, Value};

/// A full-line comment waiting for the node it belongs to.
#[derive(Debug, Clone)]
struct Pending {
    text: String,
    col: usize,
    /// Whether a blank line separates this comment from what came before it.
    blank_before: bool,
    /// Whether a blank line follows this comment.
    blank_after: bool,
}

pub fn parse(input: &str) -> Result<Vec<Branch>> {
    let input = input.strip_prefix('\u{FEFF}').unwrap_or(input);
    refuse_control_characters(input)?;
    let mut p = Parser {
        s: input,
        pos: 0,
        pending: Vec::new(),
        anchors: HashMap::new(),
        inline: None,
        depth: 0,
        probe: std::cell::Cell::new(Probe::NONE),
    };
    let mut docs = Vec::new();
    loop {
        p.skip_ws();
        while p.at_line_start() && p.rest().starts_with('%') {
            p.skip_line();
            p.skip_ws();
        }
        if p.eof() {
            if !p.pending.is_empty() {
                docs.push(Branch(
                    p.pending
                        .drain(..)
                        .map(|c| Item::comment(c.text, false))
                        .collect(),
                ));
            }
            break;
        }
        if p.at_marker("---") {
            p.pos += 3;
            p.skip_inline_space();
            p.skip_ws();
        }
        let value = if p.eof() || p.at_marker("---") || p.at_marker("...") {
            Value::Null
        } else {
            let col = p.col();
            p.node(col, Ctx::Block)?
        };
        let mut branch = match value {
            Value::Map(b) => b,
            Value::Null => Branch::default(),
            _ => return Err(p.err("a sops document must be a mapping at the top level")),
        };
        p.skip_ws();
        // Comments left at the end of the document close the root mapping.
        branch
            .0
            .extend(p.pending.drain(..).map(|c| Item::comment(c.text, false)));
        if p.at_marker("...") {
            p.pos += 3;
            p.skip_inline_space();
            p.skip_ws();
        }
        if !p.eof() && !p.at_marker("---") {
            return Err(
                p.err("unexpected content after the end of the document (bad indentation?)")
            );
        }
        docs.push(branch);
    }
    Ok(docs)
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Block,
    Flow,
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    pending: Vec<Pending>,
    anchors: HashMap<String, Value>,
    /// A comment on the same line as the scalar just read (`k: v # c`).
    inline: Option<String>,
    /// Nodes open around the current position.
    depth: usize,
    /// The last [`Parser::plain_probe`]: a value line is probed by its mapping (a second `: `?),
    /// by its node (a nested key?) and read, from the same position.
    probe: std::cell::Cell<Probe>,
}

/// Where a plain scalar on the current line would stop, from `pos`: the line's length and the
/// first `: ` or ` #`.
#[derive(Clone, Copy)]
struct Probe {
    pos: usize,
    line_len: usize,
    stop: Option<(usize, u8)>,
}

impl Probe {
    const NONE: Probe = Probe {
        pos: usize::MAX,
        line_len: 0,
        stop: None,
    };
}

/// yaml.v3 (so sops) refuses a stream holding a character YAML does not allow: C0 controls
/// other than tab and line breaks, DEL, C1 controls other than NEL, surrogates, U+FFFE/FFFF.
fn refuse_control_characters(s: &str) -> Result<()> {
    let refuse = |at: usize, message: String| {
        let before = &s[..at];
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        Err(Error::syntax(
            "YAML",
            before.matches('\n').count() + 1,
            column,
            message,
        ))
    };
    let bytes = s.as_bytes();
    // A carriage return alone is a line break to yaml.v3 and not to this reader: the two would
    // see different documents.
    if let Some(at) = memchr::memchr_iter(b'\r', bytes).find(|&i| bytes.get(i + 1) != Some(&b'\n'))
    {
        return refuse(at, "a carriage return alone, which YAML reads as a line break; convert the line endings to LF (dos2unix)".into());
    }
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    // Printable ASCII is nearly every byte: checked 64 bytes at a time without an early exit
    // (a vector loop), byte by byte in the block that has another, characters only beyond.
    let plain = |b: u8| b.wrapping_sub(0x20) < 0x5f || matches!(b, b'\t' | b'\n' | b'\r');
    let Some(first) = bytes
        .chunks(64)
        .position(|block| !block.iter().fold(true, |all, &b| all & plain(b)))
        .and_then(|block| {
            let from = block * 64;
            bytes[from..]
                .iter()
                .position(|&b| !plain(b))
                .map(|i| from + i)
        })
    else {
        return Ok(());
    };
    match s[first..].char_indices().find(|&(_, c)| !allowed(c)) {
        Some((i, c)) => refuse(
            first + i,
            format!("the control character U+{:04X} is not allowed in YAML; quote it as an escape (\"\\u{:04X}\") or remove it", c as u32, c as u32),
        ),
        None => Ok(()),
    }
}

/// The first `:` that ends a plain key (followed by a blank or the end) or `#` that starts a
/// comment (after a blank) in `b`, one line: where a plain scalar stops. SIMD search for the two
/// bytes, since values (sealed ones above all) are long.
fn plain_stop(b: &[u8]) -> Option<(usize, u8)> {
    memchr::memchr2_iter(b':', b'#', b).find_map(|i| {
        let stops = if b[i] == b':' {
            matches!(b.get(i + 1), None | Some(b' ' | b'\t' | b'\r'))
        } else {
            i > 0 && matches!(b[i - 1], b' ' | b'\t')
        };
        stops.then_some((i, b[i]))
    })
}

/// Whether the writer puts `value` on the lines below its key (a mapping with keys, a list with
/// items) rather than after it.
fn written_as_block(value: &Value) -> bool {
    match value {
        Value::Map(b) => b.0.iter().any(|i| matches!(i.key, Key::Name(_))),
        Value::Seq(items) => !items.is_empty(),
        _ => false,
    }
}

/// Indicators that cannot begin a plain scalar where one is read (YAML 1.2 `ns-plain-first`);
/// yaml.v3 refuses them there, so sops does too. `[`/`{`/`|`/`>` open other nodes in a value and
/// reach here only as a mapping key.
fn cannot_start_plain(c: char, ctx: Ctx) -> bool {
    match c {
        '@' | '`' | '%' | '|' | '>' => true,
        '[' | '{' | ']' | '}' | ',' => ctx == Ctx::Block,
        _ => false,
    }
}

fn cannot_start_message(c: char) -> String {
    match c {
        '[' | '{' => format!(
            "a flow collection (`{c}`) as a mapping key is not supported; quote the key or put the collection after `key:`"
        ),
        _ => format!("`{c}` cannot start a plain scalar; quote the value (\"{c}...\")"),
    }
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    /// The length of the rest of the current line (up to its `\n`).
    fn line_len(&self) -> usize {
        let rest = self.rest().as_bytes();
        memchr::memchr(b'\n', rest).unwrap_or(rest.len())
    }

    fn eof(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn at_line_start(&self) -> bool {
        self.pos == 0 || self.s.as_bytes()[self.pos - 1] == b'\n'
    }

    fn col(&self) -> usize {
        self.col_at(self.pos)
    }

    /// The 0-based column (in characters) of byte `pos`.
    fn col_at(&self, pos: usize) -> usize {
        let line_start = memchr::memrchr(b'\n', &self.s.as_bytes()[..pos]).map_or(0, |i| i + 1);
        let before = &self.s[line_start..pos];
        if before.is_ascii() {
            before.len()
        } else {
            before.chars().count()
        }
    }

    /// The 1-based line of the current position; O(position), so only for error messages.
    fn line(&self) -> usize {
        self.line_at(self.pos)
    }

    fn line_at(&self, pos: usize) -> usize {
        self.s.as_bytes()[..pos]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn err(&self, message: &str) -> Error {
        Error::syntax("YAML", self.line(), self.col() + 1, message)
    }

    fn at_marker(&self, m: &str) -> bool {
        self.rest().starts_with(m)
            && self.at_line_start()
            && matches!(
                self.rest()[3..].chars().next(),
                None | Some(' ' | '\t' | '\n' | '\r')
            )
    }

    fn skip_line(&mut self) {
        let len = self.line_len();
        self.pos = (self.pos + len + 1).min(self.s.len());
    }

    /// Skips spaces on the current line; a `#` comment here trails content and is returned.
    fn skip_inline_space(&mut self) -> Option<String> {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
        if self.peek() == Some('#') {
            let end = self.rest().find('\n').unwrap_or(self.rest().len());
            let text = self.rest()[1..end].trim_end_matches('\r').to_string();
            self.pos += end;
            return Some(text);
        }
        None
    }

    /// Skips line ends, blank lines and full-line comments, collecting the comments into
    /// `pending` with what yaml.v3 needs to place them: their column and the blank lines around.
    fn skip_ws(&mut self) {
        let mut blank_before = false;
        let mut last_was_comment = false;
        loop {
            let line_start = self.at_line_start();
            while matches!(self.s.as_bytes().get(self.pos), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
            match self.s.as_bytes().get(self.pos) {
                Some(b'\n' | b'\r') => {
                    if line_start {
                        blank_before = true;
                        if last_was_comment {
                            if let Some(last) = self.pending.last_mut() {
                                last.blank_after = true;
                            }
                        }
                        last_was_comment = false;
                    }
                    self.skip_line();
                }
                Some(b'#') => {
                    let col = self.col();
                    let end = self.rest().find('\n').unwrap_or(self.rest().len());
                    let text = self.rest()[1..end].trim_end_matches('\r').to_string();
                    self.pending.push(Pending {
                        text,
                        col,
                        blank_before,
                        blank_after: false,
                    });
                    blank_before = false;
                    last_was_comment = true;
                    self.pos += end;
                }
                _ => return,
            }
        }
    }

    fn take_inline(&mut self) {
        if let Some(c) = self.skip_inline_space() {
            self.inline = Some(c);
        }
    }

    /// Parses a node starting at the current position; `indent` is the column of the
    /// enclosing block (continuation lines of plain scalars must be deeper than it).
    /// `parse` one level deeper, or the error that says the document nests too deep.
    fn nested(&mut self, parse: impl FnOnce(&mut Self) -> Result<Value>) -> Result<Value> {
        self.depth += 1;
        if self.depth > super::MAX_DEPTH {
            return Err(self.err(&super::too_deep()));
        }
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn node(&mut self, indent: usize, ctx: Ctx) -> Result<Value> {
        self.nested(|p| p.node_at_depth(indent, ctx))
    }

    fn node_at_depth(&mut self, indent: usize, ctx: Ctx) -> Result<Value> {
        let mut anchor = None;
        let mut tag = None;
        loop {
            match self.peek() {
                Some('&') => {
                    let name = self.word(1);
                    if name.is_empty() {
                        return Err(self.err("an anchor needs a name (`&name`)"));
                    }
                    anchor = Some(name);
                    self.skip_inline_space();
                }
                Some('!') => {
                    tag = Some(self.word(0));
                    self.skip_inline_space();
                }
                _ => break,
            }
            if matches!(self.peek(), None | Some('\n' | '\r')) {
                // Properties alone on a line: the node follows on the next lines, if more
                // indented than its parent; else it is empty (`key: &a` then the next key).
                self.skip_ws();
                let follows = !self.eof()
                    && !self.at_marker("---")
                    && !self.at_marker("...")
                    && self.col() > indent;
                if ctx == Ctx::Block && self.depth > 1 && !follows {
                    if let Some(name) = anchor {
                        self.anchors.insert(name, Value::Null);
                    }
                    return Ok(Value::Null);
                }
                break;
            }
        }
        let value = match self.peek() {
            Some('*') => {
                let name = self.word(1);
                if name.is_empty() {
                    return Err(self.err("an alias needs a name (`*name`)"));
                }
                let v = self
                    .anchors
                    .get(&name)
                    .cloned()
                    .ok_or_else(|| self.err(&format!("unknown alias *{name}")))?;
                if ctx == Ctx::Block && self.is_key_ahead() {
                    return Err(self.err("aliases as mapping keys are not supported"));
                }
                v
            }
            Some('-')
                if ctx == Ctx::Block
                    && matches!(self.peek_at(1), None | Some(' ' | '\t' | '\n' | '\r')) =>
            {
                self.block_seq(self.col())?
            }
            Some('[') | Some('{') => self.flow()?,
            Some('|') | Some('>') if ctx == Ctx::Block => self.block_scalar(indent)?,
            Some('?') if matches!(self.peek_at(1), Some(' ' | '\n')) => {
                return Err(self.err("complex mapping keys (`? key`) are not supported"))
            }
            None => Value::Null,
            _ => {
                if ctx == Ctx::Block && self.is_key_ahead() {
                    self.block_map(self.col())?
                } else {
                    let (text, quoted) = self.scalar(indent, ctx)?;
                    self.typed(text, quoted, tag.as_deref())?
                }
            }
        };
        if let Some(name) = anchor {
            self.anchors.insert(name, value.clone());
        }
        Ok(value)
    }

    fn typed(&self, text: String, quoted: bool, tag: Option<&str>) -> Result<Value> {
        match tag {
            Some("!!str") | Some("!str") => return Ok(Value::Str(text)),
            Some(t) if !t.starts_with("!!") => return Ok(Value::Str(text)),
            _ => {}
        }
        if quoted {
            return Ok(Value::Str(text));
        }
        resolve_plain_owned(text).map_err(|e| self.err(&e))
    }

    /// An anchor, alias or tag name after `skip` indicator characters.
    fn word(&mut self, skip: usize) -> String {
        self.pos += skip;
        let end = self
            .rest()
            .find([' ', '\t', '\n', '\r', ',', ']', '}'])
            .unwrap_or(self.rest().len());
        let w = self.rest()[..end].to_string();
        self.pos += end;
        w
    }

    /// The current line's length and where a plain scalar would stop on it, computed once per
    /// position.
    fn plain_probe(&self) -> Probe {
        let cached = self.probe.get();
        if cached.pos == self.pos {
            return cached;
        }
        let line_len = self.line_len();
        let probe = Probe {
            pos: self.pos,
            line_len,
            stop: plain_stop(&self.rest().as_bytes()[..line_len]),
        };
        self.probe.set(probe);
        probe
    }

    /// Whether the current line holds `key:` (an implicit mapping key) from here.
    fn is_key_ahead(&self) -> bool {
        let q = match self.rest().as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return matches!(self.plain_probe().stop, Some((_, b':'))),
        };
        let line = &self.rest()[..self.line_len()];
        let b = line.as_bytes();
        let mut i = 1;
        while i < b.len() {
            if b[i] == b'\\' && q == b'"' {
                i += 2;
                continue;
            }
            if b[i] == q {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                let after = line[i + 1..].trim_start_matches([' ', '\t']);
                return after.starts_with(':')
                    && matches!(after[1..].chars().next(), None | Some(' ' | '\t' | '\r'));
            }
            i += 1;
        }
        false
    }

    fn block_map(&mut self, col: usize) -> Result<Value> {
        let mut b = Branch::default();
        let mut seen = super::SeenKeys::default();
        loop {
            // Comments collected before this entry are its head comments.
            for c in std::mem::take(&mut self.pending) {
                b.0.push(Item::comment(c.text, false));
            }
            let key_pos = self.pos;
            let key = self.key()?;
            if !seen.is_new(&b, &key) {
                return Err(Error::syntax(
                    "YAML",
                    self.line_at(key_pos),
                    col + 1,
                    format!("mapping key {key:?} already defined"),
                ));
            }
            // `:` was consumed by key().
            let trailing = self.skip_inline_space();
            let at = b.0.len();
            let value = if matches!(self.peek(), None | Some('\n' | '\r')) {
                if let Some(t) = trailing {
                    // `a: # c` over a nested value: a full-line comment above `a`.
                    b.0.push(Item::comment(t, false));
                }
                self.skip_ws();
                let ncol = self.col();
                if self.eof() || self.at_marker("---") || self.at_marker("...") {
                    Value::Null
                } else if ncol > col {
                    self.node(col, Ctx::Block)?
                } else if ncol == col
                    && self.peek() == Some('-')
                    && matches!(self.peek_at(1), None | Some(' ' | '\n' | '\r'))
                {
                    self.block_seq(col)?
                } else {
                    Value::Null
                }
            } else {
                if self.peek() == Some('-') && matches!(self.peek_at(1), None | Some(' ' | '\t')) {
                    return Err(self.err("a sequence cannot start on the line of its key; put `- item` on the next line"));
                }
                if !matches!(
                    self.peek(),
                    Some('[' | '{' | '|' | '>' | '&' | '!' | '*' | '"' | '\'')
                ) && self.is_key_ahead()
                {
                    return Err(self.err("mapping values are not allowed here (a second `: ` on the line?); quote the value"));
                }
                let v = self.node(col, Ctx::Block)?;
                if self.inline.is_none() {
                    self.take_inline();
                }
                v
            };
            if let Some(c) = self.inline.take() {
                // A comment after a flow collection (`k: [a, b] # c`) whose value is written
                // back as a block: it goes above the key, as `k: # c` over a block reads.
                b.0.insert(at, Item::comment(c, !written_as_block(&value)));
            }
            b.0.push(Item::entry(key, value));
            self.skip_ws();
            if self.eof() || self.at_marker("---") || self.at_marker("...") {
                if col > 0 {
                    self.take_feet(&mut b.0, 0);
                }
                return Ok(Value::Map(b));
            }
            let ncol = self.col();
            if ncol < col {
                self.take_feet(&mut b.0, ncol);
                return Ok(Value::Map(b));
            }
            if ncol > col {
                return Err(self.err("bad indentation of a mapping entry"));
            }
            if self.peek() == Some('-') && matches!(self.peek_at(1), None | Some(' ' | '\n' | '\r'))
            {
                // A sequence at the key's column ends this mapping (it belongs to the parent).
                return Ok(Value::Map(b));
            }
        }
    }

    /// When a mapping ends, it takes the pending comments that yaml.v3 makes foot comments of
    /// the prior content: a run right after the last value that a blank line separates from
    /// what follows, and any comment more indented than the next entry.
    fn take_feet(&mut self, items: &mut Vec<Item>, next_col: usize) {
        let mut n = 0;
        if self.pending.first().is_some_and(|c| !c.blank_before) {
            if let Some(g) = self.pending.iter().position(|c| c.blank_after) {
                if self.pending[1..=g].iter().all(|c| !c.blank_before) {
                    n = g + 1;
                }
            }
        }
        while n < self.pending.len() && self.pending[n].col > next_col {
            n += 1;
        }
        items.extend(
            self.pending
                .drain(..n)
                .map(|c| Item::comment(c.text, false)),
        );
    }

    fn key(&mut self) -> Result<String> {
        let key_pos = self.pos;
        let (text, quoted) = match self.peek() {
            Some('"') => (self.double_quoted()?, true),
            Some('\'') => (self.single_quoted()?, true),
            Some('&') | Some('!') | Some('*') => {
                return Err(self.err("anchors, tags and aliases on mapping keys are not supported"))
            }
            Some(c) if cannot_start_plain(c, Ctx::Block) => {
                return Err(self.err(&cannot_start_message(c)))
            }
            _ => {
                let l = &self.rest()[..self.line_len()];
                let b = l.as_bytes();
                let end = memchr::memchr_iter(b':', b)
                    .find(|&i| matches!(b.get(i + 1), None | Some(b' ' | b'\t' | b'\r')))
                    .unwrap_or(b.len());
                let text = l[..end].trim_end_matches([' ', '\t']).to_string();
                self.pos += end;
                (text, false)
            }
        };
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
        if self.peek() != Some(':') {
            return Err(self.err("expected ':' after a mapping key"));
        }
        self.pos += 1;
        if !quoted {
            // Checked without a copy of the key: every key of a file passes here.
            let refuse = |message| {
                let (line, col) = (self.line_at(key_pos), self.col_at(key_pos));
                Err(Error::syntax("YAML", line, col + 1, message))
            };
            match resolve_non_string(&text) {
                Ok(None) => {}
                Ok(Some(v)) => {
                    return refuse(format!("the key {text:?} is a {}, not a string; sops only accepts string keys (quote it)", v.type_name()));
                }
                Err(e) => return refuse(e),
            }
        }
        Ok(text)
    }

    fn block_seq(&mut self, col: usize) -> Result<Value> {
        let mut items = Vec::new();
        loop {
            for c in std::mem::take(&mut self.pending) {
                items.push(Value::Comment(Comment {
                    text: c.text,
                    inline: false,
                }));
            }
            self.pos += 1; // '-'
            let trailing = self.skip_inline_space();
            let at = items.len();
            let value = if matches!(self.peek(), None | Some('\n' | '\r')) {
                if let Some(t) = trailing {
                    items.push(Value::Comment(Comment {
                        text: t,
                        inline: false,
                    }));
                }
                self.skip_ws();
                if self.col() > col && !self.eof() {
                    self.node(col, Ctx::Block)?
                } else {
                    Value::Null
                }
            } else {
                let v = self.node(col, Ctx::Block)?;
                if !matches!(v, Value::Map(_) | Value::Seq(_)) {
                    self.take_inline();
                }
                v
            };
            if let Some(c) = self.inline.take() {
                items.insert(
                    at,
                    Value::Comment(Comment {
                        text: c,
                        inline: true,
                    }),
                );
            }
            items.push(value);
            self.skip_ws();
            if self.eof() || self.at_marker("---") || self.at_marker("...") {
                return Ok(Value::Seq(items));
            }
            let ncol = self.col();
            let is_item = self.peek() == Some('-')
                && matches!(self.peek_at(1), None | Some(' ' | '\n' | '\r'));
            if ncol != col || !is_item {
                if ncol > col {
                    return Err(self.err("bad indentation of a sequence entry"));
                }
                // Sequence ends do not take pending comments (yaml.v3): the parent does.
                return Ok(Value::Seq(items));
            }
        }
    }

    fn flow(&mut self) -> Result<Value> {
        self.nested(Self::flow_at_depth)
    }

    fn flow_at_depth(&mut self) -> Result<Value> {
        let open = self.peek().expect("flow start");
        self.pos += 1;
        let close = if open == '[' { ']' } else { '}' };
        let mut seq = Vec::new();
        let mut map = Branch::default();
        loop {
            self.flow_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                break;
            }
            if self.eof() {
                return Err(self.err(&format!("unterminated flow collection: expected '{close}'")));
            }
            let key_or_value = self.flow_scalar_or_collection()?;
            self.flow_ws();
            if open == '{' || self.peek() == Some(':') {
                let value = if self.peek() == Some(':') {
                    self.pos += 1;
                    self.flow_ws();
                    if matches!(self.peek(), Some(',') | Some('}') | Some(']')) {
                        Value::Null
                    } else {
                        self.flow_scalar_or_collection()?
                    }
                } else {
                    Value::Null
                };
                let key = match key_or_value {
                    Value::Str(s) => s,
                    other => {
                        return Err(self.err(&format!(
                            "a {} is not a valid mapping key; sops only accepts string keys",
                            other.type_name()
                        )))
                    }
                };
                if open == '{' {
                    if map.get(&key).is_some() {
                        return Err(self.err(&format!("mapping key {key:?} already defined")));
                    }
                    map.push(key, value);
                } else {
                    seq.push(Value::Map(Branch(vec![Item::entry(key, value)])));
                }
            } else {
                seq.push(key_or_value);
            }
            self.flow_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => {
                    return Err(self.err(&format!("expected ',' or '{close}' in a flow collection")))
                }
            }
        }
        Ok(if open == '[' {
            Value::Seq(seq)
        } else {
            Value::Map(map)
        })
    }

    fn flow_ws(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\n' | '\r') => self.pos += 1,
                Some('#') => self.skip_line(),
                _ => return,
            }
        }
    }

    fn flow_scalar_or_collection(&mut self) -> Result<Value> {
        match self.peek() {
            Some('[') | Some('{') => self.flow(),
            _ => self.node(0, Ctx::Flow),
        }
    }

    /// A flow or plain scalar; returns its text and whether it was quoted.
    fn scalar(&mut self, indent: usize, ctx: Ctx) -> Result<(String, bool)> {
        match self.peek() {
            Some('"') => Ok((self.double_quoted()?, true)),
            Some('\'') => Ok((self.single_quoted()?, true)),
            Some(c) if cannot_start_plain(c, ctx) => Err(self.err(&cannot_start_message(c))),
            _ => Ok((self.plain(indent, ctx), false)),
        }
    }

    fn plain(&mut self, indent: usize, ctx: Ctx) -> String {
        if ctx == Ctx::Flow {
            let b = self.rest().as_bytes();
            let mut end = 0;
            while end < b.len() {
                let c = b[end];
                let next = b.get(end + 1).copied();
                if matches!(c, b',' | b'[' | b']' | b'{' | b'}' | b'\n' | b'\r')
                    || (c == b':'
                        && matches!(next, None | Some(b' ' | b'\t' | b',' | b']' | b'}' | b'\n')))
                    || (c == b'#' && end > 0 && matches!(b[end - 1], b' ' | b'\t'))
                {
                    break;
                }
                end += 1;
            }
            let text = self.rest()[..end].trim_end_matches([' ', '\t']).to_string();
            self.pos += end;
            return text;
        }
        let mut out = self.plain_line_only();
        out.push_str(&self.plain_continuation(indent));
        out
    }

    fn plain_line_only(&mut self) -> String {
        let probe = self.plain_probe();
        let line = &self.rest()[..probe.line_len];
        let end = probe.stop.map_or(line.len(), |(i, _)| i);
        let piece = line[..end].trim_end_matches([' ', '\t', '\r']).to_string();
        self.pos += piece.len();
        piece
    }

    /// Further continuation lines of a multi-line plain scalar.
    fn plain_continuation(&mut self, indent: usize) -> String {
        let mut out = String::new();
        loop {
            let tail = self.rest().trim_start_matches([' ', '\t']);
            if !(tail.is_empty() || tail.starts_with('\n') || tail.starts_with("\r\n")) {
                // A comment (or anything else) after the text ends a plain scalar.
                return out;
            }
            let save = self.pos;
            let mut probe = self.pos;
            let mut breaks = 0;
            let s = self.s;
            let found = loop {
                let Some(nl) = s[probe..].find('\n') else {
                    break None;
                };
                probe += nl + 1;
                let next = &s[probe..];
                let ind = next.len() - next.trim_start_matches(' ').len();
                let content = next.trim_start_matches([' ', '\t']);
                if content.starts_with('\n') || content.starts_with("\r\n") {
                    breaks += 1;
                    continue;
                }
                if content.is_empty()
                    || content.starts_with('#')
                    || ind <= indent
                    || (ind == 0 && (next.starts_with("---") || next.starts_with("...")))
                {
                    break None;
                }
                let tmp = Parser {
                    s,
                    pos: probe + ind,
                    pending: Vec::new(),
                    anchors: HashMap::new(),
                    inline: None,
                    depth: 0,
                    probe: std::cell::Cell::new(Probe::NONE),
                };
                if tmp.is_key_ahead() || content.starts_with("- ") {
                    break None;
                }
                break Some(probe + ind);
            };
            match found {
                None => {
                    self.pos = save;
                    return out;
                }
                Some(p) => {
                    if breaks > 0 {
                        out.push_str(&"\n".repeat(breaks));
                    } else {
                        out.push(' ');
                    }
                    self.pos = p;
                    let piece = self.plain_line_only();
                    out.push_str(&piece);
                }
            }
        }
    }

    fn double_quoted(&mut self) -> Result<String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(Error::syntax(
                    "YAML",
                    self.line_at(start),
                    0,
                    "unterminated double-quoted string",
                ));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => break,
                '\\' => {
                    let e = self.peek().ok_or_else(|| self.err("unterminated escape"))?;
                    self.pos += e.len_utf8();
                    match e {
                        '0' => out.push('\0'),
                        'a' => out.push('\u{7}'),
                        'b' => out.push('\u{8}'),
                        't' | '\t' => out.push('\t'),
                        'n' => out.push('\n'),
                        'v' => out.push('\u{b}'),
                        'f' => out.push('\u{c}'),
                        'r' => out.push('\r'),
                        'e' => out.push('\u{1b}'),
                        ' ' => out.push(' '),
                        '"' => out.push('"'),
                        '/' => out.push('/'),
                        '\\' => out.push('\\'),
                        'N' => out.push('\u{85}'),
                        '_' => out.push('\u{a0}'),
                        'L' => out.push('\u{2028}'),
                        'P' => out.push('\u{2029}'),
                        'x' | 'u' | 'U' => {
                            let n = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let hex = self
                                .rest()
                                .get(..n)
                                .ok_or_else(|| self.err("short escape"))?;
                            let cp = u32::from_str_radix(hex, 16)
                                .map_err(|_| self.err("invalid escape"))?;
                            out.push(
                                char::from_u32(cp).ok_or_else(|| self.err("invalid code point"))?,
                            );
                            self.pos += n;
                        }
                        '\n' | '\r' => {
                            // Escaped line break: joined without a space.
                            if e == '\r' && self.peek() == Some('\n') {
                                self.pos += 1;
                            }
                            while matches!(self.peek(), Some(' ' | '\t')) {
                                self.pos += 1;
                            }
                        }
                        _ => return Err(self.err(&format!("invalid escape \\{e}"))),
                    }
                }
                '\n' | '\r' => self.fold_quoted_break(&mut out, c),
                c => out.push(c),
            }
        }
        Ok(out)
    }

    /// Line folding inside quoted scalars: trailing spaces dropped, one break is a space,
    /// each further empty line a newline.
    fn fold_quoted_break(&mut self, out: &mut String, c: char) {
        if c == '\r' && self.peek() == Some('\n') {
            self.pos += 1;
        }
        while out.ends_with([' ', '\t']) {
            out.pop();
        }
        let mut breaks = 0;
        loop {
            while matches!(self.peek(), Some(' ' | '\t')) {
                self.pos += 1;
            }
            match self.peek() {
                Some('\n') => {
                    self.pos += 1;
                    breaks += 1;
                }
                Some('\r') => self.pos += 1,
                _ => break,
            }
        }
        if breaks == 0 {
            out.push(' ');
        } else {
            out.push_str(&"\n".repeat(breaks));
        }
    }

    fn single_quoted(&mut self) -> Result<String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(Error::syntax(
                    "YAML",
                    self.line_at(start),
                    0,
                    "unterminated single-quoted string",
                ));
            };
            self.pos += c.len_utf8();
            match c {
                '\'' if self.peek() == Some('\'') => {
                    self.pos += 1;
                    out.push('\'');
                }
                '\'' => break,
                '\n' | '\r' => self.fold_quoted_break(&mut out, c),
                c => out.push(c),
            }
        }
        Ok(out)
    }

    /// `|` and `>` block scalars with chomping and indentation indicators.
    fn block_scalar(&mut self, indent: usize) -> Result<Value> {
        let literal = self.peek() == Some('|');
        self.pos += 1;
        let mut chomp = ' ';
        let mut explicit: Option<usize> = None;
        for _ in 0..2 {
            match self.peek() {
                Some(c @ ('+' | '-')) => {
                    chomp = c;
                    self.pos += 1;
                }
                Some(c @ '1'..='9') => {
                    explicit = Some(c as usize - '0' as usize);
                    self.pos += 1;
                }
                _ => {}
            }
        }
        if let Some(c) = self.skip_inline_space() {
            self.inline = Some(c);
        }
        if !matches!(self.peek(), None | Some('\n' | '\r')) {
            return Err(self.err("unexpected text after a block scalar indicator"));
        }
        self.skip_line();
        // Collect the lines that belong to the scalar.
        let mut lines: Vec<&str> = Vec::new();
        let mut content_indent = explicit.map(|e| indent + e);
        let s = self.s;
        let mut pos = self.pos;
        let mut last_content_end = self.pos;
        let mut last_content_lines = 0;
        while pos < s.len() {
            let end = s[pos..].find('\n').map_or(s.len(), |i| pos + i);
            let raw = s[pos..end].trim_end_matches('\r');
            let ind = raw.len() - raw.trim_start_matches(' ').len();
            let blank = raw.trim_matches([' ', '\t']).is_empty();
            if !blank {
                if content_indent.is_none() {
                    if ind <= indent {
                        break;
                    }
                    content_indent = Some(ind);
                }
                if ind < content_indent.unwrap_or(0) {
                    break;
                }
            }
            lines.push(raw);
            pos = if end < s.len() { end + 1 } else { end };
            if !blank {
                last_content_end = pos;
                last_content_lines = lines.len();
            }
        }
        let ci = content_indent.unwrap_or(indent + 1);
        // Trailing blank lines belong to the scalar only for chomping; the parser resumes after
        // the last content line so that comments and blank lines after it are seen.
        let trailing_blank = lines.len() - last_content_lines;
        let body: Vec<String> = lines[..last_content_lines]
            .iter()
            .map(|l| {
                if l.len() >= ci {
                    l[ci..].to_string()
                } else {
                    String::new()
                }
            })
            .collect();
        let resume = if trailing_blank > 0 && chomp == '+' {
            pos
        } else {
            last_content_end
        };
        // Resume on the line break that ends the scalar, so that the next line is not mistaken
        // for a comment trailing the scalar.
        self.pos = if resume > 0 && s.as_bytes()[resume - 1] == b'\n' {
            resume - 1
        } else {
            resume
        };
        let mut text = if literal {
            body.join("\n")
        } else {
            fold(&body)
        };
        if !body.is_empty() {
            match chomp {
                '-' => {}
                '+' => {
                    text.push('\n');
                    text.push_str(&"\n".repeat(trailing_blank));
                }
                _ => text.push('\n'),
            }
        } else if chomp == '+' {
            // Only empty lines: kept, they are the value (`|+` over one empty line is "\n").
            text.push_str(&"\n".repeat(trailing_blank));
        }
        Ok(Value::Str(text))
    }
}

/// Folding of `>` block scalars: lines joined with spaces, empty lines kept as newlines,
/// more-indented lines kept verbatim.
fn fold(lines: &[String]) -> String {
    let mut out = String::new();
    let mut prev_more = false;
    for (i, l) in lines.iter().enumerate() {
        let more = l.starts_with([' ', '\t']);
        if i > 0 {
            let prev_empty = lines[i - 1].is_empty();
            if l.is_empty() || prev_empty || more || prev_more {
                out.push('\n');
            } else {
                out.push(' ');
            }
        }
        out.push_str(l);
        prev_more = more;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Emitter

pub fn emit(docs: &[Branch], indent: usize) -> String {
    emit_with_trailer(docs, None, indent)
}

/// [`emit`] with `trailer` as the last entry of every document (a sealed file's `sops`),
/// without a copy of the tree to append it to.
pub fn emit_with_trailer(docs: &[Branch], trailer: Option<&Item>, indent: usize) -> String {
    let w = if (2..=9).contains(&indent) { indent } else { 2 };
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        if trailer.is_none()
            && doc.0.iter().all(|i| matches!(i.key, Key::Comment(_)))
            && doc.0.iter().all(|i| !matches!(i.key, Key::Name(_)))
        {
            for item in &doc.0 {
                if let Key::Comment(c) = &item.key {
                    out.push_str(&format!("#{}\n", c.text));
                }
            }
            out.push_str("{}\n");
            continue;
        }
        Emitter { w, out: &mut out }.map_items(doc.0.iter().chain(trailer), 0, false);
    }
    out
}

struct Emitter<'a> {
    w: usize,
    out: &'a mut String,
}

impl Emitter<'_> {
    fn nested(&self, i: usize) -> usize {
        self.w * ((i + self.w) / self.w)
    }

    fn pad(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push(' ');
        }
    }

    fn comment(&mut self, text: &str, indent: usize) {
        self.pad(indent);
        self.out.push('#');
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Writes a mapping whose entries start at `indent`; `first_inline` means the first entry
    /// continues a line already started (`- k: v`).
    fn map_items<'i>(
        &mut self,
        items: impl Iterator<Item = &'i Item>,
        indent: usize,
        mut first_inline: bool,
    ) {
        let mut inline: Option<&'i str> = None;
        for item in items {
            match &item.key {
                Key::Comment(c) if c.inline => inline = Some(&c.text),
                Key::Comment(c) => {
                    if first_inline {
                        // A comment cannot sit between `- ` and the first key; put it on its own line.
                        self.out.push('\n');
                        first_inline = false;
                    }
                    self.comment(&c.text, indent);
                }
                Key::Name(k) => {
                    if !first_inline {
                        self.pad(indent);
                    }
                    first_inline = false;
                    self.key(k);
                    self.out.push(':');
                    self.value(&item.value, indent, inline.take(), true);
                }
            }
        }
        if let Some(c) = inline {
            self.comment(c, indent);
        }
    }

    fn map(&mut self, b: &Branch, indent: usize) {
        self.map_items(b.0.iter(), indent, false);
    }

    fn key(&mut self, k: &str) {
        match string_style(k, true) {
            Style::Plain => self.out.push_str(k),
            Style::Single => self.single(k),
            _ => double_quote(k, self.out),
        }
    }

    fn single(&mut self, s: &str) {
        self.out.push('\'');
        self.out.push_str(&s.replace('\'', "''"));
        self.out.push('\'');
    }

    /// Writes a value after `key:` (`in_map`) or after `- `; `indent` is the column of the key
    /// or of the dash.
    fn value(&mut self, v: &Value, indent: usize, inline: Option<&str>, in_map: bool) {
        let sep = if in_map { " " } else { "" };
        match v {
            Value::Map(b) if b.0.iter().any(|i| matches!(i.key, Key::Name(_))) => {
                if in_map {
                    self.trailing(inline);
                    self.out.push('\n');
                    let ni = self.nested(indent);
                    self.map(b, ni);
                } else {
                    self.map_items(b.0.iter(), indent + 2, true);
                }
            }
            Value::Seq(items) if !items.is_empty() => {
                if in_map {
                    self.trailing(inline);
                    self.out.push('\n');
                    let ni = self.nested(indent);
                    self.seq(items, ni);
                } else {
                    self.seq_items(items, indent + 2, true);
                }
            }
            Value::Map(_) => {
                self.out.push_str(sep);
                self.out.push_str("{}");
                self.trailing(inline);
                self.out.push('\n');
            }
            Value::Seq(_) => {
                self.out.push_str(sep);
                self.out.push_str("[]");
                self.trailing(inline);
                self.out.push('\n');
            }
            Value::Str(s) => {
                self.out.push_str(sep);
                self.string(s, indent, inline);
            }
            Value::Bytes(b) => {
                self.out.push_str(sep);
                self.string(&String::from_utf8_lossy(b), indent, inline);
            }
            Value::Comment(c) => {
                self.out.push_str(sep);
                self.out.push('#');
                self.out.push_str(&c.text);
                self.out.push('\n');
            }
            scalar => {
                self.out.push_str(sep);
                self.out.push_str(&scalar_text(scalar));
                self.trailing(inline);
                self.out.push('\n');
            }
        }
    }

    fn trailing(&mut self, inline: Option<&str>) {
        if let Some(c) = inline {
            self.out.push_str(" #");
            self.out.push_str(c);
        }
    }

    fn string(&mut self, s: &str, indent: usize, inline: Option<&str>) {
        match string_style(s, false) {
            Style::Plain => self.out.push_str(s),
            Style::Single => self.single(s),
            Style::Double => double_quote(s, self.out),
            Style::Literal => {
                let ni = self.nested(indent);
                self.out.push('|');
                if s.starts_with([' ', '\n']) {
                    // A reader counts the indicator from the key's (or dash's) column; in a
                    // mapping inside a list item the keys sit two columns in, so the content is
                    // fewer than `w` columns further (yaml.v3 writes `w` there, which no reader,
                    // yaml.v3 included, takes back: found by fuzzing).
                    self.out.push_str(&(ni - indent).to_string());
                }
                let body = s.trim_end_matches('\n');
                let trailing = s.len() - body.len();
                // Keep (`+`) when more than one break ends the value, or when it is nothing but a
                // break (yaml.v3's hints; clip would read back an empty string).
                match trailing {
                    0 => self.out.push('-'),
                    1 if !body.is_empty() => {}
                    _ => self.out.push('+'),
                }
                self.trailing(inline);
                self.out.push('\n');
                let content = if trailing > 1 {
                    &s[..s.len() - 1]
                } else {
                    body
                };
                for line in content.split('\n') {
                    if !line.is_empty() {
                        self.pad(ni);
                        self.out.push_str(line);
                    }
                    self.out.push('\n');
                }
                return;
            }
        }
        self.trailing(inline);
        self.out.push('\n');
    }

    fn seq(&mut self, items: &[Value], indent: usize) {
        self.seq_items(items, indent, false);
    }

    fn seq_items(&mut self, items: &[Value], indent: usize, mut first_inline: bool) {
        let mut inline: Option<&str> = None;
        for item in items {
            match item {
                Value::Comment(c) if c.inline => inline = Some(&c.text),
                Value::Comment(c) => {
                    if first_inline {
                        self.out.push('\n');
                        first_inline = false;
                    }
                    self.comment(&c.text, indent);
                }
                v => {
                    if !first_inline {
                        self.pad(indent);
                    }
                    first_inline = false;
                    self.out.push_str("- ");
                    self.value(v, indent, inline.take(), false);
                }
            }
        }
    }
}
