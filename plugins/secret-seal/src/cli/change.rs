//! `edit`, `set` and `unset`: changes that keep the data key, so unchanged values keep their ciphertext.

use std::ffi::OsStr;

use super::*;

/// Opens a sealed file, lets `change` edit its tree, and re-seals it in place with the same data
/// key (unchanged values keep their ciphertext). `change` says whether anything changed; nothing
/// is written when it did not and `write_unchanged` is false.
pub(super) fn modify(
    file: &Path,
    input_type: Option<&str>,
    write_unchanged: bool,
    change: impl FnOnce(&mut secret_seal::Branch) -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let name = file.display().to_string();
    // Opened, changed and written under the file's lock: two `set`s at once must not lose one.
    let mut f = SealedFile::open(file, input_type.map(Format::from_name))
        .with_context(|| format!("{name}: cannot open"))?;
    let changed = change(f.root_mut()).with_context(|| name.clone())?;
    if !changed && !write_unchanged {
        return Ok(());
    }
    f.write(None)
        .with_context(|| format!("{name}: cannot re-seal"))?;
    Ok(())
}

pub(super) fn set(
    file: &Path,
    path: &str,
    value: Option<String>,
    value_file: Option<PathBuf>,
    value_stdin: bool,
    idempotent: bool,
    input_type: Option<&str>,
) -> anyhow::Result<()> {
    let text = zeroize::Zeroizing::new(match (value, value_file, value_stdin) {
        (Some(v), _, _) => v,
        (_, Some(f), _) => {
            std::fs::read_to_string(&f).map_err(|source| Error::Read { path: f, source })?
        }
        (_, _, true) => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
        _ => {
            return Err(anyhow!(Error::Invalid(
                "give the value as JSON, or --value-file / --value-stdin".into()
            )))
        }
    });
    let steps = treepath::parse(path)?;
    let value = secret_seal::store::json::parse_value(text.trim()).map_err(|e| {
        anyhow!(Error::Invalid(format!(
            "the value is not valid JSON ({e}); quote strings: '\"text\"'"
        )))
    })?;
    modify(file, input_type, !idempotent, |root| {
        Ok(treepath::set(root, &steps, value, path)?)
    })
}

pub(super) fn unset(
    file: &Path,
    path: &str,
    idempotent: bool,
    input_type: Option<&str>,
) -> anyhow::Result<()> {
    let steps = treepath::parse(path)?;
    modify(file, input_type, false, |root| {
        let removed = treepath::unset(root, &steps, path)?;
        if !removed && !idempotent {
            return Err(anyhow!(Error::TreePath {
                path: path.into(),
                message: "no such key or index in the file (--idempotent to accept that)".into()
            }));
        }
        Ok(removed)
    })
}

/// The document a new file starts from, per format.
pub(super) fn example_document(format: Format) -> &'static str {
    match format {
        Format::Json | Format::Binary => "{\n\t\"example_key\": \"example_value\"\n}\n",
        Format::Dotenv => "example_key=example_value\n",
        Format::Ini => "[example]\nexample_key = example_value\n",
        Format::Tfvars => "example_key = \"example_value\"\n",
        Format::Yaml => "# Welcome to secret-seal! Edit this file and save it; it is sealed when you quit.\nexample_key: example_value\nexample_array:\n    - example_value1\n    - example_value2\n",
    }
}

/// Runs the editor on `path`: `$SOPS_EDITOR`, else `$EDITOR` (shell-split), else vi.
pub(super) fn run_editor(path: &Path) -> anyhow::Result<()> {
    let spec = std::env::var("SOPS_EDITOR")
        .ok()
        .filter(|e| !e.is_empty())
        .or_else(|| std::env::var("EDITOR").ok().filter(|e| !e.is_empty()))
        .unwrap_or_else(|| "vi".into());
    let words = shell_words::split(&spec)
        .map_err(|e| anyhow!("cannot parse the editor command {spec:?}: {e}"))?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| anyhow!("the editor command is empty"))?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).arg(path);
    let code = run_child(cmd).with_context(|| {
        format!("cannot run the editor {program:?} (set SOPS_EDITOR or EDITOR)")
    })?;
    if code != 0 {
        return Err(anyhow!(Error::Invalid(format!(
            "the editor {program:?} exited with {code}; nothing was changed"
        ))));
    }
    Ok(())
}

pub(super) fn edit(file: &Path, input_type: Option<&str>) -> anyhow::Result<()> {
    let name = file.display().to_string();
    // Opened (or, for a new file, its creation rule found) before the editor starts, and locked
    // until the result is written: a `set` meanwhile waits instead of being lost.
    let mut f =
        SealedFile::open_or_new(file, input_type.map(Format::from_name)).with_context(|| {
            if file.exists() {
                format!("{name}: cannot open")
            } else {
                format!("{name}: a new file needs a .sops.yaml creation rule")
            }
        })?;
    let format = f.format();
    let original = zeroize::Zeroizing::new(if f.is_new() {
        example_document(format).as_bytes().to_vec()
    } else {
        store::emit_plain(format, f.tree(), f.stores())?
    });
    // A private directory (0700, in memory where the system allows) and file (0600), named
    // like the original for the editor; removed on every way out, signals included.
    let scratch = platform_fs::scratch::Scratch::new("edit")?;
    let name_for_editor = file
        .file_name()
        .unwrap_or(OsStr::new("secrets"))
        .to_string_lossy()
        .into_owned();
    let plaintext = scratch.write(&name_for_editor, &original)?;
    let result = edit_loop(&plaintext, format, &original);
    drop(scratch);
    *f.tree_mut() = match result {
        Ok(Some(tree)) => tree,
        Ok(None) => {
            eprintln!("{name}: file has not changed");
            return Err(anyhow!(Exit(code::FILE_NOT_MODIFIED)));
        }
        Err(e) => return Err(e.context(format!("{name}: not changed"))),
    };
    f.write(Some(0o600))?;
    Ok(())
}

/// The tree, unless a value still holds both sides of a merge conflict.
fn resolved(tree: Tree) -> anyhow::Result<Tree> {
    let left: Vec<String> = tree
        .branches
        .iter()
        .flat_map(secret_seal::merge::unresolved)
        .collect();
    if left.is_empty() {
        return Ok(tree);
    }
    Err(anyhow!(Error::Invalid(format!(
        "{} still hold(s) both sides of a merge conflict: keep the lines of one side and delete the `{}`, `{}` and `{}` lines",
        left.join(", "),
        secret_seal::merge::OURS_MARK,
        secret_seal::merge::SPLIT_MARK,
        secret_seal::merge::THEIRS_MARK
    ))))
}

/// Edits until the result parses (asking to reopen on a terminal); `None` when unchanged.
pub(super) fn edit_loop(
    temp: &Path,
    format: Format,
    original: &[u8],
) -> anyhow::Result<Option<Tree>> {
    loop {
        run_editor(temp)?;
        let edited = zeroize::Zeroizing::new(std::fs::read(temp)?);
        if *edited == *original {
            return Ok(None);
        }
        let parsed = store::load_plain(format, &edited)
            .map_err(anyhow::Error::from)
            .and_then(resolved);
        match parsed {
            Ok(tree) => return Ok(Some(tree)),
            Err(e) if std::io::stdin().is_terminal() => {
                eprint!(
                    "{e}\npress Enter to return to the editor, or type q and Enter to give up: "
                );
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if answer.trim() == "q" {
                    return Err(anyhow!(e));
                }
            }
            Err(e) => return Err(anyhow!(e)),
        }
    }
}
