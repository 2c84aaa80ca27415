//! `edit`'s editor session: the plaintext in a private scratch file, the user's editor on it,
//! and the result read back until it parses and holds no unresolved merge conflict.

use std::io::IsTerminal;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::{store, Format, SealedFile, Tree};

/// How an `edit` ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Edited {
    /// The editor's result was sealed and written.
    Saved,
    /// The editor left the plaintext as it was; nothing was written.
    Unchanged,
}

/// `edit`: the file (or, for a new one, its creation rule's example document) in the user's
/// editor, then sealed again with the same data key. The file is locked from before the editor
/// starts until the result is written, so a `set` meanwhile waits instead of being lost; the
/// plaintext lives in a private scratch file (0600 in a 0700 directory, in memory where the
/// system allows) named like the original, removed on every way out, signals included.
pub fn edit(mut file: SealedFile) -> Result<Edited> {
    let format = file.format();
    let original = Zeroizing::new(if file.is_new() {
        example_document(format).as_bytes().to_vec()
    } else {
        store::emit_plain(format, file.tree(), file.stores())?
    });
    let scratch = platform_fs::scratch::Scratch::new("edit").map_err(|source| Error::Write {
        path: platform_fs::scratch::base_dir(),
        source,
    })?;
    let name = file.path().file_name().unwrap_or("secrets".as_ref());
    let plaintext = scratch.write(&name.to_string_lossy(), &original)?;
    let result = edit_loop(&plaintext, format, &original);
    drop(scratch);
    match result? {
        Some(tree) => *file.tree_mut() = tree,
        None => return Ok(Edited::Unchanged),
    }
    file.write(Some(0o600))?;
    Ok(Edited::Saved)
}

/// The document a new file starts from, per format.
pub fn example_document(format: Format) -> &'static str {
    match format {
        Format::Json | Format::Binary => "{\n\t\"example_key\": \"example_value\"\n}\n",
        Format::Dotenv => "example_key=example_value\n",
        Format::Ini => "[example]\nexample_key = example_value\n",
        Format::Tfvars => "example_key = \"example_value\"\n",
        Format::Yaml => "# Welcome to secret-seal! Edit this file and save it; it is sealed when you quit.\nexample_key: example_value\nexample_array:\n    - example_value1\n    - example_value2\n",
    }
}

/// Runs the editor on `path`: `$SOPS_EDITOR`, else `$EDITOR` (shell-split), else vi.
pub fn run_editor(path: &Path) -> Result<()> {
    let spec = std::env::var("SOPS_EDITOR")
        .ok()
        .filter(|e| !e.is_empty())
        .or_else(|| std::env::var("EDITOR").ok().filter(|e| !e.is_empty()))
        .unwrap_or_else(|| "vi".into());
    let words = shell_words::split(&spec)
        .map_err(|e| Error::Program(format!("cannot parse the editor command {spec:?}: {e}")))?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| Error::Program("the editor command is empty".into()))?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).arg(path);
    let code = crate::exec::run_child(cmd)
        .map_err(|e| Error::Program(format!("{e} (the editor: set SOPS_EDITOR or EDITOR)")))?;
    if code != 0 {
        return Err(Error::Invalid(format!(
            "the editor {program:?} exited with {code}; nothing was changed"
        )));
    }
    Ok(())
}

/// The tree, unless a value still holds both sides of a merge conflict.
fn resolved(tree: Tree) -> Result<Tree> {
    let left: Vec<String> = tree
        .branches
        .iter()
        .flat_map(crate::merge::unresolved)
        .collect();
    if left.is_empty() {
        return Ok(tree);
    }
    Err(Error::Invalid(format!(
        "{} still hold(s) both sides of a merge conflict: keep the lines of one side and delete the `{}`, `{}` and `{}` lines",
        left.join(", "),
        crate::merge::OURS_MARK,
        crate::merge::SPLIT_MARK,
        crate::merge::THEIRS_MARK
    )))
}

/// Edits `temp` until the result parses (asking to reopen on a terminal); `None` when it is
/// unchanged from `original`.
pub fn edit_loop(temp: &Path, format: Format, original: &[u8]) -> Result<Option<Tree>> {
    loop {
        run_editor(temp)?;
        let edited = Zeroizing::new(std::fs::read(temp).map_err(|source| Error::Read {
            path: temp.into(),
            source,
        })?);
        if *edited == *original {
            return Ok(None);
        }
        match store::load_plain(format, &edited).and_then(resolved) {
            Ok(tree) => return Ok(Some(tree)),
            Err(e) if std::io::stdin().is_terminal() => {
                eprint!(
                    "{e}\npress Enter to return to the editor, or type q and Enter to give up: "
                );
                let mut answer = String::new();
                if std::io::stdin().read_line(&mut answer).is_err() || answer.trim() == "q" {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
}
