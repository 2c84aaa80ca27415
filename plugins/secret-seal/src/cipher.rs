//! The `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` value format (sops `aes/cipher.go`).

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, Nonce, Tag};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::format::float_f;
use crate::tree::{Timestamp, Value};

/// sops encrypts with a 32-byte GCM nonce (Go's `NewGCMWithNonceSize(32)`).
type SopsGcm = AesGcm<Aes256, U32>;

/// The 32-byte key every value of a file is encrypted with; wiped when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey(pub Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(k.as_mut());
        DataKey(k)
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(DataKey(Zeroizing::new(arr)))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// What a ciphertext decrypted to.
#[derive(Debug, PartialEq)]
pub enum Plain {
    Value(Value),
    Comment(String),
}

/// The parts of an `ENC[...]` string, base64-decoded: the data (which becomes the value) on
/// the heap, the iv and the tag on the stack.
struct Parts<'s> {
    data: Vec<u8>,
    iv: Short,
    tag: Short,
    kind: &'s str,
}

/// A decoded iv or tag (32 and 16 bytes in every sops file; anything up to 64 decodes).
struct Short {
    bytes: [u8; 64],
    len: usize,
}

impl Short {
    fn get(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

pub fn is_encrypted(s: &str) -> bool {
    s.starts_with("ENC[AES256_GCM,")
}

fn parse(s: &str) -> Result<Parts<'_>, String> {
    // Go's regexp `^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]` with greedy groups.
    let body = s
        .strip_prefix("ENC[AES256_GCM,data:")
        .ok_or("not an ENC[AES256_GCM,...] value")?;
    let close = body
        .rfind(']')
        .ok_or("truncated ENC[...] value: no closing `]`")?;
    let body = &body[..close];
    let (rest, kind) = rsplit_at_comma(body, ",type:").ok_or("ENC value has no `type:`")?;
    let (rest, tag) = rsplit_at_comma(rest, ",tag:").ok_or("ENC value has no `tag:`")?;
    let (data, iv) = rsplit_at_comma(rest, ",iv:").ok_or("ENC value has no `iv:`")?;
    if data.is_empty() || iv.is_empty() || tag.is_empty() || kind.is_empty() {
        return Err("ENC value has an empty field".into());
    }
    let short = |name: &str, v: &str| {
        let mut bytes = [0u8; 64];
        match STANDARD.decode_slice(v, &mut bytes) {
            Ok(len) => Ok(Short { bytes, len }),
            Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
                Err(format!("`{name}` has more than 64 bytes"))
            }
            Err(base64::DecodeSliceError::DecodeError(e)) => {
                Err(format!("invalid base64 in `{name}`: {e}"))
            }
        }
    };
    Ok(Parts {
        data: STANDARD
            .decode(data)
            .map_err(|e| format!("invalid base64 in `data`: {e}"))?,
        iv: short("iv", iv)?,
        tag: short("tag", tag)?,
        kind,
    })
}

/// `s.rsplit_once(sep)` for a `sep` that starts with `,`: the commas from the end are the only
/// places it can start (a fraction of the cost of a substring search, for every value of a file).
fn rsplit_at_comma<'a>(s: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let mut end = s.len();
    while let Some(i) = memchr::memrchr(b',', &s.as_bytes()[..end]) {
        if s[i..].starts_with(sep) {
            return Some((&s[..i], &s[i + sep.len()..]));
        }
        end = i;
    }
    None
}

/// `f` of a value's [`plain_bytes`], borrowed where the value holds them (strings, the most of
/// a file): the MAC hashes 10,000 values without copying one.
pub fn with_plain_bytes<R>(value: &Value, f: impl FnOnce(&[u8]) -> R) -> R {
    match value {
        Value::Str(s) => f(s.as_bytes()),
        Value::Bytes(b) => f(b),
        Value::Time(t) => f(t.0.as_bytes()),
        Value::Comment(c) => f(c.text.as_bytes()),
        _ => f(&plain_bytes(value)),
    }
}

