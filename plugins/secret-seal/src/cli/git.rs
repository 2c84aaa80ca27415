//! `git-setup` and the textconv driver: plain-text diffs of sealed files for key holders.

use super::*;

/// The files `git-setup` routes through the textconv driver.
pub(super) const GIT_PATTERNS: [&str; 4] = ["*.secrets.*", "secrets.*", "*.enc.*", "*.sops.*"];

pub(super) fn git(repo: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        return Err(anyhow!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub(super) fn git_setup(repo: Option<&Path>) -> anyhow::Result<()> {
    let start = repo.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let top = PathBuf::from(
        git(&start, &["rev-parse", "--show-toplevel"]).context("not inside a git repository")?,
    );
    let attributes = top.join(".gitattributes");
    let mut text = std::fs::read_to_string(&attributes).unwrap_or_default();
    let mut added = Vec::new();
    for p in GIT_PATTERNS {
        let line = format!("{p} diff=secret-seal");
        if !text.lines().any(|l| l.trim() == line) {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&line);
            text.push('\n');
            added.push(p);
        }
    }
    atomic::write_with_mode(&attributes, text.as_bytes(), Some(0o644))?;
    let exe = std::env::current_exe()?;
    let quoted = shell_words::quote(&exe.display().to_string()).into_owned();
    git(
        &top,
        &[
            "config",
            "--local",
            "diff.secret-seal.textconv",
            &format!("{quoted} textconv"),
        ],
    )?;
    // A textconv cache would keep plaintext in git's notes.
    git(
        &top,
        &[
            "config",
            "--local",
            "diff.secret-seal.cachetextconv",
            "false",
        ],
    )?;
    eprintln!(
        "{}: sealed files ({}) diff decrypted for key holders; commit .gitattributes to share it",
        top.display(),
        GIT_PATTERNS.join(", ")
    );
    if !added.is_empty() {
        eprintln!("added to .gitattributes: {}", added.join(", "));
    }
    Ok(())
}

pub(super) fn textconv(file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).map_err(|source| Error::Read {
        path: file.into(),
        source,
    })?;
    // git names the temp file it hands over after the original, so the format is recognised.
    let format = Format::from_path(file);
    let plain = Sealed::parse(format, &bytes).ok().and_then(|s| {
        let opened = s.open_for_user(true).ok()?;
        store::emit_plain(format, &opened.tree, EmitOptions::default())
            .ok()
            .map(zeroize::Zeroizing::new)
    });
    let mut out = std::io::stdout().lock();
    match plain {
        Some(p) => out.write_all(&p)?,
        None => out.write_all(&bytes)?,
    }
    Ok(())
}
