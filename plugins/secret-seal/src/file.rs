//! A sealed file by its path, for every tool that changes one (`set`, `unset`, `edit`, `rotate`,
//! `tofu-envs import`/`new`/`team add`, `platform-hooks fix`, the merge driver): found with the
//! `.sops.yaml` that covers it, opened with the user's keys, held under its lock from open to
//! write, and written back with the same data key and recipients, so that values nobody touched
//! keep their ciphertext byte for byte and a `rotate --add-age` recipient is never dropped. A new
//! file is sealed by the creation rule that covers it.

use std::path::{Path, PathBuf};

use crate::cipher::DataKey;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::keys::{self, groups_of, Recipient};
use crate::seal::Stash;
use crate::store::EmitOptions;
use crate::{atomic, Branch, Format, Opened, Sealed, Tree};

/// The `.sops.yaml` that covers `file` (from the file's directory upward), loaded; None where
/// there is none. The one lookup every tool uses.
pub fn covering_config(file: &Path) -> Result<Option<Config>> {
    crate::config::find_for(file)
        .map(|p| Config::load(&p))
        .transpose()
}

/// How the covering `.sops.yaml` says a file is written (indentation); sops's defaults where
/// none does, or it cannot be read.
pub fn stores_for(file: &Path) -> EmitOptions {
    covering_config(file)
        .ok()
        .flatten()
        .map(|c| c.stores)
        .unwrap_or_default()
}

/// `filestatus`: whether the file at `path` is sealed (sops metadata with a version and a MAC).
pub fn is_sealed(path: &Path, format: Option<Format>) -> Result<bool> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.into(),
        source,
    })?;
    let format = format.unwrap_or_else(|| Format::from_path(path));
    Ok(crate::is_sealed(format, &bytes))
}

/// A sealed file opened for reading only (`exec-env`, `exec-file`): no lock is taken.
pub struct Plain {
    pub tree: Tree,
    pub format: Format,
    /// How the covering `.sops.yaml` writes the file's store.
    pub stores: EmitOptions,
}

/// Opens the sealed file at `path` with the user's keys (MAC verified), to read its values.
pub fn read_plain(path: &Path, format: Option<Format>) -> Result<Plain> {
    let format = format.unwrap_or_else(|| Format::from_path(path));
    let bytes = platform_fs::Contents::read(path).map_err(|source| Error::Read {
        path: path.into(),
        source,
    })?;
    Ok(Plain {
        tree: Sealed::parse(format, &bytes)?.read_for_user(true)?,
        format,
        stores: stores_for(path),
    })
}

/// `set`'s value as JSON text, from where it was given: an argument, a file, or standard input
/// (wiped when dropped).
pub fn value_text(
    value: Option<String>,
    file: Option<PathBuf>,
    stdin: bool,
) -> Result<zeroize::Zeroizing<String>> {
    let text = match (value, file, stdin) {
        (Some(v), _, _) => v,
        (_, Some(f), _) => {
            std::fs::read_to_string(&f).map_err(|source| Error::Read { path: f, source })?
        }
        (_, _, true) => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|source| {
                Error::Read {
                    path: "standard input".into(),
                    source,
                }
            })?;
            s
        }
        _ => {
            return Err(Error::Invalid(
                "give the value as JSON, or --value-file / --value-stdin".into(),
            ))
        }
    };
    Ok(zeroize::Zeroizing::new(text))
}

/// `set`: the JSON `value` at the tree path `at` of the file at `path` (missing keys made), sealed
/// again with the same data key. With `idempotent`, nothing is written when the value is
/// already there.
pub fn set(
    path: &Path,
    format: Option<Format>,
    at: &str,
    value: &str,
    idempotent: bool,
) -> Result<()> {
    let steps = crate::treepath::parse(at)?;
    let value = crate::store::json::parse_value(value.trim()).map_err(|e| {
        Error::Invalid(format!(
            "the value is not valid JSON ({e}); quote strings: '\"text\"'"
        ))
    })?;
    let mut file = SealedFile::open(path, format)?;
    let changed = crate::treepath::set(file.root_mut(), &steps, value, at)?;
    if changed || !idempotent {
        file.write(None)?;
    }
    Ok(())
}

