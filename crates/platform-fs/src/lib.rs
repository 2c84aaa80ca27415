//! Writing files so that nothing is lost, the one way every tool of the workspace writes:
//!
//! - through symlinks: the link stays a link and its target gets the content, as `sops`,
//!   `tofu fmt` and kubectl do (a dotfiles repository links `~/.kube/config`);
//! - the new content goes to a temp file beside the resolved target, with the target's mode and
//!   (where we may) its owner and group, is synced, and renamed over it: a reader sees the old
//!   file or the new one, never a torn one, and a crash or an error leaves the original as it was;
//! - temp files are named for the file they replace (`.main.tf.tmp-XXXXXX`), so one left by a
//!   killed writer says what it was, and [`sweep_temp_files`] (under a [`Lock`]) removes them;
//! - a file the user cannot write (read-only, 0444) is refused, as kubectl and `tofu fmt` refuse
//!   it, and so is a file with other hard links, whose other names a rename would leave with the
//!   old content; [`force_writes`] (a tool's `--force`) writes them anyway;
//! - a read-modify-write holds a [`Lock`]: `flock(2)` on a sidecar file, on the file itself or on
//!   its directory, which the kernel drops when its holder dies, so a crashed writer never leaves
//!   the next one stuck;
//! - a large file is read by mapping it ([`Contents`]), so that editing a 50 MB kubeconfig
//!   copies it once, into the new file.

mod contents;
pub mod fifo;
pub mod parallel;
pub mod scratch;
pub use contents::Contents;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

/// How deep a chain of symlinks may go (Linux's own limit, ELOOP).
const MAX_LINKS: usize = 40;

/// A write that did not happen; the file at `path` is as it was.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct Error {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl Error {
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

pub type Result<T> = std::result::Result<T, Error>;

fn at(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |source| Error {
        path: path.to_path_buf(),
        source,
    }
}

/// The file a write to `path` must replace: `path` itself, or the end of its symlink chain
/// (relative links are relative to the link's directory). A dangling link resolves to the
/// missing file it names, which the write then creates, as `sops` and `cp` do.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                current = parent(&current).join(target);
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{}: more than {MAX_LINKS} levels of symbolic links",
        path.display()
    )))
}

static FORCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// For the rest of the process, write read-only files and files with other hard links too (the
/// user said `--force`): a read-only file stays read-only, a hard link is broken.
pub fn force_writes(on: bool) {
    FORCE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Refuses to replace a file the user cannot write, or one with other hard links.
fn guard(target: &Path, existing: &fs::Metadata) -> io::Result<()> {
    if FORCE.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    if nix::unistd::access(target, nix::unistd::AccessFlags::W_OK).is_err() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            Refused(format!(
                "the file is read-only (mode {:o}); make it writable (chmod u+w) or pass --force",
                existing.mode() & 0o7777
            )),
        ));
    }
    if existing.nlink() > 1 {
        return Err(io::Error::other(Refused(format!(
            "the file has {} hard links, and replacing it would leave the other names with the old content; remove the other links (find / -samefile FILE) or pass --force",
            existing.nlink()
        ))));
    }
    Ok(())
}

/// A write refused before it was tried (a read-only or hard-linked file): the user's to change,
/// or to override with `--force`, so bad input (exit 2) rather than a failed operation.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(String);

/// Whether `e` is a write refused by the guard ([`Refused`]), not one that failed.
pub fn is_refusal(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Refused>())
}

/// Replaces (or creates) the file at `path` with `bytes`; a new file gets `new_mode`.
pub fn write(path: &Path, bytes: &[u8], new_mode: u32) -> Result<()> {
    write_pieces(path, &[bytes], new_mode)
}

