//! Walking the tree: encrypting and decrypting every leaf with its key path as AAD, and the MAC
//! over the plaintext values in walk order (spec §2, §3, §5).

use sha2::{Digest, Sha256, Sha512};

use crate::cipher::{self, Cipher, DataKey, Plain};
use crate::error::{Error, Result};
use crate::metadata::Metadata;
use crate::tree::{Branch, Comment, Key, Tree, Value};

/// A leaf the walk hands to its callback.
enum Slot<'a> {
    Value(&'a mut Value),
    MapComment(&'a mut Comment),
}

type Visit<'f> = dyn FnMut(Slot<'_>, &[String], &[Vec<String>]) -> Result<()> + 'f;

/// The keys from the root to the value being walked, in buffers kept from one value to the
/// next: a walk of 10,000 values then copies each key into a buffer that is already there.
#[derive(Default)]
struct KeyPath {
    keys: Vec<String>,
    depth: usize,
}

impl KeyPath {
    fn push(&mut self, key: &str) {
        if self.keys.len() == self.depth {
            self.keys.push(String::new());
        }
        let slot = &mut self.keys[self.depth];
        slot.clear();
        slot.push_str(key);
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.depth -= 1;
    }

    fn keys(&self) -> &[String] {
        &self.keys[..self.depth]
    }
}

fn walk(tree: &mut Tree, f: &mut Visit) -> Result<()> {
    let mut path = KeyPath::default();
    for branch in &mut tree.branches {
        walk_branch(branch, &mut path, &mut Vec::new(), f)?;
    }
    Ok(())
}

fn walk_branch(
    branch: &mut Branch,
    path: &mut KeyPath,
    stack: &mut Vec<Vec<String>>,
    f: &mut Visit,
) -> Result<()> {
    stack.push(Vec::new());
    for item in &mut branch.0 {
        match &mut item.key {
            Key::Comment(c) => {
                stack.last_mut().expect("frame").push(c.text.clone());
                f(Slot::MapComment(c), path.keys(), stack)?;
            }
            Key::Name(k) => {
                path.push(k);
                walk_value(&mut item.value, path, stack, f)?;
                path.pop();
                stack.last_mut().expect("frame").clear();
            }
        }
    }
    stack.pop();
    Ok(())
}

fn walk_value(
    value: &mut Value,
    path: &mut KeyPath,
    stack: &mut Vec<Vec<String>>,
    f: &mut Visit,
) -> Result<()> {
    match value {
        Value::Map(b) => walk_branch(b, path, stack, f),
        Value::Seq(items) => {
            stack.push(Vec::new());
            for v in items.iter_mut() {
                if let Value::Comment(c) = v {
                    stack.last_mut().expect("frame").push(c.text.clone());
                    f(Slot::Value(v), path.keys(), stack)?;
                } else {
                    walk_value(v, path, stack, f)?;
                    stack.last_mut().expect("frame").clear();
                }
            }
            stack.pop();
            Ok(())
        }
        leaf => f(Slot::Value(leaf), path.keys(), stack),
    }
}

/// sops's additional data: the keys joined with `:`, and one more `:` (`a:b:`; `:` at the top).
fn aad(path: &[String]) -> String {
    let mut s = String::with_capacity(path.iter().map(|k| k.len() + 1).sum::<usize>() + 1);
    push_aad(path, &mut s);
    s
}

/// [`aad`] appended to `out`; its place there. The jobs of a walk keep their additional data
/// in one buffer rather than a string each.
fn push_aad(path: &[String], out: &mut String) -> std::ops::Range<usize> {
    let start = out.len();
    for (i, key) in path.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(key);
    }
    out.push(':');
    start..out.len()
}

/// The 32 constant bytes `sha256("sops")` that start the MAC of `mac_only_encrypted` files.
fn new_mac(meta: &Metadata) -> Sha512 {
    let mut h = Sha512::new();
    if meta.mac_only_encrypted {
        h.update(Sha256::digest(b"sops"));
    }
    h
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The ciphertext each value had when it was decrypted, keyed by type, key path and plaintext.
/// Re-sealing with the same data key reuses them, so values that did not change keep their exact
/// bytes and a git diff shows only what changed (sops's IV "stash"). Plaintext keys are wiped.
///
/// Most openings only read (`decrypt`, `exec`, `check`), so values are only listed as they are
/// decrypted; the index is built the first time a value is recalled, when re-sealing.
#[derive(Default)]
pub struct Stash {
    entries: Vec<StashEntry>,
    index: std::sync::OnceLock<std::collections::HashMap<u64, Vec<usize>>>,
}

struct StashEntry {
    type_tag: &'static str,
    aad: String,
    plain: Plaintext,
    enc: String,
}

/// Plaintext bytes, wiped when dropped.
#[derive(PartialEq, Eq, Hash)]
struct Plaintext(Vec<u8>);

impl Drop for Plaintext {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl std::fmt::Debug for Stash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stash({} values)", self.entries.len())
    }
}