/// `unset`: removes the key or list element at the tree path `at`; with `idempotent`, a path
/// that is not there is no error (and nothing is written).
pub fn unset(path: &Path, format: Option<Format>, at: &str, idempotent: bool) -> Result<()> {
    let steps = crate::treepath::parse(at)?;
    let mut file = SealedFile::open(path, format)?;
    if crate::treepath::unset(file.root_mut(), &steps, at)? {
        return file.write(None);
    }
    if idempotent {
        return Ok(());
    }
    Err(Error::TreePath {
        path: at.into(),
        message: "no such key or index in the file (--idempotent to accept that)".into(),
    })
}

/// A sealed file being changed: opened (or new), locked until it is written or dropped.
pub struct SealedFile {
    path: PathBuf,
    format: Format,
    state: Contents,
    stores: EmitOptions,
    _lock: platform_fs::Lock,
}

enum Contents {
    /// An existing file, open with its data key.
    Opened(Opened),
    /// No file yet: the tree, sealed by `config`'s creation rule when written.
    New { tree: Tree, config: Config },
}

impl SealedFile {
    /// Opens the sealed file at `path` with the user's keys (MAC verified), under its lock.
    /// `format`: as `--input-type` gives it, else from the file name.
    pub fn open(path: &Path, format: Option<Format>) -> Result<SealedFile> {
        SealedFile::open_named(path, path, format)
    }

    /// Opens the sealed file at `path` as if it were `name`: its format and `.sops.yaml` are
    /// `name`'s (git's merge driver gets temporary files at the top of the working tree, and the
    /// file's own path beside them).
    pub fn open_named(path: &Path, name: &Path, format: Option<Format>) -> Result<SealedFile> {
        let lock = lock(path)?;
        let format = format.unwrap_or_else(|| Format::from_path(name));
        let bytes = platform_fs::Contents::read(path).map_err(|source| Error::Read {
            path: path.into(),
            source,
        })?;
        let opened = Sealed::parse(format, &bytes)?.open_for_user(true)?;
        Ok(SealedFile {
            path: path.into(),
            format,
            state: Contents::Opened(opened),
            stores: stores_for(name),
            _lock: lock,
        })
    }

