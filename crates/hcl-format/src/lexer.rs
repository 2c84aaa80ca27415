//! The HCL native-syntax lexer, token for token as hclsyntax's scanner produces them (the token
//! kinds decide every formatting rule). Every byte of the input is in exactly one token or in the
//! whitespace before one, so formatting can only change whitespace.

use super::SyntaxError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ident,
    Number,
    /// `"` opening a quoted template.
    OQuote,
    /// `"` closing it.
    CQuote,
    /// Literal text inside a quoted template (escapes included raw).
    QuotedLit,
    /// Literal text inside a heredoc (a line's text up to and including its newline).
    StringLit,
    /// `<<EOT\n` / `<<-EOT\n`, newline included.
    OHeredoc,
    /// The closing marker with the whitespace before it, without the newline after it.
    CHeredoc,
    /// `${` or `${~`
    TemplateInterp,
    /// `%{` or `%{~`
    TemplateControl,
    /// `}` or `~}` closing a template sequence.
    TemplateSeqEnd,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Comma,
    Dot,
    Ellipsis,
    Colon,
    DoubleColon,
    Question,
    /// `=`
    Equal,
    /// `==`
    EqualOp,
    NotEqual,
    LessThan,
    LessThanEq,
    GreaterThan,
    GreaterThanEq,
    And,
    Or,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    FatArrow,
    /// `#…` and `//…` including the line break that ends them; `/* … */`.
    Comment,
    Newline,
    /// Characters HCL does not allow (`&`, `|`, `@`, `$`, …); the parser reports them.
    Invalid,
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Byte offset in the source (for error positions); synthesized tokens use the offset of
    /// the token they replace.
    pub offset: usize,
}

enum Mode<'a> {
    /// Expressions; `braces` counts open `{` so that a `}` at depth 0 closes the template
    /// sequence that started this mode (when `in_template`).
    Main {
        braces: usize,
        in_template: bool,
    },
    Quoted,
    Heredoc {
        marker: &'a str,
    },
}

pub fn lex(src: &str) -> Result<Vec<Token<'_>>, SyntaxError> {
    Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
        modes: vec![Mode::Main {
            braces: 0,
            in_template: false,
        }],
    }
    .run()
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token<'a>>,
    modes: Vec<Mode<'a>>,
}

