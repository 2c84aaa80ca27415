//! Handing plaintext to another program without writing it to disk: a FIFO in the private
//! scratch place ([`crate::scratch`]), written by a thread while the program runs (`secret-seal
//! exec-file`, and `tofu-envs run` for terragrunt, whose Go runtime closes inherited
//! descriptors).

use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use zeroize::{Zeroize, Zeroizing};

pub struct Fifo {
    path: PathBuf,
    writer: Option<JoinHandle<()>>,
    // Last: removed after the writer is done.
    _dir: crate::scratch::Scratch,
}

impl Fifo {
    /// A FIFO named `name` in a new scratch directory for `purpose`; a thread writes
    /// `plaintext` into it as soon as a reader opens it.
    pub fn new(purpose: &str, name: &str, plaintext: Zeroizing<Vec<u8>>) -> std::io::Result<Fifo> {
        let dir = crate::scratch::Scratch::new(purpose)?;
        let path = dir.path().join(name);
        nix::unistd::mkfifo(
            &path,
            nix::sys::stat::Mode::S_IRUSR | nix::sys::stat::Mode::S_IWUSR,
        )
        .map_err(std::io::Error::from)?;
        let target = path.clone();
        let writer = std::thread::spawn(move || {
            // Blocks until a reader opens it; EPIPE when the reader leaves early is fine.
            if let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(&target) {
                let _ = w.write_all(&plaintext);
            }
        });
        Ok(Fifo {
            path,
            writer: Some(writer),
            _dir: dir,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Once the program has exited: a writer still waiting for a reader (the program never
    /// opened the FIFO, or had not when it died) is let through and its data drained, so this
    /// never waits forever. The reader is opened before the writer is waited for and held
    /// until it is done: opening and closing it at once would race a writer that has not yet
    /// reached its `open`, which would then wait for a reader that never comes.
    pub fn finish(mut self) {
        self.release();
    }

    fn release(&mut self) {
        let Some(writer) = self.writer.take() else {
            return;
        };
        let reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NONBLOCK)
            .open(&self.path);
        let mut sink = [0u8; 8192];
        while !writer.is_finished() {
            match reader.as_ref().map(|mut r| r.read(&mut sink)) {
                Ok(Ok(n)) if n > 0 => continue,
                _ => std::thread::sleep(Duration::from_millis(1)),
            }
        }
        sink.zeroize();
        let _ = writer.join();
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_nobody_opens_is_finished_without_waiting() {
        // Many times: the race this guards against lost about one run in a few hundred.
        for _ in 0..200 {
            let f = Fifo::new("fifo-test", "s", Zeroizing::new(b"secret".to_vec())).unwrap();
            let dir = f.path().parent().unwrap().to_path_buf();
            f.finish();
            assert!(!dir.exists());
        }
    }

    #[test]
    fn a_reader_gets_every_byte() {
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let f = Fifo::new("fifo-test", "s", Zeroizing::new(data.clone())).unwrap();
        let got = std::fs::read(f.path()).unwrap();
        assert_eq!(got, data);
        f.finish();
    }

    #[test]
    fn a_reader_that_leaves_early_does_not_block_the_finish() {
        let data = vec![7u8; 1 << 20];
        let f = Fifo::new("fifo-test", "s", Zeroizing::new(data)).unwrap();
        let mut r = std::fs::File::open(f.path()).unwrap();
        let mut first = [0u8; 10];
        r.read_exact(&mut first).unwrap();
        drop(r);
        f.finish();
    }
}
