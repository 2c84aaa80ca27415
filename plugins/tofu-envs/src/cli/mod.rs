//! The command line: parses, calls the library, prints tables or JSON, maps results to exit codes
//! (0 ok, 1 findings, 2 usage or input errors; `fmt` keeps tofu's 3 for `-check`).

use std::io::Write;
use std::path::PathBuf;

mod commands;
mod output;
mod run;
mod team;

use output::{emit, env_vars};
use run::{env_and_stack, run_command, split_env, stack_here, RunOptions};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use tofu_envs::envs;
use tofu_envs::layout::{self, Layout};

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
    #[command(flatten)]
    write: platform_cli::WriteFlags,
    #[command(flatten)]
    colour: platform_cli::colour::ColourFlag,
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
    let cli = match platform_cli::exit::parse_args::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    platform_fs::force_writes(cli.write.force);
    cli.colour.apply();
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
        Command::Team { command } => team::team(&layout, command),
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
        } => commands::check(&layout, env, &stacks, output),
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
        } => commands::import(&layout, words, file),
        Command::Atlantis { envs, check } => commands::atlantis(&layout, envs, check),
        Command::Gc {
            dry_run,
            destroy,
            force,
            ignore_version,
        } => commands::gc(&layout, dry_run, destroy, force, ignore_version),
        Command::Extend { env, ttl } => {
            let expires = envs::extend(&layout, &env, &ttl)?;
            println!("environment {env} expires at {expires}");
            Ok(0)
        }
    }
}

platform_cli::every_argument_has_help!(Cli);
