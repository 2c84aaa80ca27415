//! Reading a file whole for a read-modify-write, without copying it when it is large.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;

/// From this size on a file is mapped: below it, reading costs less than mapping (a map is two
/// system calls and a page fault or more).
const MAP_FROM: u64 = 1 << 20;

/// A file's bytes: read into memory when small, mapped when large. A 50 MB kubeconfig read into
/// fresh memory costs 12,000 page faults and a copy, three quarters of a `kubectl vteam use`;
/// mapped, the page cache is the buffer, and writing the new file copies from it once. A copy
/// read into memory is zeroed when dropped (the file may hold secrets); a mapping is the page
/// cache's own copy, which the kernel keeps either way.
#[derive(Default)]
pub struct Contents(Inner);

enum Inner {
    Read(zeroize::Zeroizing<Vec<u8>>),
    Mapped(memmap2::Mmap),
}

impl Default for Inner {
    fn default() -> Inner {
        Inner::Read(Default::default())
    }
}

impl Contents {
    /// The bytes of the file at `path` (a pipe or a device, such as `<(...)` or `/dev/stdin`,
    /// is read, never mapped).
    pub fn read(path: &Path) -> io::Result<Contents> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_file() && meta.len() >= MAP_FROM {
            return map(&file).map(|m| Contents(Inner::Mapped(m)));
        }
        let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(meta.len() as usize + 1));
        file.read_to_end(&mut bytes)?;
        Ok(Contents(Inner::Read(bytes)))
    }

    /// Everything `reader` gives (standard input), read into memory.
    pub fn read_from(mut reader: impl Read) -> io::Result<Contents> {
        let mut bytes = zeroize::Zeroizing::new(Vec::new());
        reader.read_to_end(&mut bytes)?;
        Ok(Contents(Inner::Read(bytes)))
    }

    /// The bytes as text; a file that is not UTF-8 is an `InvalidData` error, as
    /// `fs::read_to_string` gives.
    pub fn text(&self) -> io::Result<&str> {
        // The SIMD check is three times as fast on a 50 MB file; std's says where it failed.
        simdutf8::basic::from_utf8(self).or_else(|_| {
            std::str::from_utf8(self).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
        })
    }
}

impl Deref for Contents {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Inner::Read(v) => v,
            Inner::Mapped(m) => m,
        }
    }
}

#[allow(unsafe_code)]
fn map(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the map is private and read-only; what could break it is another process changing
    // the file while it is mapped (its bytes would change under a shared slice; a truncation
    // raises SIGBUS). Every writer of this workspace, sops, tofu and kubectl-vteam, replaces a
    // file by renaming a new one over it, which leaves the mapped file as it was; the callers
    // hold the file's `Lock`, and kubectl-vteam also waits for kubectl's `<file>.lock`, held for
    // the length of kubectl's in-place writes. A writer that honours neither would tear a
    // `read(2)` of the file just the same, which is as good as a crash of ours before anything
    // was written.
    unsafe { memmap2::MmapOptions::new().map(file) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_files_read_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        for len in [
            0,
            1,
            MAP_FROM as usize - 1,
            MAP_FROM as usize,
            3 * MAP_FROM as usize + 7,
        ] {
            let path = dir.path().join(format!("f{len}"));
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let read = Contents::read(&path).unwrap();
            assert_eq!(&read[..], &bytes[..], "{len} bytes");
            assert_eq!(
                matches!(read.0, Inner::Mapped(_)),
                len as u64 >= MAP_FROM,
                "{len} bytes: mapped only from MAP_FROM on"
            );
        }
    }

    #[test]
    fn a_mapped_file_keeps_its_bytes_when_replaced_by_rename() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        let old = vec![b'a'; MAP_FROM as usize];
        std::fs::write(&path, &old).unwrap();
        let read = Contents::read(&path).unwrap();
        crate::write(&path, b"new", 0o600).unwrap();
        assert_eq!(&read[..], &old[..]);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn text_that_is_not_utf8_is_invalid_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1");
        std::fs::write(&path, b"caf\xe9").unwrap();
        let read = Contents::read(&path).unwrap();
        assert_eq!(read.text().unwrap_err().kind(), io::ErrorKind::InvalidData);
    }
}
