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

/// An age X25519 identity that knows its public key. age's own derives it again for every
/// stanza it tries, a base-point multiplication of 0.17 M instructions, and `tofu-envs check`
/// opens a thousand files. The unwrap is age's (c2sp.org/age#x25519-recipient-stanza), built
/// from the primitives age itself uses (age-core's HKDF and ChaCha20-Poly1305, x25519-dalek).
pub struct X25519 {
    scalar: Zeroizing<[u8; 32]>,
    public: [u8; 32],
}

const X25519_TAG: &str = "X25519";
const X25519_LABEL: &[u8] = b"age-encryption.org/v1/X25519";
const FILE_KEY_BYTES: usize = 16;

impl X25519 {
    /// The identity of an `AGE-SECRET-KEY-1...` string age has accepted, with its public key
    /// (`public`, the bytes of its `age1...` recipient).
    pub fn new(secret_key: &str, public: [u8; 32]) -> Option<X25519> {
        use bech32::FromBase32;
        let (hrp, data, variant) = bech32::decode(secret_key).ok()?;
        if hrp != "age-secret-key-" || variant != bech32::Variant::Bech32 {
            return None;
        }
        let bytes = Zeroizing::new(Vec::<u8>::from_base32(&data).ok()?);
        let scalar: Zeroizing<[u8; 32]> = Zeroizing::new(bytes[..].try_into().ok()?);
        Some(X25519 { scalar, public })
    }
}

/// X25519(`scalar`, `u`): the agreement of age's unwrap, on the Edwards form of the curve when
/// `u` has one. curve25519-dalek multiplies Edwards points with its AVX2 backend and runs the
/// Montgomery ladder of X25519 without it: a quarter less time for each file `check` opens.
/// A `u` on the twist has no Edwards point and goes to the ladder. Either way the scalar is
/// clamped and its multiple is the same point (the tests compare the two).
fn agree(scalar: &[u8; 32], u: [u8; 32]) -> Zeroizing<[u8; 32]> {
    let point = curve25519_dalek::montgomery::MontgomeryPoint(u);
    Zeroizing::new(match point.to_edwards(0) {
        Some(edwards) => edwards.mul_clamped(*scalar).to_montgomery().0,
        None => point.mul_clamped(*scalar).0,
    })
}

/// The bytes of an `age1...` recipient.
pub fn recipient_bytes(recipient: &str) -> Option<[u8; 32]> {
    use bech32::FromBase32;
    let (hrp, data, _) = bech32::decode(recipient).ok()?;
    (hrp == "age")
        .then(|| Vec::<u8>::from_base32(&data).ok()?.try_into().ok())
        .flatten()
}

