//! The command line: kubectl's conventions (its global flags are ours to parse, because kubectl
//! hands them to plugins untouched), data on stdout, diagnostics on stderr, exit codes 0 / 1 (a
//! check found problems) / 2 (usage or runtime error).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use kubectl_vteam::cluster::{self, Health};
use kubectl_vteam::kubeconfig::store::{self, Outcome};
use kubectl_vteam::kubeconfig::Chain;
use kubectl_vteam::layout::Layout;
use kubectl_vteam::run::{self, Target};
use kubectl_vteam::switch::{self, Switched};
use kubectl_vteam::teams::{self, Team, Teams};
use owo_colors::OwoColorize;

#[derive(Parser)]
#[command(
    name = "kubectl-vteam",
    bin_name = "kubectl vteam",
    version,
    about = "Point kubectl at a team's vcluster: list teams, switch (and back with -), run commands, check API servers",
    after_help = "Without a command: list. Teams come from the terragrunt layout (stacks/teams/*, the vcluster \
                  stack's kubeconfig files), the vcluster stack's state for the environment, and with \
                  --from-cluster the host cluster."
)]
struct Cli {
    /// The kubeconfig to read and write (kubectl's flag); default: KUBECONFIG's first file, else ~/.kube/config
    #[arg(long, global = true, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// kubectl's flag: the context `ns` changes, and the host context for --from-cluster
    #[arg(long, global = true, value_name = "NAME")]
    context: Option<String>,
    /// kubectl's flag: the namespace `use` selects inside the team's vcluster (default: the layout's, else <team>-apps)
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// Environment(s) to load (repeat or comma-separate); default: TOFU_ENV, else dev
    #[arg(long = "env", global = true, value_name = "ENV")]
    envs: Vec<String>,
    /// The repository holding stacks/ (default: PLATFORM_ROOT, else found upward from the working directory)
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Also find vclusters in the host cluster (StatefulSets/Deployments app=vcluster, vc-<name> secrets)
    #[arg(long, global = true)]
    from_cluster: bool,
    /// Host cluster kubeconfig for --from-cluster (default: the kind-cluster stack's kind-kubeconfig, else yours)
    #[arg(long, global = true, value_name = "FILE")]
    host_kubeconfig: Option<PathBuf>,
    /// kubectl's flag: how long to wait for an API server (e.g. 5s, 500ms)
    #[arg(long, global = true, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    request_timeout: Duration,
    /// Write read-only files, and files with other hard links (breaking the link), which are otherwise refused
    #[arg(long, global = true)]
    force: bool,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// List the teams (current marked with *): team, env, source, server, namespace
    #[command(alias = "ls")]
    List {
        /// Output format: a table, JSON for scripts, or one team name a line
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Switch kubectl to a team's vcluster (`-`: back to the previous context; no TEAM on a terminal: pick one)
    Use {
        /// The team (`team@env` with several environments), or `-` for the previous context
        team: Option<String>,
    },
    /// Print the current team (or context, when it is not a team's)
    Current,
    /// Set the namespace of the current context (no permission to list namespaces needed); alone, print it; `-`: the previous one
    Ns {
        /// The namespace kubectl uses in the current context, or `-` for the one before
        namespace: Option<String>,
    },
    /// Start a sub-shell (or `-- CMD`) with its own one-context KUBECONFIG, removed on exit
    Shell {
        /// The team whose vcluster the shell talks to
        team: String,
        /// A command to run instead of your shell, after `--`
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Print `export KUBECONFIG=...` for eval: eval "$(kubectl vteam env team-a)"
    Env {
        /// The team whose one-context kubeconfig KUBECONFIG points at
        #[arg(required_unless_present = "unset")]
        team: Option<String>,
        /// Print the line that unsets KUBECONFIG instead
        #[arg(long)]
        unset: bool,
        /// Shell syntax: bash, zsh, fish, powershell (default: from $SHELL)
        #[arg(long)]
        shell: Option<String>,
    },
    /// Run a command in one team's vcluster, or in every team's at once (--all)
    Exec {
        /// The team whose vcluster the command talks to
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        team: Option<String>,
        /// Every team at once, each output line prefixed with [team]
        #[arg(long)]
        all: bool,
        /// The command and its arguments, after `--` (e.g. -- kubectl get pods)
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Probe every team's API server concurrently; exit 1 if any is down
    Status {
        /// Output format: a table, or JSON for scripts
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Print a completion script for the standalone binary, team names included (kubectl uses kubectl_complete-vteam)
    Completions {
        /// The shell to complete in.
        shell: platform_cli::Shell,
    },
    /// Print the manual page (roff): `kubectl-vteam man > kubectl-vteam.1`
    Man,
    #[command(name = "__complete", hide = true)]
    Complete {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Name,
}

/// kubectl's `--request-timeout`: a bare number is seconds, as kubectl takes it.
fn parse_duration(s: &str) -> Result<Duration, String> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        return platform_cli::parse_duration(&format!("{s}s"));
    }
    platform_cli::parse_duration(s)
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    platform_fs::force_writes(cli.force);
    if !matches!(cli.command, Some(Cmd::Exec { .. } | Cmd::Shell { .. })) {
        platform_cli::end_quietly_at_closed_pipe();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return 0;
            }
            platform_cli::print_error("kubectl-vteam", e.as_ref());
            2
        }
    }
}

struct Ctx {
    cli: Cli,
    chain: Chain,
    layout: Option<Layout>,
    envs: Vec<String>,
}

impl Ctx {
    fn teams(&self) -> Result<Teams> {
        self.discover(true)
    }

