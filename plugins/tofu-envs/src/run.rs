//! `tofu-envs run`: tofu or terragrunt for an environment, with `TOFU_ENV` set, the env's plain var
//! file, and its sealed secrets decrypted in memory and handed over through a fresh pipe for every
//! invocation (`-var-file=/dev/fd/3`; a FIFO in a private directory for terragrunt, whose Go runtime
//! closes inherited descriptors). `--all` runs every stack in dependency order, independent stacks
//! in parallel. Secrets never touch the disk.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use command_fds::{CommandFdExt, FdMapping};
use zeroize::Zeroizing;

use crate::backend::{self, StateBackend};
use crate::layout::{Layout, Stack};
use crate::sources::{self, Sealed};

/// Commands that take variables (terragrunt's `get_terraform_commands_that_need_vars`).
const NEEDS_VARS: [&str; 7] = [
    "apply", "console", "destroy", "import", "plan", "push", "refresh",
];

#[derive(Debug, Clone, PartialEq)]
pub enum Engine {
    Terragrunt(PathBuf),
    Tofu(PathBuf),
}

impl Engine {
    pub fn program(&self) -> &Path {
        match self {
            Engine::Terragrunt(p) | Engine::Tofu(p) => p,
        }
    }
}

pub fn find_in_path(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Path::new(name).is_file().then(|| PathBuf::from(name));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// terragrunt where the stack has a terragrunt.hcl and terragrunt is installed; otherwise
/// `TOFU_BINARY`, else `tofu`, else `terraform`.
pub fn engine(stack: &Stack) -> Result<Engine> {
    if stack.terragrunt_file().is_some() {
        let tg = std::env::var("TERRAGRUNT_BINARY").unwrap_or_else(|_| "terragrunt".into());
        if let Some(p) = find_in_path(&tg) {
            return Ok(Engine::Terragrunt(p));
        }
    }
    let candidates: Vec<String> = match std::env::var("TOFU_BINARY") {
        Ok(b) if !b.is_empty() => vec![b],
        _ => vec!["tofu".into(), "terraform".into()],
    };
    candidates
        .iter()
        .find_map(|c| find_in_path(c))
        .map(Engine::Tofu)
        .ok_or_else(|| {
            Error::Engine(
                "neither tofu nor terraform is on PATH: install one, or set TOFU_BINARY".into(),
            )
        })
}

/// The tofu or terraform that will do the work: the engine itself, or the one terragrunt runs
/// (`TG_TF_PATH`, `TERRAGRUNT_TFPATH`, else tofu, else terraform, as terragrunt picks it).
pub fn underlying_engine(engine: &Engine) -> Option<PathBuf> {
    match engine {
        Engine::Tofu(p) => Some(p.clone()),
        Engine::Terragrunt(_) => ["TG_TF_PATH", "TERRAGRUNT_TFPATH"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|p| !p.is_empty()))
            .and_then(|p| find_in_path(&p))
            .or_else(|| find_in_path("tofu"))
            .or_else(|| find_in_path("terraform")),
    }
}

/// Checks the engine against each stack's pin and `required_version`: a mismatch refuses the
/// commands that write state (unless `ignore`), and is a warning for the others.
pub fn check_engine_version(
    stacks: &[&Stack],
    engine: &Engine,
    args: &[String],
    ignore: bool,
) -> Result<Vec<String>> {
    let Some(program) = underlying_engine(engine) else {
        return Ok(Vec::new());
    };
    let Some((name, version)) = crate::pin::engine_version(&program) else {
        return Ok(Vec::new());
    };
    let mut problems: Vec<String> = stacks
        .iter()
        .flat_map(|s| crate::pin::mismatches(&s.dir, &name, &version))
        .collect();
    problems.dedup();
    let command = command_word(args).unwrap_or("");
    if !problems.is_empty() && !ignore && crate::pin::STATE_WRITERS.contains(&command) {
        return Err(Error::Engine(format!(
            "refusing to {command} with {name} {version} ({}): another engine version can upgrade the state past what the pinned one reads; install the pinned version (e.g. `tenv tofu install`), or pass --ignore-version",
            problems.join("; ")
        )));
    }
    Ok(problems
        .into_iter()
        .map(|p| format!("warning: {p}"))
        .collect())
}