/// [`write`] of the concatenation of `pieces`, without building it in memory first (a 5 MB
/// kubeconfig edited in two places is three slices of the original and two replacements).
pub fn write_pieces(path: &Path, pieces: &[&[u8]], new_mode: u32) -> Result<()> {
    let target = resolve(path).map_err(at(path))?;
    let err = at(&target);
    let existing = fs::metadata(&target).ok();
    if let Some(m) = &existing {
        guard(&target, m).map_err(&err)?;
    }
    // Without a lock, only what no live writer can still be using.
    sweep_temp_files_older_than(&target, STALE_TEMP);
    let mut tmp = temp_beside(&target).map_err(&err)?;
    match &existing {
        Some(m) => keep_mode_and_owner(tmp.as_file(), m),
        None => tmp
            .as_file()
            .set_permissions(fs::Permissions::from_mode(new_mode)),
    }
    .map_err(&err)?;
    for piece in pieces {
        tmp.write_all(piece).map_err(&err)?;
    }
    tmp.as_file().sync_all().map_err(&err)?;
    tmp.persist(&target).map_err(|e| err(e.error))?;
    sync_dir(parent(&target));
    Ok(())
}

/// Creates `path` with `bytes` and `mode`, atomically; fails with `AlreadyExists` rather than
/// replace a file that is there (a key file is never overwritten).
pub fn create_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let target = resolve(path).map_err(at(path))?;
    let err = at(&target);
    let mut tmp = temp_beside(&target).map_err(&err)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(&err)?;
    tmp.write_all(bytes).map_err(&err)?;
    tmp.as_file().sync_all().map_err(&err)?;
    tmp.persist_noclobber(&target).map_err(|e| err(e.error))?;
    sync_dir(parent(&target));
    Ok(())
}

/// Creates `dir` and its missing parents (the `env/` directory of a new environment), reporting
/// the failure as a write of `dir`.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(at(dir))
}

/// Creates `dir` and its missing parents as 0700 (where keys and kubeconfigs live), as
/// `mkdir -p -m 700` would for the last one; existing directories are left as they are.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(at(dir))
}

/// The temp-file name prefix of writes to `target`.
pub fn temp_prefix(target: &Path) -> String {
    format!(".{}.tmp-", file_name(target))
}

/// Removes the temp files that writers of `path` left when they were killed before their
/// rename. Call it holding the file's [`Lock`]: anyone still writing would hold it too, so
/// every temp file found is an orphan. (Taking a [`Lock`] does it.)
pub fn sweep_temp_files(path: &Path) {
    sweep_temp_files_older_than(path, std::time::Duration::ZERO);
}

/// How old a temp file must be for a writer without a lock to take it for an orphan: no write
/// of ours takes that long between creating its temp file and renaming it.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(600);

fn sweep_temp_files_older_than(path: &Path, age: std::time::Duration) {
    let Ok(target) = resolve(path) else { return };
    let prefix = temp_prefix(&target);
    let Ok(entries) = fs::read_dir(parent(&target)) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(&prefix) {
            continue;
        }
        let old_enough = age.is_zero()
            || writer_is_gone(&name, &prefix)
            || e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).unwrap_or_default() >= age);
        if old_enough {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// An exclusive `flock(2)` on `.<name>.<purpose>.lock` beside the resolved file, held until
/// dropped. Two writers of one file (through any of its links) take the same lock.
pub struct Lock {
    path: PathBuf,
    _flock: Flock<File>,
}

impl Lock {
    /// Waits for and takes the lock for `path`; `purpose` names the tool (`vteam`), so that
    /// a lock file left in a user's directory says whose it is.
    pub fn exclusive(path: &Path, purpose: &str) -> Result<Lock> {
        let target = resolve(path).map_err(at(path))?;
        let lock_path = parent(&target).join(format!(".{}.{purpose}.lock", file_name(&target)));
        let err = at(&lock_path);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(&err)?;
        let lock = Lock {
            _flock: flock_exclusive(file).map_err(err)?,
            path: target,
        };
        sweep_temp_files(&lock.path);
        Ok(lock)
    }

    /// Waits for and takes a lock on the file itself, leaving nothing beside it (a secrets file
    /// in a repository must not grow a lock file next to it). A writer replaces the file by
    /// renaming a new one over it, so a lock that was waited for may be on the old file: it is
    /// then taken again on the new one, until the lock and the path agree.
    pub fn on_file(path: &Path) -> Result<Lock> {
        let target = resolve(path).map_err(at(path))?;
        let err = at(&target);
        loop {
            let file = File::open(&target).map_err(&err)?;
            let flock = flock_exclusive(file).map_err(&err)?;
            let held = flock.metadata().map_err(&err)?;
            let now = fs::metadata(&target).map_err(&err)?;
            if (held.dev(), held.ino()) == (now.dev(), now.ino()) {
                sweep_temp_files(&target);
                return Ok(Lock {
                    path: target.clone(),
                    _flock: flock,
                });
            }
        }
    }

    /// Waits for and takes a lock on the directory `dir` (for a file that may not exist yet,
    /// such as a registry created by its first writer).
    pub fn on_dir(dir: &Path) -> Result<Lock> {
        let err = at(dir);
        let file = File::open(dir).map_err(&err)?;
        Ok(Lock {
            path: dir.to_path_buf(),
            _flock: flock_exclusive(file).map_err(err)?,
        })
    }

    /// The resolved file the lock protects: read and write this one.
    pub fn target(&self) -> &Path {
        &self.path
    }
}

/// Waits for an exclusive `flock(2)` on `file`.
fn flock_exclusive(file: File) -> io::Result<Flock<File>> {
    Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| io::Error::from(e))
}

