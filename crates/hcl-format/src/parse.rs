//! A parser for HCL native syntax with hclsyntax's grammar: it rejects what `tofu fmt` rejects
//! (so invalid files are reported, never rewritten) and returns the structure of bodies,
//! attributes and blocks that the terraform rewrites work on, as token index ranges.

use super::lexer::{Kind, Token};
use super::SyntaxError;

#[derive(Debug, Default)]
pub struct Body {
    pub items: Vec<Item>,
}

#[derive(Debug)]
pub enum Item {
    Attribute {
        name: String,
        /// Token index range of the expression (trailing comment and newline excluded).
        expr: (usize, usize),
    },
    Block {
        kind: String,
        /// Token index range of each label.
        labels: Vec<(usize, usize)>,
        body: Body,
    },
}

pub fn parse(src: &str, toks: &[Token]) -> Result<Body, SyntaxError> {
    let invalid = toks.iter().find(|t| t.kind == Kind::Invalid).map(|bad| {
        let detail = format!(
            "This character is not used within the language: {:?}.",
            bad.text
        );
        SyntaxError::at(src, bad.offset, "Invalid character", &detail)
    });
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        newlines: vec![true],
        depth: 0,
    };
    let invalid = [invalid, bad_escape(src, toks)]
        .into_iter()
        .flatten()
        .min_by_key(|e| (e.line, e.column));
    match (p.body(false), invalid) {
        // The first problem in the file is the one reported, as hclsyntax does.
        (Err(e), Some(bad)) if (bad.line, bad.column) <= (e.line, e.column) => Err(bad),
        (Err(e), _) => Err(e),
        (Ok(_), Some(bad)) => Err(bad),
        (Ok(body), None) => Ok(body),
    }
}

/// The first escape sequence of a quoted string that hclsyntax refuses (heredocs take
/// backslashes literally): only `\n \r \t \" \\`, and `\u`/`\U` with four/eight hex digits
/// naming a character UTF-8 can encode.
fn bad_escape(src: &str, toks: &[Token]) -> Option<SyntaxError> {
    toks.iter()
        .filter(|t| t.kind == Kind::QuotedLit)
        .find_map(|t| {
            let (at, detail) = escape_problem(t.text)?;
            Some(SyntaxError::at(
                src,
                t.offset + at,
                "Invalid escape sequence",
                &detail,
            ))
        })
}

/// Where in a quoted literal its first bad escape starts, and why it is bad.
fn escape_problem(lit: &str) -> Option<(usize, String)> {
    let mut rest = lit;
    while let Some(i) = rest.find('\\') {
        let at = lit.len() - rest.len() + i;
        let after = &rest[i + 1..];
        let Some(selector) = after.chars().next() else {
            let why = "Backslash must be followed by an escape sequence selector character.";
            return Some((at, why.into()));
        };
        let digits = match selector {
            'n' | 'r' | 't' | '"' | '\\' => 0,
            'u' => 4,
            'U' => 8,
            other => {
                let why =
                    format!("The symbol \"{other}\" is not a valid escape sequence selector.");
                return Some((at, why));
            }
        };
        if digits > 0 {
            let hex = after
                .get(1..=digits)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
            let Some(hex) = hex else {
                let why = if digits == 4 {
                    "The \\u escape sequence must be followed by four hexadecimal digits."
                } else {
                    "The \\U escape sequence must be followed by eight hexadecimal digits."
                };
                return Some((at, why.into()));
            };
            let code = u32::from_str_radix(hex, 16).expect("hex digits");
            if char::from_u32(code).is_none() {
                return Some((
                    at,
                    format!("Cannot encode character U+{code:04x} in UTF-8."),
                ));
            }
        }
        rest = &after[selector.len_utf8() + digits..];
    }
    None
}

/// How deep expressions and blocks may nest. The parser recurses, so a hostile file nested
/// thousands deep would overflow the stack and abort the process (a hook crashed by a pull
/// request); real configuration nests a few levels.
pub const MAX_DEPTH: usize = 400;

