//! git's view of sealed files: `git-setup` (the attributes and drivers), the textconv driver
//! (plain-text diffs for key holders) and the merge driver (sealed files merged value by
//! value, the result sealed again).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::{atomic, store, Format, Sealed, SealedFile};

/// The files `git-setup` routes through the drivers.
pub const PATTERNS: [&str; 4] = ["*.secrets.*", "secrets.*", "*.enc.*", "*.sops.*"];

/// Runs git in `repo`; its trimmed standard output.
pub fn git(repo: &Path, args: &[&str]) -> Result<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| Error::Git(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Git(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// What `git-setup` did: the working tree's top, and the patterns it added to `.gitattributes`.
#[derive(Debug)]
pub struct Setup {
    pub top: PathBuf,
    pub added: Vec<&'static str>,
}

/// Routes sealed files through `exe`'s textconv and merge drivers in the repository around
/// `start`: `.gitattributes` lines (kept when there, completed when an older setup wrote the
/// diff driver only) and the drivers in the repository's own config.
pub fn setup(start: &Path, exe: &Path) -> Result<Setup> {
    let top = PathBuf::from(
        git(start, &["rev-parse", "--show-toplevel"])
            .map_err(|e| Error::Git(format!("not inside a git repository ({e})")))?,
    );
    let attributes = top.join(".gitattributes");
    let text = std::fs::read_to_string(&attributes).unwrap_or_default();
    let (text, added) = with_driver_lines(text);
    atomic::write_with_mode(&attributes, text.as_bytes(), Some(0o644))?;
    let quoted = shell_words::quote(&exe.display().to_string()).into_owned();
    let textconv = format!("{quoted} textconv");
    let driver = format!("{quoted} merge %O %A %B %P");
    for (key, value) in [
        ("diff.secret-seal.textconv", textconv.as_str()),
        // A textconv cache would keep plaintext in git's notes.
        ("diff.secret-seal.cachetextconv", "false"),
        (
            "merge.secret-seal.name",
            "secret-seal: sealed files merged value by value",
        ),
        ("merge.secret-seal.driver", driver.as_str()),
    ] {
        git(&top, &["config", "--local", key, value])?;
    }
    Ok(Setup { top, added })
}

/// `.gitattributes` with a driver line for every pattern, and the patterns it added.
fn with_driver_lines(mut text: String) -> (String, Vec<&'static str>) {
    let mut added = Vec::new();
    for p in PATTERNS {
        let line = format!("{p} diff=secret-seal merge=secret-seal");
        // A line from an earlier git-setup (textconv only) gets the merge driver too.
        let older = format!("{p} diff=secret-seal");
        if let Some(old) = text.lines().find(|l| l.trim() == older).map(str::to_string) {
            text = text.replacen(&old, &line, 1);
            added.push(p);
        } else if !text.lines().any(|l| l.trim() == line) {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&line);
            text.push('\n');
            added.push(p);
        }
    }
    (text, added)
}

/// What git shows for `file`: decrypted when a key opens it, else its bytes as they are.
pub fn textconv(file: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let bytes = std::fs::read(file).map_err(|source| Error::Read {
        path: file.into(),
        source,
    })?;
    // git names the temp file it hands over after the original, so the format is recognised.
    let format = Format::from_path(file);
    let plain = Sealed::parse(format, &bytes).ok().and_then(|s| {
        let tree = s.read_for_user(true).ok()?;
        store::emit_plain(format, &tree, store::EmitOptions::default()).ok()
    });
    Ok(zeroize::Zeroizing::new(plain.unwrap_or(bytes)))
}

/// How a merge of three sealed versions ended.
#[derive(Debug)]
pub enum Merge {
    /// Written over ours, sealed; the key paths both sides changed differently (each holding
    /// both sides between conflict markers), and recipients changed on both sides.
    Sealed { conflicts: Vec<String> },
    /// A version could not be opened (no key, not sealed): merged as git does without the
    /// driver, line by line with conflict markers (on sealed text); why, and whether cleanly.
    AsText { why: Error, clean: bool },
}

/// git's merge driver: `base`, `ours` and `theirs` are git's temporary files (%O %A %B), the
/// result replaces `ours`; `name` is the file's path in the repository (%P), which gives its
/// format and `.sops.yaml`. Every version is opened in memory with the user's keys; the result
/// is sealed with our data key (values nobody changed keep their ciphertext) for our
/// recipients, or theirs when only they changed them.
pub fn merge(
    base: &Path,
    ours: &Path,
    theirs: &Path,
    name: &Path,
    format: Option<Format>,
) -> Result<Merge> {
    let format = Some(format.unwrap_or_else(|| Format::from_path(name)));
    let open = |p: &Path| SealedFile::open_named(p, name, format);
    let as_text = |why: Error| -> Result<Merge> {
        let clean = merge_as_text(base, ours, theirs)?;
        Ok(Merge::AsText { why, clean })
    };
    let (mut o, t) = match (open(ours), open(theirs)) {
        (Ok(o), Ok(t)) => (o, t),
        (Err(why), _) | (_, Err(why)) => return as_text(why),
    };
    // A file added on both sides has an empty base.
    let b = if std::fs::metadata(base).map_or(0, |m| m.len()) == 0 {
        None
    } else {
        match open(base) {
            Ok(b) => Some(b),
            Err(why) => {
                drop((o, t));
                return as_text(why);
            }
        }
    };
    let mut conflicts = Vec::new();
    let docs = o.tree().branches.len().max(t.tree().branches.len());
    let side = |f: &SealedFile, i: usize| f.tree().branches.get(i).cloned().unwrap_or_default();
    let merged: Vec<_> = (0..docs)
        .map(|i| {
            let base_doc = b.as_ref().map(|b| side(b, i)).unwrap_or_default();
            let m = crate::merge::merge(&base_doc, &side(&o, i), &side(&t, i));
            conflicts.extend(m.conflicts);
            m.branch
        })
        .collect();
    o.tree_mut().branches = merged;

    // Recipients: ours, or theirs when only they changed them.
    let (ours_groups, theirs_groups) = (o.recipients()?, t.recipients()?);
    let base_groups = match &b {
        Some(b) => b.recipients()?,
        None => ours_groups.clone(),
    };
    if ours_groups != theirs_groups && theirs_groups != base_groups {
        if ours_groups == base_groups {
            o.rewrap(&theirs_groups, t.threshold())?;
        } else {
            conflicts.push("(recipients: both sides changed them; ours are kept)".into());
        }
    }
    drop((t, b));
    o.write(None)?;
    Ok(Merge::Sealed { conflicts })
}

/// What git does without the driver: a line merge with conflict markers (here on sealed
/// text), over ours; whether it merged cleanly.
fn merge_as_text(base: &Path, ours: &Path, theirs: &Path) -> Result<bool> {
    let status = std::process::Command::new("git")
        .args(["merge-file", "-L", "ours", "-L", "base", "-L", "theirs"])
        .args([ours, base, theirs])
        .status()
        .map_err(|e| Error::Git(format!("cannot run git merge-file: {e}")))?;
    Ok(status.success())
}