/// Flags of tofu's commands that take a value. Go's flag package, which tofu uses, takes it as
/// `-flag=value` or as the next word (`-var k=v`, `-target R`); boolean flags never take the
/// next word. Knowing which is which is what tells `apply PLANFILE` from `apply -target R`.
const VALUE_FLAGS: [&str; 17] = [
    "var",
    "var-file",
    "target",
    "target-file",
    "exclude",
    "exclude-file",
    "replace",
    "lock-timeout",
    "parallelism",
    "state",
    "state-out",
    "backup",
    "out",
    "generate-config-out",
    "config",
    "provider",
    "chdir",
];

/// A tofu command line as tofu reads it: global options, the subcommand, and the subcommand's
/// positional arguments (flags and their values left out).
struct CommandLine<'a> {
    /// Index of the subcommand in the arguments.
    at: usize,
    command: &'a str,
    positionals: Vec<&'a str>,
}

impl<'a> CommandLine<'a> {
    fn parse(args: &'a [String]) -> Option<CommandLine<'a>> {
        let mut i = 0;
        // Global options (`-chdir=DIR`, `-help`, `-version`) come before the subcommand.
        while i < args.len() && args[i].starts_with('-') {
            i += 1 + usize::from(takes_next_word(&args[i]));
        }
        let command = args.get(i)?.as_str();
        let mut positionals = Vec::new();
        let mut j = i + 1;
        while j < args.len() {
            let a = args[j].as_str();
            if a == "--" {
                positionals.extend(args[j + 1..].iter().map(String::as_str));
                break;
            }
            if a.starts_with('-') && a != "-" {
                j += 1 + usize::from(takes_next_word(a));
            } else {
                positionals.push(a);
                j += 1;
            }
        }
        Some(CommandLine {
            at: i,
            command,
            positionals,
        })
    }
}

/// `-var` (no `=value`): its value is the next word.
fn takes_next_word(flag: &str) -> bool {
    let name = flag.trim_start_matches('-');
    !name.contains('=') && VALUE_FLAGS.contains(&name)
}

/// The tofu subcommand (`plan`, `apply`...), global options skipped.
fn command_word(args: &[String]) -> Option<&str> {
    CommandLine::parse(args).map(|c| c.command)
}

/// Whether to pass var files: the command takes variables, and is not `apply PLANFILE`
/// (a saved plan carries its variables; tofu refuses new ones).
fn wants_vars(args: &[String]) -> bool {
    let Some(line) = CommandLine::parse(args) else {
        return false;
    };
    NEEDS_VARS.contains(&line.command) && (line.command != "apply" || line.positionals.is_empty())
}

/// The environment's secrets as an HCL var file (tofu picks the format from the file name, and
/// `/dev/fd/3` has none, so not JSON). `None` when the stack has no sealed file.
pub fn secrets_hcl(layout: &Layout, stack: &Stack, env: &str) -> Result<Option<Zeroizing<String>>> {
    let (source, state) = sources::sealed_source(layout, &stack.sealed_file(env));
    match state {
        Sealed::Absent => Ok(None),
        Sealed::NoKey => Err(Error::Usage(format!(
            "{}: no key to open it; set SOPS_AGE_KEY_FILE (or SOPS_AGE_KEY) to an identity it is sealed for",
            sources::relative(layout, &stack.sealed_file(env)).display()
        ))),
        Sealed::Broken(why) => Err(Error::invalid(sources::relative(layout, &stack.sealed_file(env)))(why)),
        Sealed::Opened => {
            let mut text = Zeroizing::new(String::new());
            for e in source.map(|s| s.entries).unwrap_or_default() {
                if let Some(v) = e.value {
                    text.push_str(&e.name);
                    text.push_str(" = ");
                    text.push_str(&Zeroizing::new(v.value.to_hcl()));
                    text.push('\n');
                }
            }
            Ok(Some(text))
        }
    }
}

/// One invocation: the program, its arguments, and where the secrets go.
pub struct Invocation {
    pub engine: Engine,
    pub args: Vec<String>,
    pub secrets: Option<Zeroizing<String>>,
    /// `TF_VAR_` for the literal terragrunt inputs when tofu runs a terragrunt stack itself.
    pub env: Vec<(String, String)>,
    /// A note for the user: terragrunt inputs tofu will not get (dependency outputs and the like).
    pub note: Option<String>,
    /// The environment's own `.terraform` (`TF_DATA_DIR`), for tofu and terragrunt alike.
    pub data_dir: Option<PathBuf>,
    /// Where tofu keeps the environment's state (`None`: terragrunt configures it, or the
    /// command touches no state).
    pub state: Option<StateBackend>,
}

/// What terragrunt would pass that tofu, run without it, would miss: its literal `inputs` (the
/// root's `environment = local.environment` among them) as `TF_VAR_`, unless the user set them;
/// and the names of the computed ones, which only terragrunt can resolve.
fn terragrunt_inputs_as_env(
    layout: &Layout,
    stack: &Stack,
    env: &str,
    args: &[String],
) -> (Vec<(String, String)>, Vec<String>) {
    let mut given: BTreeMap<String, Option<String>> = BTreeMap::new();
    for source in sources::terragrunt_sources(layout, stack, env) {
        for e in source.entries {
            let text = e.value.map(|v| match v.value {
                hcl_format::literal::Value::String(s) => s,
                other => other.to_hcl(),
            });
            given.insert(e.name, text);
        }
    }
    let passed = |name: &str| {
        std::env::var_os(format!("TF_VAR_{name}")).is_some()
            || args.iter().any(|a| {
                let a = a.trim_start_matches("-var=");
                a.strip_prefix(name).is_some_and(|r| r.starts_with('='))
            })
    };
    let mut vars = Vec::new();
    let mut computed = Vec::new();
    for (name, value) in given {
        if passed(&name) {
            continue;
        }
        match value {
            Some(v) => vars.push((format!("TF_VAR_{name}"), v)),
            None => computed.push(name),
        }
    }
    (vars, computed)
}

/// What the user should know when tofu runs a terragrunt stack: which inputs it cannot get, and
/// that terragrunt's per-environment state does not apply.
fn without_terragrunt_note(computed: &[String]) -> String {
    let missing = match computed.first() {
        Some(first) => format!(
            "; {} come(s) from a dependency output: pass -var {first}=...",
            computed.join(", ")
        ),
        None => String::new(),
    };
    format!(
        "note: terragrunt is not installed, so tofu runs this terragrunt stack itself: literal inputs go in as TF_VAR_{missing}; the state is the environment's own, where root.hcl's remote_state keeps it"
    )
}

pub fn invocation(
    layout: &Layout,
    stack: &Stack,
    env: &str,
    args: &[String],
) -> Result<Invocation> {
    let engine = engine(stack)?;
    let vars = wants_vars(args);
    let command = command_word(args);
    let touches_state = backend::needs_backend(command);
    // terragrunt configures the backend itself (root.hcl's remote_state); tofu is told here.
    let state = match engine {
        Engine::Tofu(_) if touches_state => Some(backend::env_state(layout, stack, env)?),
        _ => None,
    };
    let data_dir = touches_state.then(|| backend::data_dir(stack, env));
    let secrets = if vars {
        secrets_hcl(layout, stack, env)?
    } else {
        None
    };
    let mut full: Vec<String> = Vec::new();
    // The env's var files go right after the subcommand: before the user's own -var and
    // -var-file, which therefore win, as they would on tofu's command line.
    let cmd_at = CommandLine::parse(args).map_or(0, |c| c.at + 1);
    full.extend(args[..cmd_at].iter().cloned());
    if let (Engine::Tofu(_), Some("init"), Some(state)) = (&engine, command, &state) {
        // Before the user's own -backend-config, which therefore wins, as on tofu's command line.
        full.extend(backend::backend_args(state));
    }
    if vars {
        // terragrunt passes env/<env>.tfvars itself (root.hcl's optional_var_files).
        if matches!(engine, Engine::Tofu(_)) && stack.plain_file(env).exists() {
            full.push(format!("-var-file={}", stack.plain_file(env).display()));
        }
        if secrets.is_some() {
            full.push(match engine {
                Engine::Tofu(_) => "-var-file=/dev/fd/3".into(),
                // Replaced by the FIFO's path at spawn time.
                Engine::Terragrunt(_) => "-var-file=@SECRETS@".into(),
            });
        }
    }
    full.extend(args[cmd_at..].iter().cloned());
    // tofu running a terragrunt stack (terragrunt not installed) gets what terragrunt would pass.
    let (env_vars, note) = match engine {
        Engine::Tofu(_) if stack.terragrunt_file().is_some() => {
            let (env_vars, computed) = terragrunt_inputs_as_env(layout, stack, env, args);
            (env_vars, vars.then(|| without_terragrunt_note(&computed)))
        }
        _ => (Vec::new(), None),
    };
    Ok(Invocation {
        engine,
        args: full,
        secrets,
        env: env_vars,
        note,
        data_dir,
        state,
    })
}

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
                let f = secret_seal::handoff::Fifo::new("tofu-envs-", "secrets.tfvars", plaintext)
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

/// Dependencies between stacks: terragrunt `dependency` blocks and terramate `after`.
pub fn dependencies(layout: &Layout) -> Vec<Vec<usize>> {
    let index_of = |dir: &Path| {
        let dir = std::path::absolute(dir).ok()?;
        let dir = normalize(&dir);
        layout.stacks.iter().position(|s| normalize(&s.dir) == dir)
    };
    layout
        .stacks
        .iter()
        .map(|s| {
            let mut deps = Vec::new();
            if let Ok(text) = std::fs::read_to_string(s.dir.join("terragrunt.hcl")) {
                if let Some(body) = parse_checked(&text) {
                    for b in body
                        .blocks()
                        .filter(|b| b.identifier.as_str() == "dependency")
                    {
                        if let Some(hcl::Expression::String(p)) = b
                            .body
                            .attributes()
                            .find(|a| a.key.as_str() == "config_path")
                            .map(|a| &a.expr)
                        {
                            deps.extend(index_of(&s.dir.join(p)));
                        }
                    }
                }
            }
            if let Ok(text) = std::fs::read_to_string(s.dir.join("stack.tm.hcl")) {
                if let Some(body) = parse_checked(&text) {
                    for b in body.blocks().filter(|b| b.identifier.as_str() == "stack") {
                        if let Some(hcl::Expression::Array(items)) = b
                            .body
                            .attributes()
                            .find(|a| a.key.as_str() == "after")
                            .map(|a| &a.expr)
                        {
                            for i in items {
                                if let hcl::Expression::String(p) = i {
                                    let dir = match p.strip_prefix('/') {
                                        Some(abs) => layout.root.join(abs),
                                        None => s.dir.join(p),
                                    };
                                    deps.extend(index_of(&dir));
                                }
                            }
                        }
                    }
                }
            }
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect()
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Stacks in dependency order (ties by name), for `--all` and `atlantis`.
pub fn order(deps: &[Vec<usize>]) -> Result<Vec<usize>> {
    let mut done = vec![false; deps.len()];
    let mut out = Vec::new();
    while out.len() < deps.len() {
        let next = (0..deps.len())
            .find(|&i| !done[i] && deps[i].iter().all(|&d| done[d]))
            .ok_or_else(|| {
                Error::Usage(
                    "the stacks' dependencies form a cycle (terragrunt dependency blocks or terramate `after`)"
                        .into(),
                )
            })?;
        done[next] = true;
        out.push(next);
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok,
    Failed(i32),
    Error(String),
    /// Not run: a dependency failed (or an earlier failure stopped scheduling).
    Skipped,
}

pub struct StackResult {
    pub stack: String,
    pub outcome: Outcome,
    pub duration: Duration,
}

pub struct AllOptions {
    pub parallelism: usize,
    pub keep_going: bool,
}

/// Runs the stacks in dependency order (reversed for `destroy`), independent ones in parallel;
/// every output line is prefixed with its stack.
pub fn run_all(
    layout: &Layout,
    selected: &[usize],
    env: &str,
    args: &[String],
    opts: &AllOptions,
) -> Result<Vec<StackResult>> {
    let all_deps = dependencies(layout);
    order(&all_deps)?;
    let reverse = command_word(args) == Some("destroy");
    // Dependencies among the selected stacks only; reversed for destroy.
    let mut deps: BTreeMap<usize, Vec<usize>> = selected.iter().map(|&i| (i, Vec::new())).collect();
    for &i in selected {
        for &d in &all_deps[i] {
            if deps.contains_key(&d) {
                if reverse {
                    deps.get_mut(&d).expect("selected").push(i);
                } else {
                    deps.get_mut(&i).expect("selected").push(d);
                }
            }
        }
    }
    struct State {
        started: Vec<usize>,
        results: BTreeMap<usize, StackResult>,
        stop: bool,
    }
    let state = Arc::new((
        Mutex::new(State {
            started: Vec::new(),
            results: BTreeMap::new(),
            stop: false,
        }),
        Condvar::new(),
    ));
    let width = selected
        .iter()
        .map(|&i| layout.stacks[i].name.len())
        .max()
        .unwrap_or(0);
    let print = Mutex::new(());
    std::thread::scope(|s| {
        for _ in 0..opts.parallelism.max(1) {
            s.spawn(|| loop {
                let (lock, cvar) = &*state;
                let mut st = lock.lock().expect("not poisoned");
                let next = loop {
                    // Skip what can no longer run.
                    for &i in selected {
                        if st.started.contains(&i) {
                            continue;
                        }
                        let dep_failed = deps[&i]
                            .iter()
                            .any(|d| st.results.get(d).is_some_and(|r| r.outcome != Outcome::Ok));
                        if dep_failed || st.stop {
                            st.started.push(i);
                            st.results.insert(
                                i,
                                StackResult {
                                    stack: layout.stacks[i].name.clone(),
                                    outcome: Outcome::Skipped,
                                    duration: Duration::ZERO,
                                },
                            );
                            cvar.notify_all();
                        }
                    }
                    if st.started.len() >= selected.len() {
                        return;
                    }
                    let ready = selected.iter().copied().find(|i| {
                        !st.started.contains(i)
                            && deps[i].iter().all(|d| {
                                st.results.get(d).is_some_and(|r| r.outcome == Outcome::Ok)
                            })
                    });
                    match ready {
                        Some(i) => break i,
                        None => st = cvar.wait(st).expect("not poisoned"),
                    }
                };
                st.started.push(next);
                drop(st);
                let stack = &layout.stacks[next];
                let start = Instant::now();
                let prefix = format!("[{:<width$}]", stack.name);
                let line = |l: &str, is_err: bool| {
                    let _guard = print.lock();
                    if is_err {
                        eprintln!("{prefix} {l}");
                    } else {
                        println!("{prefix} {l}");
                    }
                };
                let outcome = match invocation(layout, stack, env, args)
                    .and_then(|inv| execute(stack, env, &inv, &line))
                {
                    Ok(status) if status.success() => Outcome::Ok,
                    Ok(status) => Outcome::Failed(status.code().unwrap_or(1)),
                    Err(e) => {
                        line(&format!("error: {e}"), true);
                        Outcome::Error(e.to_string())
                    }
                };
                let mut st = lock.lock().expect("not poisoned");
                if outcome != Outcome::Ok && !opts.keep_going {
                    st.stop = true;
                }
                st.results.insert(
                    next,
                    StackResult {
                        stack: stack.name.clone(),
                        outcome,
                        duration: start.elapsed(),
                    },
                );
                cvar.notify_all();
            });
        }
    });
    let (lock, _) = &*state;
    let mut st = lock.lock().expect("not poisoned");
    let mut results: Vec<StackResult> = std::mem::take(&mut st.results).into_values().collect();
    let pos = |name: &str| selected.iter().position(|&i| layout.stacks[i].name == name);
    let ordered = order(&all_deps)?;
    results.sort_by_key(|r| {
        ordered
            .iter()
            .position(|&i| Some(i) == pos(&r.stack).map(|p| selected[p]))
    });
    if reverse {
        results.reverse();
    }
    Ok(results)
}

/// hcl-rs's parse of a file our own parser accepts first: hcl-rs recurses without a limit, so a
/// hostile file must stop at `hcl_format`'s nesting limit instead of overflowing the stack.
fn parse_checked(text: &str) -> Option<hcl::Body> {
    hcl_format::check(text).ok()?;
    hcl::parse(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn flags_with_a_separate_value_are_not_a_plan_file() {
        for line in [
            "apply",
            "apply -auto-approve",
            "apply -var note=hotfix",
            "apply -var note=hotfix -auto-approve",
            "apply -target terraform_data.app",
            "apply -replace terraform_data.app -lock-timeout 30s -parallelism 2",
            "apply -var-file extra.tfvars",
            "apply --var=note=x",
            "-chdir=stacks/p apply -target x",
            "plan -out plan.bin",
            "destroy -target x",
        ] {
            assert!(
                wants_vars(&args(line)),
                "{line}: the env's values must go in"
            );
        }
        for line in [
            "apply plan.bin",
            "apply -auto-approve plan.bin",
            "apply -lock-timeout 30s plan.bin",
            "-chdir=x apply plan.bin",
            "init",
            "output -json",
            "-chdir=x init",
        ] {
            assert!(!wants_vars(&args(line)), "{line}: takes no var files");
        }
    }

    #[test]
    fn the_subcommand_is_found_after_global_options() {
        assert_eq!(command_word(&args("-chdir=x destroy")), Some("destroy"));
        assert_eq!(command_word(&args("-chdir x plan")), Some("plan"));
        assert_eq!(command_word(&args("-version")), None);
        let a = args("-chdir=x plan -var k=v");
        let line = CommandLine::parse(&a).unwrap();
        assert_eq!((line.at, line.command), (1, "plan"));
        assert!(line.positionals.is_empty());
    }
}
