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
use platform_cli::colour::{paint, Style};

mod commands;
use commands::*;

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
    /// The kubeconfig to read and write (kubectl's flag); default: KUBECONFIG's files (written: the first that exists), else ~/.kube/config
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
    #[command(flatten)]
    write: platform_cli::WriteFlags,
    #[command(flatten)]
    colour: platform_cli::colour::ColourFlag,
    /// Teams' credentials kept in Vault KV v2 at this location (MOUNT/PATH, e.g. secret/platform/teams), at VAULT_ADDR: nothing secret is written to kubeconfigs
    #[arg(long, global = true, env = "VTEAM_VAULT", value_name = "LOCATION")]
    vault: Option<String>,
    /// Keep an exec plugin a team's kubeconfig in Vault names although it is not a known login (kubelogin, aws, gke-gcloud-auth-plugin...)
    #[arg(long, global = true)]
    allow_exec: bool,
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
    /// Store teams' kubeconfigs, bytes unchanged, in Vault at <--vault>/<env>/<team> (for the platform team, after an apply)
    Publish {
        /// The teams to publish
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        teams: Vec<String>,
        /// Every team of the environment
        #[arg(long)]
        all: bool,
    },
    /// kubectl's exec credential plugin for a team kept in Vault: prints its token or client certificate (kubeconfigs written by `use` run it)
    Credential {
        /// The team whose credential kubectl asks for
        team: String,
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
    platform_fs::force_writes(cli.write.force);
    cli.colour.apply();
    if !matches!(cli.command, Some(Cmd::Exec { .. } | Cmd::Shell { .. })) {
        platform_cli::end_quietly_at_closed_pipe();
    }
    match run(cli) {
        Ok(code) => code,
        // A typed error says its kind; the rest are the command line's own complaints.
        Err(e) => platform_cli::exit::report("kubectl-vteam", e.as_ref(), |_| {
            e.downcast_ref::<kubectl_vteam::Error>()
                .map_or(platform_cli::exit::USAGE, |e| e.kind().code())
        }),
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
        let vault = self.vault()?;
        Ok(Teams::discover(&teams::Options {
            layout: self.layout.as_ref(),
            envs: &self.envs,
            cluster: host.as_ref(),
            vault: vault.as_ref(),
            allow_exec: self.cli.allow_exec,
            details,
        })?)
    }

    /// Where teams' credentials are kept in Vault, when they are.
    fn vault(&self) -> Result<Option<kubectl_vteam::vault::Store>> {
        Ok(self
            .cli
            .vault
            .as_deref()
            .map(kubectl_vteam::vault::Store::new)
            .transpose()?)
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
        Cmd::Publish { teams, all } => publish(&ctx, &teams, all),
        Cmd::Credential { team } => credential(&ctx, &team),
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

platform_cli::every_argument_has_help!(Cli);

#[cfg(test)]
#[test]
fn completion_offers_every_subcommand_and_its_flags_as_clap_defines_them() {
    use kubectl_vteam::completion::{flags, SUBCOMMANDS};
    let mut cli = Cli::command();
    cli.build();
    let longs = |c: &clap::Command| -> std::collections::BTreeSet<String> {
        c.get_arguments()
            .filter(|a| !a.is_hide_set() && a.get_id() != "version")
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .chain(["--help".to_string()])
            .collect()
    };
    let listed: Vec<&str> = SUBCOMMANDS.iter().map(|(n, _)| *n).collect();
    for sub in cli
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = sub.get_name();
        assert!(listed.contains(&name), "{name} is not completed");
        let offered: std::collections::BTreeSet<String> =
            flags(name).into_iter().map(String::from).collect();
        assert_eq!(offered, longs(sub), "{name}");
    }
}
