//! The command line: parses, calls the library, prints tables or JSON, maps results to exit codes
//! (0 ok, 1 findings, 2 usage or input errors; `fmt` keeps tofu's 3 for `-check`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use owo_colors::OwoColorize;
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
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Environments × stacks: which files exist, sealed or not, expiry.
    List {
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Create an environment's files for every stack (secrets sealed at once).
    New {
        name: String,
        /// Copy the files of this environment.
        #[arg(long)]
        from: Option<String>,
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
        stacks: Vec<String>,
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Each variable's effective value and where it comes from, in tofu's precedence.
    Vars {
        env: String,
        stack: String,
        /// Show sensitive values.
        #[arg(long)]
        reveal: bool,
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Variable-level differences between two environments (secrets compared, never shown).
    Diff {
        env_a: String,
        env_b: String,
        stacks: Vec<String>,
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Remove the files of expired short-lived environments (never their state).
    Gc {
        #[arg(long)]
        dry_run: bool,
    },
}

struct Failure(i32, String);

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure(2, s)
    }
}

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    if let Command::Fmt { args } = &cli.command {
        return fmt(args);
    }
    match dispatch(cli) {
        Ok(code) => code,
        Err(Failure(code, msg)) => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let label = if color {
                format!("{}", "error:".red().bold())
            } else {
                "error:".into()
            };
            eprintln!("tofu-envs: {label} {msg}");
            code
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
        serde_json::to_string_pretty(v).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// A plain table: columns padded to their widest cell.
fn table(header: &[&str], rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let s: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i + 1 == cells.len() {
                    c.clone()
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        println!("{}", s.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r.clone());
    }
}

fn dispatch(cli: Cli) -> Result<i32, Failure> {
    let root = layout::find_root(
        cli.root.as_deref(),
        &std::env::current_dir().map_err(|e| e.to_string())?,
    )?;
    let layout = Layout::load(&root)?;
    match cli.command {
        Command::Fmt { .. } => unreachable!("handled before"),
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
            ttl,
            stacks,
        } => {
            let created = envs::new_env(&layout, &name, &envs::NewOptions { from, ttl, stacks })?;
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
                Some(e) => vec![e],
                None => layout.environments().into_iter().collect(),
            };
            let selected = layout.select(&stacks)?;
            let findings = check::check(&layout, &envs, &selected, &env_vars());
            if output == Output::Json {
                json(&findings)?;
            } else {
                for f in &findings {
                    println!("{f}");
                }
                let summary = format!(
                    "{} finding(s) in {} environment(s) × {} stack(s)",
                    findings.len(),
                    envs.len(),
                    selected.len()
                );
                if findings.is_empty() {
                    eprintln!("ok: {summary}");
                } else {
                    eprintln!("{summary}");
                }
            }
            Ok(i32::from(!findings.is_empty()))
        }
        Command::Vars {
            env,
            stack,
            reveal,
            output,
        } => {
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
        Command::Gc { dry_run } => {
            let expired = envs::gc(&layout, !dry_run)?;
            if expired.is_empty() {
                println!("no expired environments");
            }
            for e in &expired {
                println!("{} expired at {}", e.env, e.expires);
                println!("  destroy its infrastructure first: TOFU_ENV={} terragrunt run --all destroy (state under .terraform-state/{}/ is kept)", e.env, e.env);
                for f in &e.files {
                    let verb = if dry_run { "would remove" } else { "removed" };
                    println!(
                        "  {verb} {}",
                        tofu_envs::sources::relative(&layout, f).display()
                    );
                }
            }
            Ok(0)
        }
    }
}
