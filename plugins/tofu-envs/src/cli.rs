//! The command line: parses, calls the library, prints tables or JSON, maps results to exit codes
//! (0 ok, 1 findings, 2 usage or input errors; `fmt` keeps tofu's 3 for `-check`).

use std::io::Write;
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use tofu_envs::layout::{self, Layout};
use tofu_envs::{check, envs};

#[derive(Parser)]
#[command(
    name = "tofu-envs",
    version,
    about = "Environments for OpenTofu/terragrunt stacks, and tofu fmt-identical formatting",
    max_term_width = 100
)]
struct Cli {
    /// Repository root (default: PLATFORM_ROOT, else the nearest ancestor holding stacks/).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    /// Write read-only files, and files with other hard links (breaking the link), which are otherwise refused
    #[arg(long, global = true)]
    force: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Output {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Format files exactly as `tofu fmt` (tofu's flags: -check, -diff, -list, -write, -recursive).
    #[command(disable_help_flag = true)]
    Fmt {
        /// tofu fmt's flags and the files or directories to format (see `tofu-envs fmt -help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Environments × stacks: which files exist, sealed or not, expiry.
    List {
        /// Output format: a table, or JSON for scripts.
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Create an environment's files for every stack (secrets sealed at once).
    New {
        /// The new environment's name (lowercase letters, digits and dashes).
        name: String,
        /// Start from this environment's files; its sensitive strings get fresh random values.
        #[arg(long)]
        from: Option<String>,
        /// With --from: copy its sealed secrets as they are (the new environment shares them).
        #[arg(long, requires = "from")]
        copy_secrets: bool,
        /// A short-lived environment: expires after this long (e.g. 72h); `gc` collects it.
        #[arg(long)]
        ttl: Option<String>,
        /// Only stacks whose name matches this glob (e.g. 'teams/*').
        #[arg(long)]
        stacks: Option<String>,
    },
    /// Check environments against each stack's variables; exit 1 on findings.
    Check {
        /// The environment (default: every environment).
        env: Option<String>,
        /// Only these stacks (names such as teams/team-a, or paths; default: every stack).
        stacks: Vec<String>,
        /// Output format: a table, or JSON for scripts.
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Each variable's effective value and where it comes from, in tofu's precedence.
    Vars {
        /// [ENV] [STACK]: the environment (default: TOFU_ENV, else dev) and the stack (default: the one the working directory is in).
        #[arg(value_name = "ENV_OR_STACK", num_args = 0..=2)]
        words: Vec<String>,
        /// Show sensitive values.
        #[arg(long)]
        reveal: bool,
        /// Output format: a table, or JSON for scripts.
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Variable-level differences between two environments (secrets compared, never shown).
    Diff {
        /// The first environment.
        env_a: String,
        /// The second environment.
        env_b: String,
        /// Only these stacks (names such as teams/team-a, or paths; default: every stack).
        stacks: Vec<String>,
        /// Output format: a table, or JSON for scripts.
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Run tofu/terragrunt for an environment: TOFU_ENV set, its var file, its secrets decrypted in memory.
    Run {
        /// [ENV] [STACK...]: the environment (default: TOFU_ENV, else dev) and the stacks to run in, as names or paths (e.g. stacks/teams/team-a or .; default: the one the working directory is in).
        #[arg(value_name = "ENV_OR_STACK")]
        words: Vec<String>,
        /// Every stack, in dependency order (destroy: reverse order).
        #[arg(long)]
        all: bool,
        /// How many independent stacks run at once with --all.
        #[arg(long, default_value_t = 4)]
        parallelism: usize,
        /// Go on scheduling stacks after a failure.
        #[arg(long)]
        keep_going: bool,
        /// Apply, destroy or import even when the engine's version misses the stack's pin or required_version.
        #[arg(long)]
        ignore_version: bool,
        /// The tofu command and its arguments, after `--` (e.g. -- plan).
        #[arg(last = true, required = true)]
        args: Vec<String>,
    },
    /// Print `export TF_VAR_...` lines for an environment (for eval or direnv).
    Export {
        /// [ENV] [STACK]: the environment (default: TOFU_ENV, else dev) and the stack (default: the one the working directory is in, else every stack).
        #[arg(value_name = "ENV_OR_STACK", num_args = 0..=2)]
        words: Vec<String>,
        /// Include sealed values (prints secrets).
        #[arg(long)]
        reveal: bool,
    },
    /// Write TF_VAR_* values into an environment's files (secrets sealed, never in plain text).
    Import {
        /// [ENV] [STACK]: the environment (default: TOFU_ENV, else dev) and the stack (default: the one the working directory is in).
        #[arg(value_name = "ENV_OR_STACK", num_args = 0..=2)]
        words: Vec<String>,
        /// Read `export NAME=value` lines from this file instead of the environment; a `.tfvars` file (your terraform.tfvars) is read as tfvars: its plain values go to the env file, the sensitive ones into its sealed file.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Take the values from the current environment (the default).
        #[arg(long)]
        from_env: bool,
    },
    /// Generate atlantis.yaml: one project per environment × stack, run through tofu-envs.
    Atlantis {
        /// Environments (default: all), comma-separated.
        #[arg(long, value_delimiter = ',')]
        envs: Vec<String>,
        /// Fail (exit 1) when the committed atlantis.yaml is stale; write nothing.
        #[arg(long)]
        check: bool,
    },
    /// Teams across every layer: add one (stack, team list, env files, sealed secrets, Atlantis), list them, remove one.
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Remove the files of expired short-lived environments (never their state).
    Gc {
        /// Say what would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
        /// Destroy what an expired environment's state still holds first (every stack, in reverse dependency order, with the environment's values and secrets), then remove its files.
        #[arg(long, conflicts_with = "force")]
        destroy: bool,
        /// Remove the files even where state still holds resources, which are then orphaned.
        #[arg(long)]
        force: bool,
        /// With --destroy: destroy even when the engine's version misses the stacks' pin or required_version.
        #[arg(long, requires = "destroy")]
        ignore_version: bool,
    },
    /// Give a short-lived environment more time: it expires DURATION from now.
    Extend {
        /// The environment (made with `new --ttl`).
        env: String,
        /// How long from now, e.g. 48h, 7d.
        #[arg(long)]
        ttl: String,
    },
    /// Print a shell completion script: `tofu-envs completions bash > ~/.local/share/bash-completion/completions/tofu-envs`.
    Completions {
        /// The shell to complete in.
        shell: platform_cli::Shell,
    },
    /// Print the manual page (roff): `tofu-envs man > tofu-envs.1`.
    Man,
}

#[derive(Subcommand)]
enum TeamCommand {
    /// Add a team: its stack from templates/team-stack, its entry in stacks/teams.tfvars with a free node port, env files for every environment with fresh sealed secrets, atlantis.yaml regenerated where there is one.
    Add {
        /// The team's name: a DNS label (lowercase letters, digits, dashes) of at most 54 characters.
        name: String,
        /// Services from templates/services to add to the stack (e.g. postgres,redis).
        #[arg(long = "with", value_name = "SERVICE", value_delimiter = ',')]
        with: Vec<String>,
        /// The team's contact (e-mail), written to the team list and its team-config.
        #[arg(long, value_name = "EMAIL")]
        owner: Option<String>,
        /// The node port of the team's vcluster API server (default: the lowest free one from 30443).
        #[arg(long, value_name = "PORT")]
        node_port: Option<u32>,
    },
    /// Each team and its layers: the team list (node port, owner), its stack and its environments.
    List {
        /// Output format: a table, or JSON for scripts.
        #[arg(long, short, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Remove a team's stack and its entry in the team list; refused while any state holds its resources.
    Rm {
        /// The team to remove.
        name: String,
    },
}

/// What the command line says when it fails, and its exit code.
struct Failure(i32, String);

impl From<tofu_envs::Error> for Failure {
    fn from(e: tofu_envs::Error) -> Self {
        Failure(e.exit_code(), platform_cli::describe(&e))
    }
}

/// A usage error of the command line itself (exit 2).
fn usage(message: impl Into<String>) -> Failure {
    Failure(2, message.into())
}

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    platform_fs::force_writes(cli.force);
    if !matches!(cli.command, Command::Run { .. }) {
        platform_cli::end_quietly_at_closed_pipe();
    }
    match &cli.command {
        Command::Fmt { args } => return fmt(args),
        // Neither needs a repository.
        Command::Completions { shell } => {
            let script = platform_cli::completion_script(&mut Cli::command(), *shell);
            return print_or_fail(&script);
        }
        Command::Man => return print_or_fail(&platform_cli::man_page(Cli::command())),
        _ => {}
    }
    match dispatch(cli) {
        Ok(code) => code,
        Err(Failure(code, msg)) => {
            platform_cli::print_error_message("tofu-envs", &msg);
            code
        }
    }
}

fn print_or_fail(bytes: &[u8]) -> i32 {
    match platform_cli::print_bytes(bytes) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("tofu-envs: error: cannot write to standard output: {e}");
            1
        }
    }
}

fn fmt(args: &[String]) -> i32 {
    if args
        .iter()
        .any(|a| matches!(a.as_str(), "-h" | "-help" | "--help"))
    {
        print!("{}", tofu_envs::fmt::USAGE);
        return 0;
    }
    let opts = match tofu_envs::fmt::parse_args(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tofu-envs fmt: {e}\n\n{}", tofu_envs::fmt::USAGE);
            return 2;
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = tofu_envs::fmt::run(
        opts,
        &mut std::io::stdin().lock(),
        &mut out,
        &mut std::io::stderr(),
    );
    let _ = out.flush();
    code
}

#[allow(clippy::too_many_arguments)]
/// `[ENV] [STACK...]` as typed: the first word is the environment when the layout has it, or
/// when it looks like one and names no stack (so a typo such as `prd` is reported as an unknown
/// environment); otherwise the environment is `TOFU_ENV`, default `dev`, as every tool and
/// terragrunt's root.hcl take it.
fn split_env(layout: &Layout, mut words: Vec<String>) -> (String, Vec<String>) {
    let first_is_env = words.first().is_some_and(|w| {
        layout.environments().contains(w)
            || (platform_layout::valid_env_name(w)
                && layout.select(std::slice::from_ref(w)).is_err()
                && !std::path::Path::new(w).exists())
    });
    let env = if first_is_env {
        words.remove(0)
    } else {
        platform_layout::current_env()
    };
    (env, words)
}

/// The stack the working directory is in, by name.
fn stack_here(layout: &Layout) -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    platform_layout::stack_containing(&layout.stacks, &cwd).map(|s| s.name.clone())
}

/// One environment and one stack: named, or the current ones.
fn env_and_stack(layout: &Layout, words: Vec<String>) -> Result<(String, String), Failure> {
    let (env, stacks) = split_env(layout, words);
    let stack = match stacks.as_slice() {
        [one] => one.clone(),
        [] => stack_here(layout).ok_or_else(|| {
            usage("name a stack (e.g. teams/team-a), or run inside a stack's directory")
        })?,
        _ => return Err(usage(format!("one stack, not {}", stacks.join(" ")))),
    };
    Ok((env, stack))
}

struct RunOptions {
    parallelism: usize,
    keep_going: bool,
    ignore_version: bool,
}

fn run_command(
    layout: &Layout,
    env: &str,
    stacks: &[String],
    all: bool,
    opts: RunOptions,
    args: &[String],
) -> Result<i32, Failure> {
    let RunOptions {
        parallelism,
        keep_going,
        ignore_version,
    } = opts;
    use tofu_envs::run;
    let selected: Vec<usize> = if all {
        (0..layout.stacks.len()).collect()
    } else {
        if stacks.is_empty() {
            return Err(usage(
                "name the stacks to run in, run inside a stack's directory, or pass --all",
            ));
        }
        let chosen = layout.select(stacks)?;
        layout
            .stacks
            .iter()
            .enumerate()
            .filter(|(_, s)| chosen.iter().any(|c| c.dir == s.dir))
            .map(|(i, _)| i)
            .collect()
    };
    if let Some(first) = selected.first() {
        if let Ok(engine) = run::engine(&layout.stacks[*first]) {
            let chosen: Vec<_> = selected.iter().map(|&i| &layout.stacks[i]).collect();
            for warning in run::check_engine_version(&chosen, &engine, args, ignore_version)? {
                eprintln!("{warning}");
            }
        }
    }
    if selected.len() == 1 && !all {
        let stack = &layout.stacks[selected[0]];
        let inv = run::invocation(layout, stack, env, args)?;
        let status = run::execute_interactive(stack, env, &inv)?;
        // Killed by a signal (Ctrl-C): 128 + its number, as a shell reports it.
        use std::os::unix::process::ExitStatusExt;
        return Ok(status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)));
    }
    let results = run::run_all(
        layout,
        &selected,
        env,
        args,
        &run::AllOptions {
            parallelism,
            keep_going,
        },
    )?;
    eprintln!();
    let width = results.iter().map(|r| r.stack.len()).max().unwrap_or(5);
    eprintln!("{:<width$}  RESULT    TIME", "STACK");
    for r in &results {
        let outcome = match &r.outcome {
            run::Outcome::Ok => "ok".to_string(),
            run::Outcome::Failed(c) => format!("failed ({c})"),
            run::Outcome::Error(_) => "error".to_string(),
            run::Outcome::Skipped => "skipped".to_string(),
        };
        eprintln!(
            "{:<width$}  {outcome:<8}  {:.1}s",
            r.stack,
            r.duration.as_secs_f64()
        );
    }
    Ok(i32::from(
        results.iter().any(|r| r.outcome != run::Outcome::Ok),
    ))
}

/// `gc --destroy`: each expired environment whose state still holds resources is destroyed
/// first, every stack in reverse dependency order, with its own values and secrets.
fn destroy_expired(layout: &Layout, ignore_version: bool) -> Result<(), Failure> {
    use tofu_envs::run;
    let expired = envs::gc(
        layout,
        envs::GcOptions {
            dry_run: true,
            force: false,
            destroyed: false,
        },
    )?;
    for e in expired.iter().filter(|e| !e.live.is_empty()) {
        let selected: Vec<usize> = (0..layout.stacks.len())
            .filter(|&i| {
                let s = &layout.stacks[i];
                s.plain_file(&e.env).exists() || s.sealed_file(&e.env).exists()
            })
            .collect();
        let args: Vec<String> = ["destroy", "-auto-approve", "-input=false"]
            .map(String::from)
            .to_vec();
        if let Ok(engine) = run::engine(&layout.stacks[0]) {
            let all: Vec<_> = layout.stacks.iter().collect();
            for warning in run::check_engine_version(&all, &engine, &args, ignore_version)? {
                eprintln!("{warning}");
            }
        }
        eprintln!("destroying what environment {} still holds", e.env);
        let results = run::run_all(
            layout,
            &selected,
            &e.env,
            &args,
            &run::AllOptions {
                parallelism: 1,
                keep_going: false,
            },
        )?;
        if let Some(failed) = results.iter().find(|r| r.outcome != run::Outcome::Ok) {
            return Err(Failure(
                1,
                format!(
                    "destroying {} failed in {}; its files are kept: fix it and run `tofu-envs gc --destroy` again",
                    e.env, failed.stack
                ),
            ));
        }
    }
    Ok(())
}

fn env_vars() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("TF_VAR_"))
        .collect()
}

/// Rows as JSON (`--output json`) or as a table.
fn emit<T: serde::Serialize>(
    output: Output,
    rows: &[T],
    header: &[&str],
    cells: impl Fn(&T) -> Vec<String>,
) -> Result<(), Failure> {
    if output == Output::Json {
        json(&rows)
    } else {
        table(header, &rows.iter().map(cells).collect::<Vec<_>>());
        Ok(())
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<(), Failure> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("rows serialize")
    );
    Ok(())
}

fn table(header: &[&str], rows: &[Vec<String>]) {
    for line in platform_cli::table(header, rows) {
        println!("{line}");
    }
}

fn team(layout: &Layout, command: TeamCommand) -> Result<i32, Failure> {
    use tofu_envs::team;
    let shown = |p: &std::path::Path| {
        tofu_envs::sources::relative(layout, p)
            .display()
            .to_string()
    };
    match command {
        TeamCommand::Add {
            name,
            with,
            owner,
            node_port,
        } => {
            let added = team::add(
                layout,
                &name,
                &team::AddOptions {
                    services: with,
                    owner,
                    node_port,
                },
            )?;
            for f in &added.files {
                println!("wrote {}", shown(f));
            }
            if added.atlantis {
                println!("wrote {}", tofu_envs::atlantis::FILE);
            }
            println!(
                "\nteam {name}: vcluster API server on node port {}, environments {}",
                added.node_port,
                added.environments.join(", ")
            );
            println!("next steps:");
            println!(
                "  1. review and edit {} (its env/*.tfvars; secrets with `secret-seal edit`)",
                shown(&added.stack)
            );
            println!("  2. tofu-envs check && git add -A && git commit -m 'Add team {name}'; open a pull request (Atlantis plans it)");
            println!("  3. once applied: kubectl vteam use {name}");
            Ok(0)
        }
        TeamCommand::List { output } => {
            let rows = team::list(layout)?;
            emit(
                output,
                &rows,
                &["TEAM", "NODE PORT", "OWNER", "STACK", "ENVIRONMENTS"],
                |r| {
                    vec![
                        r.team.clone(),
                        match (r.listed, r.node_port) {
                            (true, Some(p)) => p.to_string(),
                            (true, None) => "(none)".into(),
                            (false, _) => "NOT LISTED".into(),
                        },
                        r.owner.clone().unwrap_or_else(|| "-".into()),
                        r.stack.clone().unwrap_or_else(|| "-".into()),
                        if r.environments.is_empty() {
                            "-".into()
                        } else {
                            r.environments.join(",")
                        },
                    ]
                },
            )?;
            Ok(0)
        }
        TeamCommand::Rm { name } => {
            let removed = team::remove(layout, &name)?;
            if let Some(s) = &removed.stack {
                println!("removed {}", shown(s));
            }
            if removed.listed {
                println!("removed {name} from {}", platform_layout::TEAM_LIST);
            }
            if removed.atlantis {
                println!("wrote {}", tofu_envs::atlantis::FILE);
            }
            Ok(0)
        }
    }
}

fn dispatch(cli: Cli) -> Result<i32, Failure> {
    let root = layout::find_root(
        cli.root.as_deref(),
        &std::env::current_dir().map_err(tofu_envs::Error::read("."))?,
    )?;
    let layout = Layout::load(&root)?;
    match cli.command {
        Command::Fmt { .. } | Command::Completions { .. } | Command::Man => {
            unreachable!("handled before")
        }
        Command::Team { command } => team(&layout, command),
        Command::List { output } => {
            let rows = envs::list(&layout)?;
            emit(
                output,
                &rows,
                &["ENV", "STACK", "TFVARS", "SECRETS", "EXPIRES"],
                |r| {
                    vec![
                        r.env.clone(),
                        r.stack.clone(),
                        if r.plain { "yes".into() } else { "-".into() },
                        r.secrets.clone(),
                        r.expires.clone().unwrap_or_else(|| "-".into()),
                    ]
                },
            )?;
            Ok(0)
        }
        Command::New {
            name,
            from,
            copy_secrets,
            ttl,
            stacks,
        } => {
            let created = envs::new_env(
                &layout,
                &name,
                &envs::NewOptions {
                    from,
                    copy_secrets,
                    ttl,
                    stacks,
                },
            )?;
            for f in &created.files {
                println!(
                    "created {}",
                    tofu_envs::sources::relative(&layout, f).display()
                );
            }
            if let Some(e) = created.expires {
                println!("environment {name} expires at {e}; `tofu-envs gc` removes it after that");
            }
            Ok(0)
        }
        Command::Check {
            env,
            stacks,
            output,
        } => {
            let envs: Vec<String> = match env {
                Some(e) => {
                    layout.require_environment(&e)?;
                    vec![e]
                }
                None => layout.environments().into_iter().collect(),
            };
            let selected = layout.select(&stacks)?;
            let findings = check::check(&layout, &envs, &selected, &env_vars());
            // A validation that could not be evaluated is said, not counted.
            let problems = findings.iter().filter(|f| !f.skipped).count();
            if output == Output::Json {
                json(&findings)?;
            } else {
                for f in &findings {
                    if f.skipped {
                        eprintln!("{f}");
                    } else {
                        println!("{f}");
                    }
                }
                let summary = format!(
                    "{problems} finding(s) in {} environment(s) × {} stack(s)",
                    envs.len(),
                    selected.len()
                );
                if problems == 0 {
                    eprintln!("ok: {summary}");
                } else {
                    eprintln!("{summary}");
                }
            }
            Ok(i32::from(problems > 0))
        }
        Command::Vars {
            words,
            reveal,
            output,
        } => {
            let (env, stack) = env_and_stack(&layout, words)?;
            layout.require_environment(&env)?;
            let stack = layout.select(std::slice::from_ref(&stack))?[0];
            let mut rows = envs::resolve(&layout, stack, &env, &env_vars())?;
            if !reveal {
                for r in rows.iter_mut().filter(|r| r.sensitive && r.value.is_some()) {
                    r.value = Some("(sensitive)".into());
                }
            } else if rows.iter().any(|r| r.sensitive) {
                eprintln!("warning: --reveal prints secret values");
            }
            emit(output, &rows, &["VARIABLE", "VALUE", "SOURCE"], |r| {
                vec![
                    r.name.clone(),
                    r.value.clone().unwrap_or_else(|| "-".into()),
                    r.source.clone(),
                ]
            })?;
            Ok(0)
        }
        Command::Diff {
            env_a,
            env_b,
            stacks,
            output,
        } => {
            layout.require_environment(&env_a)?;
            layout.require_environment(&env_b)?;
            let selected = layout.select(&stacks)?;
            let diffs = envs::diff(&layout, &env_a, &env_b, &selected, &env_vars())?;
            let header = [
                "STACK",
                "VARIABLE",
                &env_a.to_uppercase(),
                &env_b.to_uppercase(),
            ];
            emit(output, &diffs, &header, |d| {
                vec![d.stack.clone(), d.name.clone(), d.a.clone(), d.b.clone()]
            })?;
            Ok(0)
        }
        Command::Run {
            words,
            all,
            parallelism,
            keep_going,
            ignore_version,
            args,
        } => {
            let (env, mut stacks) = split_env(&layout, words);
            if stacks.is_empty() && !all {
                stacks.extend(stack_here(&layout));
            }
            layout.require_environment(&env)?;
            run_command(
                &layout,
                &env,
                &stacks,
                all,
                RunOptions {
                    parallelism,
                    keep_going,
                    ignore_version,
                },
                &args,
            )
        }
        Command::Export { words, reveal } => {
            let (env, stack) = split_env(&layout, words);
            // Inside a stack's directory, that stack (as `run` and `vars`), else every stack.
            let stack = stack.into_iter().next().or_else(|| stack_here(&layout));
            layout.require_environment(&env)?;
            let selected = match &stack {
                Some(s) => layout.select(std::slice::from_ref(s))?,
                None => layout.stacks.iter().collect(),
            };
            if reveal {
                eprintln!("warning: --reveal prints secret values");
            }
            for line in tofu_envs::transfer::export(&layout, &selected, &env, reveal)? {
                println!("{line}");
            }
            Ok(0)
        }
        Command::Import {
            words,
            file,
            from_env: _,
        } => {
            let (env, stack) = env_and_stack(&layout, words)?;
            let stack = layout.select(std::slice::from_ref(&stack))?[0];
            let tfvars = file
                .as_ref()
                .is_some_and(|f| f.extension().is_some_and(|e| e == "tfvars"));
            let pairs: Vec<(String, zeroize::Zeroizing<String>)> = match &file {
                Some(f) if tfvars => {
                    let text = zeroize::Zeroizing::new(
                        std::fs::read_to_string(f).map_err(tofu_envs::Error::read(f))?,
                    );
                    tofu_envs::transfer::pairs_from_tfvars(&text)
                        .map_err(|e| usage(format!("{}:{e}", f.display())))?
                }
                Some(f) => tofu_envs::transfer::parse_exports(&zeroize::Zeroizing::new(
                    std::fs::read_to_string(f).map_err(tofu_envs::Error::read(f))?,
                )),
                None => std::env::vars()
                    .filter(|(k, _)| k.starts_with("TF_VAR_"))
                    .map(|(k, v)| (k, zeroize::Zeroizing::new(v)))
                    .collect(),
            };
            let done = tofu_envs::transfer::import(&layout, stack, &env, &pairs)?;
            if !done.plain.is_empty() {
                println!(
                    "{}: {}",
                    tofu_envs::sources::relative(&layout, &stack.plain_file(&env)).display(),
                    done.plain.join(", ")
                );
            }
            if !done.sealed.is_empty() {
                println!(
                    "{} (sealed): {}",
                    tofu_envs::sources::relative(&layout, &stack.sealed_file(&env)).display(),
                    done.sealed.join(", ")
                );
            }
            for n in &done.ignored {
                eprintln!(
                    "warning: TF_VAR_{n} is not declared by {}; not imported",
                    stack.display()
                );
            }
            if let (Some(f), true) = (&file, tfvars) {
                // The original still holds every value in plain text, and tofu loads
                // terraform.tfvars and *.auto.tfvars for every environment.
                eprintln!(
                    "{} is imported into environment {env}; remove it, it holds the secrets in plain text (and tofu would load it for every environment): rm {} (and `git rm --cached` it if it was committed)",
                    f.display(),
                    f.display()
                );
            }
            Ok(0)
        }
        Command::Atlantis { envs, check } => {
            let envs: Vec<String> = if envs.is_empty() {
                layout.environments().into_iter().collect()
            } else {
                envs
            };
            let text = tofu_envs::atlantis::generate(&layout, &envs)?;
            let path = layout.root.join(tofu_envs::atlantis::FILE);
            if check {
                let current = std::fs::read_to_string(&path).unwrap_or_default();
                if current != text {
                    return Err(Failure(
                        1,
                        format!(
                            "{} is stale; regenerate it with `tofu-envs atlantis`",
                            path.display()
                        ),
                    ));
                }
                eprintln!("ok: {} is up to date", path.display());
            } else {
                platform_fs::write(&path, text.as_bytes(), 0o644)
                    .map_err(tofu_envs::Error::from)?;
                println!("wrote {}", path.display());
            }
            Ok(0)
        }
        Command::Gc {
            dry_run,
            destroy,
            force,
            ignore_version,
        } => {
            let destroyed = destroy && !dry_run;
            if destroyed {
                destroy_expired(&layout, ignore_version)?;
            }
            let expired = envs::gc(
                &layout,
                envs::GcOptions {
                    dry_run,
                    force,
                    destroyed,
                },
            )?;
            if expired.is_empty() {
                println!("no expired environments");
            }
            let mut kept = false;
            for e in &expired {
                println!("{} expired at {}", e.env, e.expires);
                if !e.live.is_empty() && !e.removed {
                    kept = true;
                    println!("  its state still holds resources, so its files are kept (without them it could not be destroyed):");
                    for l in &e.live {
                        println!("    {l}");
                    }
                    println!("  destroy them with `tofu-envs gc --destroy`, or remove the files anyway with `tofu-envs gc --force`");
                } else if !e.live.is_empty() {
                    println!(
                        "  removed with --force; its state still holds resources, now orphaned:"
                    );
                    for l in &e.live {
                        println!("    {l}");
                    }
                }
                let verb = if e.removed {
                    "removed"
                } else if dry_run && e.live.is_empty() {
                    "would remove"
                } else {
                    "kept"
                };
                for f in &e.files {
                    println!(
                        "  {verb} {}",
                        tofu_envs::sources::relative(&layout, f).display()
                    );
                }
            }
            Ok(i32::from(kept && !dry_run))
        }
        Command::Extend { env, ttl } => {
            let expires = envs::extend(&layout, &env, &ttl)?;
            println!("environment {env} expires at {expires}");
            Ok(0)
        }
    }
}

platform_cli::every_argument_has_help!(Cli);
