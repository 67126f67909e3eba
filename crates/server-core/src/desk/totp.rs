//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP: HMAC-SHA1, 30-second steps,
//! six digits), the second factor of the agency desk, and the base-32 text an authenticator
//! app reads the secret from (RFC 4648).

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq as _;

/// Seconds in one step.
pub const STEP_SECS: i64 = 30;

/// The step of a moment (ms since the epoch).
pub fn step_at(millis: i64) -> i64 {
    millis.div_euclid(1000).div_euclid(STEP_SECS)
}

/// The six-digit code of `step` under `secret`.
pub fn code(secret: &[u8], step: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let bin = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", bin % 1_000_000)
}

/// The step `typed` is the code of: the step at `now_millis` or one either side (a phone's
/// clock drifts, and a code typed at a step's end arrives in the next), and only a step after
/// `used` (a code signs in once). Spaces in what was typed are ignored.
pub fn verify(secret: &[u8], typed: &str, now_millis: i64, used: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(now_millis);
    (now - 1..=now + 1)
        .filter(|step| *step > used)
        .find(|step| bool::from(code(secret, *step).as_bytes().ct_eq(typed.as_bytes())))
}

/// `bytes` in RFC 4648 base 32, without padding, in groups of four for reading aloud.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The bytes of RFC 4648 base-32 text (spaces and case ignored), as an authenticator app
/// reads a typed key; `None` for a character outside the alphabet.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let value = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B (SHA-1 rows, the last six of their eight digits).
    #[test]
    fn the_rfcs_test_vectors() {
        let secret = b"12345678901234567890";
        for (secs, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code(secret, step_at(secs * 1000)), eight[2..], "{secs}");
        }
        // RFC 4648's own examples.
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(from_base32("mzxw 6ytb oi").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(from_base32("MZ1"), None);
    }

    #[test]
    fn a_code_is_taken_once_and_only_near_its_time() {
        let secret = b"12345678901234567890";
        let now = 59_000;
        assert_eq!(verify(secret, "287 082", now, 0), Some(1));
        assert_eq!(verify(secret, "287082", now, 1), None, "used already");
        assert_eq!(verify(secret, "287082", now + 120_000, 0), None, "too late");
        assert_eq!(verify(secret, "28708", now, 0), None);
        assert_eq!(verify(secret, "２８７０８２", now, 0), None);
    }
}
