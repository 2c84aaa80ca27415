//! One problem `check` (and the hooks) report: where, what, and what to do.

use std::path::PathBuf;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub stack: String,
    pub env: String,
    pub variable: Option<String>,
    pub message: String,
    pub hint: String,
    /// Not a problem found: a validation this tool could not evaluate, said to be skipped.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if self.skipped {
            write!(f, "note: ")?;
        }
        if let Some(v) = &self.variable {
            write!(f, "{v}: ")?;
        }
        write!(f, "{}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, " ({})", self.hint)?;
        }
        Ok(())
    }
}