pub(crate) use crate::ident::{is_continue as is_ident_continue, is_start as is_ident_start};

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn push(&mut self, kind: Kind, len: usize) {
        let text = &self.src[self.pos..self.pos + len];
        self.tokens.push(Token {
            kind,
            text,
            offset: self.pos,
        });
        self.pos += len;
    }

    fn err(&self, offset: usize, summary: &str, detail: &str) -> SyntaxError {
        SyntaxError::at(self.src, offset, summary, detail)
    }

    fn run(mut self) -> Result<Vec<Token<'a>>, SyntaxError> {
        while self.pos < self.src.len() {
            match self.modes.last().expect("mode") {
                Mode::Main { .. } => self.main()?,
                Mode::Quoted => self.quoted()?,
                Mode::Heredoc { marker } => {
                    let marker = *marker;
                    self.heredoc(marker)?
                }
            }
        }
        match self.modes.last() {
            Some(Mode::Quoted) => {
                let start = self
                    .tokens
                    .iter()
                    .rev()
                    .find(|t| t.kind == Kind::OQuote)
                    .map_or(0, |t| t.offset);
                return Err(self.err(
                    start,
                    "Unterminated template string",
                    "No closing marker was found for the string.",
                ));
            }
            Some(Mode::Heredoc { marker }) => {
                let start = self
                    .tokens
                    .iter()
                    .rev()
                    .find(|t| t.kind == Kind::OHeredoc)
                    .map_or(0, |t| t.offset);
                return Err(self.err(
                    start,
                    "Unterminated template string",
                    &format!("No closing marker {marker} was found for the heredoc."),
                ));
            }
            Some(Mode::Main {
                in_template: true, ..
            }) => {
                let start = self
                    .tokens
                    .iter()
                    .rev()
                    .find(|t| matches!(t.kind, Kind::TemplateInterp | Kind::TemplateControl))
                    .map_or(0, |t| t.offset);
                return Err(self.err(
                    start,
                    "Unterminated template sequence",
                    "A `${` or `%{` sequence is not closed with `}`.",
                ));
            }
            _ => {}
        }
        self.tokens.push(Token {
            kind: Kind::Eof,
            text: "",
            offset: self.src.len(),
        });
        Ok(self.tokens)
    }

    fn main(&mut self) -> Result<(), SyntaxError> {
        let rest = self.rest();
        let b = rest.as_bytes();
        let c = rest.chars().next().expect("not at end");
        match c {
            ' ' | '\t' => {
                self.pos += 1;
            }
            '\n' => self.push(Kind::Newline, 1),
            '\r' if b.get(1) == Some(&b'\n') => self.push(Kind::Newline, 2),
            '#' => self.line_comment(),
            '/' if b.get(1) == Some(&b'/') => self.line_comment(),
            '/' if b.get(1) == Some(&b'*') => match rest[2..].find("*/") {
                Some(end) => self.push(Kind::Comment, end + 4),
                None => {
                    return Err(self.err(
                        self.pos,
                        "Unterminated comment",
                        "A `/*` comment is not closed with `*/`.",
                    ))
                }
            },
            '"' => {
                self.push(Kind::OQuote, 1);
                self.modes.push(Mode::Quoted);
            }
            '<' if b.get(1) == Some(&b'<') && self.heredoc_start() => {}
            c if is_ident_start(c) => {
                let len = rest
                    .char_indices()
                    .find(|(_, c)| !is_ident_continue(*c))
                    .map_or(rest.len(), |(i, _)| i);
                self.push(Kind::Ident, len);
            }
            '0'..='9' => {
                let len = number_len(b);
                self.push(Kind::Number, len);
            }
            '{' => {
                if let Some(Mode::Main { braces, .. }) = self.modes.last_mut() {
                    *braces += 1;
                }
                self.push(Kind::OBrace, 1);
            }
            '}' => self.close_brace(1),
            '~' if b.get(1) == Some(&b'}')
                && matches!(
                    self.modes.last(),
                    Some(Mode::Main {
                        braces: 0,
                        in_template: true
                    })
                ) =>
            {
                self.close_brace(2)
            }
            _ => {
                let (kind, len) = operator(b);
                let len = if kind == Kind::Invalid {
                    c.len_utf8()
                } else {
                    len
                };
                self.push(kind, len);
            }
        }
        Ok(())
    }

    fn close_brace(&mut self, len: usize) {
        match self.modes.last_mut() {
            Some(Mode::Main {
                braces,
                in_template,
            }) if *braces == 0 && *in_template => {
                self.push(Kind::TemplateSeqEnd, len);
                self.modes.pop();
            }
            Some(Mode::Main { braces, .. }) => {
                *braces = braces.saturating_sub(1);
                self.push(Kind::CBrace, 1);
            }
            _ => unreachable!("close_brace in main mode"),
        }
    }

    fn line_comment(&mut self) {
        let rest = self.rest();
        let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
        self.push(Kind::Comment, len);
    }

    /// `<<EOT` or `<<-EOT` followed by a line break starts a heredoc.
    fn heredoc_start(&mut self) -> bool {
        let rest = self.rest();
        let after = if rest[2..].starts_with('-') { 3 } else { 2 };
        let ident = &rest[after..];
        if !ident.starts_with(is_ident_start) {
            return false;
        }
        let ilen = ident
            .char_indices()
            .find(|(_, c)| !is_ident_continue(*c))
            .map_or(ident.len(), |(i, _)| i);
        let nl = match &ident[ilen..] {
            s if s.starts_with("\r\n") => 2,
            s if s.starts_with('\n') => 1,
            _ => return false,
        };
        let marker = &ident[..ilen];
        self.push(Kind::OHeredoc, after + ilen + nl);
        self.modes.push(Mode::Heredoc { marker });
        true
    }

    /// Starts a template sequence if one begins here (`${`, `%{`, not escaped).
    fn template_sequence(&mut self) -> bool {
        let rest = self.rest();
        let kind = if rest.starts_with("${") {
            Kind::TemplateInterp
        } else if rest.starts_with("%{") {
            Kind::TemplateControl
        } else {
            return false;
        };
        let len = if rest[2..].starts_with('~') { 3 } else { 2 };
        self.push(kind, len);
        self.modes.push(Mode::Main {
            braces: 0,
            in_template: true,
        });
        true
    }

    fn quoted(&mut self) -> Result<(), SyntaxError> {
        let rest = self.rest();
        if rest.starts_with('"') {
            self.push(Kind::CQuote, 1);
            self.modes.pop();
            return Ok(());
        }
        if self.template_sequence() {
            return Ok(());
        }
        let b = rest.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'"' => break,
                // A carriage return alone ends a line for hclsyntax too.
                b'\n' | b'\r' => {
                    if i > 0 {
                        self.push(Kind::QuotedLit, i);
                    }
                    let start = self
                        .tokens
                        .iter()
                        .rev()
                        .find(|t| t.kind == Kind::OQuote)
                        .map_or(self.pos, |t| t.offset);
                    return Err(self.err(
                        start,
                        "Invalid multi-line string",
                        "Quoted strings may not be split over multiple lines. To produce a multi-line string, either use the \\n escape to represent a newline character or use the \"heredoc\" multi-line template syntax.",
                    ));
                }
                b'\\' => i += if b.get(i + 1).is_some() { 2 } else { 1 },
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => break,
                b'$' | b'%' if b.get(i + 1) == Some(&b[i]) && b.get(i + 2) == Some(&b'{') => i += 3,
                _ => i += 1,
            }
        }
        // Keep UTF-8 boundaries: `i` only stops on ASCII bytes or the end.
        let i = i.min(b.len());
        if i == 0 {
            return Ok(());
        }
        self.push(Kind::QuotedLit, i);
        Ok(())
    }

    fn heredoc(&mut self, marker: &'a str) -> Result<(), SyntaxError> {
        let rest = self.rest();
        let at_line_start = self.pos == 0 || self.src.as_bytes()[self.pos - 1] == b'\n';
        if at_line_start {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            if let Some(after) = trimmed.strip_prefix(marker) {
                // Whitespace may follow the marker; it belongs to the marker token, so it stays.
                // A line break must end it: hclsyntax does not close a heredoc at the end of
                // the file, and tofu rejects such a file.
                let after = after.trim_start_matches([' ', '\t']);
                if after.starts_with('\n') || after.starts_with("\r\n") {
                    let len = rest.len() - after.len();
                    self.push(Kind::CHeredoc, len);
                    self.modes.pop();
                    return Ok(());
                }
            }
        }
        if self.template_sequence() {
            return Ok(());
        }
        let b = rest.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\n' => {
                    i += 1;
                    break;
                }
                b'\r' if b.get(i + 1) != Some(&b'\n') => {
                    return Err(self.err(
                        self.pos + i,
                        "Invalid character",
                        "This character is not used within the language.",
                    ));
                }
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => break,
                b'$' | b'%' if b.get(i + 1) == Some(&b[i]) && b.get(i + 2) == Some(&b'{') => i += 3,
                _ => i += 1,
            }
        }
        if i > 0 {
            self.push(Kind::StringLit, i);
        }
        Ok(())
    }
}

