//! `platform-hooks fix FILE...`: what the fix hints name. It works wherever the hooks run (the
//! pre-commit framework puts no `tofu-envs` or `secret-seal` on PATH): it formats a file as the
//! formatting hooks want it, and seals a secrets file with the repository's `.sops.yaml` rule
//! (or, in a sealed file that holds plain values, encrypts them, with the user's key).

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use hcl_format::Mode;

/// The command a hint gives for `path`: this very binary, by name when that is what PATH finds,
/// else by its full path (the pre-commit framework keeps it in its own environment).
pub fn hint(path: &str) -> String {
    format!("{} fix {path} && git add {path}", invocation())
}

/// The hint for a secrets file that must be sealed: `fix` where a `.sops.yaml` rule covers it
/// (fix seals by that rule), else what to add so that one does. A hint is only printed when it
/// works as printed.
pub fn seal_hint(path: &str) -> String {
    let covered = secret_seal::file::covering_config(Path::new(path))
        .ok()
        .flatten()
        .filter(|c| c.rule_for(Path::new(path)).is_ok());
    match covered {
        Some(_) => hint(path),
        None => format!(
            "add a creation rule whose path_regex matches {path} to .sops.yaml, then {}",
            hint(path)
        ),
    }
}

fn invocation() -> String {
    let me = std::env::current_exe().ok();
    let on_path = which::which("platform-hooks").ok();
    match (me, on_path) {
        (Some(me), Some(found)) if same_file(&me, &found) => "platform-hooks".into(),
        (Some(me), _) => shell_words::quote(&me.display().to_string()).into_owned(),
        (None, _) => "platform-hooks".into(),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Fixes one working-tree file; says what it did.
pub fn fix(path: &Path) -> Result<String> {
    if let Some(mode) = Mode::for_path(path) {
        return format(path, mode);
    }
    seal(path)
}

fn format(path: &Path, mode: Mode) -> Result<String> {
    use tofu_envs::fmt::Outcome;
    match tofu_envs::fmt::format_file(path, mode) {
        Outcome::Unchanged => Ok(format!("{}: already formatted", path.display())),
        Outcome::Changed { formatted, .. } => {
            platform_fs::write(path, formatted.as_bytes(), 0o644)?;
            Ok(format!("{}: formatted", path.display()))
        }
        Outcome::Invalid(why) => Err(anyhow!("{why}: fix it by hand")),
        Outcome::Lossy(places) => Err(anyhow!(
            "{}:{}:{}: {}",
            path.display(),
            places[0].line,
            places[0].column,
            places[0].message
        )),
    }
}

fn seal(path: &Path) -> Result<String> {
    let config = secret_seal::file::covering_config(path)?.ok_or_else(|| {
        anyhow!(
            "no .sops.yaml above {} says how to seal it: add a creation rule",
            path.display()
        )
    })?;
    let rule = config
        .rule_for(path)
        .map_err(|_| {
            anyhow!(
                "{}: no creation rule in {} matches it: add one whose path_regex does",
                path.display(),
                config.path.display()
            )
        })?
        .rule
        .clone()
        .unwrap_or_default();
    let format = secret_seal::Format::from_path(path);
    let bytes = zeroize::Zeroizing::new(
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
    );
    match secret_seal::Sealed::parse(format, &bytes) {
        Err(secret_seal::Error::NotEncrypted) => {
            let tree = secret_seal::store::load_plain(format, &bytes)?;
            let sealed = config.seal_new(path, tree, format)?;
            platform_fs::write(path, &sealed, 0o644)?;
        }
        // Sealed, with values the rule wants encrypted in plain text: open it (a key holder's
        // job) under its lock and seal it again under the repository's rule, with its own data
        // key and recipients; sealed values keep their ciphertext.
        Ok(_) => {
            let mut file =
                secret_seal::SealedFile::open(path, Some(format)).with_context(|| {
                    format!(
                        "{}: opening it needs a key it is sealed for",
                        path.display()
                    )
                })?;
            file.opened_mut().expect("an opened file").metadata.rule = rule;
            file.write(Some(0o644))?;
        }
        Err(e) => return Err(anyhow!("{}: {e}", path.display())),
    }
    Ok(format!(
        "{}: sealed with the rule of {}",
        path.display(),
        config.path.display()
    ))
}
