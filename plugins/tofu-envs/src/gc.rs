//! `tofu-envs gc`: short-lived environments past their expiry. Their files go once no state holds
//! their resources (read where each backend keeps it, by the shared reader); `--destroy` first
//! destroys what they still hold, every stack in reverse dependency order.

use std::path::PathBuf;

use crate::envs::{now, parse_utc};
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::run;

pub struct Expired {
    pub env: String,
    pub expires: String,
    pub files: Vec<PathBuf>,
    /// The state that still holds the environment's resources, per stack: the files are kept.
    pub live: Vec<String>,
    /// Whether its files were removed.
    pub removed: bool,
}

/// What `gc` may do beyond removing the files of an environment whose state is empty.
#[derive(Debug, Clone, Copy, Default)]
pub struct GcOptions {
    /// Say what would be done; change nothing.
    pub dry_run: bool,
    /// Remove the files even where state still holds resources (they are then orphaned).
    pub force: bool,
    /// `gc --destroy` has just destroyed every expired environment's resources: a state kept in
    /// a remote backend (which cannot be read here) is then known to be empty.
    pub destroyed: bool,
}

/// Expired short-lived environments. The files of one whose state still holds resources are
/// kept (without them it could no longer be destroyed) unless forced; the others' env files and
/// registry entries go. State is never touched here.
pub fn gc(layout: &Layout, opts: GcOptions) -> Result<Vec<Expired>> {
    let _lock = platform_fs::Lock::on_dir(&layout.root)?;
    let mut reg = layout.registry()?;
    let now = now();
    let expired: Vec<(String, String)> = reg
        .environments
        .iter()
        .filter(|(_, e)| parse_utc(&e.expires).is_some_and(|t| t <= now))
        .map(|(k, e)| (k.clone(), e.expires.clone()))
        .collect();
    let mut out = Vec::new();
    for (env, expires) in expired {
        let files: Vec<PathBuf> = layout
            .stacks
            .iter()
            .flat_map(|s| {
                let mut files = vec![s.plain_file(&env), s.sealed_file(&env)];
                files.extend(platform_state::backend::env_backend_file(s, &env));
                files
            })
            .filter(|p| p.exists())
            .collect();
        let live = live_state(layout, &env, opts.destroyed);
        let removed = !opts.dry_run && (live.is_empty() || opts.force);
        if removed {
            for f in &files {
                std::fs::remove_file(f).map_err(Error::write(f))?;
            }
            // Its `.terraform` (providers, modules: often hundreds of megabytes) goes too.
            for stack in &layout.stacks {
                let data = platform_state::backend::data_dir(stack, &env);
                match std::fs::remove_dir_all(&data) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(Error::write(&data)(e))
                    }
                    _ => {}
                }
            }
            reg.environments.remove(&env);
        }
        out.push(Expired {
            env,
            expires,
            files,
            live,
            removed,
        });
    }
    if out.iter().any(|e| e.removed) {
        layout.save_registry(&reg)?;
    }
    Ok(out)
}

/// The stacks whose state for `env` still holds managed resources, wherever the backend keeps
/// it (the shared reader, `platform_state`): the environment's remote backend (through the
/// engine), root.hcl's local path, a workspace named for the environment, and a stack's local
/// `terraform.tfstate`. A state that cannot be read counts as live; a remote one is skipped when
/// `remote_destroyed` (`gc --destroy` has just destroyed it).
pub fn live_state(layout: &Layout, env: &str, remote_destroyed: bool) -> Vec<String> {
    live_stacks(layout, env, remote_destroyed)
        .into_iter()
        .flat_map(|(_, why)| why)
        .collect()
}

/// Each stack (by index) whose state for `env` holds resources or cannot be read, with why.
fn live_stacks(layout: &Layout, env: &str, remote_destroyed: bool) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (i, stack) in layout.stacks.iter().enumerate() {
        let mut live = Vec::new();
        for place in platform_state::state::places(&layout.root, stack, env) {
            if remote_destroyed && matches!(place, platform_state::Place::Backend { .. }) {
                continue;
            }
            let shown = place.shown(&layout.root);
            match place.read() {
                Ok(None) => {}
                Ok(Some(state)) => match state.live().count() {
                    0 => {}
                    n => live.push(format!("{}: {shown} holds {n} resource(s)", stack.name)),
                },
                Err(e) => live.push(format!(
                    "{}: {shown} cannot be read ({}): counted as live",
                    stack.name,
                    e.reason()
                )),
            }
        }
        if !live.is_empty() {
            out.push((i, live));
        }
    }
    out
}

/// `gc --destroy`: each expired environment whose state still holds resources is destroyed
/// first, the stacks whose state holds them in reverse dependency order, with their own values
/// and secrets. Every stack that failed is named; the files of a failed environment stay.
pub fn destroy_expired(layout: &Layout, ignore_version: bool, note: &dyn Fn(&str)) -> Result<()> {
    let expired = gc(
        layout,
        GcOptions {
            dry_run: true,
            force: false,
            destroyed: false,
        },
    )?;
    let args: Vec<String> = ["destroy", "-auto-approve", "-input=false"]
        .map(String::from)
        .to_vec();
    for e in expired.iter().filter(|e| !e.live.is_empty()) {
        // Only the stacks whose state holds something: a stack with no state would need its
        // providers downloaded to destroy nothing.
        let selected: Vec<usize> = live_stacks(layout, &e.env, false)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        if let Ok(engine) = platform_state::engine::for_stack(&layout.stacks[0]) {
            let all: Vec<_> = layout.stacks.iter().collect();
            for warning in crate::pin::check_engine_version(&all, &engine, &args, ignore_version)? {
                note(&warning);
            }
        }
        note(&format!(
            "destroying what environment {} still holds",
            e.env
        ));
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
        let failed: Vec<&str> = results
            .iter()
            .filter(|r| matches!(r.outcome, run::Outcome::Failed(_) | run::Outcome::Error(_)))
            .map(|r| r.stack.as_str())
            .collect();
        if !failed.is_empty() {
            return Err(Error::Engine(format!(
                "destroying {} failed in {}; its files are kept: fix it and run `tofu-envs gc --destroy` again",
                e.env,
                failed.join(", ")
            )));
        }
    }
    Ok(())
}