    /// The teams' names and contexts only, for `current`.
    fn team_names(&self) -> Result<Teams> {
        self.discover(false)
    }

    fn discover(&self, details: bool) -> Result<Teams> {
        let host = self.cli.from_cluster.then(|| cluster::Options {
            kubeconfig: self
                .cli
                .host_kubeconfig
                .clone()
                .or_else(|| self.layout.as_ref().and_then(Layout::host_kubeconfig))
                .or_else(|| self.cli.kubeconfig.clone()),
            context: self.cli.context.clone(),
            timeout: self.cli.request_timeout,
        });
        Ok(Teams::discover(&teams::Options {
            layout: self.layout.as_ref(),
            envs: &self.envs,
            cluster: host.as_ref(),
            details,
        })?)
    }
}

fn run(mut cli: Cli) -> Result<i32> {
    let chain = Chain::locate(cli.kubeconfig.as_deref())?;
    let layout = Layout::find(cli.root.as_deref())?;
    let envs = teams::envs(&cli.envs);
    let command = cli.command.take().unwrap_or(Cmd::List {
        output: Format::Table,
    });
    let ctx = Ctx {
        cli,
        chain,
        layout,
        envs,
    };
    match command {
        Cmd::List { output } => list(&ctx, output),
        Cmd::Use { team } => use_cmd(&ctx, team),
        Cmd::Current => current(&ctx),
        Cmd::Ns { namespace } => ns(&ctx, namespace.as_deref()),
        Cmd::Shell { team, command } => {
            let teams = ctx.teams()?;
            let t = teams.find(&team)?;
            let argv = if command.is_empty() {
                let shell = std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into());
                eprintln!(
                    "{} in a sub-shell with its own KUBECONFIG (namespace {}); `exit` returns",
                    t.key(teams.qualified),
                    namespace_for(&ctx, t)
                );
                vec![shell]
            } else {
                command
            };
            ignore_interrupts();
            Ok(run::run_one(&target(&ctx, &teams, t)?, &argv)?)
        }
        Cmd::Env { team, unset, shell } => {
            let shell = shell
                .or_else(|| std::env::var("SHELL").ok())
                .unwrap_or_else(|| "sh".into());
            if unset {
                println!("{}", run::export_line(&shell, None));
                return Ok(0);
            }
            let teams = ctx.teams()?;
            let t = teams.find(team.as_deref().unwrap_or_default())?;
            let content = t.config()?.standalone(&t.context, &namespace_for(&ctx, t));
            let path = store::team_file(&t.context, &content)?;
            println!("{}", run::export_line(&shell, Some(&path)));
            Ok(0)
        }
        Cmd::Exec { team, all, command } => exec(&ctx, team, all, &command),
        Cmd::Status { output } => status(&ctx, output),
        Cmd::Completions { shell } => {
            let script = kubectl_vteam::completion::script(shell)
                .unwrap_or_else(|| platform_cli::completion_script(&mut Cli::command(), shell));
            platform_cli::print_bytes(&script)?;
            Ok(0)
        }
        Cmd::Man => {
            platform_cli::print_bytes(&platform_cli::man_page(Cli::command()))?;
            Ok(0)
        }
        Cmd::Complete { words } => Ok(kubectl_vteam::completion::print(&words)),
    }
}