/// The plaintext bytes sops encrypts (and hashes into the MAC) for a value: `ToBytes`.
pub fn plain_bytes(value: &Value) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(match value {
        Value::Str(s) => s.as_bytes().to_vec(),
        Value::Bytes(b) => b.clone(),
        Value::Int(i) => i.to_string().into_bytes(),
        Value::Float(f) => float_f(*f).into_bytes(),
        Value::Bool(true) => b"True".to_vec(),
        Value::Bool(false) => b"False".to_vec(),
        Value::Time(t) => t.0.as_bytes().to_vec(),
        Value::Comment(c) => c.text.as_bytes().to_vec(),
        Value::Null | Value::Map(_) | Value::Seq(_) => Vec::new(),
    })
}

pub fn type_tag(value: &Value) -> &'static str {
    match value {
        Value::Comment(_) => "comment",
        other => other.type_name(),
    }
}

/// A data key made ready for AES-GCM (its round keys and GHASH key), once for all the values a
/// thread seals or opens: made again for every value, it was an eighth of the work on a
/// 10,000-value file.
pub struct Cipher<'k> {
    key: &'k DataKey,
    gcm: SopsGcm,
}

impl<'k> Cipher<'k> {
    pub fn new(key: &'k DataKey) -> Self {
        Cipher {
            key,
            gcm: SopsGcm::new_from_slice(key.as_bytes()).expect("32-byte key"),
        }
    }

    /// [`encrypt`] with this key.
    pub fn seal(&self, value: &Value, aad: &str) -> String {
        let mut plain = plain_bytes(value);
        if plain.is_empty() && matches!(value, Value::Str(_) | Value::Bytes(_) | Value::Comment(_))
        {
            return String::new();
        }
        let mut iv = [0u8; 32];
        // A CSPRNG seeded from the OS (as Go's crypto/rand for sops): a system call per value
        // cost more than the encryption of a 10,000-value file.
        rand::thread_rng().fill_bytes(&mut iv);
        self.seal_with_iv(&mut plain, type_tag(value), aad, &iv)
    }

    /// [`decrypt`] with this key.
    pub fn open(&self, s: &str, aad: &str) -> Result<Plain, String> {
        if s.is_empty() {
            return Ok(Plain::Value(Value::Str(String::new())));
        }
        let parts = parse(s)?;
        let mut buf = Zeroizing::new(parts.data);
        if parts.tag.len != 16 {
            return Err(format!("GCM tag has {} bytes, expected 16", parts.tag.len));
        }
        if parts.iv.len == 0 {
            return Err("empty iv".into());
        }
        self.open_in_place(parts.iv.get(), aad.as_bytes(), &mut buf, parts.tag.get())?;
        decode_plain(std::mem::take(&mut *buf), parts.kind)
    }

    fn seal_with_iv(&self, plain: &mut Vec<u8>, kind: &str, aad: &str, iv: &[u8; 32]) -> String {
        let mut buf = std::mem::take(plain);
        let tag = self
            .gcm
            .encrypt_in_place_detached(Nonce::<U32>::from_slice(iv), aad.as_bytes(), &mut buf)
            .expect("AES-GCM encryption does not fail for in-memory buffers");
        // Built in place as bytes, checked as text once: `format!` of four parts cost as much
        // as the encryption, and `encode_string` zeroes a 1 KiB buffer and checks its output
        // for every part.
        let mut out = Vec::with_capacity(buf.len() * 4 / 3 + 120);
        out.extend_from_slice(b"ENC[AES256_GCM,data:");
        encode_into(&buf, &mut out);
        out.extend_from_slice(b",iv:");
        encode_into(iv, &mut out);
        out.extend_from_slice(b",tag:");
        encode_into(&tag, &mut out);
        out.extend_from_slice(b",type:");
        out.extend_from_slice(kind.as_bytes());
        out.push(b']');
        String::from_utf8(out).expect("base64 and the type are ASCII")
    }

