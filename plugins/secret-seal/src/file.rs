//! A sealed file by its path, for every tool that changes one (`set`, `unset`, `edit`, `rotate`,
//! `tofu-envs import`/`new`/`team add`, `platform-hooks fix`, the merge driver): found with the
//! `.sops.yaml` that covers it, opened with the user's keys, held under its lock from open to
//! write, and written back with the same data key and recipients, so that values nobody touched
//! keep their ciphertext byte for byte and a `rotate --add-age` recipient is never dropped. A new
//! file is sealed by the creation rule that covers it.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
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
        let lock = lock(path)?;
        let format = format.unwrap_or_else(|| Format::from_path(path));
        let bytes = platform_fs::Contents::read(path).map_err(|source| Error::Read {
            path: path.into(),
            source,
        })?;
        let opened = Sealed::parse(format, &bytes)?.open_for_user(true)?;
        Ok(SealedFile {
            path: path.into(),
            format,
            state: Contents::Opened(opened),
            stores: stores_for(path),
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

fn lock(path: &Path) -> Result<platform_fs::Lock> {
    platform_fs::Lock::on_file(path).map_err(write_error)
}

fn write_error(e: platform_fs::Error) -> Error {
    Error::Write {
        path: e.path,
        source: e.source,
    }
}
