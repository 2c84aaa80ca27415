//! `exec-env` and `exec-file`: the plaintext handed to a child process, never to disk.

use super::*;

/// A command line: one argument is a shell command (as sops takes it), several are exec'd.
pub(super) fn command_of(args: &[String]) -> std::process::Command {
    if let [one] = args {
        let mut c = std::process::Command::new("sh");
        c.arg("-c").arg(one);
        c
    } else {
        let mut c = std::process::Command::new(&args[0]);
        c.args(&args[1..]);
        c
    }
}

/// Runs the child to its end: a Ctrl-C reaches the child (same process group) while this
/// process stays to clean up; the child's exit code becomes ours.
pub(super) fn run_child(mut cmd: std::process::Command) -> anyhow::Result<i32> {
    let _ = ctrlc::set_handler(|| {});
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    Ok(platform_cli::exit::of_child(status))
}

/// How a value reaches an environment variable: strings as they are, scalars as text, lists
/// and maps as JSON (what terraform reads from a TF_VAR_ of a complex type).
pub(super) fn env_value(v: &Value) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(match v {
        Value::Map(_) | Value::Seq(_) => {
            let mut out = String::new();
            secret_seal::store::json::emit_value(v, "", 0, &mut out);
            out.replace('\n', "")
        }
        other => secret_seal::store::dotenv::val_to_string(other).unwrap_or_default(),
    })
}

pub(super) fn exec_env(
    file: &Path,
    pristine: bool,
    prefix: &str,
    input_type: Option<&str>,
    command: &[String],
) -> anyhow::Result<()> {
    let f = open_file(file, input_type)?;
    let mut cmd = command_of(command);
    if pristine {
        cmd.env_clear();
    }
    for (k, v) in f
        .opened
        .tree
        .branches
        .first()
        .map(|b| b.entries().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if k.contains('=') {
            return Err(anyhow!(Error::Invalid(format!(
                "{}: the key {k:?} contains '=', which cannot be an environment variable name",
                file.display()
            ))));
        }
        cmd.env(format!("{prefix}{k}"), env_value(v).as_str());
    }
    let code = run_child(cmd)?;
    drop(f);
    Err(anyhow!(Exit(code)))
}

pub(super) fn exec_file(
    file: &Path,
    no_fifo: bool,
    filename: Option<&str>,
    input_type: Option<&str>,
    output_type: Option<&str>,
    command: &[String],
) -> anyhow::Result<()> {
    let f = open_file(file, input_type)?;
    let out_format = output_type.map_or(f.format, Format::from_name);
    let plain = zeroize::Zeroizing::new(store::emit_plain(out_format, &f.opened.tree, f.stores)?);
    drop(f);
    let name = filename.map(str::to_string).unwrap_or_else(|| {
        file.file_name()
            .map_or("secrets".into(), |n| n.to_string_lossy().into_owned())
    });
    // The plaintext lives only in the pipe; with --no-fifo, in a private file in the scratch
    // place (in memory where the system has it), removed after and on SIGTERM/SIGHUP.
    let (dir, fifo, path) = if no_fifo {
        let dir = platform_fs::scratch::Scratch::new("exec-file")?;
        let path = dir.write(&name, &plain)?;
        (Some(dir), None, path)
    } else {
        let fifo = platform_fs::fifo::Fifo::new("exec-file", &name, plain.clone())
            .map_err(|e| anyhow!("cannot create a FIFO: {e}"))?;
        let path = fifo.path().to_path_buf();
        (None, Some(fifo), path)
    };
    let shown = path.display().to_string();
    let mut args: Vec<String> = command.iter().map(|a| a.replace("{}", &shown)).collect();
    if !command.iter().any(|a| a.contains("{}")) {
        args.push(shown);
    }
    let code = run_child(command_of(&args));
    if let Some(f) = fifo {
        f.finish();
    }
    drop(dir);
    Err(anyhow!(Exit(code?)))
}
