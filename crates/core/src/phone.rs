//! Nigerian phone numbers, normalised to E.164 (`+2348031234567`).

use crate::error::{Error, Result};

/// A checked Nigerian mobile or landline number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts `0803 123 4567`, `08031234567`, `+234 803 123 4567`, `234-803-123-4567`.
    pub fn parse(text: &str) -> Result<Phone> {
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let national = if let Some(rest) = digits.strip_prefix("+234") {
            rest.to_string()
        } else if let Some(rest) = digits.strip_prefix("234").filter(|r| r.len() == 10) {
            rest.to_string()
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest.to_string()
        } else {
            digits.clone()
        };
        let ok = national.len() == 10
            && national.chars().all(|c| c.is_ascii_digit())
            && matches!(national.as_bytes().first(), Some(b'7' | b'8' | b'9'));
        if ok {
            Ok(Phone(format!("+234{national}")))
        } else {
            Err(Error::invalid(
                "phone",
                format!("'{text}' is not a Nigerian phone number like 0803 123 4567"),
            ))
        }
    }

    /// E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_common_forms() {
        for text in [
            "0803 123 4567",
            "08031234567",
            "+234 803 123 4567",
            "234-803-123-4567",
        ] {
            assert_eq!(
                Phone::parse(text).map(|p| p.0),
                Ok("+2348031234567".into()),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        for text in ["0803", "12345678901", "080312345ab", ""] {
            assert!(Phone::parse(text).is_err(), "{text}");
        }
    }
}
