//! A span-level view of a block-style YAML kubeconfig, and edits expressed as byte ranges.
//!
//! Switchers that load the kubeconfig into a struct and write it back reorder keys, drop comments
//! and anchors and add defaults (kubectx#319, #436, kubectl#1262). Here the file is never
//! re-serialized: the scanner finds the top-level keys, the items of the `clusters`, `users` and
//! `contexts` lists and their `name`s, and an edit replaces or inserts only the entries we own and
//! the `current-context` value. Every other byte stays where it was. A shape the scanner does not
//! understand (a JSON file, a flow-style list with entries) is refused, never guessed at.

use std::borrow::Cow;
use std::ops::Range;

use crate::error::{Error, Result};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Blank,
    Comment,
    Content,
}

/// One line, in 16 bytes: a 10,000-context kubeconfig has 130,000 of them.
#[derive(Debug)]
struct Line {
    start: u32,
    /// End of the text, before the line break.
    end: u32,
    indent: u32,
    /// The length of the line break: 1, 2 (CRLF) or 0 (the last line without one).
    brk: u8,
    kind: Kind,
    /// Content that is a list item (`-` or `- ...` after the indentation), noted while the line
    /// is in the cache: the lists are then found without reading the file again.
    dash: bool,
}

impl Line {
    fn start(&self) -> usize {
        self.start as usize
    }

    fn end(&self) -> usize {
        self.end as usize
    }

    /// Start of the next line (after the line break).
    fn next(&self) -> usize {
        self.end as usize + self.brk as usize
    }

    fn indent(&self) -> usize {
        self.indent as usize
    }
}

/// A top-level key, its inline value and the lines of its block.
#[derive(Debug)]
struct TopKey {
    name: String,
    line: usize,
    /// The inline value after `key:` (anchor and comment excluded); empty when the value is a block.
    inline: Range<usize>,
    /// Lines after the key line up to the next top-level key.
    block: Range<usize>,
}

/// An item of a top-level list.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    /// Borrowed from the file unless an escape had to be undone: a 10,000-entry list is read
    /// without allocating its names.
    pub name: Option<Cow<'a, str>>,
    /// Byte span from the start of the dash line to the end of the item's last content line
    /// (line break included); comments that head the next item are left out.
    pub span: Range<usize>,
    first_line: usize,
    last_line: usize,
    key_col: usize,
}

/// A parsed view of one kubeconfig file.
pub struct Doc<'a> {
    src: &'a str,
    lines: Vec<Line>,
    keys: Vec<TopKey>,
    path: String,
    /// Where the document ends: the end of the file, or a `---`/`...` marker after it that
    /// only blank lines and comments follow (new keys go before it).
    end: usize,
}

/// A list under a top-level key, as found in the file.
enum List<'a> {
    Missing,
    /// `key:` with `[]`, `null`, `~` or nothing; the span is the inline value to drop.
    Empty {
        key_line: usize,
        inline: Range<usize>,
    },
    Items {
        indent: usize,
        items: Vec<Item<'a>>,
    },
}

impl<'a> Doc<'a> {
    pub fn parse(src: &'a str, path: &str) -> Result<Self> {
        let unsupported = |line: usize, what: &str| Error::UnsupportedKubeconfig {
            path: path.to_string(),
            line,
            what: what.into(),
        };
        if u32::try_from(src.len()).is_err() {
            return Err(unsupported(1, "a file of 4 GiB or more"));
        }
        // A carriage return alone is a line break to kubectl's YAML reader and not to ours: the
        // two would see different entries (found by fuzzing).
        let lines = split_lines(src).map_err(|line| {
            unsupported(
                line,
                "a carriage return inside a line, which kubectl reads as a line break",
            )
        })?;
        let mut doc = Doc {
            src,
            lines,
            keys: Vec::new(),
            path: path.to_string(),
            end: src.len(),
        };
        doc.find_top_keys()?;
        Ok(doc)
    }

    fn unsupported(&self, line: usize, what: &str) -> Error {
        Error::UnsupportedKubeconfig {
            path: self.path.clone(),
            line: line + 1,
            what: what.to_string(),
        }
    }

