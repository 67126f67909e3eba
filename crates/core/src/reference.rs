//! Human reference codes unique without a network: `KN-7QK-0042` = state, device code, sequence.
//!
//! Each device install draws its own device code; the sequence is counted per device and state
//! in its local store, so two devices never hand out the same code as long as their device codes
//! differ (the sync server hands out unique device codes at enrolment).

use rand::Rng;

use crate::error::{Error, Result};
use crate::geo;

/// Letters and digits that cannot be misread on paper (Crockford's base 32: no I, L, O, U).
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A device's three-character code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceCode(String);

impl DeviceCode {
    /// Draw a random code.
    pub fn generate(rng: &mut impl Rng) -> Self {
        DeviceCode(
            (0..3)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect(),
        )
    }

    /// Parse a stored or typed code.
    pub fn parse(text: &str) -> Result<Self> {
        let code = text.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(DeviceCode(code))
        } else {
            Err(Error::invalid(
                "device code",
                format!("'{text}' is not three letters or digits like 7QK"),
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A grievance reference code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReferenceCode(String);

impl ReferenceCode {
    /// Compose from parts.
    pub fn new(state: &geo::State, device: &DeviceCode, sequence: u64) -> Self {
        ReferenceCode(format!("{}-{}-{:04}", state.code, device.0, sequence))
    }

    /// Parse `KN-7QK-0042` (case-insensitive).
    pub fn parse(text: &str) -> Result<Self> {
        let upper = text.trim().to_ascii_uppercase();
        let parts: Vec<&str> = upper.split('-').collect();
        let ok = matches!(parts.as_slice(), [state, device, seq]
            if geo::state(state).map(|s| s.code == *state).unwrap_or(false)
                && DeviceCode::parse(device).is_ok()
                && seq.len() >= 4
                && seq.bytes().all(|b| b.is_ascii_digit()));
        if ok {
            Ok(ReferenceCode(upper))
        } else {
            Err(Error::invalid(
                "reference",
                format!("'{text}' is not a reference code like KN-7QK-0042"),
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ReferenceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn reference_round_trips() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let device = DeviceCode::generate(&mut rng);
        let kano = geo::state("Kano").expect("Kano");
        let code = ReferenceCode::new(kano, &device, 42);
        assert!(code.as_str().starts_with("KN-") && code.as_str().ends_with("-0042"));
        assert_eq!(
            ReferenceCode::parse(&code.as_str().to_lowercase()),
            Ok(code)
        );
        assert!(ReferenceCode::parse("XX-7QK-0042").is_err());
        assert!(
            ReferenceCode::parse("KN-7QI-0042").is_err(),
            "I is not in the alphabet"
        );
    }
}