fn stash_key(type_tag: &str, aad: &str, plain: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (type_tag, aad, plain).hash(&mut h);
    h.finish()
}

impl Stash {
    fn remember(&mut self, plain: &Value, aad: String, enc: String) {
        if !enc.is_empty() {
            self.entries.push(StashEntry {
                type_tag: cipher::type_tag(plain),
                aad,
                plain: Plaintext(std::mem::take(&mut *cipher::plain_bytes(plain))),
                enc,
            });
        }
    }

    fn recall(&self, plain: &Value, aad: &str) -> Option<&String> {
        let index = self.index.get_or_init(|| {
            let mut index: std::collections::HashMap<u64, Vec<usize>> = Default::default();
            for (i, e) in self.entries.iter().enumerate() {
                index
                    .entry(stash_key(e.type_tag, &e.aad, &e.plain.0))
                    .or_default()
                    .push(i);
            }
            index
        });
        let type_tag = cipher::type_tag(plain);
        cipher::with_plain_bytes(plain, |bytes| {
            // The last one remembered wins, as a map insert would have it.
            index
                .get(&stash_key(type_tag, aad, bytes))?
                .iter()
                .rev()
                .map(|&i| &self.entries[i])
                .find(|e| e.type_tag == type_tag && e.aad == aad && e.plain.0 == bytes)
                .map(|e| &e.enc)
        })
    }
}

fn seal_value(v: &Value, key: &DataKey, aad: &str, stash: Option<&Stash>) -> String {
    match stash.and_then(|s| s.recall(v, aad)) {
        Some(enc) => enc.clone(),
        None => cipher::encrypt(v, key, aad),
    }
}

/// Encrypts every leaf the rule selects, in place; returns the MAC (uppercase hex SHA-512).
pub fn encrypt_tree(tree: &mut Tree, meta: &Metadata, key: &DataKey) -> Result<String> {
    encrypt_tree_reusing(tree, meta, key, None)
}

/// As [`encrypt_tree`], reusing the ciphertexts of unchanged values from `stash`.
pub fn encrypt_tree_reusing(
    tree: &mut Tree,
    meta: &Metadata,
    key: &DataKey,
    stash: Option<&Stash>,
) -> Result<String> {
    // First pass, in order: the MAC, comments, and the values the stash already has a
    // ciphertext for; the others move into jobs, sealed on every core, and are put back in a
    // second pass by their place among the leaves (sealing a leaf leaves the walk as it was).
    let mut mac = new_mac(meta);
    let mut jobs: Vec<(Value, std::ops::Range<usize>)> = Vec::new();
    let mut aads = String::new();
    let mut job_leaves: Vec<usize> = Vec::new();
    let mut leaf = 0;
    let mut visit = |slot: Slot<'_>, path: &[String], stack: &[Vec<String>]| -> Result<()> {
        let is_comment = matches!(slot, Slot::MapComment(_) | Slot::Value(Value::Comment(_)));
        let encrypt = meta.rule.should_encrypt(path, stack, is_comment);
        match slot {
            Slot::MapComment(c) => {
                if encrypt {
                    c.text = seal_value(&Value::Comment(c.clone()), key, &aad(path), stash);
                }
            }
            Slot::Value(v) => {
                leaf += 1;
                if matches!(v, Value::Null) {
                    return Ok(());
                }
                if !is_comment && (!meta.mac_only_encrypted || encrypt) {
                    cipher::with_plain_bytes(v, |b| mac.update(b));
                }
                if encrypt {
                    let aad = push_aad(path, &mut aads);
                    // A comment inside a sequence becomes a plain list element once encrypted.
                    match stash.and_then(|s| s.recall(v, &aads[aad.clone()])) {
                        Some(enc) => {
                            *v = Value::Str(enc.clone());
                            aads.truncate(aad.start);
                        }
                        None => {
                            jobs.push((std::mem::replace(v, Value::Str(String::new())), aad));
                            job_leaves.push(leaf - 1);
                        }
                    }
                }
            }
        }
        Ok(())
    };
    walk(tree, &mut visit)?;
    let mut sealed = platform_fs::parallel::map_with(
        &jobs,
        512,
        || Cipher::new(key),
        |cipher, (v, aad)| cipher.seal(v, &aads[aad.clone()]),
    )
    .into_iter();
    for (v, _) in &mut jobs {
        zeroize::Zeroize::zeroize(v);
    }
    let mut job_leaves = job_leaves.into_iter().peekable();
    let mut leaf = 0;
    let mut put_back = |slot: Slot<'_>, _: &[String], _: &[Vec<String>]| -> Result<()> {
        if let Slot::Value(v) = slot {
            if job_leaves.next_if_eq(&leaf).is_some() {
                *v = Value::Str(sealed.next().expect("one ciphertext per job"));
            }
            leaf += 1;
        }
        Ok(())
    };
    walk(tree, &mut put_back)?;
    Ok(hex_upper(&mac.finalize()))
}

