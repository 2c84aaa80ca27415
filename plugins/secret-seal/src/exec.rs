//! Handing a sealed file's plaintext to a child process, never to disk: as environment
//! variables (`exec-env`) or a file the child reads (`exec-file`, through a FIFO).

use std::process::Command;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::tree::{Tree, Value};

/// A command line: one argument is a shell command (as sops takes it), several are exec'd.
pub fn command_of(args: &[String]) -> Command {
    if let [one] = args {
        let mut c = Command::new("sh");
        c.arg("-c").arg(one);
        c
    } else {
        let mut c = Command::new(&args[0]);
        c.args(&args[1..]);
        c
    }
}

/// Runs the child to its end: a Ctrl-C reaches the child (same process group) while this
/// process stays to clean up, and a SIGTERM or SIGHUP sent to this process alone is passed on
/// to it; the child's exit code (128+n for a signal).
pub fn run_child(mut cmd: Command) -> Result<i32> {
    let _ = ctrlc::set_handler(|| {});
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Program(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    // A SIGTERM or SIGHUP of this process reaches the child too (an editor on the plaintext
    // must not outlive the `edit` that removes it).
    platform_fs::scratch::watch_child(child.id());
    let status = child.wait();
    platform_fs::scratch::forget_child(child.id());
    let status =
        status.map_err(|e| Error::Program(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    Ok(platform_cli::exit::of_child(status))
}

/// How a value reaches an environment variable: strings as they are, scalars as text, lists
/// and maps as JSON on one line (what terraform reads from a TF_VAR_ of a complex type).
pub fn env_value(v: &Value) -> Zeroizing<String> {
    Zeroizing::new(match v {
        Value::Map(_) | Value::Seq(_) => {
            let mut out = String::new();
            crate::store::json::emit_value(v, "", 0, &mut out);
            out.replace('\n', "")
        }
        other => crate::store::dotenv::val_to_string(other).unwrap_or_default(),
    })
}

/// The top-level values of the tree's first document as environment variables, each name
/// prefixed; a key that cannot be a variable name (it holds `=`) is an error.
pub fn environment(tree: &Tree, prefix: &str) -> Result<Vec<(String, Zeroizing<String>)>> {
    let Some(root) = tree.branches.first() else {
        return Ok(Vec::new());
    };
    root.entries()
        .map(|(k, v)| {
            if k.contains('=') {
                return Err(Error::Invalid(format!(
                    "the key {k:?} contains '=', which cannot be an environment variable name"
                )));
            }
            Ok((format!("{prefix}{k}"), env_value(v)))
        })
        .collect()
}

/// The name the command sees for the file at `path`: `given` (`--filename`), else its own.
pub fn file_name(path: &std::path::Path, given: Option<String>) -> String {
    given.unwrap_or_else(|| {
        let own = path.file_name().map(|n| n.to_string_lossy().into_owned());
        own.unwrap_or_else(|| "secrets".into())
    })
}

/// `exec-file`: runs `command` with `plain` at `{}` under the name `name`: in a FIFO (the
/// plaintext only ever in the pipe), or with `no_fifo` in a private file in the scratch place
/// (in memory where the system has it), removed after and on SIGTERM/SIGHUP. The child's exit
/// code.
pub fn with_file(
    plain: Zeroizing<Vec<u8>>,
    name: &str,
    no_fifo: bool,
    command: &[String],
) -> Result<i32> {
    let scratch_error = |what: &str, e: std::io::Error| Error::Write {
        path: platform_fs::scratch::base_dir(),
        source: std::io::Error::new(e.kind(), format!("cannot create {what}: {e}")),
    };
    let (dir, fifo, path) = if no_fifo {
        let dir = platform_fs::scratch::Scratch::new("exec-file")
            .map_err(|e| scratch_error("a private directory", e))?;
        let path = dir.write(name, &plain)?;
        (Some(dir), None, path)
    } else {
        let fifo = platform_fs::fifo::Fifo::new("exec-file", name, plain)
            .map_err(|e| scratch_error("a FIFO", e))?;
        let path = fifo.path().to_path_buf();
        (None, Some(fifo), path)
    };
    let args = with_file_argument(command, &path.display().to_string());
    let code = run_child(command_of(&args));
    if let Some(f) = fifo {
        f.finish();
    }
    drop(dir);
    code
}

/// `command` with `{}` replaced by `path`, or `path` added at the end when no argument holds
/// `{}` (as `exec-file` and sops take it).
fn with_file_argument(command: &[String], path: &str) -> Vec<String> {
    let mut args: Vec<String> = command.iter().map(|a| a.replace("{}", path)).collect();
    if !command.iter().any(|a| a.contains("{}")) {
        args.push(path.to_string());
    }
    args
}
