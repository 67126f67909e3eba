//! Receipts: a public reference's number (a keyed permutation that hides how many came
//! before) and the PIN that opens its tracking, derived from the case's id under the server's
//! secret and checked in constant time, with the same work for an unknown reference.

use citizens_core::reference::DeviceCode;
use citizens_protocol::CODE_ALPHABET;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

/// Characters in a receipt PIN.
pub const PIN_CHARS: usize = 8;

/// A receipt: the reference and the PIN that opens its tracking.
#[derive(Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The reference, e.g. `KN-7QK-0042`.
    pub reference: String,
    /// The PIN.
    pub pin: String,
}

impl std::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receipt")
            .field("reference", &self.reference)
            .finish_non_exhaustive()
    }
}

/// HMAC-SHA-256 of `data` under `secret`, for `purpose` (one key, many unrelated uses).
pub(crate) fn keyed(secret: &[u8], purpose: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable_hmac());
    mac.update(purpose);
    mac.update(&[0]);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HMAC accepts a key of any length; this is never reached.
fn unreachable_hmac() -> HmacSha256 {
    HmacSha256::new(&Default::default())
}

/// 40 bits as 8 Crockford base-32 characters.
fn crockford(bytes: &[u8]) -> String {
    let mut bits: u64 = 0;
    for b in bytes.iter().take(5) {
        bits = (bits << 8) | u64::from(*b);
    }
    (0..PIN_CHARS)
        .rev()
        .map(|i| char::from(CODE_ALPHABET[((bits >> (5 * i)) & 31) as usize]))
        .collect()
}

/// The number a public reference shows for the intake desk's `seq`-th report (1, 2, …): a
/// permutation of six-digit numbers (ten digits past the millionth report) keyed with the
/// server's secret and the desk's code, so consecutive reports get unrelated numbers and a
/// reference says nothing of how many came before it. A balanced Feistel network over the
/// smallest even number of bits that holds the range, walked again until the number falls
/// inside it: still a permutation, so every number is given once.
pub(super) fn public_number(secret: &[u8], desk: &DeviceCode, seq: u64) -> String {
    let (digits, n) = match seq.checked_sub(1_000_000) {
        None => (6, seq),
        Some(past) => (10, past),
    };
    let range = 10u64.pow(digits);
    let needed = 64 - (range - 1).leading_zeros();
    let half = (needed + needed % 2) / 2;
    let mask = (1u64 << half) - 1;
    let round = |i: u8, r: u64| {
        let mut data = desk.as_str().as_bytes().to_vec();
        data.extend_from_slice(&[digits as u8, i]);
        data.extend_from_slice(&r.to_be_bytes());
        let out = keyed(secret, b"reference", &data);
        let mut first = [0u8; 8];
        first.copy_from_slice(&out[..8]);
        u64::from_be_bytes(first) & mask
    };
    let mut x = n % range;
    loop {
        let (mut l, mut r) = (x >> half, x & mask);
        for i in 0..8 {
            (l, r) = (r, l ^ round(i, r));
        }
        x = (l << half) | r;
        if x < range {
            return format!("{x:0width$}", width = digits as usize);
        }
    }
}