/// Decrypts every leaf the rule selects, in place; returns the MAC computed over the plaintext.
pub fn decrypt_tree(tree: &mut Tree, meta: &Metadata, key: &DataKey) -> Result<String> {
    decrypt_tree_stashing(tree, meta, key, None)
}

/// As [`decrypt_tree`], remembering every value's ciphertext in `stash` when there is one (a
/// file opened only to be read keeps none: that is a copy of every value less).
pub fn decrypt_tree_stashing(
    tree: &mut Tree,
    meta: &Metadata,
    key: &DataKey,
    mut stash: Option<&mut Stash>,
) -> Result<String> {
    // The encrypted values, in the order of the walk, decrypted on every core: with thousands
    // of values, AES-GCM and base64 are most of the work of opening a file.
    // Each ciphertext moves out of the tree into its job (the stash keeps it afterwards).
    let mut jobs: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    let mut aads = String::new();
    let mut collect = |slot: Slot<'_>, path: &[String], stack: &[Vec<String>]| -> Result<()> {
        if let Slot::Value(Value::Str(s)) = slot {
            if meta.rule.should_encrypt(path, stack, false) {
                jobs.push((std::mem::take(s), push_aad(path, &mut aads)));
            }
        }
        Ok(())
    };
    walk(tree, &mut collect)?;
    let plains = platform_fs::parallel::map_with(
        &jobs,
        512,
        || Cipher::new(key),
        |cipher, (enc, aad)| cipher.open(enc, &aads[aad.clone()]),
    );
    let mut done = jobs.into_iter().zip(plains);

    let mut mac = new_mac(meta);
    let mut visit = |slot: Slot<'_>, path: &[String], stack: &[Vec<String>]| -> Result<()> {
        let is_comment = matches!(slot, Slot::MapComment(_) | Slot::Value(Value::Comment(_)));
        let encrypted = meta.rule.should_encrypt(path, stack, is_comment);
        match slot {
            Slot::MapComment(c) => {
                if encrypted && cipher::is_encrypted(&c.text) {
                    let enc = c.text.clone();
                    c.text = decrypt_comment(&c.text, key, path);
                    if let Some(stash) = stash.as_deref_mut() {
                        stash.remember(&Value::Comment(c.clone()), aad(path), enc);
                    }
                }
            }
            Slot::Value(v) => {
                if encrypted {
                    if let Value::Str(_) = v {
                        let ((enc, aad), plain) =
                            done.next().expect("one decryption per encrypted value");
                        let plain = plain.map_err(|reason| Error::Value {
                            path: display_path(path),
                            reason,
                        })?;
                        *v = match plain {
                            Plain::Value(p) => p,
                            Plain::Comment(text) => Value::Comment(Comment {
                                text,
                                inline: false,
                            }),
                        };
                        if let Some(stash) = stash.as_deref_mut() {
                            stash.remember(v, aads[aad].to_string(), enc);
                        }
                    }
                }
                // sops <= 3.13.1 and >= 3.13.3 test the *decrypted* value: comments never count.
                if !matches!(v, Value::Comment(_) | Value::Null)
                    && (!meta.mac_only_encrypted || encrypted)
                {
                    cipher::with_plain_bytes(v, |b| mac.update(b));
                }
            }
        }
        Ok(())
    };
    walk(tree, &mut visit)?;
    Ok(hex_upper(&mac.finalize()))
}

