//! Shamir secret sharing over GF(2^8) with the AES polynomial, byte-compatible with sops's copy
//! of HashiCorp Vault's `shamir` package: share = y values followed by the x coordinate.

use rand::RngCore;
use zeroize::Zeroizing;

fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1B;
        }
        b >>= 1;
    }
    p
}

fn inverse(a: u8) -> u8 {
    // a^254 = a^-1 in GF(2^8).
    let mut result = 1u8;
    let mut base = a;
    let mut e = 254u32;
    while e > 0 {
        if e & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        e >>= 1;
    }
    result
}

/// Splits `secret` into `parts` shares, any `threshold` of which recover it.
pub fn split(
    secret: &[u8],
    parts: usize,
    threshold: usize,
) -> Result<Vec<Zeroizing<Vec<u8>>>, String> {
    if !(2..=255).contains(&threshold) || parts < threshold || parts > 255 {
        return Err(format!("invalid Shamir parameters: {parts} shares, threshold {threshold} (need 2 <= threshold <= shares <= 255)"));
    }
    let mut shares: Vec<Zeroizing<Vec<u8>>> = (0..parts)
        .map(|_| Zeroizing::new(Vec::with_capacity(secret.len() + 1)))
        .collect();
    let mut coeffs = Zeroizing::new(vec![0u8; threshold]);
    for &byte in secret {
        coeffs[0] = byte;
        rand::rngs::OsRng.fill_bytes(&mut coeffs[1..]);
        for (i, share) in shares.iter_mut().enumerate() {
            let x = (i + 1) as u8;
            // Horner evaluation of the polynomial at x.
            let y = coeffs.iter().rev().fold(0u8, |acc, c| mul(acc, x) ^ c);
            share.push(y);
        }
    }
    for (i, share) in shares.iter_mut().enumerate() {
        share.push((i + 1) as u8);
    }
    Ok(shares)
}

/// Recovers the secret from shares by Lagrange interpolation at x = 0.
pub fn combine(shares: &[Zeroizing<Vec<u8>>]) -> Result<Zeroizing<Vec<u8>>, String> {
    if shares.len() < 2 {
        return Err("at least two shares are needed".into());
    }
    let len = shares[0].len();
    if len < 2 || shares.iter().any(|s| s.len() != len) {
        return Err("shares have different lengths".into());
    }
    let xs: Vec<u8> = shares.iter().map(|s| s[len - 1]).collect();
    for (i, x) in xs.iter().enumerate() {
        if xs[..i].contains(x) {
            return Err("duplicate share".into());
        }
    }
    let mut secret = Zeroizing::new(vec![0u8; len - 1]);
    for (idx, out) in secret.iter_mut().enumerate() {
        let mut acc = 0u8;
        for (i, share) in shares.iter().enumerate() {
            let mut basis = 1u8;
            for (j, &xj) in xs.iter().enumerate() {
                if i != j {
                    // basis *= xj / (xj - xi); subtraction is XOR in GF(2^8).
                    basis = mul(basis, mul(xj, inverse(xj ^ xs[i])));
                }
            }
            acc ^= mul(share[idx], basis);
        }
        *out = acc;
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_threshold_subset_recovers() {
        let secret = [7u8; 32];
        let shares = split(&secret, 3, 2).unwrap();
        assert_eq!(shares[0].len(), 33);
        for pair in [[0, 1], [0, 2], [1, 2]] {
            let subset: Vec<_> = pair.iter().map(|&i| shares[i].clone()).collect();
            assert_eq!(&combine(&subset).unwrap()[..], &secret);
        }
    }
}