/// A PIN as typed, in its canonical letters (Crockford: O reads 0; I and L read 1; spaces and
/// dashes dropped).
pub(super) fn canonical_pin(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// The PIN of the case `doc_id`: 40 bits of its id under the server's secret.
pub(super) fn pin_of(secret: &[u8], doc_id: Uuid) -> String {
    crockford(&keyed(secret, b"pin", doc_id.as_bytes()))
}

/// `found` (the case a reference names, if any) when `pin` is its PIN. An unknown reference
/// costs the same work as a wrong PIN: a PIN is computed and compared either way.
pub(super) fn holder(secret: &[u8], found: Option<Uuid>, pin: &str) -> Option<Uuid> {
    let expected = pin_of(secret, found.unwrap_or(Uuid::nil()));
    let matches = bool::from(expected.as_bytes().ct_eq(pin.as_bytes()));
    found.filter(|_| matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_references_are_a_keyed_permutation_that_hides_the_count() {
        let desk = DeviceCode::parse("7QK").expect("code");
        let secret = [7u8; 32];
        // The first hundred thousand reports each get their own six-digit number.
        let mut seen = vec![false; 1_000_000];
        for seq in 1..100_000 {
            let number = public_number(&secret, &desk, seq);
            assert_eq!(number.len(), 6, "{number}");
            let n: usize = number.parse().expect("digits");
            assert!(!seen[n], "{number} given twice");
            seen[n] = true;
        }
        // Then ten digits, so they can never be one of the first million's.
        assert_eq!(public_number(&secret, &desk, 1_000_000).len(), 10);
        // Consecutive reports are far apart, and another secret or desk gives other numbers.
        let first: Vec<i64> = (1..=20)
            .map(|seq| public_number(&secret, &desk, seq).parse().expect("digits"))
            .collect();
        let close = first
            .windows(2)
            .filter(|w| (w[1] - w[0]).abs() < 1_000)
            .count();
        assert!(close <= 1, "{first:?}");
        assert_ne!(
            public_number(&[8u8; 32], &desk, 1),
            public_number(&secret, &desk, 1)
        );
        let other = DeviceCode::parse("ABC").expect("code");
        assert_ne!(
            public_number(&secret, &other, 1),
            public_number(&secret, &desk, 1)
        );
    }

    #[test]
    fn a_pin_opens_its_case_and_no_other() {
        let secret = [7u8; 32];
        let case = Uuid::from_u128(42);
        let pin = pin_of(&secret, case);
        assert_eq!(pin.len(), PIN_CHARS);
        assert!(pin.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{pin}");
        assert_eq!(holder(&secret, Some(case), &pin), Some(case));
        // As typed on a phone: lower case, spaces, O for 0 and I or L for 1.
        let typed: String = pin
            .chars()
            .map(|c| match c {
                '0' => 'o',
                '1' => 'l',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        let typed = format!("{} {}", &typed[..4], &typed[4..]);
        assert_eq!(
            holder(&secret, Some(case), &canonical_pin(&typed)),
            Some(case)
        );
        // Another case's PIN, another server's, a PIN cut short: nothing.
        assert_eq!(
            holder(&secret, Some(case), &pin_of(&secret, Uuid::from_u128(43))),
            None
        );
        assert_eq!(holder(&secret, Some(case), &pin_of(&[8u8; 32], case)), None);
        assert_eq!(holder(&secret, Some(case), &pin[..7]), None);
        assert_eq!(holder(&secret, Some(case), ""), None);
        // The PIN is the same each time it is asked for (a repeated delivery gets it again).
        assert_eq!(pin_of(&secret, case), pin);
    }

    #[test]
    fn an_unknown_reference_costs_the_work_of_a_wrong_pin() {
        let secret = [7u8; 32];
        // An unknown reference is checked against the nil id's PIN: the same computation and
        // comparison as a known one, and even that PIN opens nothing.
        let nil_pin = pin_of(&secret, Uuid::nil());
        assert_eq!(holder(&secret, None, &nil_pin), None);
        assert_eq!(holder(&secret, None, "ABCDEFGH"), None);
        assert_eq!(holder(&secret, Some(Uuid::from_u128(42)), "ABCDEFGH"), None);
    }

    #[test]
    fn keyed_hashes_differ_by_purpose_and_secret() {
        let a = keyed(&[1u8; 32], b"pin", b"x");
        assert_ne!(a, keyed(&[1u8; 32], b"sender", b"x"));
        assert_ne!(a, keyed(&[2u8; 32], b"pin", b"x"));
        // The purpose is separated from the data: "pi" + "nx" is not "pin" + "x".
        assert_ne!(a, keyed(&[1u8; 32], b"pi", b"nx"));
        assert_eq!(a, keyed(&[1u8; 32], b"pin", b"x"));
    }
}