fn temp_beside(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    // The writer's pid in the name: the next writer sweeps what a killed one left at once,
    // without waiting for it to be old.
    tempfile::Builder::new()
        .prefix(&format!("{}{}-", temp_prefix(target), std::process::id()))
        .tempfile_in(parent(target))
}

/// Whether a temp file's name says its writer is gone: `<prefix><pid>-...` with no such process.
fn writer_is_gone(name: &str, prefix: &str) -> bool {
    let Some(pid) = name
        .strip_prefix(prefix)
        .and_then(|rest| rest.split_once('-'))
        .and_then(|(pid, _)| pid.parse::<i32>().ok())
    else {
        return false;
    };
    matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(nix::errno::Errno::ESRCH)
    )
}

/// The original's permission bits, and its owner and group where we may set them (root editing
/// a user's file must not leave it root's: `sudo kubectl vteam use` would lock the user out).
fn keep_mode_and_owner(tmp: &File, original: &fs::Metadata) -> io::Result<()> {
    tmp.set_permissions(fs::Permissions::from_mode(original.mode() & 0o7777))?;
    let ours = tmp.metadata()?;
    if ours.uid() != original.uid() || ours.gid() != original.gid() {
        let owner = nix::unistd::Uid::from_raw(original.uid());
        let group = nix::unistd::Gid::from_raw(original.gid());
        // Only root may give a file away; anyone else writes it as their own, as an editor does.
        let _ = nix::unistd::fchown(tmp, Some(owner), Some(group));
        // chown clears the set-id bits; put the mode back.
        tmp.set_permissions(fs::Permissions::from_mode(original.mode() & 0o7777))?;
    }
    Ok(())
}

/// The rename is durable once the directory is synced; a filesystem that cannot sync a
/// directory still has the file, so this is best effort.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into())
}

#[cfg(test)]
mod refusal_tests {
    #[test]
    fn a_hard_linked_file_is_refused_not_failed() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, "x").unwrap();
        std::fs::hard_link(&a, dir.path().join("b")).unwrap();
        let e = super::write(&a, b"y", 0o600).unwrap_err();
        assert!(super::is_refusal(&e.source), "{e}");
        let other = std::io::Error::other("disk full");
        assert!(!super::is_refusal(&other));
    }
}

#[cfg(test)]
mod sweep_tests {
    /// What a writer killed with SIGKILL left (its pid in the name, the process gone) goes with
    /// the next write at once; a live writer's temp file stays.
    #[test]
    fn a_killed_writers_temp_file_goes_with_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("main.tf");
        std::fs::write(&target, "a = 1\n").unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let dead = child.id();
        child.kill().unwrap();
        child.wait().unwrap();
        let prefix = super::temp_prefix(&target);
        let orphan = dir.path().join(format!("{prefix}{dead}-abc123"));
        let live = dir
            .path()
            .join(format!("{prefix}{}-def456", std::process::id()));
        std::fs::write(&orphan, "half").unwrap();
        std::fs::write(&live, "busy").unwrap();
        super::write(&target, b"a = 2\n", 0o644).unwrap();
        assert!(!orphan.exists(), "the killed writer's temp file is swept");
        assert!(live.exists(), "a live writer's is not");
    }
}