    fn text(&self, i: usize) -> &'a str {
        let l = &self.lines[i];
        &self.src[l.start()..l.end()]
    }

    fn find_top_keys(&mut self) -> Result<()> {
        let first_content = self.lines.iter().position(|l| l.kind == Kind::Content);
        if let Some(i) = first_content {
            let t = self.text(i).trim_start();
            if t.starts_with('{') || t.starts_with('[') {
                return Err(Error::NotBlockYaml {
                    path: self.path.clone(),
                    line: i + 1,
                    what: "a JSON or flow-style document in place: write it in block style (`use` rewrites such a file whole, as kubectl does)".into(),
                });
            }
        }
        let mut keys: Vec<TopKey> = Vec::new();
        for i in 0..self.lines.len() {
            let l = &self.lines[i];
            if l.kind != Kind::Content || l.indent() != 0 {
                continue;
            }
            // A dash line is a list item whatever follows the dash: its text need not be read.
            let t = if l.dash { "-" } else { self.text(i) };
            if t.starts_with('-') && !t.starts_with("---") {
                // A top-level list item at column 0 (kubectl's own style); belongs to the last key.
                if keys.is_empty() {
                    return Err(self.unsupported(i, "a document that is a list, not a mapping"));
                }
                continue;
            }
            if t == "---" || t.starts_with("--- ") || t == "..." {
                if keys.is_empty() {
                    continue;
                }
                // A marker that ends the one document (kubectl reads it so): nothing but
                // comments, blank lines and markers after it.
                let ends_it = self.lines[i + 1..].iter().enumerate().all(|(j, l)| {
                    let t = self.text(i + 1 + j).trim();
                    l.kind != Kind::Content || t == "---" || t == "..."
                });
                if !ends_it {
                    return Err(self.unsupported(i, "more than one YAML document"));
                }
                if let Some(last) = keys.last_mut() {
                    last.block.end = i;
                }
                self.end = self.lines[i].start();
                break;
            }
            let Some((name, rest)) = parse_key(t) else {
                return Err(self.unsupported(i, "a top-level line that is not `key: value`"));
            };
            if let Some(first) = keys.iter().find(|k| k.name == name) {
                // kubectl (sigs.k8s.io/yaml) takes the last; an edit of the first would change
                // a value kubectl never reads.
                let what = format!(
                    "`{name}` set a second time (first at line {}); kubectl reads the last one: remove the other",
                    first.line + 1
                );
                return Err(self.unsupported(i, &what));
            }
            if let Some(c) = t.chars().find(|&c| c.is_control() && c != '\t') {
                // YAML forbids them and kubectl refuses the file; an edit would keep it broken.
                let what =
                    format!("a control character ({c:?}) in `{name}`, which kubectl cannot load");
                return Err(self.unsupported(i, &what));
            }
            let base = self.lines[i].start() + (t.len() - rest.len());
            let inline = inline_value(rest, base);
            let after = self.src[inline.end..self.lines[i].end()].trim_start();
            if !after.is_empty() && !after.starts_with('#') {
                let what = format!("text after the value of `{name}`, which kubectl cannot load");
                return Err(self.unsupported(i, &what));
            }
            if let Some(last) = keys.last_mut() {
                last.block.end = i;
            }
            keys.push(TopKey {
                name: name.into_owned(),
                line: i,
                inline,
                block: i + 1..self.lines.len(),
            });
        }
        self.keys = keys;
        Ok(())
    }

    fn key(&self, name: &str) -> Option<&TopKey> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// The `current-context`, if set and not empty.
    pub fn current_context(&self) -> Option<String> {
        let k = self.key("current-context")?;
        let v = parse_scalar(&self.src[k.inline.clone()]);
        (!v.is_empty() && v != "null" && v != "~").then(|| v.into_owned())
    }

    /// Whether a top-level list is one this reader takes in place (absent, empty or block
    /// style), without copying its names.
    pub fn reads_list(&self, list: &str) -> bool {
        self.list(list).is_ok()
    }

    /// Refuses what kubectl itself refuses to load, so that an edit never writes a file kubectl
    /// then cannot read: YAML that does not parse, and a name twice in `clusters`, `contexts`
    /// or `users` (each error at its line).
    pub fn check_loads(&self) -> Result<()> {
        // The document only: kubectl reads the first and ignores a marker after it.
        if let Err(e) = serde_saphyr::from_str::<serde::de::IgnoredAny>(&self.src[..self.end]) {
            // The parser's first line says what and where; the rest is a drawing of the text.
            let reason = e.to_string().lines().next().unwrap_or_default().to_string();
            let line = reason
                .split("line ")
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(1);
            return Err(Error::UnsupportedKubeconfig {
                path: self.path.clone(),
                line,
                what: format!(
                    "a file that is not valid YAML, which kubectl refuses too ({reason})"
                ),
            });
        }
        for list in ["clusters", "contexts", "users"] {
            let List::Items { items, .. } = self.list(list)? else {
                continue;
            };
            let mut seen = std::collections::HashMap::new();
            for item in &items {
                let Some(name) = &item.name else { continue };
                if let Some(first) = seen.insert(name.clone(), item.first_line) {
                    let what = format!(
                        "`{name}` twice in `{list}` (first at line {}), which kubectl refuses to load: remove one",
                        first + 1
                    );
                    return Err(self.unsupported(item.first_line, &what));
                }
            }
        }
        Ok(())
    }

    /// The names of the items of a top-level list (`contexts`, `clusters`, `users`).
    pub fn names(&self, list: &str) -> Result<Vec<String>> {
        Ok(match self.list(list)? {
            List::Items { items, .. } => items
                .into_iter()
                .filter_map(|i| i.name.map(Cow::into_owned))
                .collect(),
            _ => Vec::new(),
        })
    }

    fn list(&self, name: &str) -> Result<List<'a>> {
        let Some(k) = self.key(name) else {
            return Ok(List::Missing);
        };
        let inline = self.src[k.inline.clone()].trim();
        if !matches!(inline, "" | "[]" | "null" | "~" | "{}") {
            return Err(Error::NotBlockYaml {
                path: self.path.clone(),
                line: k.line + 1,
                what: format!(
                "a flow-style `{name}` list in place: write it in block style (`use` rewrites such a file whole, as kubectl does)"
            ),
            });
        }
        let mut content = k
            .block
            .clone()
            .filter(|&i| self.lines[i].kind == Kind::Content);
        let Some(first) = content.next() else {
            return Ok(List::Empty {
                key_line: k.line,
                inline: k.inline.clone(),
            });
        };
        if !inline.is_empty() {
            return Err(
                self.unsupported(k.line, &format!("`{name}: {inline}` followed by entries"))
            );
        }
        let indent = self.lines[first].indent();
        if !self.lines[first].dash {
            return Err(self.unsupported(first, &format!("`{name}` is not a list")));
        }
        // One pass over the block: each item runs from its dash to the next dash at the list's
        // indentation (a 10,000-context file's lists are 130,000 lines).
        let mut items = Vec::new();
        let mut d = first;
        while d < k.block.end {
            let entry = self.text(d)[indent + 1..].trim_start();
            let entry = strip_anchor(entry);
            let dash_key = parse_key(entry);
            let is_map = entry.is_empty() || entry.starts_with('{') || dash_key.is_some();
            if !is_map && !entry.starts_with('*') && !entry.starts_with('#') {
                // kubectl fails on it ("cannot unmarshal ... into NamedContext"): say so now
                // rather than write a file kubectl cannot load.
                return Err(self.unsupported(
                    d,
                    &format!("an entry of `{name}` that is not a mapping (kubectl cannot load it); fix or remove it"),
                ));
            }
            let (item, next) = self.item(d, k.block.end, indent, dash_key);
            items.push(item);
            d = next;
        }
        Ok(List::Items { indent, items })
    }

    /// The item whose dash is on line `dash`, and the line of the next item's dash (or `end`,
    /// the end of the list's block); `dash_key` is the key after the dash, as the list read it.
    fn item(
        &self,
        dash: usize,
        end: usize,
        indent: usize,
        dash_key: Option<(Cow<'a, str>, &'a str)>,
    ) -> (Item<'a>, usize) {
        let after_dash = &self.text(dash)[indent + 1..];
        let rest = after_dash.trim_start();
        // The keys' column: after the dash's blanks, or (`-` alone) the first line below.
        let mut key_col = (!rest.is_empty()).then(|| indent + 1 + (after_dash.len() - rest.len()));
        let mut name = match dash_key {
            Some((k, v)) if k == "name" => Some(parse_scalar(v)),
            _ => None,
        };
        // The item ends at its last line indented deeper than the dash (or the dash line itself);
        // comments and blank lines after it head the next item or key. Content that is not
        // deeper ends it, though the list goes on at the next dash.
        let mut last = dash;
        let mut ended = false;
        let mut next = dash + 1;
        while next < end {
            let l = &self.lines[next];
            if l.kind == Kind::Content {
                if l.indent() == indent && l.dash {
                    break;
                }
                if l.indent() <= indent {
                    ended = true;
                } else if !ended {
                    last = next;
                    let col = *key_col.get_or_insert(l.indent());
                    if name.is_none() && l.indent() == col {
                        let t = &self.text(next)[col..];
                        // Only `name` is looked for: a plain key that does not start so is not it.
                        if t.starts_with(['n', '"', '\'']) {
                            if let Some((k, v)) = parse_key(t) {
                                if k == "name" {
                                    name = Some(parse_scalar(v));
                                }
                            }
                        }
                    }
                }
            }
            next += 1;
        }
        let item = Item {
            name,
            span: self.lines[dash].start()..self.lines[last].next(),
            first_line: dash,
            last_line: last,
            key_col: key_col.unwrap_or(indent + 2),
        };
        (item, next)
    }

    fn find_item(&self, list: &str, name: &str) -> Result<Option<Item<'a>>> {
        Ok(match self.list(list)? {
            List::Items { items, .. } => {
                items.into_iter().find(|i| i.name.as_deref() == Some(name))
            }
            _ => None,
        })
    }

    /// The text of the named item, for comparing with what we would write.
    pub fn item_text(&self, list: &str, name: &str) -> Result<Option<&'a str>> {
        Ok(self.find_item(list, name)?.map(|i| &self.src[i.span]))
    }

    /// The item indentation of a list, so an appended item matches its neighbours.
    pub fn list_indent(&self, list: &str) -> Result<usize> {
        Ok(match self.list(list)? {
            List::Items { indent, .. } => indent,
            _ => 0,
        })
    }

    /// The `namespace` of a context (`Some(None)` when it sets none); None when the context is
    /// not in this file.
    pub fn context_namespace(&self, context: &str) -> Result<Option<Option<String>>> {
        let Some(item) = self.find_item("contexts", context)? else {
            return Ok(None);
        };
        let Some(sub) = self.context_body(&item)? else {
            return Ok(Some(None));
        };
        Ok(Some(
            self.sub_key(&sub, "namespace")
                .map(|(_, v)| parse_scalar(&self.src[v]).into_owned()),
        ))
    }

    /// Lines of the `context:` mapping of a contexts item, with their indentation.
    fn context_body(&self, item: &Item<'_>) -> Result<Option<(Range<usize>, usize)>> {
        for i in item.first_line..=item.last_line {
            let l = &self.lines[i];
            if l.kind != Kind::Content {
                continue;
            }
            let t = if i == item.first_line {
                strip_anchor(self.text(i)[item.key_col.min(l.end() - l.start())..].trim_start())
            } else if l.indent() == item.key_col {
                &self.text(i)[item.key_col..]
            } else {
                continue;
            };
            let Some((k, rest)) = parse_key(t) else {
                continue;
            };
            if k != "context" {
                continue;
            }
            let inline = rest.trim();
            let inline = strip_anchor(inline).trim();
            if !(inline.is_empty() || inline.starts_with('#')) {
                return Err(self.unsupported(
                    i,
                    "a context written in flow style or as an alias; write it as a block mapping",
                ));
            }
            let mut end = i + 1;
            let mut col = None;
            while end <= item.last_line {
                let l = &self.lines[end];
                if l.kind == Kind::Content {
                    if l.indent() <= item.key_col {
                        break;
                    }
                    col.get_or_insert(l.indent());
                }
                end += 1;
            }
            return Ok(col.map(|c| (i + 1..end, c)));
        }
        Ok(None)
    }

    /// A key of a block mapping at column `col` among `lines`: its line and value span.
    fn sub_key(
        &self,
        (lines, col): &(Range<usize>, usize),
        key: &str,
    ) -> Option<(usize, Range<usize>)> {
        lines.clone().find_map(|i| {
            let l = &self.lines[i];
            if l.kind != Kind::Content || l.indent() != *col {
                return None;
            }
            let t = &self.text(i)[*col..];
            let (k, rest) = parse_key(t)?;
            (k == key).then(|| {
                (
                    i,
                    inline_value(rest, l.start() + col + (t.len() - rest.len())),
                )
            })
        })
    }
}

