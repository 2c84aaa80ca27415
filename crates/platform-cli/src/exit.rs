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
