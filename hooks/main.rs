//! `platform-hooks`: the pre-commit hooks (tofu-fmt, terragrunt-fmt, secrets-sealed,
//! tfvars-valid), `run` for all of them, and `install`/`uninstall` of a plain git hook.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use platform_hooks::staged::Repo;
use platform_hooks::{install, report, rules, Hook};

#[derive(Parser)]
#[command(
    name = "platform-hooks",
    version,
    about = "pre-commit hooks: tofu fmt, sealed secrets, valid tfvars, on what is staged"
)]
struct Cli {
    /// Findings as `file:line:column: [hook] what (fix: ...)` lines, or JSON for scripts.
    #[arg(short = 'o', long, value_enum, default_value = "table", global = true)]
    output: Output,
    #[command(flatten)]
    colour: platform_cli::colour::ColourFlag,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Output {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// .tf/.tofu/.tfvars/.tftest.hcl formatted exactly as `tofu fmt` formats them.
    TofuFmt {
        /// Rewrite the working-tree file (only when it equals what is staged).
        #[arg(long)]
        fix: bool,
        /// The files to check (pre-commit passes the staged ones; default: every staged file).
        files: Vec<String>,
    },
    /// terragrunt .hcl files formatted as `terragrunt hcl fmt` formats them.
    TerragruntFmt {
        /// Rewrite the working-tree file (only when it equals what is staged).
        #[arg(long)]
        fix: bool,
        /// The files to check (pre-commit passes the staged ones; default: every staged file).
        files: Vec<String>,
    },
    /// Secrets sealed; no private keys, credentialed kubeconfigs or state.
    SecretsSealed {
        /// The files to check (pre-commit passes the staged ones; default: every staged file).
        files: Vec<String>,
    },
    /// `tofu-envs check` on the environments whose files are staged.
    TfvarsValid {
        /// The files to check (pre-commit passes the staged ones; default: every staged file).
        files: Vec<String>,
    },
    /// Every hook on the staged files (what the installed git hook runs).
    Run {
        /// Format unformatted files in the working tree (when they equal what is staged).
        #[arg(long)]
        fix: bool,
    },
    /// Fix what the hooks found in these working-tree files: format them, or seal them with the .sops.yaml rule (what the hints say to run).
    Fix {
        /// The files the findings name.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Write .git/hooks/pre-commit (an existing hook is kept and chained).
    Install,
    /// Remove it (and restore a hook it replaced).
    Uninstall,
    /// Print a shell completion script: `platform-hooks completions bash > ~/.local/share/bash-completion/completions/platform-hooks`.
    Completions {
        /// The shell to complete in.
        shell: platform_cli::Shell,
    },
    /// Print the manual page (roff): `platform-hooks man > platform-hooks.1`.
    Man,
}

fn main() {
    std::process::exit(run());
}

fn run() -> i32 {
    let cli = match platform_cli::exit::parse_args::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    cli.colour.apply();
    // A commit never waits on a key service: Vault gets a few seconds to open a file whose MAC
    // the hook checks, or the check is left to a key at hand.
    platform_vault::limit_wait(std::time::Duration::from_secs(3));
    // The hooks only print: no child reads from us.
    platform_cli::end_quietly_at_closed_pipe();
    match execute(&cli) {
        Ok(code) => code,
        Err(e) => {
            platform_cli::print_error("platform-hooks", e.as_ref());
            2
        }
    }
}

fn execute(cli: &Cli) -> anyhow::Result<i32> {
    let cwd = std::env::current_dir()?;
    let (hooks, files, fix): (Vec<Hook>, &[String], bool) = match &cli.command {
        Command::Install => {
            let binary = std::env::current_exe()?;
            let hook = install::install(&cwd, &binary)?;
            println!("installed {}", hook.display());
            return Ok(0);
        }
        Command::Uninstall => {
            match install::uninstall(&cwd)? {
                Some(restored) => println!(
                    "removed; restored the previous hook at {}",
                    restored.display()
                ),
                None => println!("removed"),
            }
            return Ok(0);
        }
        Command::Fix { files } => {
            let mut failed = false;
            for f in files {
                match platform_hooks::fix::fix(&cwd.join(f)) {
                    Ok(done) => println!("{done}"),
                    Err(e) => {
                        platform_cli::print_error("platform-hooks", e.as_ref());
                        failed = true;
                    }
                }
            }
            return Ok(i32::from(failed));
        }
        Command::Completions { shell } => {
            let script = platform_cli::completion_script(&mut Cli::command(), *shell);
            platform_cli::print_bytes(&script)?;
            return Ok(0);
        }
        Command::Man => {
            platform_cli::print_bytes(&platform_cli::man_page(Cli::command()))?;
            return Ok(0);
        }
        Command::TofuFmt { fix, files } => (vec![Hook::TofuFmt], files, *fix),
        Command::TerragruntFmt { fix, files } => (vec![Hook::TerragruntFmt], files, *fix),
        Command::SecretsSealed { files } => (vec![Hook::SecretsSealed], files, false),
        Command::TfvarsValid { files } => (vec![Hook::TfvarsValid], files, false),
        Command::Run { fix } => (Hook::ALL.to_vec(), &[], *fix),
    };
    let repo = Repo::discover(&cwd)?;
    let staged = repo.files(&cwd, files)?;
    let mut findings = Vec::new();
    for hook in hooks {
        findings.extend(match hook {
            Hook::TofuFmt | Hook::TerragruntFmt => rules::fmt(hook, &repo, &staged, fix),
            Hook::SecretsSealed => rules::secrets(&repo, &staged),
            Hook::TfvarsValid => rules::tfvars(&repo, &staged),
        });
    }
    if cli.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&findings)?);
    } else {
        let color = platform_cli::colour::on_stdout();
        report::human(&mut findings, color, &mut std::io::stdout().lock())?;
    }
    Ok(i32::from(!findings.is_empty()))
}

platform_cli::every_argument_has_help!(Cli);