fn number_len(b: &[u8]) -> usize {
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits(0);
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i = digits(i + 1);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            i = digits(j);
        }
    }
    i
}

fn operator(b: &[u8]) -> (Kind, usize) {
    let two = if b.len() >= 2 { &b[..2] } else { &b[..1] };
    match two {
        b"==" => return (Kind::EqualOp, 2),
        b"!=" => return (Kind::NotEqual, 2),
        b"<=" => return (Kind::LessThanEq, 2),
        b">=" => return (Kind::GreaterThanEq, 2),
        b"&&" => return (Kind::And, 2),
        b"||" => return (Kind::Or, 2),
        b"=>" => return (Kind::FatArrow, 2),
        b"::" => return (Kind::DoubleColon, 2),
        _ => {}
    }
    if b.starts_with(b"...") {
        return (Kind::Ellipsis, 3);
    }
    let kind = match b[0] {
        b'=' => Kind::Equal,
        b'!' => Kind::Bang,
        b'<' => Kind::LessThan,
        b'>' => Kind::GreaterThan,
        b'+' => Kind::Plus,
        b'-' => Kind::Minus,
        b'*' => Kind::Star,
        b'/' => Kind::Slash,
        b'%' => Kind::Percent,
        b'?' => Kind::Question,
        b':' => Kind::Colon,
        b'.' => Kind::Dot,
        b',' => Kind::Comma,
        b'(' => Kind::OParen,
        b')' => Kind::CParen,
        b'[' => Kind::OBrack,
        b']' => Kind::CBrack,
        _ => Kind::Invalid,
    };
    (kind, 1)
}
