//! Nigeria's 36 states, the FCT and their 774 LGAs, shipped with the code (public facts).

use std::sync::OnceLock;

use crate::error::{Error, Result};

const GEOGRAPHY_CSV: &str = include_str!("../data/geography.csv");

/// A state (or the FCT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// ISO 3166-2:NG code without the prefix, e.g. `KN`.
    pub code: &'static str,
    /// Name, e.g. `Kano`.
    pub name: &'static str,
    /// Its LGAs in alphabetical order.
    pub lgas: Vec<&'static str>,
}

/// All states with their LGAs.
pub fn states() -> &'static [State] {
    static STATES: OnceLock<Vec<State>> = OnceLock::new();
    STATES.get_or_init(|| {
        let mut states: Vec<State> = Vec::new();
        for line in GEOGRAPHY_CSV.lines().skip(1) {
            let mut parts = line.splitn(3, ',');
            let (Some(code), Some(name), Some(lga)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            match states.last_mut() {
                Some(state) if state.code == code => state.lgas.push(lga),
                _ => states.push(State {
                    code,
                    name,
                    lgas: vec![lga],
                }),
            }
        }
        states
    })
}

fn fold(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Find a state by code (`KN`) or name (`Kano`, `FCT`, `Abuja`), ignoring case and punctuation.
pub fn state(text: &str) -> Result<&'static State> {
    let wanted = fold(text);
    let alias = match wanted.as_str() {
        "fct" | "abuja" => "fc",
        other => other,
    };
    states()
        .iter()
        .find(|s| fold(s.code) == alias || fold(s.name) == alias)
        .ok_or_else(|| {
            Error::invalid(
                "state",
                format!("'{text}' is not a Nigerian state; use a name like Kano or a code like KN"),
            )
        })
}

/// A checked state + LGA pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lga {
    /// The state.
    pub state: &'static State,
    /// The LGA's official spelling.
    pub name: &'static str,
}

impl Lga {
    /// Check that `lga` is in `state` (names matched ignoring case, spaces and hyphens).
    pub fn parse(state_text: &str, lga_text: &str) -> Result<Lga> {
        let state = state(state_text)?;
        let wanted = fold(lga_text);
        state
            .lgas
            .iter()
            .find(|l| fold(l) == wanted)
            .map(|name| Lga { state, name })
            .ok_or_else(|| {
                Error::invalid(
                    "LGA",
                    format!(
                        "'{lga_text}' is not an LGA of {} state (for example: {})",
                        state.name,
                        state
                            .lgas
                            .iter()
                            .take(3)
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ships_all_states_and_lgas() {
        assert_eq!(states().len(), 37);
        assert_eq!(states().iter().map(|s| s.lgas.len()).sum::<usize>(), 774);
        assert_eq!(state("KN").map(|s| s.lgas.len()), Ok(44));
    }

    #[test]
    fn lga_lookup_is_forgiving_but_checked() {
        let lga = Lga::parse("kano", "tarauni").expect("Tarauni is in Kano");
        assert_eq!((lga.state.code, lga.name), ("KN", "Tarauni"));
        assert_eq!(
            Lga::parse("FCT", "abuja municipal area council").map(|l| l.state.code),
            Ok("FC")
        );
        let err = Lga::parse("Kano", "Ikeja").expect_err("must be refused");
        assert!(err.to_string().contains("not an LGA of Kano"), "{err}");
        assert!(state("Wakanda").is_err());
    }
}
