//! tofu state and where it lives, in one place for every tool: which engine runs a stack
//! ([`engine`]), how each environment keeps its own state ([`backend`]: root.hcl's local path, or
//! the environment's settings for a remote backend), and the state itself ([`state`]), read where
//! the backend keeps it: a local file directly, a remote backend through the engine's
//! `state pull` with the environment's settings.
//!
//! `tofu-envs` (gc, team rm, run) and `kubectl-vteam` (the vcluster stack's outputs) read state
//! only through here, so a resource counts as live the same way everywhere.

pub mod backend;
pub mod engine;
pub mod state;

pub use backend::StateBackend;
pub use engine::Engine;
pub use state::{Instance, Output, Place, Resource, State};

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] platform_fs::Error),
    /// A file whose content cannot be taken (not HCL, a backend in JSON...).
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    /// A stack whose state cannot be kept apart per environment, or backend settings that do
    /// not fit the stack: the user's layout must change.
    #[error("{0}")]
    Layout(String),
    /// A state that is there but cannot be read as one.
    #[error("{place}: {reason}")]
    State { place: String, reason: String },
    /// The engine could not be found or run.
    #[error("{0}")]
    Engine(String),
}

impl Error {
    /// Why, without the place (which a report names itself).
    pub fn reason(&self) -> String {
        match self {
            Error::State { reason, .. } => reason.clone(),
            Error::Read { source, .. } => source.to_string(),
            other => other.to_string(),
        }
    }

    pub(crate) fn read(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Read { path, source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `path` relative to the repository root, as messages show it.
pub(crate) fn shown(root: &std::path::Path, path: &std::path::Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
