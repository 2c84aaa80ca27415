//! Writing a kubeconfig without ever losing it, and the little state the plugin keeps.
//!
//! - The lock is `flock(2)` on a sidecar file: the kernel drops it when its holder dies, so a
//!   crashed `use` can never leave the next one stuck (helmsman#197 is what an `O_EXCL` lock file
//!   does after a crash). kubectl's own `<file>.lock` is respected while fresh, never created.
//! - The new content goes to a temp file beside the target, with the target's mode, is synced and
//!   renamed over it: a reader sees the old file or the new one, never a torn one (kubernetes#23964).
//! - A symlinked kubeconfig (a dotfiles repository) is written through the link, not replaced.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// How long kubectl's lock file is taken as a write in progress; older, it was left by a crash.
const KUBECTL_LOCK_FRESH: Duration = Duration::from_secs(10);
const KUBECTL_LOCK_WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Written,
}

/// The path writes go to: the file a symlink points at, resolved relative to the link.
pub fn resolve(path: &Path) -> PathBuf {
    platform_fs::resolve(path).unwrap_or_else(|_| path.to_path_buf())
}

fn write_error(e: platform_fs::Error) -> Error {
    Error::Write {
        path: e.path,
        source: e.source,
    }
}

/// Holds the exclusive lock on a kubeconfig while it is read, edited and replaced.
pub struct Locked {
    lock: platform_fs::Lock,
}

impl Locked {
    pub fn acquire(path: &Path) -> Result<Locked> {
        let dir = parent(path);
        if !dir.exists() {
            ensure_private_dir(dir)?;
        }
        let lock = platform_fs::Lock::exclusive(path, "vteam").map_err(write_error)?;
        wait_for_kubectl(lock.target())?;
        // Anyone still writing would hold the lock we hold now.
        platform_fs::sweep_temp_files(lock.target());
        Ok(Locked { lock })
    }

    pub fn path(&self) -> &Path {
        self.lock.target()
    }

    /// The current content; an absent file reads as empty (it will be created). A large file
    /// is mapped, not copied.
    pub fn read(&self) -> Result<platform_fs::Contents> {
        match platform_fs::Contents::read(self.path()) {
            Ok(c) => Ok(c),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
            Err(source) => Err(self.read_error(source)),
        }
    }

    /// [`Locked::read`] as text.
    pub fn text<'c>(&self, contents: &'c platform_fs::Contents) -> Result<&'c str> {
        contents.text().map_err(|source| self.read_error(source))
    }

    fn read_error(&self, source: std::io::Error) -> Error {
        Error::Read {
            path: self.path().to_path_buf(),
            source,
        }
    }

    /// Replaces the file with the concatenated `pieces`; kubeconfigs hold credentials, so a
    /// new one is 0600.
    pub fn replace(&self, pieces: &[&str]) -> Result<()> {
        let pieces: Vec<&[u8]> = pieces.iter().map(|p| p.as_bytes()).collect();
        platform_fs::write_pieces(self.path(), &pieces, 0o600).map_err(write_error)
    }
}

/// What identifies one version of a file without reading it: device, inode, size and
/// modification time (to the nanosecond). None when it cannot be read.
pub fn stamp(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(path).ok()?;
    Some(format!(
        "{}:{}:{}:{}.{}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec()
    ))
}

/// Temp file beside the target, the target's mode (or `new_mode`), fsync, rename.
pub fn write_atomically(path: &Path, content: &str, new_mode: u32) -> Result<()> {
    platform_fs::write(path, content.as_bytes(), new_mode).map_err(write_error)
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// kubectl (client-go) creates `<file>.lock` with O_EXCL for the length of a write. A fresh one
/// means a write is under way; a stale one was left by a crash and is not ours to delete.
fn wait_for_kubectl(path: &Path) -> Result<()> {
    let lock = PathBuf::from(format!("{}.lock", path.display()));
    let start = std::time::Instant::now();
    loop {
        let fresh = fs::metadata(&lock)
            .and_then(|m| m.modified())
            .map(|t| SystemTime::now().duration_since(t).unwrap_or_default() < KUBECTL_LOCK_FRESH)
            .unwrap_or(false);
        if !fresh {
            return Ok(());
        }
        if start.elapsed() > KUBECTL_LOCK_WAIT {
            return Err(Error::KubectlLock(path.to_path_buf()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Where the plugin keeps the previous context and the per-team kubeconfigs of `env`:
/// `$XDG_STATE_HOME/kubectl-vteam`, else `~/.local/state/kubectl-vteam`.
pub fn state_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("kubectl-vteam"));
    }
    let home = std::env::var_os("HOME").ok_or(Error::NoHome)?;
    Ok(PathBuf::from(home).join(".local/state/kubectl-vteam"))
}

fn ensure_private_dir(dir: &Path) -> Result<()> {
    platform_fs::create_private_dir(dir).map_err(write_error)
}

/// The context that was current before the last switch of this kubeconfig file (`use -`).
pub struct Previous {
    file: PathBuf,
}

impl Previous {
    pub fn for_kubeconfig(kubeconfig: &Path) -> Result<Previous> {
        Previous::keyed(kubeconfig, "previous", b"")
    }

    /// The stamp of the file as it was when this tool last wrote it or found that kubectl can
    /// load it: the same stamp now means there is no need to parse the whole file again.
    pub fn for_checked(kubeconfig: &Path) -> Result<Previous> {
        Previous::keyed(kubeconfig, "checked", b"")
    }

    /// The namespace a context had before the last `ns` (`ns -`).
    pub fn for_namespace(kubeconfig: &Path, context: &str) -> Result<Previous> {
        Previous::keyed(kubeconfig, "previous-ns", context.as_bytes())
    }

    fn keyed(kubeconfig: &Path, kind: &str, extra: &[u8]) -> Result<Previous> {
        let key = resolve(kubeconfig);
        let mut hash = Sha256::new();
        hash.update(key.as_os_str().as_encoded_bytes());
        if !extra.is_empty() {
            hash.update([0]);
            hash.update(extra);
        }
        let digest = hash.finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Previous {
            file: state_dir()?.join(format!("{kind}-{hex}")),
        })
    }

    pub fn get(&self) -> Option<String> {
        let s = fs::read_to_string(&self.file).ok()?;
        let s = s.trim_end_matches('\n');
        (!s.is_empty()).then(|| s.to_string())
    }

    pub fn set(&self, context: &str) -> Result<()> {
        ensure_private_dir(parent(&self.file))?;
        write_atomically(&self.file, &format!("{context}\n"), 0o600)
    }
}

/// A stable, private file for one team's one-context kubeconfig (`env` prints its path, so it
/// must outlive the command and be the same path every time: kubeswitch#44, #76).
pub fn team_file(context: &str, content: &str) -> Result<PathBuf> {
    let dir = state_dir()?.join("kubeconfigs");
    ensure_private_dir(&dir)?;
    let safe: String = context
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("{safe}.yaml"));
    if fs::read_to_string(&path).ok().as_deref() != Some(content) {
        write_atomically(&path, content, 0o600)?;
    }
    Ok(path)
}
