//! HCL formatting byte-identical to `tofu fmt` / `terraform fmt` (and, in terragrunt mode, to
//! `terragrunt hcl fmt`): a lexer that keeps every byte, a parser that gates invalid input, the
//! terraform rewrites, and hclwrite's formatting passes (see ../shared/specs/hcl-fmt.md); and the
//! literal values of tfvars files, read with positions and written back as HCL.

pub mod format;
mod ident;
pub mod lexer;
pub mod literal;
mod lossy;
pub mod parse;
pub mod rewrite;

use format::Spaced;
pub use lossy::Lossy;

/// Which formatter to be byte-identical to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `tofu fmt` / `terraform fmt`: hclwrite formatting plus the terraform rewrites.
    Tofu,
    /// `terragrunt hcl fmt`: hclwrite formatting only.
    Terragrunt,
}

impl Mode {
    /// The formatter a file gets by its name, as `tofu fmt` and `terragrunt hcl fmt` choose
    /// their files: tofu's own extensions (`.tf`, `.tofu`, `.tfvars`, test and mock files) are
    /// tofu's, any other `.hcl` is terragrunt's; None for a file neither formats.
    pub fn for_path(path: &std::path::Path) -> Option<Mode> {
        let name = path.file_name()?.to_string_lossy();
        const TOFU: [&str; 7] = [
            ".tf",
            ".tofu",
            ".tfvars",
            ".tftest.hcl",
            ".tofutest.hcl",
            ".tfmock.hcl",
            ".tofumock.hcl",
        ];
        if TOFU.iter().any(|ext| name.ends_with(ext)) {
            Some(Mode::Tofu)
        } else if name.ends_with(".hcl") {
            Some(Mode::Terragrunt)
        } else {
            None
        }
    }
}

/// Input tofu would reject: where, what, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {summary}: {detail}")]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub summary: String,
    pub detail: String,
}

impl SyntaxError {
    pub fn at(src: &str, offset: usize, summary: &str, detail: &str) -> Self {
        let (line, column) = line_col(src, offset);
        SyntaxError {
            line,
            column,
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, src[line_start..offset].chars().count() + 1)
}

/// Whether tofu could parse `src`, with hclsyntax's message where it could not. A cheap gate
/// before a parser that recurses without a limit (hcl-rs): a file nested deeper than
/// [`parse::MAX_DEPTH`] is an error here, not a stack overflow there.
pub fn check(src: &str) -> Result<(), SyntaxError> {
    parsed(src).map(|_| ())
}

/// The source without its byte-order mark, its tokens and its parse, as tofu reads them.
fn parsed(src: &str) -> Result<(&str, Vec<lexer::Token<'_>>, parse::Body), SyntaxError> {
    let src = src.strip_prefix('\u{FEFF}').unwrap_or(src);
    let tokens = lexer::lex(src)?;
    let body = parse::parse(src, &tokens)?;
    Ok((src, tokens, body))
}

/// Formats source as `tofu fmt -` prints it: hclwrite's bytes, and a final newline when they
/// lack one (tofu's standard-output writer adds it).
pub fn format(src: &str, mode: Mode) -> Result<String, SyntaxError> {
    format_file_report(src, mode).map(FileFormat::printed)
}

/// Formats a file as `tofu fmt FILE` (and `terragrunt hcl fmt`) write it: hclwrite's bytes
/// unchanged, so a file without a final newline, or an empty one, stays so, and `tofu fmt
/// -check` accepts it.
pub fn format_file(src: &str, mode: Mode) -> Result<String, SyntaxError> {
    format_file_report(src, mode).map(|f| f.text)
}

/// What `tofu fmt FILE` makes of a file, and where its own rewrite would lose tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFormat {
    /// The file as tofu writes it, less the tokens tofu would lose.
    pub text: String,
    /// Where tofu's output would change the file's meaning or not parse (tofu mode only):
    /// `tofu fmt -check` reports such a file, and its bytes must never be written.
    pub lossy: Vec<Lossy>,
}

impl FileFormat {
    /// The text as `tofu fmt -` prints it: tofu's standard-output writer adds a final newline.
    pub fn printed(mut self) -> String {
        if !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        self.text
    }
}

/// [`format_file`], with the places tofu's own rewrite would corrupt.
pub fn format_file_report(src: &str, mode: Mode) -> Result<FileFormat, SyntaxError> {
    let bom = src.len() - src.strip_prefix('\u{FEFF}').unwrap_or(src).len();
    let (src, tokens, body) = parsed(src)?;
    let mut toks: Vec<Spaced> = tokens.iter().map(|t| Spaced::new(t.kind, t.text)).collect();
    // The formatter never touches the end-of-file token, so whitespace at the very end of the
    // input survives (one space per space or tab), as in hclwrite.
    let last_end = tokens
        .iter()
        .rev()
        .find(|t| t.kind != lexer::Kind::Eof)
        .map_or(0, |t| t.offset + t.text.len());
    if let Some(eof) = toks.last_mut() {
        // hclsyntax skips a byte-order mark but keeps its offsets, so a mark followed by nothing
        // but blanks reaches the end-of-file token as three more spaces.
        let bom_gap = if last_end == 0 { bom } else { 0 };
        eof.spaces = bom_gap + src.len() - last_end;
    }
    let mut lossy = Vec::new();
    // Where a rewrite starts that takes a comment along: tofu's output may then not parse.
    let mut rewrote_comment = None;
    if mode == Mode::Tofu {
        lossy = lossy::find(src, &tokens, &body);
        let edits = rewrite::edits(&body, &toks);
        rewrote_comment = edits
            .iter()
            .find(|e| {
                tokens[e.start..e.end]
                    .iter()
                    .any(|t| t.kind == lexer::Kind::Comment)
            })
            .map(|e| tokens[e.start].offset);
        toks = rewrite::apply(toks, edits);
    }
    format::format(&mut toks);
    let mut text = String::with_capacity(src.len() + src.len() / 8);
    format::write(&toks, &mut text);
    if let Some(at) = rewrote_comment {
        if let Err(e) = check(&text) {
            lossy.push(lossy::unparseable(src, at, &e));
        }
    }
    Ok(FileFormat { text, lossy })
}

/// Decodes the escapes of a quoted HCL string (`\n`, `\"`, `\uXXXX`, `$${`, `%%{`).
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some(u @ ('u' | 'U')) => {
                    let n = if u == 'u' { 4 } else { 8 };
                    let hex: String = chars.by_ref().take(n).collect();
                    out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            // `$${` and `%%{` are the escapes of `${` and `%{`; any other `$`/`%` is itself
            // (hclsyntax's scanner takes them one at a time, so `%%%{` is `%` then `%%{`).
            '$' | '%' => {
                let mut ahead = chars.clone();
                if ahead.next() == Some(c) && ahead.next() == Some('{') {
                    chars.next();
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
