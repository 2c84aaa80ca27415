//! age master keys: the data key (or a Shamir share) encrypted to one recipient per metadata
//! entry, ASCII-armored, exactly as sops's `age/keysource.go` writes it.

use std::io::Read;
use std::str::FromStr;

use age::armor::ArmoredReader;
use zeroize::Zeroizing;

/// Parses an age recipient the way sops accepts them: `age1…` X25519 or an ssh public key.
pub fn parse_recipient(s: &str) -> Result<Box<dyn age::Recipient + Send>, String> {
    let s = s.trim();
    if s.starts_with("ssh-") {
        return age::ssh::Recipient::from_str(s)
            .map(|r| Box::new(r) as _)
            .map_err(|e| format!("invalid ssh recipient {s:?}: {e:?}"));
    }
    age::x25519::Recipient::from_str(s)
        .map(|r| Box::new(r) as _)
        .map_err(|e| format!("invalid age recipient {s:?}: {e}"))
}

/// Wraps `secret` for one recipient, armored, with the trailing newline sops keeps.
pub fn wrap(recipient: &str, secret: &[u8]) -> Result<String, String> {
    let r = parse_recipient(recipient)?;
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&*r as &dyn age::Recipient))
        .map_err(|e| format!("age: {e}"))?;
    let mut out = Vec::new();
    let armored = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .map_err(|e| e.to_string())?;
    let mut w = encryptor.wrap_output(armored).map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut w, secret).map_err(|e| e.to_string())?;
    w.finish()
        .and_then(|a| a.finish())
        .map_err(|e| e.to_string())?;
    let mut s = String::from_utf8(out).expect("armor is ASCII");
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}

/// Unwraps an armored (or binary) age payload with any of the identities.
pub fn unwrap(
    enc: &str,
    identities: &[Box<dyn age::Identity>],
) -> Result<Zeroizing<Vec<u8>>, String> {
    if identities.is_empty() {
        return Err("no age identities loaded".into());
    }
    if enc.trim().is_empty() {
        return Err("the entry has no `enc` (the data key sealed for this recipient): the file is damaged; restore it from version control".into());
    }
    let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(enc.as_bytes()))
        .map_err(|e| format!("its `enc` is not an age file ({e}): the file is damaged; restore it from version control"))?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| &**i as &dyn age::Identity))
        .map_err(|e| e.to_string())?;
    let mut out = Zeroizing::new(Vec::new());
    reader.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}
