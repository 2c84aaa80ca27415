//! `tofu-envs run`: tofu or terragrunt for an environment, with `TOFU_ENV` set, the env's plain var
//! file, and its sealed secrets decrypted in memory and handed over through a fresh pipe for every
//! invocation (`-var-file=/dev/fd/3`; a FIFO in a private directory for terragrunt, whose Go runtime
//! closes inherited descriptors). `--all` runs every stack in dependency order, independent stacks
//! in parallel ([`all`]). Secrets never touch the disk.

mod all;
mod command_line;
mod spawn;

pub use all::{run_all, AllOptions, Outcome, StackResult};
pub use command_line::command_word;
pub use platform_state::Engine;
pub use spawn::{execute, execute_interactive};

use std::collections::BTreeMap;
use std::path::PathBuf;

use platform_state::{backend, StateBackend};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::layout::{Layout, Stack};
use crate::sources::{self, Sealed};
use command_line::{wants_vars, CommandLine};

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
pub(crate) fn terragrunt_inputs_as_env(
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
    let engine = platform_state::engine::for_stack(stack)?;
    let vars = wants_vars(args);
    let command = command_word(args);
    let touches_state = backend::needs_backend(command);
    // terragrunt configures the backend itself (root.hcl's remote_state); tofu is told here.
    let state = match engine {
        Engine::Tofu(_) if touches_state => Some(backend::env_state(&layout.root, stack, env)?),
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
