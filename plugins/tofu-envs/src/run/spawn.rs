//! Starting the engine for one invocation: init first where the environment's data directory
//! needs it, the secrets through a pipe (tofu) or a FIFO (terragrunt), and its output to the
//! terminal or line by line to the caller.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitStatus, Stdio};

use command_fds::{CommandFdExt, FdMapping};
use platform_state::{backend, Engine};
use zeroize::Zeroizing;

use super::command_line::command_word;
use super::Invocation;
use crate::error::{Error, Result};
use crate::layout::Stack;

/// Runs one invocation in the stack's directory; each output line goes through `line`.
pub fn execute(
    stack: &Stack,
    env: &str,
    inv: &Invocation,
    line: &(dyn Fn(&str, bool) + Sync),
) -> Result<ExitStatus> {
    run_engine(stack, env, inv, Some(line))
}

/// Runs one invocation with the terminal: tofu gets this process's standard input, output and
/// error (interactive approval, `console`, colours), and Ctrl-C reaches it while tofu-envs waits
/// for it to release its lock and exit.
pub fn execute_interactive(stack: &Stack, env: &str, inv: &Invocation) -> Result<ExitStatus> {
    // The terminal sends SIGINT to tofu and to us: tofu decides what it means; we wait for it.
    // (Installed once per process; a failure leaves the default, which only ends us sooner.)
    let _ = ctrlc::set_handler(|| {});
    run_engine(stack, env, inv, None)
}

/// Where each output line of the engine goes (`true`: it was on standard error).
type LineSink<'a> = &'a (dyn Fn(&str, bool) + Sync);

/// `line`: the engine's output lines go there; None: the engine has the terminal.
fn run_engine(
    stack: &Stack,
    env: &str,
    inv: &Invocation,
    line: Option<LineSink>,
) -> Result<ExitStatus> {
    if let Some(note) = &inv.note {
        match line {
            Some(line) => line(note, true),
            None => eprintln!("{note}"),
        }
    }
    let mut cmd = engine_command(stack, env, inv);
    if let (Some(state), Some(data_dir)) = (&inv.state, &inv.data_dir) {
        let init = backend::prepare(stack, state, data_dir)?;
        if let Some(init) = init.filter(|_| command_word(&inv.args) != Some("init")) {
            let status = init_first(stack, env, inv, &init, line)?;
            if !status.success() {
                return Ok(status);
            }
        }
    }
    let mut fifo = None;
    let mut writer = None;
    let mut args = inv.args.clone();
    if let Some(secrets) = &inv.secrets {
        match inv.engine {
            Engine::Tofu(_) => {
                let (reader, w) = std::io::pipe()
                    .map_err(|e| Error::Engine(format!("cannot create a pipe: {e}")))?;
                cmd.fd_mappings(vec![FdMapping {
                    parent_fd: reader.into(),
                    child_fd: 3,
                }])
                .map_err(|e| Error::Engine(format!("cannot hand the secrets over: {e}")))?;
                writer = Some(spawn_writer(Box::new(w), secrets.clone()));
            }
            Engine::Terragrunt(_) => {
                let plaintext = Zeroizing::new(secrets.as_bytes().to_vec());
                let f = platform_fs::fifo::Fifo::new("run", "secrets.tfvars", plaintext)
                    .map_err(|e| Error::Engine(format!("cannot create a FIFO: {e}")))?;
                for a in &mut args {
                    *a = a.replace("@SECRETS@", &f.path().display().to_string());
                }
                fifo = Some(f);
            }
        }
    }
    cmd.args(&args);
    let status = spawn_and_wait(cmd, &inv.engine, line)?;
    if let Some(f) = fifo {
        // A reader that never came (the command failed early) must not leave the writer waiting.
        f.finish();
    }
    if let Some(w) = writer {
        let _ = w.join();
    }
    Ok(status)
}

/// Runs `init` for the environment before its first command (or after its backend changed),
/// as terragrunt's auto-init does; its output goes where the command's will.
fn init_first(
    stack: &Stack,
    env: &str,
    inv: &Invocation,
    init: &[String],
    line: Option<LineSink>,
) -> Result<ExitStatus> {
    let announce = format!(
        "tofu-envs: initialising {env}'s data directory for {} ({})",
        stack.name,
        init.join(" ")
    );
    match line {
        Some(line) => line(&announce, true),
        None => eprintln!("{announce}"),
    }
    let mut cmd = engine_command(stack, env, inv);
    cmd.args(init);
    spawn_and_wait(cmd, &inv.engine, line)
}

/// The engine in the stack's directory with the environment's variables: `TOFU_ENV`, the
/// literal terragrunt inputs, and its data directory.
fn engine_command(stack: &Stack, env: &str, inv: &Invocation) -> Command {
    let mut cmd = Command::new(inv.engine.program());
    cmd.current_dir(&stack.dir)
        .env("TOFU_ENV", env)
        .envs(inv.env.iter().map(|(k, v)| (k, v)));
    if let Some(data_dir) = &inv.data_dir {
        cmd.env("TF_DATA_DIR", data_dir);
    }
    cmd
}

/// Starts the engine and waits for it: with the terminal (`line` None), or with each output line
/// going to `line` and no standard input.
fn spawn_and_wait(mut cmd: Command, engine: &Engine, line: Option<LineSink>) -> Result<ExitStatus> {
    if line.is_some() {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Engine(format!("cannot run {}: {e}", engine.program().display())))?;
    // The parent's copy of the pipe's read end goes with the Command.
    drop(cmd);
    match line {
        None => child.wait(),
        Some(line) => {
            let out = child.stdout.take().expect("piped");
            let err = child.stderr.take().expect("piped");
            std::thread::scope(|s| {
                s.spawn(|| {
                    BufReader::new(out)
                        .lines()
                        .map_while(Result::ok)
                        .for_each(|l| line(&l, false))
                });
                s.spawn(|| {
                    BufReader::new(err)
                        .lines()
                        .map_while(Result::ok)
                        .for_each(|l| line(&l, true))
                });
                child.wait()
            })
        }
    }
    .map_err(|e| Error::Engine(format!("waiting for {}: {e}", engine.program().display())))
}

fn spawn_writer(
    mut w: Box<dyn Write + Send>,
    secrets: Zeroizing<String>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        // EPIPE when the command never reads them is fine.
        let _ = w.write_all(secrets.as_bytes());
    })
}
