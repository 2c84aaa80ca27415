//! What can go wrong, each saying what failed, where, and what to do next.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}:{line}: kubectl vteam cannot edit {what}")]
    UnsupportedKubeconfig {
        path: String,
        line: usize,
        what: String,
    },

    /// JSON or flow style, which the in-place editor does not take: the caller may rewrite the
    /// document whole instead.
    #[error("{path}:{line}: kubectl vteam cannot edit {what}")]
    NotBlockYaml {
        path: String,
        line: usize,
        what: String,
    },

    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{path}: not a kubeconfig kubectl could use: {reason}")]
    BadTeamKubeconfig { path: String, reason: String },

    #[error("no team named `{0}`{1}")]
    UnknownTeam(String, String),

    #[error("`{0}` is in more than one environment ({1}); say which, e.g. `{0}@{2}`")]
    AmbiguousTeam(String, String, String),

    #[error("team {0} has no kubeconfig yet: {1}")]
    NoKubeconfig(String, String),

    #[error("no previous context recorded for {0}; `use -` works after a `use`")]
    NoPrevious(PathBuf),

    #[error("no current context in {0}; pass --context or run `kubectl vteam use TEAM`")]
    NoCurrentContext(String),

    #[error("context `{0}` is not in {1}")]
    UnknownContext(String, String),

    #[error("kubectl is writing {0} (its lock file {0}.lock is fresh); try again in a moment")]
    KubectlLock(PathBuf),

    #[error("{0}")]
    Cluster(String),

    #[error("{0}")]
    Layout(String),

    #[error("`{0}` is not a namespace name Kubernetes accepts: at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit")]
    BadNamespace(String),

    #[error("cannot read the terraform state {path}: {reason}")]
    State { path: PathBuf, reason: String },

    #[error("Vault: {what}: {reason}{hint}")]
    Vault {
        what: String,
        reason: String,
        hint: &'static str,
    },

    #[error("team {team}'s kubeconfig in Vault authenticates by running `{command}`, which is not a known login plugin ({known}); pass --allow-exec if you trust whoever can write that secret")]
    ExecFromVault {
        team: String,
        command: String,
        /// The login plugins kept without asking.
        known: String,
    },

    #[error("cannot find HOME to locate ~/.kube/config; set KUBECONFIG or pass --kubeconfig")]
    NoHome,
}

impl Error {
    /// Which kind of failure this is, as the exit-code policy every tool shares counts it: a
    /// file, server or lock that failed us is an operation that failed (1); everything the user
    /// can fix in what they typed or in an input file is bad usage or input (2).
    pub fn kind(&self) -> platform_cli::exit::Kind {
        use platform_cli::exit::Kind;
        match self {
            // Refused before it was tried (read-only, hard links): the user's to fix or --force.
            Error::Write { source, .. } if platform_fs::is_refusal(source) => Kind::Usage,
            Error::Read { .. }
            | Error::Write { .. }
            | Error::KubectlLock(_)
            | Error::Cluster(_)
            | Error::Vault { .. } => Kind::Failed,
            Error::UnsupportedKubeconfig { .. }
            | Error::NotBlockYaml { .. }
            | Error::BadTeamKubeconfig { .. }
            | Error::UnknownTeam(..)
            | Error::AmbiguousTeam(..)
            | Error::NoKubeconfig(..)
            | Error::NoPrevious(_)
            | Error::NoCurrentContext(_)
            | Error::UnknownContext(..)
            | Error::Layout(_)
            | Error::BadNamespace(_)
            | Error::State { .. }
            | Error::ExecFromVault { .. }
            | Error::NoHome => Kind::Usage,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