/// A set of byte-range edits over one source text.
#[derive(Default)]
pub struct Edits {
    /// The range, what it does (which orders edits at one offset), the text.
    edits: Vec<(Range<usize>, Rank, String)>,
}

/// Edits at one offset go in this order: a value replaced, lines inserted into a section (a list
/// item), then new top-level keys. A list item appended to a section that ends the file goes
/// before a `users:` appended after it, not into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Replace,
    Insert,
    NewKey,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    fn push(&mut self, range: Range<usize>, text: String) {
        self.edits.push((range, Rank::Replace, text));
    }

    /// An insertion of new lines at `at`: after a value replaced at the same offset
    /// (`current-context:` ending a file without a line break), never before it.
    fn insert(&mut self, at: usize, text: String) {
        self.edits.push((at..at, Rank::Insert, text));
    }

    /// A new top-level key at `at` (the end of the file): after everything else there.
    fn new_key(&mut self, at: usize, text: String) {
        self.edits.push((at..at, Rank::NewKey, text));
    }

    /// The new text as pieces: unchanged slices of `src` and replacements, in order (insertions
    /// at the same offset keep the order they were made in). Writing the pieces one after the
    /// other spares a copy of a large file.
    pub fn pieces<'s>(&'s mut self, src: &'s str) -> Vec<&'s str> {
        self.edits
            .sort_by_key(|(r, rank, _)| (r.start, *rank, r.end));
        let mut out = Vec::with_capacity(self.edits.len() * 2 + 1);
        let mut at = 0;
        for (r, _, text) in &self.edits {
            out.push(&src[at..r.start]);
            out.push(text.as_str());
            at = r.end;
        }
        out.push(&src[at..]);
        out
    }

    /// Applies the edits to `src`.
    pub fn apply(mut self, src: &str) -> String {
        self.pieces(src).concat()
    }
}

