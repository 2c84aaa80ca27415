//! The commands that print reports: check, import, atlantis, gc.

use std::path::PathBuf;

use tofu_envs::check;
use tofu_envs::layout::Layout;

use super::output::{env_vars, json};
use super::{usage, Failure, Output};

pub(super) fn check(
    layout: &Layout,
    env: Option<String>,
    stacks: &[String],
    output: Output,
) -> Result<i32, Failure> {
    let envs: Vec<String> = match env {
        Some(e) => {
            layout.require_environment(&e)?;
            vec![e]
        }
        None => layout.environments().into_iter().collect(),
    };
    let selected = layout.select(stacks)?;
    let findings = check::check(layout, &envs, &selected, &env_vars());
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

pub(super) fn import(
    layout: &Layout,
    words: Vec<String>,
    file: Option<PathBuf>,
) -> Result<i32, Failure> {
    let (env, stack) = super::run::env_and_stack(layout, words)?;
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
    let done = tofu_envs::transfer::import(layout, stack, &env, &pairs)?;
    // Where the values came from, and what each was called there.
    let (from, named) = match &file {
        Some(f) if tfvars => (f.display().to_string(), ""),
        Some(f) => (f.display().to_string(), "TF_VAR_"),
        None => ("the environment".to_string(), "TF_VAR_"),
    };
    if !done.plain.is_empty() {
        println!(
            "{}: {} (from {from})",
            tofu_envs::sources::relative(layout, &stack.plain_file(&env)).display(),
            done.plain.join(", ")
        );
    }
    if !done.sealed.is_empty() {
        println!(
            "{} (sealed): {} (from {from})",
            tofu_envs::sources::relative(layout, &stack.sealed_file(&env)).display(),
            done.sealed.join(", ")
        );
    }
    for n in &done.ignored {
        eprintln!(
            "warning: {from}: {named}{n} is not declared by {}; not imported",
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

pub(super) fn atlantis(layout: &Layout, envs: Vec<String>, check: bool) -> Result<i32, Failure> {
    let envs: Vec<String> = if envs.is_empty() {
        layout.environments().into_iter().collect()
    } else {
        envs
    };
    let text = tofu_envs::atlantis::generate(layout, &envs)?;
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
        platform_fs::write(&path, text.as_bytes(), 0o644).map_err(tofu_envs::Error::from)?;
        println!("wrote {}", path.display());
    }
    Ok(0)
}

pub(super) fn gc(
    layout: &Layout,
    dry_run: bool,
    destroy: bool,
    force: bool,
    ignore_version: bool,
) -> Result<i32, Failure> {
    let destroyed = destroy && !dry_run;
    if destroyed {
        tofu_envs::gc::destroy_expired(layout, ignore_version, &|note| eprintln!("{note}"))?;
    }
    let expired = tofu_envs::gc::gc(
        layout,
        tofu_envs::gc::GcOptions {
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
            println!("  removed with --force; its state still holds resources, now orphaned:");
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
                tofu_envs::sources::relative(layout, f).display()
            );
        }
    }
    Ok(i32::from(kept && !dry_run))
}
