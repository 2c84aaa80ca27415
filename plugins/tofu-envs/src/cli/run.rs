//! `run` and the words it shares with `vars`, `export` and `import`: `[ENV] [STACK...]`.

use tofu_envs::layout::Layout;

use super::{usage, Failure};

/// `[ENV] [STACK...]` as typed: the first word is the environment when the layout has it, or
/// when it looks like one and names no stack (so a typo such as `prd` is reported as an unknown
/// environment); otherwise the environment is `TOFU_ENV`, default `dev`, as every tool and
/// terragrunt's root.hcl take it.
pub(super) fn split_env(layout: &Layout, mut words: Vec<String>) -> (String, Vec<String>) {
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
pub(super) fn stack_here(layout: &Layout) -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    platform_layout::stack_containing(&layout.stacks, &cwd).map(|s| s.name.clone())
}

/// One environment and one stack: named, or the current ones.
pub(super) fn env_and_stack(
    layout: &Layout,
    words: Vec<String>,
) -> Result<(String, String), Failure> {
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

pub(super) struct RunOptions {
    pub(super) parallelism: usize,
    pub(super) keep_going: bool,
    pub(super) ignore_version: bool,
}

pub(super) fn run_command(
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
        if let Ok(engine) = platform_state::engine::for_stack(&layout.stacks[*first]) {
            let chosen: Vec<_> = selected.iter().map(|&i| &layout.stacks[i]).collect();
            for warning in
                tofu_envs::pin::check_engine_version(&chosen, &engine, args, ignore_version)?
            {
                eprintln!("{warning}");
            }
        }
    }
    if selected.len() == 1 && !all {
        let stack = &layout.stacks[selected[0]];
        let inv = run::invocation(layout, stack, env, args)?;
        let status = run::execute_interactive(stack, env, &inv)?;
        return Ok(platform_cli::exit::of_child(status));
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
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let outcome = match &r.outcome {
                run::Outcome::Ok => "ok".to_string(),
                run::Outcome::Failed(c) => format!("failed ({c})"),
                run::Outcome::Error(_) => "error".to_string(),
                run::Outcome::Skipped => "skipped".to_string(),
            };
            vec![
                r.stack.clone(),
                outcome,
                format!("{:.1}s", r.duration.as_secs_f64()),
            ]
        })
        .collect();
    eprintln!();
    for line in platform_cli::table(&["STACK", "RESULT", "TIME"], &rows) {
        eprintln!("{line}");
    }
    Ok(i32::from(
        results.iter().any(|r| r.outcome != run::Outcome::Ok),
    ))
}