impl age::Identity for X25519 {
    fn unwrap_stanza(
        &self,
        stanza: &age_core::format::Stanza,
    ) -> Option<Result<age_core::format::FileKey, age::DecryptError>> {
        use base64::Engine;
        if stanza.tag != X25519_TAG {
            return None;
        }
        let invalid = || Some(Err(age::DecryptError::InvalidHeader));
        // One canonical base64 argument of 32 bytes, and a 32-byte body, as age requires.
        let [share] = &stanza.args[..] else {
            return invalid();
        };
        let mut buf = [0u8; 33];
        let epk: [u8; 32] =
            match base64::engine::general_purpose::STANDARD_NO_PAD.decode_slice(share, &mut buf) {
                Ok(32) => buf[..32].try_into().expect("32 bytes"),
                _ => return invalid(),
            };
        if stanza.body.len() != 32 {
            return invalid();
        }
        let shared = agree(&self.scalar, epk);
        // A low-order share makes an all-zero secret, which age refuses (not contributory).
        if shared.iter().fold(0, |any, b| any | b) == 0 {
            return invalid();
        }
        let mut salt = [0u8; 64];
        salt[..32].copy_from_slice(&epk);
        salt[32..].copy_from_slice(&self.public);
        let key = Zeroizing::new(age_core::primitives::hkdf(&salt, X25519_LABEL, &shared[..]));
        // Not our stanza when it does not open: another recipient's, tried with other keys.
        let plain = age_core::primitives::aead_decrypt(&key, FILE_KEY_BYTES, &stanza.body).ok()?;
        let plain = Zeroizing::new(plain);
        Some(Ok(age_core::format::FileKey::init_with_mut(|k| {
            k.copy_from_slice(&plain)
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    fn known(id: &age::x25519::Identity) -> X25519 {
        let public = recipient_bytes(&id.to_public().to_string()).unwrap();
        X25519::new(id.to_string().expose_secret(), public).unwrap()
    }

    #[test]
    fn opens_what_age_seals_for_it_and_nothing_sealed_for_another_key() {
        let ours = age::x25519::Identity::generate();
        let theirs = age::x25519::Identity::generate();
        let secret = b"0123456789abcdef0123456789abcdef";
        let sealed = wrap(&ours.to_public().to_string(), secret).unwrap();
        let opened = unwrap(&sealed, &[Box::new(known(&ours))]).unwrap();
        assert_eq!(&opened[..], secret);
        // Sealed for two: each key opens its own stanza; a third key opens none.
        let both = age::Encryptor::with_recipients(
            [
                &ours.to_public() as &dyn age::Recipient,
                &theirs.to_public(),
            ]
            .into_iter(),
        )
        .unwrap();
        let mut out = Vec::new();
        let armored =
            age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
                .unwrap();
        let mut w = both.wrap_output(armored).unwrap();
        std::io::Write::write_all(&mut w, secret).unwrap();
        w.finish().and_then(|a| a.finish()).unwrap();
        let two = String::from_utf8(out).unwrap();
        for key in [&ours, &theirs] {
            assert_eq!(&unwrap(&two, &[Box::new(known(key))]).unwrap()[..], secret);
        }
        let other = age::x25519::Identity::generate();
        let err = unwrap(&sealed, &[Box::new(known(&other))]).unwrap_err();
        assert!(err.contains("No matching keys"), "{err}");
    }

    #[test]
    fn malformed_stanzas_are_invalid_and_other_types_are_not_ours() {
        let id = known(&age::x25519::Identity::generate());
        let stanza = |tag: &str, args: &[&str], body: Vec<u8>| age_core::format::Stanza {
            tag: tag.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            body,
        };
        let share = "dGhpcyBpcyBhIDMyLWJ5dGUgZXBoZW1lcmFsIHNoYXJlIQ";
        assert!(
            age::Identity::unwrap_stanza(&id, &stanza("scrypt", &[share], vec![0; 32])).is_none()
        );
        for bad in [
            stanza(X25519_TAG, &[], vec![0; 32]),
            stanza(X25519_TAG, &[share, share], vec![0; 32]),
            stanza(X25519_TAG, &["short"], vec![0; 32]),
            stanza(X25519_TAG, &[share], vec![0; 31]),
        ] {
            assert!(matches!(
                age::Identity::unwrap_stanza(&id, &bad),
                Some(Err(age::DecryptError::InvalidHeader))
            ));
        }
    }

    #[test]
    fn the_agreement_is_the_montgomery_ladders_on_the_curve_the_twist_and_low_order_points() {
        let mut seed = 0x853c_49e6_748f_ea9b_u64;
        let mut bytes = || {
            let mut b = [0u8; 32];
            for chunk in b.chunks_mut(8) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                chunk.copy_from_slice(&seed.to_le_bytes());
            }
            b
        };
        // Random u (half on the curve, half on the twist, some with the top bit set), points
        // made from the base point, and the low-order and edge points.
        let base = curve25519_dalek::constants::X25519_BASEPOINT;
        let mut points: Vec<[u8; 32]> = (0..300).map(|_| bytes()).collect();
        points.extend((0..50).map(|_| base.mul_clamped(bytes()).0));
        let mut edge = vec![[0u8; 32], [0xff; 32]];
        for v in [1u8, 0xec] {
            let mut u = [0u8; 32];
            u[0] = v;
            edge.push(u);
        }
        // p - 1 (u = -1, no Edwards point) and p (= 0).
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        let mut p = minus_one;
        p[0] = 0xed;
        edge.extend([minus_one, p]);
        points.extend(edge);
        let mut on_curve = 0;
        for u in points {
            let scalar = bytes();
            let ladder = curve25519_dalek::montgomery::MontgomeryPoint(u).mul_clamped(scalar);
            assert_eq!(*agree(&scalar, u), ladder.0, "u = {u:02x?}");
            on_curve += usize::from(
                curve25519_dalek::montgomery::MontgomeryPoint(u)
                    .to_edwards(0)
                    .is_some(),
            );
        }
        assert!(on_curve > 100, "the Edwards path ran {on_curve} times");
    }

    #[test]
    fn the_identity_and_ages_own_open_the_same_file_key() {
        let id = age::x25519::Identity::generate();
        let sealed = wrap(&id.to_public().to_string(), b"k").unwrap();
        let ours = unwrap(&sealed, &[Box::new(known(&id))]).unwrap();
        let ages = unwrap(&sealed, &[Box::new(id)]).unwrap();
        assert_eq!(ours, ages);
    }
}
