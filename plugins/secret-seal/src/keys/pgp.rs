//! PGP master keys through the `gpg` binary, as sops does (`gpg -d` to unwrap), so repositories
//! sealed with sops + PGP still open. `SOPS_GPG_EXEC` overrides the binary, `GNUPGHOME` the home.

use std::io::Write;
use std::process::{Command, Stdio};

use zeroize::Zeroizing;

fn gpg() -> Command {
    Command::new(std::env::var("SOPS_GPG_EXEC").unwrap_or_else(|_| "gpg".into()))
}

fn run(mut cmd: Command, input: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run gpg: {e} (install gnupg or set SOPS_GPG_EXEC)"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(input)
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = Zeroizing::new(out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("gpg failed: {}", err.trim()));
    }
    Ok(stdout)
}

pub fn unwrap(enc: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut cmd = gpg();
    cmd.args(["--batch", "--quiet", "--no-tty", "-d"]);
    let out = run(cmd, enc.as_bytes())?;
    if out.is_empty() {
        return Err("gpg returned no data".into());
    }
    Ok(out)
}

/// `gpg --encrypt -a -r FP`, output trimmed (sops stores it without the trailing newline).
pub fn wrap(fp: &str, secret: &[u8]) -> Result<String, String> {
    let fp = fp.trim();
    let short = &fp[fp.len().saturating_sub(16)..];
    let mut cmd = gpg();
    cmd.args([
        "--batch",
        "--no-default-recipient",
        "--yes",
        "--encrypt",
        "-a",
        "-r",
        fp,
        "--trusted-key",
        short,
        "--no-encrypt-to",
    ]);
    let out = run(cmd, secret)?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}
