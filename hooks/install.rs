//! For people without the pre-commit framework: `.git/hooks/pre-commit` that runs every hook on
//! the staged files. An existing hook is kept as `pre-commit.local` and chained; `uninstall`
//! puts it back.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

const MARKER: &str = "# installed by platform-hooks";

fn hooks_dir(start: &Path) -> Result<PathBuf> {
    let repo = git2::Repository::discover(start).context("not inside a git repository")?;
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or(repo.path()).join(p),
        None => repo.path().join("hooks"),
    })
}

fn script(binary: &Path) -> String {
    format!(
        "#!/bin/sh\n{MARKER}; `platform-hooks uninstall` removes it.\n{:?} run || exit $?\nlocal_hook=\"$(dirname \"$0\")/pre-commit.local\"\nif [ -x \"$local_hook\" ]; then\n  exec \"$local_hook\" \"$@\"\nfi\n",
        binary.display().to_string()
    )
}

pub fn install(start: &Path, binary: &Path) -> Result<PathBuf> {
    let dir = hooks_dir(start)?;
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} is a file, not the directory git keeps hooks in: move it away (or set core.hooksPath) and install again",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let hook = dir.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&hook) {
        if !existing.contains(MARKER) {
            let local = dir.join("pre-commit.local");
            if local.exists() {
                bail!(
                    "{} and {} both exist; move one away first",
                    hook.display(),
                    local.display()
                );
            }
            std::fs::rename(&hook, &local)
                .with_context(|| format!("keeping the existing hook as {}", local.display()))?;
        }
    }
    platform_fs::write(&hook, script(binary).as_bytes(), 0o755)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(hook)
}

pub fn uninstall(start: &Path) -> Result<Option<PathBuf>> {
    let dir = hooks_dir(start)?;
    let hook = dir.join("pre-commit");
    match std::fs::read_to_string(&hook) {
        Ok(text) if text.contains(MARKER) => {
            std::fs::remove_file(&hook)?;
            let local = dir.join("pre-commit.local");
            if local.exists() {
                std::fs::rename(&local, &hook)?;
                return Ok(Some(hook));
            }
            Ok(None)
        }
        Ok(_) => bail!(
            "{} was not installed by platform-hooks; leaving it alone",
            hook.display()
        ),
        Err(_) => Ok(None),
    }
}