    fn open_in_place(
        &self,
        iv: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8],
    ) -> Result<(), String> {
        // Go accepts any nonce length on decrypt (`NewGCMWithNonceSize(len(iv))`); the common
        // lengths are 32 (every sops version) and 12. Other lengths are refused here.
        let failed = |_| {
            "authentication failed: wrong data key, or the value or its key path was changed"
                .to_string()
        };
        let tag = Tag::from_slice(tag);
        match iv.len() {
            32 => self
                .gcm
                .decrypt_in_place_detached(Nonce::<U32>::from_slice(iv), aad, buf, tag)
                .map_err(failed),
            12 => aes_gcm::Aes256Gcm::new_from_slice(self.key.as_bytes())
                .expect("32-byte key")
                .decrypt_in_place_detached(aes_gcm::Nonce::from_slice(iv), aad, buf, tag)
                .map_err(failed),
            n => Err(format!("unsupported iv length {n}")),
        }
    }
}

/// Appends the padded base64 of `bytes` to `out`.
fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let len = base64::encoded_len(bytes.len(), true)
        .expect("the base64 of a value in memory fits in memory");
    out.resize(start + len, 0);
    let written = STANDARD
        .encode_slice(bytes, &mut out[start..])
        .expect("the room encoded_len gives");
    debug_assert_eq!(written, len);
}

/// Encrypts a leaf. Empty strings (and empty comments) stay empty, without ENC wrapper, as sops.
pub fn encrypt(value: &Value, key: &DataKey, aad: &str) -> String {
    Cipher::new(key).seal(value, aad)
}

/// Decrypts an `ENC[...]` string. The empty string decrypts to the empty string, as in sops.
pub fn decrypt(s: &str, key: &DataKey, aad: &str) -> Result<Plain, String> {
    Cipher::new(key).open(s, aad)
}

fn decode_plain(mut bytes: Vec<u8>, kind: &str) -> Result<Plain, String> {
    let text = || {
        std::str::from_utf8(&bytes)
            .map(str::to_string)
            .map_err(|_| format!("{kind} value is not UTF-8"))
    };
    let result = match kind {
        "str" => match String::from_utf8(std::mem::take(&mut bytes)) {
            Ok(s) => Value::Str(s),
            Err(e) => Value::Bytes(e.into_bytes()),
        },
        "bytes" => Value::Bytes(std::mem::take(&mut bytes)),
        "int" => Value::Int(
            text()?
                .parse()
                .map_err(|_| "int value does not parse".to_string())?,
        ),
        "float" => Value::Float(
            text()?
                .parse()
                .map_err(|_| "float value does not parse".to_string())?,
        ),
        "bool" => Value::Bool(parse_go_bool(&text()?).ok_or("bool value does not parse")?),
        "time" => Value::Time(Timestamp(text()?)),
        "comment" => {
            return Ok(Plain::Comment(
                String::from_utf8(std::mem::take(&mut bytes))
                    .map_err(|_| "comment is not UTF-8")?,
            ))
        }
        other => return Err(format!("unknown value type {other:?}")),
    };
    bytes.zeroize();
    Ok(Plain::Value(result))
}

/// Go `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ciphers_expanded_key_is_wiped_when_it_is_dropped() {
        // Checked when this builds: without aes's `zeroize` feature the round keys a thread
        // keeps for all its values would stay in memory after it.
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<Aes256>();
    }

    #[test]
    fn round_trip_every_type() {
        let key = DataKey::generate();
        for v in [
            Value::Str("héllo".into()),
            Value::Int(-42),
            Value::Float(1.5),
            Value::Bool(true),
            Value::Time(Timestamp("2024-01-01T00:00:00Z".into())),
        ] {
            let enc = encrypt(&v, &key, "a:b:");
            assert!(enc.ends_with(&format!("type:{}]", v.type_name())), "{enc}");
            assert_eq!(
                decrypt(&enc, &key, "a:b:").unwrap(),
                Plain::Value(v.clone())
            );
            assert!(decrypt(&enc, &key, "a:").is_err(), "AAD must bind the path");
        }
        assert_eq!(encrypt(&Value::Str(String::new()), &key, "x:"), "");
    }

    #[test]
    fn refuses_truncated_and_bad_base64() {
        let key = DataKey::generate();
        assert!(decrypt("ENC[AES256_GCM,data:abc", &key, "")
            .unwrap_err()
            .contains("truncated"));
        assert!(decrypt(
            "ENC[AES256_GCM,data:!!,iv:AA==,tag:AA==,type:str]",
            &key,
            ""
        )
        .unwrap_err()
        .contains("base64"));
    }
}