/// Key paths of values that the file's rule says are encrypted but are not `ENC[...]`: a sealed
/// file half-edited by hand, or a plaintext value pasted into it.
pub fn unsealed_values(tree: &Tree, meta: &Metadata) -> Vec<String> {
    let mut found = Vec::new();
    let mut tree = tree.clone();
    let mut visit = |slot: Slot<'_>, path: &[String], stack: &[Vec<String>]| -> Result<()> {
        if let Slot::Value(v) = slot {
            let plain = match v {
                Value::Null | Value::Comment(_) => false,
                Value::Str(s) => !s.is_empty() && !cipher::is_encrypted(s),
                _ => true,
            };
            if plain && meta.rule.should_encrypt(path, stack, false) {
                found.push(display_path(path));
            }
        }
        Ok(())
    };
    let _ = walk(&mut tree, &mut visit);
    found
}

/// An encrypted comment whose AAD does not match (the YAML reader placed it in another branch
/// than sops's did) is tried against every enclosing path; failing that it is kept verbatim,
/// which is what sops does for comments it cannot decrypt.
fn decrypt_comment(text: &str, key: &DataKey, path: &[String]) -> String {
    for depth in (0..=path.len()).rev() {
        if let Ok(Plain::Comment(plain)) = cipher::decrypt(text, key, &aad(&path[..depth])) {
            return plain;
        }
    }
    eprintln!(
        "warning: could not decrypt the comment {text:.40}… at {}; kept as is",
        display_path(path)
    );
    text.to_string()
}

/// A key path as users write it in `--extract`: `["a"]["b"]`.
pub fn display_path(path: &[String]) -> String {
    if path.is_empty() {
        return "the document root".into();
    }
    path.iter().map(|k| format!("[{k:?}]")).collect()
}

/// The `mac` value sops stores: the hex MAC encrypted with AAD = lastmodified (RFC3339).
pub fn seal_mac(mac: &str, key: &DataKey, lastmodified: &str) -> String {
    cipher::encrypt(&Value::Str(mac.to_string()), key, &mac_aad(lastmodified))
}

/// Verifies the stored MAC against the computed one.
pub fn verify_mac(meta: &Metadata, key: &DataKey, computed: &str) -> Result<()> {
    if meta.mac.is_empty() {
        return Err(Error::MacNotFound);
    }
    let stored = match cipher::decrypt(&meta.mac, key, &mac_aad(&meta.lastmodified)) {
        Ok(Plain::Value(Value::Str(s))) => s,
        Ok(_) => return Err(Error::Invalid("the MAC is not a string".into())),
        Err(reason) => return Err(Error::MacUnreadable(reason)),
    };
    if stored != computed {
        return Err(Error::MacMismatch {
            stored,
            computed: computed.to_string(),
        });
    }
    Ok(())
}

/// Go `time.Parse(RFC3339, s).Format(RFC3339)`: fractional seconds dropped, a zero offset
/// written `Z`.
fn mac_aad(lastmodified: &str) -> String {
    let s = lastmodified.trim();
    let (datetime, zone) = match s.find(['Z', 'z']) {
        Some(i) => (&s[..i], "Z"),
        None => {
            let i = s.rfind(['+', '-']).filter(|i| *i > 10).unwrap_or(s.len());
            let zone = &s[i..];
            (
                &s[..i],
                if zone == "+00:00" || zone == "-00:00" {
                    "Z"
                } else {
                    zone
                },
            )
        }
    };
    let datetime = datetime
        .split('.')
        .next()
        .unwrap_or(datetime)
        .replacen('t', "T", 1);
    format!("{datetime}{zone}")
}

#[cfg(test)]
mod tests {
    use super::mac_aad;

    #[test]
    fn mac_aad_is_rfc3339_without_fraction() {
        assert_eq!(mac_aad("2019-12-10T22:45:55Z"), "2019-12-10T22:45:55Z");
        assert_eq!(mac_aad("2019-12-10T22:45:55.123Z"), "2019-12-10T22:45:55Z");
        assert_eq!(mac_aad("2019-12-10T22:45:55+00:00"), "2019-12-10T22:45:55Z");
        assert_eq!(
            mac_aad("2019-12-10T22:45:55.5+02:00"),
            "2019-12-10T22:45:55+02:00"
        );
    }
}