fn namespace_for(ctx: &Ctx, team: &Team) -> String {
    ctx.cli
        .namespace
        .clone()
        .unwrap_or_else(|| team.namespace.clone())
}

fn target(ctx: &Ctx, teams: &Teams, t: &Team) -> Result<Target> {
    Ok(Target {
        key: t.key(teams.qualified),
        kubeconfig: t.config()?.standalone(&t.context, &namespace_for(ctx, t)),
    })
}

/// The child gets Ctrl-C from the terminal; this process stays to remove the temp kubeconfig.
fn ignore_interrupts() {
    let _ = ctrlc::set_handler(|| {});
}

fn list(ctx: &Ctx, output: Format) -> Result<i32> {
    let teams = ctx.teams()?;
    let current = ctx.chain.current_context().unwrap_or(None);
    let mut out = std::io::stdout().lock();
    match output {
        Format::Name => {
            for t in &teams.teams {
                writeln!(out, "{}", t.key(teams.qualified))?;
            }
        }
        Format::Json => {
            let rows: Vec<serde_json::Value> = teams
                .teams
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "team": t.key(teams.qualified),
                        "name": t.name,
                        "env": t.env,
                        "sources": t.sources,
                        "server": t.server,
                        "namespace": t.namespace,
                        "hostNamespace": t.host_namespace,
                        "context": t.context,
                        "kubeconfig": t.kubeconfig,
                        "current": current.as_deref() == Some(t.context.as_str()),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Table => {
            if teams.teams.is_empty() {
                if ctx.layout.is_some() {
                    eprintln!(
                        "no teams for environment {}: only the default environment ({}) lists the layout's teams; another one lists the teams its vcluster state names (apply stacks/platform/vcluster for it), or add --from-cluster",
                        ctx.envs.join(","),
                        platform_layout::DEFAULT_ENV
                    );
                } else {
                    eprintln!(
                        "no teams found: run inside the repository (stacks/teams/*), pass --root DIR, or add --from-cluster"
                    );
                }
                return Ok(0);
            }
            let color = std::io::stdout().is_terminal();
            let rows: Vec<Vec<String>> = teams
                .teams
                .iter()
                .map(|t| {
                    let mark = if current.as_deref() == Some(t.context.as_str()) {
                        "*"
                    } else {
                        ""
                    };
                    vec![
                        mark.to_string(),
                        t.key(teams.qualified),
                        t.env.clone(),
                        t.sources_label(),
                        t.server.clone().unwrap_or_else(|| "-".into()),
                        t.namespace.clone(),
                    ]
                })
                .collect();
            let header = ["CURRENT", "TEAM", "ENV", "SOURCE", "SERVER", "NAMESPACE"];
            for (i, line) in platform_cli::table(&header, &rows).into_iter().enumerate() {
                let current_row = line.starts_with('*');
                let line = if i == 0 {
                    paint(&line, Style::Bold, color)
                } else if current_row {
                    paint(&line, Style::Green, color)
                } else {
                    line
                };
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    Ok(0)
}

fn use_cmd(ctx: &Ctx, team: Option<String>) -> Result<i32> {
    if team.as_deref() == Some("-") {
        let s = switch::use_previous(&ctx.chain)?;
        report(&s, None);
        return Ok(0);
    }
    let teams = ctx.teams()?;
    let key = match team {
        Some(t) => t,
        None => match pick(&teams)? {
            Some(t) => t,
            None => return Ok(1),
        },
    };
    let t = teams.find(&key)?;
    let s = switch::use_team(&ctx.chain, t, &namespace_for(ctx, t))?;
    report(&s, Some(&t.key(teams.qualified)));
    Ok(0)
}

/// As kubens: alone, the current namespace; `-`, the one before the last change; else that
/// namespace, checked as Kubernetes checks a namespace name before anything is written.
fn ns(ctx: &Ctx, wanted: Option<&str>) -> Result<i32> {
    let context = match &ctx.cli.context {
        Some(c) => c.clone(),
        None => ctx
            .chain
            .current_context()?
            .ok_or_else(|| kubectl_vteam::error::Error::NoCurrentContext(ctx.chain.describe()))?,
    };
    let current = ctx
        .chain
        .context_namespace(&context)?
        .flatten()
        .unwrap_or_else(|| "default".into());
    let Some(wanted) = wanted else {
        println!("{current}");
        return Ok(0);
    };
    let previous = store::Previous::for_namespace(ctx.chain.target(), &context)?;
    let target = if wanted == "-" {
        previous.get().ok_or_else(|| {
            anyhow!("no previous namespace recorded for context \"{context}\"; `ns -` works after an `ns NAME`")
        })?
    } else {
        kubectl_vteam::kubeconfig::check_namespace(wanted)?;
        wanted.to_string()
    };
    let s = switch::set_namespace(&ctx.chain, Some(&context), &target)?;
    if target != current {
        previous.set(&current)?;
    }
    report(&s, None);
    Ok(0)
}

fn report(s: &Switched, team: Option<&str>) {
    let what = match team {
        Some(t) => format!("team {t} (context \"{}\")", s.context),
        None => format!("context \"{}\"", s.context),
    };
    let ns = s
        .namespace
        .as_deref()
        .map(|n| format!(", namespace \"{n}\""))
        .unwrap_or_default();
    match s.outcome {
        Outcome::Written => eprintln!("Switched to {what}{ns} in {}.", s.file.display()),
        Outcome::Unchanged => eprintln!("Already on {what}{ns}; {} unchanged.", s.file.display()),
    }
}

/// The interactive picker: fzf when installed (as kubectx does), else a numbered list that
/// narrows on typed letters (in order, not necessarily adjacent).
fn pick(teams: &Teams) -> Result<Option<String>> {
    let keys: Vec<String> = teams.teams.iter().map(|t| t.key(teams.qualified)).collect();
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        bail!(
            "which team? `kubectl vteam use TEAM` (teams: {})",
            if keys.is_empty() {
                "none found".into()
            } else {
                keys.join(", ")
            }
        );
    }
    if keys.is_empty() {
        bail!("no teams found: run inside the repository, pass --root DIR, or add --from-cluster");
    }
    if let Ok(mut fzf) = Command::new("fzf")
        .args(["--height=40%", "--reverse", "--prompt=team> "])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        if let Some(mut stdin) = fzf.stdin.take() {
            stdin.write_all(keys.join("\n").as_bytes())?;
        }
        let out = fzf.wait_with_output()?;
        let choice = String::from_utf8_lossy(&out.stdout).trim().to_string();
        return Ok((!choice.is_empty()).then_some(choice));
    }
    let mut shown: Vec<&String> = keys.iter().collect();
    let stdin = std::io::stdin();
    loop {
        for (i, k) in shown.iter().enumerate() {
            eprintln!("{:>3}  {k}", i + 1);
        }
        eprint!("team (number or letters, empty to cancel): ");
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let answer = line.trim();
        if answer.is_empty() {
            return Ok(None);
        }
        if let Ok(n) = answer.parse::<usize>() {
            if (1..=shown.len()).contains(&n) {
                return Ok(Some(shown[n - 1].clone()));
            }
        }
        let narrowed: Vec<&String> = shown
            .iter()
            .copied()
            .filter(|k| fuzzy_match(k, answer))
            .collect();
        match narrowed.len() {
            1 => return Ok(Some(narrowed[0].clone())),
            0 => eprintln!("no team matches `{answer}`"),
            _ => shown = narrowed,
        }
    }
}

fn fuzzy_match(candidate: &str, typed: &str) -> bool {
    let mut chars = candidate.chars().map(|c| c.to_ascii_lowercase());
    typed
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .all(|t| chars.any(|c| c == t))
}

fn current(ctx: &Ctx) -> Result<i32> {
    let kubeconfig = ctx.chain.sections()?;
    let context = kubeconfig
        .current_context()?
        .ok_or_else(|| anyhow!("no current context in {}", ctx.chain.describe()))?;
    let teams = ctx.team_names()?;
    match teams.by_context(&context) {
        Some(t) => {
            let ns = kubeconfig.context_namespace(&context)?.flatten();
            println!("{}", t.key(teams.qualified));
            eprintln!(
                "context \"{context}\", env {}, namespace \"{}\"",
                t.env,
                ns.unwrap_or_else(|| "default".into())
            );
        }
        None => {
            println!("{context}");
            eprintln!("(not a team's context)");
        }
    }
    Ok(0)
}

fn exec(ctx: &Ctx, team: Option<String>, all: bool, command: &[String]) -> Result<i32> {
    let teams = ctx.teams()?;
    ignore_interrupts();
    if !all {
        let t = teams.find(team.as_deref().unwrap_or_default())?;
        return Ok(run::run_one(&target(ctx, &teams, t)?, command)?);
    }
    let mut targets = Vec::new();
    let mut skipped = Vec::new();
    for t in &teams.teams {
        match target(ctx, &teams, t) {
            Ok(x) => targets.push(x),
            Err(e) => skipped.push((t.key(teams.qualified), format!("{e:#}"))),
        }
    }
    if targets.is_empty() && skipped.is_empty() {
        bail!("no teams found: run inside the repository, pass --root DIR, or add --from-cluster");
    }
    let outcomes = run::run_all(&targets, command)?;
    let color = std::io::stderr().is_terminal();
    let mut failed = !skipped.is_empty();
    eprintln!("{}", paint("summary:", Style::Bold, color));
    for o in &outcomes {
        match &o.result {
            Ok(0) => eprintln!("  {}  exit 0", o.key),
            Ok(code) => {
                failed = true;
                eprintln!(
                    "  {}  {}",
                    o.key,
                    paint(&format!("exit {code}"), Style::Red, color)
                );
            }
            Err(e) => {
                failed = true;
                eprintln!("  {}  {}", o.key, paint(e, Style::Red, color));
            }
        }
    }
    for (key, why) in &skipped {
        eprintln!(
            "  {key}  {}",
            paint(&format!("skipped: {why}"), Style::Red, color)
        );
    }
    Ok(if failed { 1 } else { 0 })
}

fn status(ctx: &Ctx, output: Format) -> Result<i32> {
    let teams = ctx.teams()?;
    let mut probes: Vec<(usize, String)> = Vec::new();
    let mut results: Vec<Option<Health>> = vec![None; teams.teams.len()];
    for (i, t) in teams.teams.iter().enumerate() {
        match t.config() {
            Ok(c) => probes.push((i, c.standalone(&t.context, &t.namespace))),
            Err(e) => {
                results[i] = Some(Health::Unreachable {
                    reason: format!("{e}"),
                })
            }
        }
    }
    let (idx, yaml): (Vec<usize>, Vec<String>) = probes.into_iter().unzip();
    for (i, h) in idx
        .into_iter()
        .zip(cluster::probe_all(yaml, ctx.cli.request_timeout))
    {
        results[i] = Some(h);
    }
    let results: Vec<Health> = results
        .into_iter()
        .map(|h| h.expect("every team probed"))
        .collect();
    let down = results.iter().filter(|h| !h.is_up()).count();
    let mut out = std::io::stdout().lock();
    if output == Format::Json {
        let rows: Vec<serde_json::Value> = teams
            .teams
            .iter()
            .zip(&results)
            .map(|(t, h)| {
                let mut v = serde_json::to_value(h).unwrap_or_default();
                v["team"] = t.key(teams.qualified).into();
                v["server"] = t.server.clone().into();
                v
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        let color = std::io::stdout().is_terminal();
        let header = ["TEAM", "SERVER", "STATE", "LATENCY", "DETAIL"];
        let rows = teams.teams.iter().zip(&results).map(|(t, h)| {
            let (state, latency, detail) = match h {
                Health::Reachable {
                    version,
                    latency_ms,
                } => ("reachable", format!("{latency_ms}ms"), version.clone()),
                Health::Unauthorized { code, latency_ms } => (
                    "unauthorized",
                    format!("{latency_ms}ms"),
                    format!("HTTP {code}: the kubeconfig's credentials were refused"),
                ),
                Health::Unreachable { reason } => ("unreachable", "-".into(), reason.clone()),
            };
            vec![
                t.key(teams.qualified),
                t.server.clone().unwrap_or_else(|| "-".into()),
                state.to_string(),
                latency,
                detail,
            ]
        });
        let rows: Vec<Vec<String>> = rows.collect();
        for (i, line) in platform_cli::table(&header, &rows).into_iter().enumerate() {
            let style = if i == 0 {
                Style::Bold
            } else if results[i - 1].is_up() {
                Style::Green
            } else {
                Style::Red
            };
            let line = paint(&line, style, color);
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    if down > 0 {
        eprintln!("{down} of {} API servers down", results.len());
        return Ok(1);
    }
    Ok(0)
}

#[derive(Clone, Copy)]
enum Style {
    Bold,
    Green,
    Red,
}

/// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
fn paint(s: &str, style: Style, terminal: bool) -> String {
    if !platform_cli::colour(terminal) {
        return s.to_string();
    }
    match style {
        Style::Bold => s.bold().to_string(),
        Style::Green => s.green().to_string(),
        Style::Red => s.red().to_string(),
    }
}

platform_cli::every_argument_has_help!(Cli);
