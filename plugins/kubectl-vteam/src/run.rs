//! Running commands against a team's vcluster without touching the user's kubeconfig: a
//! private one-context kubeconfig per team in the shared scratch place (in memory, removed
//! afterwards and on SIGTERM/SIGHUP), `KUBECONFIG`
//! pointing at it. This is what `shell` and `exec` do; `env` prints a line for `eval` instead.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// A team to run in: its key (`team-a`) and its one-context kubeconfig.
pub struct Target {
    pub key: String,
    pub kubeconfig: String,
}

/// A private place for the teams' kubeconfigs, credentials and all: in memory where the system
/// has it, removed when the run ends, on SIGTERM and SIGHUP, and by the next run after a kill
/// that cannot be caught (the shared scratch place, `platform_fs::scratch`).
struct Scratch(platform_fs::scratch::Scratch);

impl Scratch {
    fn new() -> Result<Scratch> {
        platform_fs::scratch::Scratch::new("kubeconfig")
            .map(Scratch)
            .map_err(|source| Error::Write {
                path: platform_fs::scratch::base_dir(),
                source,
            })
    }

    fn write(&self, target: &Target) -> Result<PathBuf> {
        let name = format!("{}.kubeconfig", target.key.replace('/', "_"));
        self.0
            .write(&name, target.kubeconfig.as_bytes())
            .map_err(|e| Error::Write {
                path: e.path,
                source: e.source,
            })
    }
}

fn command(argv: &[String], kubeconfig: &Path, key: &str) -> Command {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env("KUBECONFIG", kubeconfig)
        .env("VTEAM_TEAM", key);
    cmd
}

fn spawn_error(argv: &[String], e: std::io::Error) -> Error {
    Error::Cluster(format!("cannot run `{}`: {e}", argv[0]))
}

/// Runs `argv` (or the user's `$SHELL`) with the team's kubeconfig, stdio inherited. The
/// kubeconfig is removed when the command ends, Ctrl-C included (the child gets the signal;
/// this process outlives it to clean up).
pub fn run_one(target: &Target, argv: &[String]) -> Result<i32> {
    let scratch = Scratch::new()?;
    let path = scratch.write(target)?;
    let status = command(argv, &path, &target.key)
        .status()
        .map_err(|e| spawn_error(argv, e))?;
    drop(scratch);
    Ok(platform_cli::exit::of_child(status))
}

/// The result of one team's run under `exec --all`.
pub struct Outcome {
    pub key: String,
    pub result: std::result::Result<i32, String>,
}

/// Runs `argv` in every team at once; each output line is prefixed with `[team]`, lines are
/// never interleaved mid-line.
pub fn run_all(targets: &[Target], argv: &[String]) -> Result<Vec<Outcome>> {
    let scratch = Scratch::new()?;
    let width = targets.iter().map(|t| t.key.len()).max().unwrap_or(0);
    let stdout = Arc::new(Mutex::new(std::io::stdout()));
    let stderr = Arc::new(Mutex::new(std::io::stderr()));
    let mut running = Vec::new();
    for t in targets {
        let path = scratch.write(t)?;
        let prefix = format!("[{:<width$}] ", t.key);
        let child = command(argv, &path, &t.key)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match child {
            Ok(mut child) => {
                let out = child
                    .stdout
                    .take()
                    .map(|s| pump(s, prefix.clone(), stdout.clone()));
                let err = child.stderr.take().map(|s| pump(s, prefix, stderr.clone()));
                running.push((t.key.clone(), Ok((child, out, err))));
            }
            Err(e) => running.push((t.key.clone(), Err(format!("cannot run `{}`: {e}", argv[0])))),
        }
    }
    let mut outcomes = Vec::new();
    for (key, r) in running {
        let result = match r {
            Ok((mut child, out, err)) => {
                for h in [out, err].into_iter().flatten() {
                    let _ = h.join();
                }
                child
                    .wait()
                    .map(platform_cli::exit::of_child)
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e),
        };
        outcomes.push(Outcome { key, result });
    }
    drop(scratch);
    Ok(outcomes)
}

fn pump<R: Read + Send + 'static, W: Write + Send + 'static>(
    from: R,
    prefix: String,
    to: Arc<Mutex<W>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(from);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if !line.ends_with(b"\n") {
                        line.push(b'\n');
                    }
                    let mut w = to.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = w.write_all(prefix.as_bytes());
                    let _ = w.write_all(&line);
                    let _ = w.flush();
                }
            }
        }
    })
}

/// The line `env` prints, for the user's shell to evaluate.
pub fn export_line(shell: &str, path: Option<&Path>) -> String {
    let fish = shell.ends_with("fish");
    let powershell = shell.contains("pwsh") || shell.contains("powershell");
    match path {
        Some(p) => {
            let q = shell_quote(&p.display().to_string());
            if fish {
                format!("set -gx KUBECONFIG {q};")
            } else if powershell {
                format!("$Env:KUBECONFIG = {q}")
            } else {
                format!("export KUBECONFIG={q}")
            }
        }
        None if fish => "set -e KUBECONFIG;".into(),
        None if powershell => "Remove-Item Env:KUBECONFIG".into(),
        None => "unset KUBECONFIG".into(),
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-@+=:,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_lines_quote_for_each_shell() {
        let p = Path::new("/home/a b/x.yaml");
        assert_eq!(
            export_line("/bin/bash", Some(p)),
            "export KUBECONFIG='/home/a b/x.yaml'"
        );
        assert_eq!(
            export_line("/usr/bin/fish", Some(p)),
            "set -gx KUBECONFIG '/home/a b/x.yaml';"
        );
        assert_eq!(
            export_line("zsh", Some(Path::new("/k/c"))),
            "export KUBECONFIG=/k/c"
        );
        assert_eq!(export_line("bash", None), "unset KUBECONFIG");
    }
}
