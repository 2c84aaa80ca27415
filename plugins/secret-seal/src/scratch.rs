//! A private place for the plaintext a user edits (`secret-seal edit`): one file in a 0700
//! directory, on a memory-backed file system where the system has one (`$XDG_RUNTIME_DIR`, else
//! `/dev/shm`), so the plaintext never reaches a disk. It is removed when the edit ends, when
//! the process is told to stop (SIGTERM, SIGHUP when the terminal closes, SIGQUIT), and, after
//! a kill that cannot be caught, by the next run: each directory is named for the process that
//! made it, and one whose process is gone is an orphan.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use signal_hook::consts::{SIGHUP, SIGQUIT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

const PREFIX: &str = "secret-seal-edit-";

/// The plaintext file and the directory that holds it, removed when dropped.
pub struct Scratch {
    file: PathBuf,
    dir: Arc<Mutex<Option<tempfile::TempDir>>>,
    signals: Handle,
    watcher: Option<std::thread::JoinHandle<()>>,
}

impl Scratch {
    /// A new private directory with room for a file named `name`, after sweeping what killed
    /// runs left behind.
    pub fn new(name: &OsStr) -> std::io::Result<Scratch> {
        let base = base_dir();
        sweep_orphans(&base);
        let dir = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .permissions(fs::Permissions::from_mode(0o700))
            .tempdir_in(&base)?;
        let file = dir.path().join(name);
        let dir = Arc::new(Mutex::new(Some(dir)));
        let mut signals = Signals::new([SIGTERM, SIGHUP, SIGQUIT])?;
        let signals_handle = signals.handle();
        let (held, path) = (Arc::clone(&dir), file.clone());
        let watcher = std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                remove(&path, &held);
                // Die of the signal, as the process would have without us.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
        Ok(Scratch {
            file,
            dir,
            signals: signals_handle,
            watcher: Some(watcher),
        })
    }

    /// Where the plaintext goes.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.signals.close();
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
        }
        remove(&self.file, &self.dir);
    }
}

/// Overwrites the plaintext with zeros, then removes it and its directory.
fn remove(file: &Path, dir: &Mutex<Option<tempfile::TempDir>>) {
    shred(file);
    if let Some(d) = dir.lock().unwrap_or_else(|e| e.into_inner()).take() {
        let _ = d.close();
    }
}

/// Overwrites a plaintext file with zeros and removes it.
pub fn shred(path: &Path) {
    if let Ok(meta) = fs::metadata(path) {
        let _ = fs::write(path, vec![0u8; meta.len() as usize]);
    }
    let _ = fs::remove_file(path);
}

/// A per-user memory-backed directory where there is one, else the system's temp directory.
fn base_dir() -> PathBuf {
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

/// Removes our directories whose process is gone (killed by a signal nobody can catch).
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
            if let Ok(files) = fs::read_dir(e.path()) {
                files.flatten().for_each(|f| shred(&f.path()));
            }
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
