//! Errors of the SOPS core, each with the exit code sops uses for it (`cmd/sops/codes`).

use std::path::PathBuf;

/// Exit codes, as sops defines them; scripts and CI test for these.
pub mod code {
    pub const GENERIC: i32 = 1;
    pub const COULD_NOT_READ_INPUT: i32 = 2;
    pub const COULD_NOT_WRITE_OUTPUT: i32 = 3;
    pub const ERROR_ENCRYPTING_TREE: i32 = 23;
    pub const ERROR_DECRYPTING_MAC: i32 = 24;
    pub const ERROR_DECRYPTING_TREE: i32 = 25;
    pub const MAC_MISMATCH: i32 = 51;
    pub const MAC_NOT_FOUND: i32 = 52;
    pub const CONFIG_FILE_NOT_FOUND: i32 = 61;
    pub const INVALID_TREE_PATH: i32 = 91;
    pub const NEED_AT_LEAST_ONE_DOCUMENT: i32 = 92;
    pub const NO_ENCRYPTION_KEY: i32 = 111;
    pub const COULD_NOT_RETRIEVE_KEY: i32 = 128;
    pub const FILE_NOT_MODIFIED: i32 = 200;
    pub const FILE_ALREADY_ENCRYPTED: i32 = 203;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The input is not valid for its format; `line`/`column` are 1-based, 0 when unknown.
    #[error("{format} syntax error at line {line}, column {column}: {message}")]
    Syntax {
        format: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("the file is empty: there is nothing to encrypt or decrypt")]
    Empty,
    #[error("the file is already encrypted (it has a `sops` metadata section); decrypt it first or use `rotate`/`updatekeys`")]
    AlreadyEncrypted,
    #[error("the file is not encrypted: it has no `sops` metadata section")]
    NotEncrypted,
    #[error("cannot decrypt the value at {path}: {reason}")]
    Value { path: String, reason: String },
    #[error("cannot decrypt the MAC (sops.mac): {0}; the MAC or lastmodified was changed, or the data key is wrong")]
    MacUnreadable(String),
    #[error("MAC mismatch: the file's MAC {stored} does not match the computed {computed}; the file was modified outside sops/secret-seal or is corrupted (use --ignore-mac to read it anyway)")]
    MacMismatch { stored: String, computed: String },
    #[error("the file has no MAC (`mac` is empty); it was not written by sops/secret-seal or was tampered with (use --ignore-mac to read it anyway)")]
    MacNotFound,
    #[error("cannot recover the data key: none of the file's master keys could be decrypted with the available identities\n{}", details.join("\n"))]
    NoDataKey { details: Vec<String> },
    #[error("no recipients: pass --age, set SOPS_AGE_RECIPIENTS, or add a creation rule with `age:` to .sops.yaml")]
    NoRecipients,
    #[error("no matching creation rule in {} for {file}: add a rule whose path_regex matches, or pass --age", config.display())]
    NoMatchingRule { config: PathBuf, file: String },
    /// A key file that cannot be used; `line` is 1-based, 0 when the whole file is at fault.
    #[error("{}: {message}", place(path, *line))]
    KeyFile {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Key(String),
    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },
    /// git, for the drivers and `git-setup`.
    #[error("{0}")]
    Git(String),
    /// A program (the editor, a command to hand secrets to) could not be run.
    #[error("{0}")]
    Program(String),
    #[error("invalid tree path {path:?}: {message} (expected the form '[\"key\"][0]')")]
    TreePath { path: String, message: String },
}

/// `file line N`, or the file alone for line 0.
fn place(path: &std::path::Path, line: usize) -> String {
    match line {
        0 => path.display().to_string(),
        n => format!("{} line {n}", path.display()),
    }
}

impl Error {
    pub fn syntax(
        format: &'static str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Error::Syntax {
            format,
            line,
            column,
            message: message.into(),
        }
    }

    pub fn exit_code(&self) -> i32 {
        use code::*;
        match self {
            Error::Read { .. } | Error::Syntax { .. } | Error::Invalid(_) => COULD_NOT_READ_INPUT,
            Error::Write { .. } => COULD_NOT_WRITE_OUTPUT,
            Error::Empty => NEED_AT_LEAST_ONE_DOCUMENT,
            Error::AlreadyEncrypted => FILE_ALREADY_ENCRYPTED,
            Error::NotEncrypted | Error::Git(_) | Error::Program(_) => GENERIC,
            Error::Value { .. } => ERROR_DECRYPTING_TREE,
            Error::MacUnreadable(_) => ERROR_DECRYPTING_MAC,
            Error::MacMismatch { .. } => MAC_MISMATCH,
            Error::MacNotFound => MAC_NOT_FOUND,
            Error::NoDataKey { .. } | Error::KeyFile { .. } | Error::Key(_) => {
                COULD_NOT_RETRIEVE_KEY
            }
            Error::NoRecipients | Error::NoMatchingRule { .. } => NO_ENCRYPTION_KEY,
            Error::Config { .. } => CONFIG_FILE_NOT_FOUND,
            Error::TreePath { .. } => INVALID_TREE_PATH,
        }
    }
}

/// A write the filesystem refused (a temp file, a lock, the scratch place).
impl From<platform_fs::Error> for Error {
    fn from(e: platform_fs::Error) -> Self {
        Error::Write {
            path: e.path,
            source: e.source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
