//! One exit-code policy for every tool (DESIGN): 0 ok, 1 a check found problems or the operation
//! failed, 2 bad usage or bad input, and a child killed by signal n gives 128 + n, as shells
//! report it. (secret-seal keeps sops's own codes for what sops reports.)

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

pub const OK: i32 = 0;
/// A check found problems, or the operation failed (a server, a file system, a child).
pub const FAILED: i32 = 1;
/// The command line or an input file cannot be used as it is.
pub const USAGE: i32 = 2;

/// What kind of failure an error is; the kind picks the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The operation failed: [`FAILED`].
    Failed,
    /// Bad usage or bad input: [`USAGE`].
    Usage,
}

impl Kind {
    pub fn code(self) -> i32 {
        match self {
            Kind::Failed => FAILED,
            Kind::Usage => USAGE,
        }
    }
}

/// An exit code to end with once everything there was to say has been said (a child's code,
/// sops's 200 for an unchanged edit): returned as an error, it is not printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code(pub i32);

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Code {}

/// The command line as clap parses it, or the code to exit with once clap has printed why not:
/// 0 for `--help` and `--version`, [`USAGE`] for a command line that cannot be used.
pub fn parse_args<C: clap::Parser>() -> Result<C, i32> {
    C::try_parse().map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            USAGE
        } else {
            OK
        }
    })
}

/// How a command's error ends the process: a [`Code`] anywhere in its chain is the exit code
/// as it is; a closed pipe (`| head`) is no failure (0); anything else is printed as
/// `tool: error: ...` and ends with `code(err)`.
pub fn report(
    tool: &str,
    err: &(dyn std::error::Error + 'static),
    code: impl FnOnce(&(dyn std::error::Error + 'static)) -> i32,
) -> i32 {
    let chain = || std::iter::successors(Some(err), |e| e.source());
    if let Some(Code(c)) = chain().find_map(|e| e.downcast_ref::<Code>()) {
        return *c;
    }
    let closed_pipe = |e: &(dyn std::error::Error + 'static)| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    };
    if chain().any(closed_pipe) {
        return OK;
    }
    crate::print_error(tool, err);
    code(err)
}

/// A child's status as a shell reports it: its exit code, or 128 + the signal that ended it.
pub fn of_child(status: ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_killed_by_a_signal_gives_128_plus_its_number() {
        let status = std::process::Command::new("sh")
            .args(["-c", "kill -TERM $$"])
            .status()
            .unwrap();
        assert_eq!(of_child(status), 128 + 15);
        let status = std::process::Command::new("sh")
            .args(["-c", "exit 7"])
            .status()
            .unwrap();
        assert_eq!(of_child(status), 7);
    }
}
