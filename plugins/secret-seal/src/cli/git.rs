//! `git-setup`, the textconv driver (plain-text diffs of sealed files for key holders) and the
//! merge driver (sealed files merged value by value, the result sealed again).

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
    git(
        &top,
        &[
            "config",
            "--local",
            "merge.secret-seal.name",
            "secret-seal: sealed files merged value by value",
        ],
    )?;
    git(
        &top,
        &[
            "config",
            "--local",
            "merge.secret-seal.driver",
            &format!("{quoted} merge %O %A %B %P"),
        ],
    )?;
    eprintln!(
        "{}: sealed files ({}) diff decrypted and merge value by value for key holders; commit .gitattributes to share it",
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
        let tree = s.read_for_user(true).ok()?;
        store::emit_plain(format, &tree, EmitOptions::default())
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

/// git's merge driver: `base`, `ours` and `theirs` are git's temporary files (%O %A %B), the
/// result replaces `ours`, and a non-zero exit is a conflict. Every version is opened in memory
/// with the user's keys; the result is sealed with our data key (values nobody changed keep their
/// ciphertext) for our recipients, or theirs when only they changed them. Without a key, or for a
/// file that is not sealed, it merges as git would without it, and says why.
pub(super) fn merge(
    base: &Path,
    ours: &Path,
    theirs: &Path,
    path: Option<&Path>,
    input_type: Option<&str>,
) -> anyhow::Result<()> {
    let shown = path.unwrap_or(ours).display().to_string();
    let format = input_type.map_or_else(
        || Format::from_path(path.unwrap_or(ours)),
        Format::from_name,
    );
    let open = |p: &Path| open_file(p, Some(format.name()));
    let (mut o, t) = match (open(ours), open(theirs)) {
        (Ok(o), Ok(t)) => (o, t),
        (Err(why), _) | (_, Err(why)) => return merge_as_text(base, ours, theirs, &shown, &why),
    };
    // A file added on both sides has an empty base.
    let b = if std::fs::metadata(base).map(|m| m.len()).unwrap_or(0) == 0 {
        None
    } else {
        match open(base) {
            Ok(b) => Some(b),
            Err(why) => return merge_as_text(base, ours, theirs, &shown, &why),
        }
    };
    let mut conflicts = Vec::new();
    let empty = secret_seal::Branch::default();
    let docs = o
        .opened
        .tree
        .branches
        .len()
        .max(t.opened.tree.branches.len());
    let mut merged = Vec::with_capacity(docs);
    for i in 0..docs {
        let side = |f: &OpenFile| f.opened.tree.branches.get(i).cloned().unwrap_or_default();
        let base_doc = b.as_ref().map(side).unwrap_or_else(|| empty.clone());
        let m = secret_seal::merge::merge(&base_doc, &side(&o), &side(&t));
        conflicts.extend(m.conflicts);
        merged.push(m.branch);
    }
    o.opened.tree.branches = merged;

    // Recipients: ours, or theirs when only they changed them.
    let (ours_groups, theirs_groups) = (
        groups_of(&o.opened.metadata)?,
        groups_of(&t.opened.metadata)?,
    );
    let base_groups = match &b {
        Some(b) => groups_of(&b.opened.metadata)?,
        None => ours_groups.clone(),
    };
    if ours_groups != theirs_groups && theirs_groups != base_groups {
        if ours_groups == base_groups {
            let threshold = t.opened.metadata.shamir_threshold;
            o.opened.metadata.key_groups =
                keys::wrap_data_key(&theirs_groups, threshold, &o.opened.data_key)?;
            o.opened.metadata.shamir_threshold = threshold;
        } else {
            conflicts.push("(recipients: both sides changed them; ours are kept)".into());
        }
    }
    // git's temporary files sit at the top of the working tree; the file's own place says
    // which .sops.yaml writes it.
    let stores = stores_for(path.unwrap_or(ours));
    let sealed = o
        .opened
        .reseal()
        .with_context(|| format!("{shown}: cannot seal the merge"))?;
    atomic::write(ours, &sealed.to_bytes(format, stores)?)?;
    if conflicts.is_empty() {
        return Ok(());
    }
    eprintln!(
        "secret-seal merge: {shown}: both sides changed {}; the file stays sealed with both sides of each: run `secret-seal edit {shown}`, keep one side of each, then `git add {shown}`",
        conflicts.join(", ")
    );
    Err(anyhow!(Exit(1)))
}

/// What git does without the driver: a line merge with conflict markers, here on sealed text.
fn merge_as_text(
    base: &Path,
    ours: &Path,
    theirs: &Path,
    shown: &str,
    why: &anyhow::Error,
) -> anyhow::Result<()> {
    eprintln!(
        "secret-seal merge: {shown}: {}; merged as text, as git does without the driver",
        platform_cli::describe(why.as_ref())
    );
    let status = std::process::Command::new("git")
        .args(["merge-file", "-L", "ours", "-L", "base", "-L", "theirs"])
        .args([ours, base, theirs])
        .status()
        .context("cannot run git merge-file")?;
    match status.code() {
        Some(0) => Ok(()),
        _ => Err(anyhow!(Exit(1))),
    }
}