    /// Opens the file when it exists; otherwise an empty one, to be sealed by the `.sops.yaml`
    /// creation rule that covers `path` (an error now, before anything is asked or written,
    /// when no rule does).
    pub fn open_or_new(path: &Path, format: Option<Format>) -> Result<SealedFile> {
        if path.exists() {
            return SealedFile::open(path, format);
        }
        let config = covering_config(path)?.ok_or(Error::NoRecipients)?;
        config.rule_for(path)?;
        // No file to lock yet: its directory is locked instead, as every writer of a new file
        // in it does.
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        platform_fs::create_dir_all(dir).map_err(write_error)?;
        let lock = platform_fs::Lock::on_dir(dir).map_err(write_error)?;
        Ok(SealedFile {
            path: path.into(),
            format: format.unwrap_or_else(|| Format::from_path(path)),
            stores: config.stores,
            state: Contents::New {
                tree: Tree::default(),
                config,
            },
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// How the file's store is written (the covering `.sops.yaml`'s indentation).
    pub fn stores(&self) -> EmitOptions {
        self.stores
    }

    pub fn is_new(&self) -> bool {
        matches!(self.state, Contents::New { .. })
    }

    /// The plaintext tree, to read or change.
    pub fn tree(&self) -> &Tree {
        match &self.state {
            Contents::Opened(o) => &o.tree,
            Contents::New { tree, .. } => tree,
        }
    }

    pub fn tree_mut(&mut self) -> &mut Tree {
        match &mut self.state {
            Contents::Opened(o) => &mut o.tree,
            Contents::New { tree, .. } => tree,
        }
    }

    /// The first document's top-level mapping (made when the file has none).
    pub fn root_mut(&mut self) -> &mut Branch {
        let tree = self.tree_mut();
        if tree.branches.is_empty() {
            tree.branches.push(Branch::default());
        }
        &mut tree.branches[0]
    }

    /// The opened file's metadata and data key (None for a new file), for a change to its
    /// metadata (`platform-hooks fix` sets the repository's encryption rule).
    pub fn opened_mut(&mut self) -> Option<&mut Opened> {
        match &mut self.state {
            Contents::Opened(o) => Some(o),
            Contents::New { .. } => None,
        }
    }

    /// The recipients the file is sealed for, by key group (a new file: its creation rule's).
    pub fn recipients(&self) -> Result<Vec<Vec<Recipient>>> {
        match &self.state {
            Contents::Opened(o) => groups_of(&o.metadata),
            Contents::New { config, .. } => Ok(config.rule_for(&self.path)?.key_groups.clone()),
        }
    }

    /// The Shamir threshold the file is sealed with (0: every group).
    pub fn threshold(&self) -> usize {
        match &self.state {
            Contents::Opened(o) => o.metadata.shamir_threshold,
            Contents::New { .. } => 0,
        }
    }

    /// Keeps the data key and wraps it for `groups` instead (`updatekeys`, a merge that takes
    /// their recipients): every value keeps its ciphertext.
    pub fn rewrap(&mut self, groups: &[Vec<Recipient>], threshold: usize) -> Result<()> {
        let Contents::Opened(o) = &mut self.state else {
            return Err(Error::Invalid(
                "a new file has no data key to wrap yet".into(),
            ));
        };
        o.metadata.key_groups = keys::wrap_data_key(groups, threshold, &o.data_key)?;
        o.metadata.shamir_threshold = if groups.len() > 1 {
            keys::shares_needed(groups.len(), threshold)
        } else {
            0
        };
        Ok(())
    }

    /// A new data key for `groups` (`rotate`, `reseal`): every value is encrypted anew when the
    /// file is written.
    pub fn rekey(&mut self, groups: &[Vec<Recipient>], threshold: usize) -> Result<()> {
        if groups.iter().all(Vec::is_empty) {
            return Err(Error::NoRecipients);
        }
        if let Contents::Opened(o) = &mut self.state {
            o.data_key = DataKey::generate();
            o.stash = Stash::default();
            o.metadata.version = crate::metadata::SOPS_VERSION.into();
        }
        self.rewrap(groups, threshold)?;
        if let Contents::Opened(o) = &mut self.state {
            // A single group keeps the threshold it was given, as a new file does.
            if groups.len() == 1 {
                o.metadata.shamir_threshold = threshold;
            }
        }
        Ok(())
    }

    /// The sealed bytes and the lock still held: the same data key and recipients (unchanged values keep their
    /// ciphertext; new lastmodified and MAC), or a new file sealed by its creation rule.
    pub fn into_bytes(self) -> Result<(Vec<u8>, platform_fs::Lock)> {
        let bytes = match self.state {
            Contents::Opened(o) => o.reseal()?.to_bytes(self.format, self.stores)?,
            Contents::New { tree, config } => config.seal_new(&self.path, tree, self.format)?,
        };
        Ok((bytes, self._lock))
    }

    /// Writes the file back through a temp file beside it (the lock held until it is there),
    /// new files 0600 unless `new_mode` says otherwise; an existing file keeps its mode.
    pub fn write(self, new_mode: Option<u32>) -> Result<()> {
        let path = self.path.clone();
        let (bytes, _lock) = self.into_bytes()?;
        atomic::write_with_mode(&path, &bytes, new_mode)
    }
}

/// The file's lock; a file that is not there is an input that cannot be read.
fn lock(path: &Path) -> Result<platform_fs::Lock> {
    platform_fs::Lock::on_file(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Read {
            path: e.path,
            source: e.source,
        },
        _ => write_error(e),
    })
}

fn write_error(e: platform_fs::Error) -> Error {
    Error::Write {
        path: e.path,
        source: e.source,
    }
}
