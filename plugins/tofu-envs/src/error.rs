//! What can go wrong in tofu-envs, each with the exit code it maps to (DESIGN: 1 the operation
//! failed, 2 bad usage or bad input), and saying what to do where it can.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No repository here, or a named root without `stacks/`.
    #[error(transparent)]
    Layout(#[from] platform_layout::Error),
    #[error(transparent)]
    Write(#[from] platform_fs::Error),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file whose content we cannot take: not HCL, not JSON, not a valid var file.
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    /// A file tofu could not parse, at the place it would name.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// Sealing or opening a secrets file.
    #[error("{}: {source}", path.display())]
    Seal {
        path: PathBuf,
        source: secret_seal::Error,
    },
    #[error("no environment {env:?}: no stack has env/{env}.tfvars or env/{env}.secrets.tfvars.json (known: {}); {}`tofu-envs new {env}` creates it", known.join(", "), did_you_mean(suggestion.as_deref()))]
    UnknownEnvironment {
        env: String,
        known: Vec<String>,
        suggestion: Option<String>,
    },
    #[error("no stack {name:?}: {}stacks are {}", did_you_mean(suggestion.as_deref()), known.join(", "))]
    UnknownStack {
        name: String,
        known: Vec<String>,
        suggestion: Option<String>,
    },
    /// A command-line value that cannot be used (a name, a glob, a duration...).
    #[error("{0}")]
    Usage(String),
    /// The engine (tofu, terraform, terragrunt) could not be run, or not with its secrets.
    #[error("{0}")]
    Engine(String),
}

impl From<platform_state::Error> for Error {
    fn from(e: platform_state::Error) -> Error {
        use platform_state::Error as S;
        match e {
            S::Read { path, source } => Error::Read { path, source },
            S::Write(e) => Error::Write(e),
            S::Invalid { path, message } => Error::Invalid { path, message },
            S::Layout(message) => Error::Usage(message),
            S::State { .. } | S::Engine(_) => Error::Engine(e.to_string()),
        }
    }
}

fn did_you_mean(s: Option<&str>) -> String {
    s.map(|s| format!("did you mean {s:?}? "))
        .unwrap_or_default()
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            // Refused before it was tried (read-only, hard links): the user's to fix or --force.
            Error::Write(e) if platform_fs::is_refusal(&e.source) => 2,
            Error::Write(_) | Error::Read { .. } | Error::Seal { .. } | Error::Engine(_) => 1,
            Error::Layout(_)
            | Error::Invalid { .. }
            | Error::Syntax { .. }
            | Error::UnknownEnvironment { .. }
            | Error::UnknownStack { .. }
            | Error::Usage(_) => 2,
        }
    }

    pub fn read(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Read { path, source }
    }

    /// A file-system change of `path` (a rename, a removal) that failed.
    pub(crate) fn write(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Write(platform_fs::Error { path, source })
    }

    pub(crate) fn invalid<M: std::fmt::Display>(
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(M) -> Error {
        let path = path.into();
        move |message| Error::Invalid {
            path,
            message: message.to_string(),
        }
    }

    pub(crate) fn seal(path: impl Into<PathBuf>) -> impl FnOnce(secret_seal::Error) -> Error {
        let path = path.into();
        move |source| Error::Seal { path, source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
