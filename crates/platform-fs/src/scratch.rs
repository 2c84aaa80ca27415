//! The one private scratch place for secrets a tool needs for a moment: `secret-seal edit`'s
//! plaintext, `exec-file`'s and `tofu-envs run`'s FIFOs, kubectl-vteam's per-team kubeconfigs
//! with their credentials. A 0700 directory on a memory-backed file system where the system has
//! one (`$XDG_RUNTIME_DIR` when it is private, else `/dev/shm`), so nothing reaches a disk. It
//! is removed when dropped, when the process is told to stop (SIGTERM, SIGHUP when the terminal
//! closes, SIGQUIT: the files are zeroed and removed, then the process dies of the signal), and,
//! after a kill that cannot be caught, by the next run of any tool: each directory is named for
//! the process that made it, and one whose process is gone is an orphan.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use signal_hook::consts::{SIGHUP, SIGQUIT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

/// Every scratch directory's name starts with this, then the purpose and the process id.
const PREFIX: &str = "platform-scratch-";

/// The children that read the scratch place's files (an editor): a terminating signal this
/// process gets goes to them too, before the files go, so none outlives its parent.
static CHILDREN: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Records a child started to read the scratch files; [`forget_child`] once it ended.
pub fn watch_child(pid: u32) {
    if let (Ok(pid), Ok(mut children)) = (i32::try_from(pid), CHILDREN.lock()) {
        children.push(pid);
    }
}

pub fn forget_child(pid: u32) {
    if let Ok(mut children) = CHILDREN.lock() {
        children.retain(|c| i64::from(*c) != i64::from(pid));
    }
}

/// Sends `signal` to every watched child.
fn signal_children(signal: i32) {
    let Ok(signal) = nix::sys::signal::Signal::try_from(signal) else {
        return;
    };
    for pid in CHILDREN.lock().map(|c| c.clone()).unwrap_or_default() {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal);
    }
}

/// A private directory for secrets, removed (its files zeroed first) when dropped or on a
/// terminating signal.
pub struct Scratch {
    dir: Arc<Mutex<Option<tempfile::TempDir>>>,
    path: PathBuf,
    signals: Handle,
    watcher: Option<std::thread::JoinHandle<()>>,
}

impl Scratch {
    /// A new private directory; `purpose` (a word: `edit`, `kubeconfig`) goes in its name.
    /// What killed runs left behind is swept first.
    pub fn new(purpose: &str) -> io::Result<Scratch> {
        let base = base_dir();
        sweep_orphans(&base);
        let dir = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-{purpose}-", std::process::id()))
            .permissions(fs::Permissions::from_mode(0o700))
            .tempdir_in(&base)?;
        let path = dir.path().to_path_buf();
        let dir = Arc::new(Mutex::new(Some(dir)));
        let mut signals = Signals::new([SIGTERM, SIGHUP, SIGQUIT])?;
        let handle = signals.handle();
        let held = Arc::clone(&dir);
        let watcher = std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                signal_children(signal);
                remove(&held);
                // Die of the signal, as the process would have without us.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
        Ok(Scratch {
            dir,
            path,
            signals: handle,
            watcher: Some(watcher),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a new private (0600) file `name` in the directory.
    pub fn write(&self, name: &str, bytes: &[u8]) -> crate::Result<PathBuf> {
        let path = self.path.join(name);
        let err = |source| crate::Error {
            path: path.clone(),
            source,
        };
        let mut f = fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.signals.close();
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
        }
        remove(&self.dir);
    }
}

/// Zeroes every file in the directory, then removes it.
fn remove(dir: &Mutex<Option<tempfile::TempDir>>) {
    if let Some(d) = dir.lock().unwrap_or_else(|e| e.into_inner()).take() {
        shred_all(d.path());
        let _ = d.close();
    }
}

fn shred_all(dir: &Path) {
    if let Ok(files) = fs::read_dir(dir) {
        files.flatten().for_each(|f| shred(&f.path()));
    }
}

/// Overwrites a regular file with zeros and removes it (a FIFO is only removed).
fn shred(path: &Path) {
    if let Ok(meta) = fs::symlink_metadata(path) {
        if meta.is_file() {
            let _ = fs::write(path, vec![0u8; meta.len() as usize]);
        }
    }
    let _ = fs::remove_file(path);
}

/// A per-user memory-backed directory where there is one, else the system's temp directory.
pub fn base_dir() -> PathBuf {
    let uid = nix::unistd::getuid().as_raw();
    let private = |p: &Path| {
        fs::metadata(p).is_ok_and(|m| m.is_dir() && m.uid() == uid && m.mode() & 0o077 == 0)
    };
    if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        if run.is_absolute() && private(&run) {
            return run;
        }
    }
    let shm = Path::new("/dev/shm");
    if nix::unistd::access(shm, nix::unistd::AccessFlags::W_OK).is_ok() {
        return shm.to_path_buf();
    }
    std::env::temp_dir()
}

/// Removes this user's scratch directories whose process is gone (killed by a signal nobody
/// can catch).
fn sweep_orphans(base: &Path) {
    let uid = nix::unistd::getuid().as_raw();
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        let ours = e.metadata().is_ok_and(|m| m.is_dir() && m.uid() == uid);
        if ours && !alive(pid) {
            shred_all(&e.path());
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

fn alive(pid: i32) -> bool {
    use nix::errno::Errno;
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(e) => e != Errno::ESRCH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_private_and_go_with_the_scratch() {
        let s = Scratch::new("test").unwrap();
        let f = s.write("a.kubeconfig", b"token: t").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!((mode(s.path()), mode(&f)), (0o700, 0o600));
        assert!(s.write("a.kubeconfig", b"again").is_err(), "overwritten");
        let dir = s.path().to_path_buf();
        drop(s);
        assert!(!dir.exists());
    }

    #[test]
    fn an_orphan_of_a_process_that_is_gone_is_swept() {
        let base = base_dir();
        let orphan = base.join(format!("{PREFIX}{}-test-x", i32::MAX - 7));
        fs::create_dir_all(&orphan).unwrap();
        fs::write(orphan.join("secret"), "s").unwrap();
        let _s = Scratch::new("test").unwrap();
        assert!(!orphan.exists());
    }
}
