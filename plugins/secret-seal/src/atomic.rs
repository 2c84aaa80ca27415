//! secret-seal's writes, through the workspace's one writer (`platform_fs`: temp file beside the
//! resolved target, mode and owner kept, fsync, rename; symlinks written through), with its
//! errors as secret-seal reports them (exit code 3, as sops).

use std::path::Path;

use crate::error::{Error, Result};

fn write_error(e: platform_fs::Error) -> Error {
    Error::Write {
        path: e.path,
        source: e.source,
    }
}

/// A new file is private (0600): what secret-seal writes is sealed or, on request, plaintext.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with_mode(path, bytes, None)
}

/// `mode` applies to a new file (an existing file keeps its own permissions); default 0600.
pub fn write_with_mode(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    platform_fs::write(path, bytes, mode.unwrap_or(0o600)).map_err(write_error)
}

/// Creates a new file atomically; fails if it exists (never overwrites).
pub fn create_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    platform_fs::create_new(path, bytes, mode).map_err(write_error)
}