impl Doc<'_> {
    /// End of file, where appended keys go; a missing final line break is added first.
    fn append_at(&self, edits: &mut Edits, text: String) {
        let before = &self.src[..self.end];
        let sep = if before.is_empty() || before.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        edits.new_key(self.end, format!("{sep}{text}"));
    }

    /// `value` to write over the inline value at `span`, with a blank after it when a `#`
    /// follows at once: after a quoted value (`""#c`) kubectl's YAML reader takes it for a
    /// comment, after a plain one it would be part of the value (found by fuzzing).
    fn replacing(&self, span: &Range<usize>, value: String) -> String {
        if self.src.as_bytes().get(span.end) == Some(&b'#') {
            value + " "
        } else {
            value
        }
    }

    /// Sets `current-context`, in place when the key exists.
    pub fn set_current_context(&self, edits: &mut Edits, name: &str) {
        let value = crate::kubeconfig::emit::scalar(name);
        match self.key("current-context") {
            Some(k) if !k.inline.is_empty() => {
                let value = self.replacing(&k.inline, value);
                edits.push(k.inline.clone(), value)
            }
            Some(k) => {
                let l = &self.lines[k.line];
                if k.inline.start < l.end() {
                    // No value, a comment: the value goes before it (after it, it would be
                    // part of the comment).
                    edits.push(k.inline.clone(), format!("{value} "));
                } else {
                    edits.push(l.end()..l.end(), format!(" {value}"));
                }
            }
            None => self.append_at(edits, format!("current-context: {value}\n")),
        }
    }

    /// Replaces the named item of a top-level list, or appends it. `item` renders the item at
    /// the given indentation; nothing is recorded when the item is already byte-identical.
    pub fn upsert_item(
        &self,
        edits: &mut Edits,
        list: &str,
        name: &str,
        item: impl Fn(usize) -> String,
    ) -> Result<()> {
        match self.list(list)? {
            List::Missing => self.append_at(edits, format!("{list}:\n{}", item(0))),
            List::Empty { key_line, inline } => {
                let l = &self.lines[key_line];
                // Drop `[]`/`null` (and the space before it) and put the entry under the key.
                let mut start = inline.start;
                while start > l.start() && self.src.as_bytes()[start - 1] == b' ' {
                    start -= 1;
                }
                if !inline.is_empty() {
                    edits.push(start..inline.end, String::new());
                }
                let at = l.next();
                let brk = if l.next() == l.end() { "\n" } else { "" };
                edits.insert(at, format!("{brk}{}", item(0)));
            }
            List::Items { indent, items } => {
                let text = item(indent);
                match items.iter().find(|i| i.name.as_deref() == Some(name)) {
                    Some(found) => {
                        if self.src[found.span.clone()] != text {
                            edits.push(found.span.clone(), text);
                        }
                    }
                    None => {
                        let last = items.last().expect("a list with items");
                        let l = &self.lines[last.last_line];
                        let brk = if l.next() == l.end() { "\n" } else { "" };
                        edits.insert(l.next(), format!("{brk}{text}"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Sets the namespace of a context in place; false when the context is not in this file.
    pub fn set_context_namespace(
        &self,
        edits: &mut Edits,
        context: &str,
        ns: &str,
    ) -> Result<bool> {
        let Some(item) = self.find_item("contexts", context)? else {
            return Ok(false);
        };
        let value = crate::kubeconfig::emit::scalar(ns);
        let Some(sub) = self.context_body(&item)? else {
            return Err(self.unsupported(item.first_line, "a context without a `context:` mapping"));
        };
        if let Some((_, span)) = self.sub_key(&sub, "namespace") {
            if parse_scalar(&self.src[span.clone()]) != ns {
                let value = self.replacing(&span, value);
                edits.push(span, value);
            }
            return Ok(true);
        }
        // kubectl keeps the keys sorted (cluster, extensions, namespace, user): go before `user`.
        let (lines, col) = &sub;
        let at = match self.sub_key(&sub, "user") {
            Some((line, _)) => self.lines[line].start(),
            None => {
                let last = lines
                    .clone()
                    .rev()
                    .find(|&i| self.lines[i].kind == Kind::Content)
                    .unwrap_or(lines.start);
                self.lines[last].next()
            }
        };
        let brk = if at == self.src.len() && !self.src.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        edits.insert(at, format!("{brk}{}namespace: {value}\n", " ".repeat(*col)));
        Ok(true)
    }
}

fn split_lines(src: &str) -> std::result::Result<Vec<Line>, usize> {
    let mut lines = Vec::with_capacity(src.len() / 40 + 1);
    let bytes = src.as_bytes();
    let mut start = 0;
    // One pass finds the line breaks and the carriage returns that are not part of one.
    let mut breaks = memchr::memchr2_iter(b'\n', b'\r', bytes);
    while start < bytes.len() {
        let (end, brk) = match breaks.next() {
            Some(i) if bytes[i] == b'\n' => (i, 1),
            Some(i) if bytes.get(i + 1) == Some(&b'\n') => {
                breaks.next();
                (i, 2)
            }
            Some(_) => return Err(lines.len() + 1),
            None => (bytes.len(), 0),
        };
        let line = &bytes[start..end];
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let kind = match line.get(indent) {
            None => Kind::Blank,
            Some(b'#') => Kind::Comment,
            Some(_) if line[indent..].iter().all(|b| b.is_ascii_whitespace()) => Kind::Blank,
            Some(_) => Kind::Content,
        };
        let item = &line[indent..];
        // The caller refused files of 4 GiB or more.
        lines.push(Line {
            start: start as u32,
            end: end as u32,
            indent: indent as u32,
            brk,
            kind,
            dash: item == b"-" || item.starts_with(b"- "),
        });
        start = end + brk as usize;
    }
    Ok(lines)
}

fn strip_anchor(t: &str) -> &str {
    let mut t = t;
    while t.starts_with('&') || t.starts_with('!') {
        t = t.split_once(' ').map(|(_, r)| r.trim_start()).unwrap_or("");
    }
    t
}

/// `key: rest` (plain, single- or double-quoted key); `rest` follows the colon.
fn parse_key(t: &str) -> Option<(Cow<'_, str>, &str)> {
    let (key, after) = if let Some(body) = t.strip_prefix('"') {
        let end = closing_double_quote(body)?;
        (parse_scalar(&t[..end + 2]), &body[end + 1..])
    } else if let Some(body) = t.strip_prefix('\'') {
        let end = closing_single_quote(body)?;
        (parse_scalar(&t[..end + 2]), &body[end + 1..])
    } else {
        let bytes = t.as_bytes();
        let colon = (0..bytes.len()).find(|&i| {
            bytes[i] == b':'
                && (i + 1 == bytes.len() || bytes[i + 1] == b' ' || bytes[i + 1] == b'\t')
        })?;
        (Cow::Borrowed(t[..colon].trim_end()), &t[colon..])
    };
    let rest = after.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some((key, rest))
}

fn closing_double_quote(body: &str) -> Option<usize> {
    let b = body.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn closing_single_quote(body: &str) -> Option<usize> {
    let b = body.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The span of an inline value after a colon: anchors and tags, surrounding space and a trailing
/// comment excluded. `base` is the byte offset of `rest` in the source.
fn inline_value(rest: &str, base: usize) -> Range<usize> {
    let trimmed = rest.trim_start();
    let mut start = base + (rest.len() - trimmed.len());
    let mut t = trimmed;
    if t.starts_with('&') {
        let stripped = strip_anchor(t);
        start += t.len() - stripped.len();
        t = stripped;
    }
    let len = if let Some(body) = t.strip_prefix('"') {
        closing_double_quote(body).map_or(t.len(), |e| e + 2)
    } else if let Some(body) = t.strip_prefix('\'') {
        closing_single_quote(body).map_or(t.len(), |e| e + 2)
    } else if t.starts_with('#') {
        0
    } else {
        comment_start(t).unwrap_or(t.len())
    };
    let value = t[..len].trim_end();
    start..start + value.len()
}

/// The string value of a scalar as written (plain, single- or double-quoted); borrowed unless
/// an escape had to be undone (most names, in a kubeconfig of 30,000 entries).
pub fn parse_scalar(raw: &str) -> Cow<'_, str> {
    let raw = raw.trim();
    if let Some(body) = raw.strip_prefix('"') {
        // An unclosed quote (found by fuzzing: a lone `"` panicked) is taken as written.
        let Some(end) = closing_double_quote(body) else {
            return Cow::Borrowed(raw);
        };
        if !body[..end].contains('\\') {
            return Cow::Borrowed(&body[..end]);
        }
        return Cow::Owned(
            serde_json::from_str(&raw[..end + 2]).unwrap_or_else(|_| body[..end].to_string()),
        );
    }
    if let Some(body) = raw.strip_prefix('\'') {
        let end = closing_single_quote(body).unwrap_or(body.len());
        let body = &body[..end];
        return if body.contains("''") {
            Cow::Owned(body.replace("''", "'"))
        } else {
            Cow::Borrowed(body)
        };
    }
    let plain = match comment_start(raw) {
        Some(i) => &raw[..i],
        None => raw,
    };
    Cow::Borrowed(plain.trim_end())
}

/// Where ` #` (a comment after a plain value) starts.
fn comment_start(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    // Most values are a name of a few bytes, for which memchr's setup costs more than a loop.
    if b.len() < 64 {
        return (1..b.len())
            .find(|&i| b[i] == b'#' && b[i - 1] == b' ')
            .map(|i| i - 1);
    }
    memchr::memchr_iter(b'#', b)
        .find(|&i| i > 0 && b[i - 1] == b' ')
        .map(|i| i - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(src: &str) -> Doc<'_> {
        Doc::parse(src, "test").unwrap()
    }

    #[test]
    fn finds_names_in_kubectl_style_and_indented_lists() {
        let src = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://a\n  name: a\n- name: \"b\"\n  cluster: {}\ncontexts:\n  - context:\n      cluster: a\n    name: 'c''d'\ncurrent-context: c # note\n";
        let d = doc(src);
        assert_eq!(d.names("clusters").unwrap(), ["a", "b"]);
        assert_eq!(d.names("contexts").unwrap(), ["c'd"]);
        assert_eq!(d.current_context().as_deref(), Some("c"));
    }

    /// Found by fuzzing: an empty `current-context:` ending a file without a line break, and a
    /// list appended after it, both at the end: the value goes to the key, the list after it.
    #[test]
    fn a_value_at_the_end_of_the_file_comes_before_what_is_appended() {
        let src = "kind: Config\ncurrent-context:";
        let d = doc(src);
        let mut edits = Edits::default();
        d.upsert_item(&mut edits, "contexts", "vteam-a", |i| {
            format!("{}- name: vteam-a\n", " ".repeat(i))
        })
        .unwrap();
        d.set_current_context(&mut edits, "vteam-a");
        let out = edits.apply(src);
        assert_eq!(
            out,
            "kind: Config\ncurrent-context: vteam-a\ncontexts:\n- name: vteam-a\n"
        );
        assert_eq!(doc(&out).current_context().as_deref(), Some("vteam-a"));
    }

    /// Found by fuzzing: a carriage return alone splits a line for kubectl, not for us.
    #[test]
    fn a_lone_carriage_return_is_refused() {
        assert!(Doc::parse("kind: Config\ncurrent-context: a\rb\n", "c").is_err());
        assert!(Doc::parse("kind: Config\r\ncurrent-context: a\r\n", "c").is_ok());
    }

    /// Found by fuzzing: an unclosed quote panicked.
    #[test]
    fn an_unclosed_quote_is_taken_as_written() {
        assert_eq!(parse_scalar("\""), "\"");
        assert_eq!(parse_scalar("\"abc"), "\"abc");
    }

    /// Found by fuzzing: an empty value followed by a comment got the new value inside the
    /// comment, and the switch did not switch.
    #[test]
    fn an_empty_value_before_a_comment_is_set_before_the_comment() {
        let src = "kind: Config\ncurrent-context:  # none yet\n";
        let mut edits = Edits::default();
        doc(src).set_current_context(&mut edits, "vteam-a");
        let out = edits.apply(src);
        assert_eq!(out, "kind: Config\ncurrent-context:  vteam-a # none yet\n");
        assert_eq!(doc(&out).current_context().as_deref(), Some("vteam-a"));
    }

    #[test]
    fn a_comment_right_after_a_quoted_value_stays_a_comment() {
        let src = "contexts:\n- name: a\n  context:\n    namespace: \"x\"#c\ncurrent-context: \"\"#note\n";
        let d = doc(src);
        let mut edits = Edits::default();
        d.set_current_context(&mut edits, "a");
        assert!(d.set_context_namespace(&mut edits, "a", "dev").unwrap());
        let out = edits.apply(src);
        assert_eq!(
            out,
            "contexts:\n- name: a\n  context:\n    namespace: dev #c\ncurrent-context: a #note\n"
        );
        let after = doc(&out);
        assert_eq!(after.current_context().as_deref(), Some("a"));
        assert_eq!(
            after.context_namespace("a").unwrap(),
            Some(Some("dev".into()))
        );
    }

    #[test]
    fn replaces_only_the_value_of_current_context() {
        let src = "current-context: old # keep me\nkind: Config\n";
        let d = doc(src);
        let mut e = Edits::default();
        d.set_current_context(&mut e, "new");
        assert_eq!(
            e.apply(src),
            "current-context: new # keep me\nkind: Config\n"
        );
    }

    #[test]
    fn appends_an_item_after_the_last_one_before_the_next_items_comment() {
        let src = "users:\n- name: a\n  user: {}\n# head of contexts\ncontexts: []\n";
        let d = doc(src);
        let mut e = Edits::default();
        d.upsert_item(&mut e, "users", "b", |i| {
            format!("{}- name: b\n", " ".repeat(i))
        })
        .unwrap();
        d.upsert_item(&mut e, "contexts", "b", |_| "- name: b\n".into())
            .unwrap();
        assert_eq!(
            e.apply(src),
            "users:\n- name: a\n  user: {}\n- name: b\n# head of contexts\ncontexts:\n- name: b\n"
        );
    }

    #[test]
    fn inserts_a_namespace_before_user() {
        let src = "contexts:\n- context:\n    cluster: a\n    user: a\n  name: a\n";
        let d = doc(src);
        let mut e = Edits::default();
        assert!(d.set_context_namespace(&mut e, "a", "ns").unwrap());
        assert_eq!(
            e.apply(src),
            "contexts:\n- context:\n    cluster: a\n    namespace: ns\n    user: a\n  name: a\n"
        );
    }

    #[test]
    fn refuses_json_and_flow_lists() {
        assert!(Doc::parse("{\"apiVersion\": \"v1\"}", "t").is_err());
        let d = doc("contexts: [{name: a}]\n");
        assert!(d.names("contexts").is_err());
    }
}
