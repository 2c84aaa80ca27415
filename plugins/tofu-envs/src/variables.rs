//! The variables a stack declares, read from its `*.tf` files with hcl-rs; positions (for
//! findings) come from the lexer, since hcl-rs keeps none.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

use crate::types::Type;
use crate::value::Value;
use hcl_format::lexer::{self, Kind};

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub ty: Type,
    /// `None`: no default, the variable is required.
    pub default: Option<Value>,
    pub sensitive: bool,
    pub nullable: bool,
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub validations: Vec<crate::validation::Validation>,
}

impl Variable {
    pub fn required(&self) -> bool {
        self.default.is_none()
    }
}

fn flag(body: &hcl::Body, name: &str, default: bool) -> bool {
    body.attributes()
        .find(|a| a.key.as_str() == name)
        .map_or(default, |a| matches!(a.expr, hcl::Expression::Bool(true)))
}

/// The configuration files tofu reads in `dir` (`.tf`, `.tofu`; not subdirectories), in name
/// order.
pub fn config_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf" || x == "tofu"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads every `variable` block of the `.tf`/`.tofu` files directly in `dir`, sorted by name.
pub fn read_dir(dir: &Path) -> Result<Vec<Variable>> {
    let mut vars = Vec::new();
    for file in config_files(dir).map_err(Error::read(dir))? {
        let src = std::fs::read_to_string(&file).map_err(Error::read(&file))?;
        vars.extend(read_source(&src, &file)?);
    }
    vars.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(vars)
}

pub fn read_source(src: &str, file: &Path) -> Result<Vec<Variable>> {
    // hcl-rs recurses without a limit: a hostile file must fail here, not overflow the stack.
    hcl_format::check(src).map_err(|e| Error::Syntax {
        path: file.to_path_buf(),
        line: e.line,
        column: e.column,
        message: format!("{}: {}", e.summary, e.detail),
    })?;
    let body = hcl::parse(src).map_err(|e| Error::invalid(file)(e.to_string()))?;
    let positions = variable_positions(src);
    let mut vars = Vec::new();
    for block in body
        .blocks()
        .filter(|b| b.identifier.as_str() == "variable")
    {
        let Some(label) = block.labels.first() else {
            continue;
        };
        let name = label.as_str().to_string();
        let ty = match block.body.attributes().find(|a| a.key.as_str() == "type") {
            Some(a) => Type::from_hcl(&a.expr)
                .map_err(|e| Error::invalid(file)(format!("variable {name:?}: {e}")))?,
            None => Type::Any,
        };
        let default = block
            .body
            .attributes()
            .find(|a| a.key.as_str() == "default")
            .map(|a| crate::value::from_hcl(&a.expr).unwrap_or(Value::Null));
        let (line, column) = positions
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or((0, 0), |(_, l, c)| (*l, *c));
        let validations = validations_of(&block.body, condition_lines(src, line));
        vars.push(Variable {
            validations,
            sensitive: flag(&block.body, "sensitive", false),
            nullable: flag(&block.body, "nullable", true),
            name,
            ty,
            default,
            file: file.to_path_buf(),
            line,
            column,
        });
    }
    Ok(vars)
}

/// The `validation` blocks of a variable body; `lines` are the lines of its `condition`s.
fn validations_of(body: &hcl::Body, lines: Vec<usize>) -> Vec<crate::validation::Validation> {
    let blocks = body
        .blocks()
        .filter(|b| b.identifier.as_str() == "validation");
    blocks
        .enumerate()
        .filter_map(|(i, b)| {
            let attr = |name: &str| b.body.attributes().find(|a| a.key.as_str() == name);
            let condition = attr("condition")?.expr.clone();
            let error_message = match attr("error_message").map(|a| &a.expr) {
                Some(hcl::Expression::String(s)) => s.clone(),
                _ => "(the validation's error_message is a template)".into(),
            };
            Some(crate::validation::Validation {
                condition,
                error_message,
                line: lines.get(i).copied().unwrap_or(0),
            })
        })
        .collect()
}

/// The lines of the `condition = ...` attributes of the variable declared at `line`, up to the
/// next top-level line.
fn condition_lines(src: &str, line: usize) -> Vec<usize> {
    src.lines()
        .enumerate()
        .skip(line)
        .take_while(|(_, l)| !l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter(|(_, l)| {
            l.trim_start()
                .strip_prefix("condition")
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// `variable "name"` headers and their positions.
fn variable_positions(src: &str) -> Vec<(String, usize, usize)> {
    let Ok(toks) = lexer::lex(src) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut line_start = true;
    for (i, t) in toks.iter().enumerate() {
        if line_start && t.kind == Kind::Ident && t.text == "variable" {
            let label = match (toks.get(i + 1), toks.get(i + 2)) {
                (Some(o), Some(l)) if o.kind == Kind::OQuote && l.kind == Kind::QuotedLit => {
                    Some(l.text)
                }
                (Some(l), _) if l.kind == Kind::Ident => Some(l.text),
                _ => None,
            };
            if let Some(label) = label {
                let (line, col) = hcl_format::line_col(src, t.offset);
                out.push((label.to_string(), line, col));
            }
        }
        line_start = t.kind == Kind::Newline
            || (t.kind == Kind::Comment && t.text.ends_with('\n'))
            || (line_start && t.kind == Kind::Comment);
    }
    out
}