struct Parser<'s, 't> {
    src: &'s str,
    toks: &'t [Token<'s>],
    pos: usize,
    /// Whether newlines are significant here (bodies, objects) or not (inside brackets).
    newlines: Vec<bool>,
    /// Expressions and bodies open around the current position.
    depth: usize,
}

impl<'s> Parser<'s, '_> {
    fn err(&self, at: usize, summary: &str, detail: &str) -> SyntaxError {
        let offset = self.toks.get(at).map_or(self.src.len(), |t| t.offset);
        SyntaxError::at(self.src, offset, summary, detail)
    }

    fn newlines_significant(&self) -> bool {
        *self.newlines.last().expect("stack")
    }

    /// Index of the next meaningful token: comments skipped (a line comment counts as a newline
    /// where newlines matter), newlines skipped where they do not.
    fn peek_index(&self) -> usize {
        let mut i = self.pos;
        loop {
            let t = &self.toks[i];
            match t.kind {
                Kind::Comment if self.newlines_significant() && t.text.ends_with('\n') => return i,
                Kind::Comment => i += 1,
                Kind::Newline if !self.newlines_significant() => i += 1,
                _ => return i,
            }
        }
    }

    fn peek(&self) -> Kind {
        let t = &self.toks[self.peek_index()];
        if t.kind == Kind::Comment {
            Kind::Newline
        } else {
            t.kind
        }
    }

    fn peek_tok(&self) -> &Token<'s> {
        &self.toks[self.peek_index()]
    }

    fn next(&mut self) -> usize {
        let i = self.peek_index();
        if self.toks[i].kind != Kind::Eof {
            self.pos = i + 1;
        }
        i
    }

    fn expect(&mut self, kind: Kind, summary: &str, detail: &str) -> Result<usize, SyntaxError> {
        if self.peek() == kind {
            Ok(self.next())
        } else {
            Err(self.err(self.peek_index(), summary, detail))
        }
    }

    fn skip_newlines(&mut self) {
        while self.peek() == Kind::Newline {
            self.next();
        }
    }

    fn with_newlines<T>(&mut self, significant: bool, f: impl FnOnce(&mut Self) -> T) -> T {
        self.newlines.push(significant);
        let r = f(self);
        self.newlines.pop();
        r
    }

    /// One level deeper, or the error that says the file nests too deep.
    fn descend(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let at = self.peek_index();
            return Err(self.err(
                at,
                "Nesting too deep",
                &format!("Expressions and blocks are nested more than {MAX_DEPTH} levels deep here; tofu-envs and the hooks stop there rather than overflow their stack. Split the expression up."),
            ));
        }
        Ok(())
    }

    fn body(&mut self, in_block: bool) -> Result<Body, SyntaxError> {
        self.descend()?;
        let body = self.body_items(in_block);
        self.depth -= 1;
        body
    }

    fn body_items(&mut self, in_block: bool) -> Result<Body, SyntaxError> {
        let mut body = Body::default();
        let mut names: Vec<(String, usize)> = Vec::new();
        loop {
            self.skip_newlines();
            match self.peek() {
                Kind::Eof if in_block => {
                    return Err(self.err(
                        self.peek_index(),
                        "Unclosed configuration block",
                        "There is no closing brace for this block before the end of the file.",
                    ));
                }
                Kind::Eof => return Ok(body),
                Kind::CBrace if in_block => return Ok(body),
                Kind::Ident => {}
                _ => {
                    return Err(self.err(
                        self.peek_index(),
                        "Argument or block definition required",
                        "An argument or block definition is required here.",
                    ));
                }
            }
            let name_at = self.next();
            let name = self.toks[name_at].text.to_string();
            match self.peek() {
                Kind::Equal => {
                    self.next();
                    if let Some((_, first)) = names.iter().find(|(n, _)| *n == name) {
                        let (line, col) = super::line_col(self.src, self.toks[*first].offset);
                        let detail = format!("The argument {name:?} was already set at {line}:{col}. Each argument may be set only once.");
                        return Err(self.err(name_at, "Attribute redefined", &detail));
                    }
                    names.push((name.clone(), name_at));
                    let start = self.peek_index();
                    self.expr()?;
                    let end = self.pos;
                    body.items.push(Item::Attribute {
                        name,
                        expr: (start, end),
                    });
                    self.end_of_item(
                        "Missing newline after argument",
                        "An argument definition must end with a newline.",
                    )?;
                }
                Kind::Ident | Kind::OQuote | Kind::OBrace => {
                    let block = self.block(name)?;
                    body.items.push(block);
                    self.end_of_item(
                        "Missing newline after block definition",
                        "A block definition must end with a newline.",
                    )?;
                }
                _ => {
                    return Err(self.err(self.peek_index(), "Argument or block definition required", "An argument or block definition is required here. To set an argument, use the equals sign \"=\" to introduce the argument value."));
                }
            }
        }
    }

    fn end_of_item(&mut self, summary: &str, detail: &str) -> Result<(), SyntaxError> {
        match self.peek() {
            Kind::Newline => {
                self.next();
                Ok(())
            }
            Kind::Eof => Ok(()),
            _ => Err(self.err(self.peek_index(), summary, detail)),
        }
    }

    fn block(&mut self, kind: String) -> Result<Item, SyntaxError> {
        let mut labels = Vec::new();
        loop {
            match self.peek() {
                Kind::Ident => {
                    let i = self.next();
                    labels.push((i, i + 1));
                }
                Kind::OQuote => {
                    let start = self.next();
                    if self.toks[self.pos].kind == Kind::QuotedLit {
                        self.pos += 1;
                    }
                    if self.toks[self.pos].kind != Kind::CQuote {
                        return Err(self.err(self.pos, "Invalid block label", "Block labels must be plain quoted strings, without template sequences."));
                    }
                    self.pos += 1;
                    labels.push((start, self.pos));
                }
                Kind::OBrace => break,
                _ => {
                    return Err(self.err(self.peek_index(), "Invalid block definition", "Either a quoted string block label or an opening brace (\"{\") is expected here."));
                }
            }
        }
        self.next(); // {
        let body = match self.peek() {
            Kind::Newline => {
                let body = self.body(true)?;
                self.expect(
                    Kind::CBrace,
                    "Unclosed configuration block",
                    "There is no closing brace for this block.",
                )?;
                body
            }
            Kind::CBrace => {
                self.next();
                Body::default()
            }
            _ => {
                // A single-line block holds at most one argument.
                let name_at = self.expect(
                    Kind::Ident,
                    "Invalid single-argument block definition",
                    "A single-line block definition may contain only a single argument.",
                )?;
                self.expect(
                    Kind::Equal,
                    "Invalid single-argument block definition",
                    "A single-line block definition may contain only a single argument.",
                )?;
                let start = self.peek_index();
                self.expr()?;
                let end = self.pos;
                self.expect(Kind::CBrace, "Invalid single-argument block definition", "A single-line block definition may contain only a single argument; put the block on several lines.")?;
                Body {
                    items: vec![Item::Attribute {
                        name: self.toks[name_at].text.to_string(),
                        expr: (start, end),
                    }],
                }
            }
        };
        Ok(Item::Block { kind, labels, body })
    }

    // Expressions ------------------------------------------------------------------------------

    fn expr(&mut self) -> Result<(), SyntaxError> {
        self.descend()?;
        let parsed = self.conditional();
        self.depth -= 1;
        parsed
    }

    fn conditional(&mut self) -> Result<(), SyntaxError> {
        self.binary(0)?;
        if self.peek() == Kind::Question {
            self.next();
            self.expr()?;
            self.expect(Kind::Colon, "Missing false expression in conditional", "The conditional operator (...?...:...) requires a false expression, delimited by a colon.")?;
            self.expr()?;
        }
        Ok(())
    }

    fn binary(&mut self, level: usize) -> Result<(), SyntaxError> {
        const LEVELS: [&[Kind]; 6] = [
            &[Kind::Or],
            &[Kind::And],
            &[Kind::EqualOp, Kind::NotEqual],
            &[
                Kind::GreaterThan,
                Kind::GreaterThanEq,
                Kind::LessThan,
                Kind::LessThanEq,
            ],
            &[Kind::Plus, Kind::Minus],
            &[Kind::Star, Kind::Slash, Kind::Percent],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        self.binary(level + 1)?;
        while LEVELS[level].contains(&self.peek()) {
            self.next();
            self.binary(level + 1)?;
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<(), SyntaxError> {
        // A loop, not recursion: `!!!!…x` may be as long as a file.
        while matches!(self.peek(), Kind::Bang | Kind::Minus) {
            self.next();
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<(), SyntaxError> {
        self.primary()?;
        // Inside an attribute-only splat (`x.*.y`), which only `.name` steps continue.
        let mut attr_splat = false;
        loop {
            match self.peek() {
                Kind::Dot => {
                    self.next();
                    match self.peek() {
                        Kind::Star if attr_splat => {
                            return Err(self.err(
                                self.peek_index(),
                                "Nested splat expression not allowed",
                                "A splat expression (*) cannot be used inside another attribute-only splat expression.",
                            ))
                        }
                        Kind::Star => {
                            attr_splat = true;
                            self.next();
                        }
                        Kind::Number if self.toks[self.peek_index()].text.contains('.') => {
                            // `x.0.1` lexes as the number 0.1, which hclsyntax refuses.
                            let number = self.toks[self.peek_index()].text;
                            let (first, second) = number.split_once('.').expect("has a dot");
                            let full = if attr_splat { " with a full splat expression [*]" } else { "" };
                            let detail = format!("When using the legacy index syntax, chaining two indexes together is not permitted. Use the proper index syntax{full} instead, like [{first}][{second}].");
                            return Err(self.err(
                                self.peek_index(),
                                "Invalid legacy index syntax",
                                &detail,
                            ));
                        }
                        Kind::Ident | Kind::Number => {
                            self.next();
                        }
                        _ => {
                            return Err(self.err(
                                self.peek_index(),
                                "Invalid attribute name",
                                "An attribute name is required after a dot.",
                            ))
                        }
                    }
                }
                Kind::OBrack => {
                    attr_splat = false;
                    self.next();
                    self.with_newlines(false, |p| {
                        if p.peek() == Kind::Star {
                            p.next();
                        } else {
                            p.expr()?;
                        }
                        p.expect(
                            Kind::CBrack,
                            "Missing close bracket on index",
                            "The index operator must end with a closing bracket (\"]\").",
                        )
                    })?;
                }
                _ => return Ok(()),
            }
        }
    }

    fn primary(&mut self) -> Result<(), SyntaxError> {
        match self.peek() {
            Kind::Number => {
                self.next();
                Ok(())
            }
            Kind::Ident => {
                self.next();
                match self.peek() {
                    Kind::DoubleColon => {
                        while self.peek() == Kind::DoubleColon {
                            self.next();
                            self.expect(
                                Kind::Ident,
                                "Invalid function name",
                                "Function names are identifiers separated by \"::\".",
                            )?;
                        }
                        self.call_args()
                    }
                    Kind::OParen => self.call_args(),
                    _ => Ok(()),
                }
            }
            Kind::OQuote => self.template(Kind::CQuote),
            Kind::OHeredoc => self.template(Kind::CHeredoc),
            Kind::OParen => {
                self.next();
                self.with_newlines(false, |p| {
                    p.expr()?;
                    p.expect(
                        Kind::CParen,
                        "Unbalanced parentheses",
                        "Expected a closing parenthesis to terminate the expression.",
                    )
                })?;
                Ok(())
            }
            Kind::OBrack => {
                self.next();
                self.with_newlines(false, |p| p.tuple())
            }
            Kind::OBrace => {
                self.next();
                self.object()
            }
            _ => Err(self.err(
                self.peek_index(),
                "Invalid expression",
                "Expected the start of an expression, but found an invalid expression token.",
            )),
        }
    }

    fn call_args(&mut self) -> Result<(), SyntaxError> {
        self.expect(
            Kind::OParen,
            "Missing open parenthesis",
            "A function call needs its arguments in parentheses.",
        )?;
        self.with_newlines(false, |p| {
            loop {
                if p.peek() == Kind::CParen {
                    p.next();
                    return Ok(());
                }
                p.expr()?;
                match p.peek() {
                    Kind::Comma => {
                        p.next();
                    }
                    Kind::Ellipsis => {
                        p.next();
                        return p.expect(Kind::CParen, "Missing closing parenthesis", "An expanded function argument (with ...) must be immediately followed by closing parentheses.").map(|_| ());
                    }
                    Kind::CParen => {}
                    _ => return Err(p.err(p.peek_index(), "Missing argument separator", "A comma is required to separate each function argument from the next.")),
                }
            }
        })
    }

    fn is_for(&self) -> bool {
        let i = self.peek_index();
        let t = &self.toks[i];
        t.kind == Kind::Ident && t.text == "for" && {
            let mut j = i + 1;
            while matches!(self.toks[j].kind, Kind::Newline | Kind::Comment) {
                j += 1;
            }
            self.toks[j].kind == Kind::Ident
        }
    }

    fn for_intro(&mut self) -> Result<(), SyntaxError> {
        self.next(); // for
        self.expect(
            Kind::Ident,
            "Invalid 'for' expression",
            "For expression requires a variable name after 'for'.",
        )?;
        if self.peek() == Kind::Comma {
            self.next();
            self.expect(
                Kind::Ident,
                "Invalid 'for' expression",
                "For expression requires a value variable name after the comma.",
            )?;
        }
        if !(self.peek() == Kind::Ident && self.peek_tok().text == "in") {
            return Err(self.err(
                self.peek_index(),
                "Invalid 'for' expression",
                "For expression requires the 'in' keyword after its name declarations.",
            ));
        }
        self.next();
        self.expr()?;
        self.expect(
            Kind::Colon,
            "Invalid 'for' expression",
            "For expression requires a colon after the collection expression.",
        )?;
        Ok(())
    }

    fn for_cond(&mut self) -> Result<(), SyntaxError> {
        if self.peek() == Kind::Ident && self.peek_tok().text == "if" {
            self.next();
            self.expr()?;
        }
        Ok(())
    }

    fn tuple(&mut self) -> Result<(), SyntaxError> {
        if self.is_for() {
            self.for_intro()?;
            self.expr()?;
            self.for_cond()?;
            self.expect(
                Kind::CBrack,
                "Invalid 'for' expression",
                "Extra characters after the end of the 'for' expression.",
            )?;
            return Ok(());
        }
        loop {
            if self.peek() == Kind::CBrack {
                self.next();
                return Ok(());
            }
            self.expr()?;
            match self.peek() {
                Kind::Comma => {
                    self.next();
                }
                Kind::CBrack => {}
                _ => {
                    return Err(self.err(
                        self.peek_index(),
                        "Missing item separator",
                        "Expected a comma to mark the beginning of the next item.",
                    ))
                }
            }
        }
    }

    fn object(&mut self) -> Result<(), SyntaxError> {
        if self.with_newlines(false, |p| p.is_for()) {
            return self.with_newlines(false, |p| {
                p.for_intro()?;
                p.expr()?;
                p.expect(
                    Kind::FatArrow,
                    "Invalid 'for' expression",
                    "Key expression is required when building an object.",
                )?;
                p.expr()?;
                if p.peek() == Kind::Ellipsis {
                    p.next();
                }
                p.for_cond()?;
                p.expect(
                    Kind::CBrace,
                    "Invalid 'for' expression",
                    "Extra characters after the end of the 'for' expression.",
                )?;
                Ok(())
            });
        }
        self.with_newlines(true, |p| loop {
            p.skip_newlines();
            if p.peek() == Kind::CBrace {
                p.next();
                return Ok(());
            }
            if p.peek() == Kind::Eof {
                return Err(p.err(
                    p.peek_index(),
                    "Unterminated object constructor expression",
                    "There is no corresponding closing brace before the end of the file.",
                ));
            }
            p.expr()?;
            match p.peek() {
                Kind::Equal | Kind::Colon => {
                    p.next();
                }
                _ => return Err(p.err(
                    p.peek_index(),
                    "Missing key/value separator",
                    "Expected an equals sign (\"=\") to mark the beginning of the attribute value.",
                )),
            }
            p.expr()?;
            match p.peek() {
                Kind::Comma | Kind::Newline => {
                    p.next();
                }
                Kind::CBrace => {}
                _ => {
                    return Err(p.err(
                        p.peek_index(),
                        "Missing attribute separator",
                        "Expected a newline or comma to mark the beginning of the next attribute.",
                    ))
                }
            }
        })
    }

    fn template(&mut self, close: Kind) -> Result<(), SyntaxError> {
        self.next(); // opener
        let mut open: Vec<(&'static str, usize)> = Vec::new();
        loop {
            let t = self.toks[self.pos];
            match t.kind {
                k if k == close => {
                    self.pos += 1;
                    if let Some((what, at)) = open.pop() {
                        let detail = format!("This template has an unclosed {what} directive.");
                        return Err(self.err(at, "Unterminated template directive", &detail));
                    }
                    return Ok(());
                }
                Kind::QuotedLit | Kind::StringLit => self.pos += 1,
                Kind::TemplateInterp => {
                    self.pos += 1;
                    self.with_newlines(false, |p| {
                        p.expr()?;
                        p.expect(
                            Kind::TemplateSeqEnd,
                            "Extra characters after interpolation expression",
                            "Expected a closing brace to end the interpolation expression.",
                        )
                    })?;
                }
                Kind::TemplateControl => {
                    let at = self.pos;
                    self.pos += 1;
                    self.with_newlines(false, |p| {
                        let word = if p.peek() == Kind::Ident { p.peek_tok().text } else { "" };
                        match word {
                            "if" => {
                                p.next();
                                p.expr()?;
                                open.push(("if", at));
                            }
                            "for" => {
                                p.next();
                                p.expect(Kind::Ident, "Invalid template directive", "A for directive needs a variable name.")?;
                                if p.peek() == Kind::Comma {
                                    p.next();
                                    p.expect(Kind::Ident, "Invalid template directive", "A for directive needs a value variable name after the comma.")?;
                                }
                                if !(p.peek() == Kind::Ident && p.peek_tok().text == "in") {
                                    return Err(p.err(p.peek_index(), "Invalid template directive", "A for directive needs the 'in' keyword."));
                                }
                                p.next();
                                p.expr()?;
                                open.push(("for", at));
                            }
                            "else" => {
                                p.next();
                                if open.last().map(|o| o.0) != Some("if") {
                                    return Err(p.err(at, "Unexpected else directive", "An else directive must be inside an if directive."));
                                }
                            }
                            "endif" | "endfor" => {
                                p.next();
                                let want = &word[3..];
                                if open.pop().map(|o| o.0) != Some(want) {
                                    let detail = format!("The {word} directive has no matching {want} directive.");
                                    return Err(p.err(at, "Unexpected end directive", &detail));
                                }
                            }
                            _ => return Err(p.err(p.peek_index(), "Invalid template directive", "A template directive keyword (\"if\", \"for\", etc) is expected at the beginning of a %{ sequence.")),
                        }
                        p.expect(Kind::TemplateSeqEnd, "Extra characters in template directive", "Expected a closing brace to end the directive.").map(|_| ())
                    })?;
                }
                Kind::Eof => {
                    return Err(self.err(
                        self.pos,
                        "Unterminated template string",
                        "No closing marker was found for the string.",
                    ))
                }
                _ => {
                    return Err(self.err(
                        self.pos,
                        "Invalid template",
                        "Unexpected token in a template.",
                    ))
                }
            }
        }
    }
}
