//! Routing: which agency a grievance should go to, by category, state and kind, with the reason.
//! The rules live in the organisation's [`crate::rulebook::Rulebook`] (shipped defaults from
//! `data/routing.json` cover the seeded agencies; coordinators add and remove rules). The most
//! specific rule that matches wins (kind, then state, then category alone); between equally
//! specific rules the one added last wins, then the earlier in the book.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::{Error, Result};

/// One rule: when every given field matches, suggest `agency`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Reconcile, Hydrate, ts_rs::TS)]
pub struct Rule {
    /// Grievance kind (`corruption_report`, …); any when absent.
    #[serde(default)]
    pub kind: Option<String>,
    /// Category slug; any when absent.
    #[serde(default)]
    pub category: Option<String>,
    /// State codes; any state when empty.
    #[serde(default)]
    pub states: Vec<String>,
    /// Agency short name.
    pub agency: String,
    /// When a coordinator added it (0 for the shipped rules).
    #[serde(skip_deserializing)]
    pub added_at: Timestamp,
}

impl Rule {
    /// Check the words of a rule a coordinator typed (the agency is checked by the caller,
    /// who holds the directory).
    pub fn check(&self) -> Result<()> {
        if self.kind.is_none() && self.category.is_none() {
            return Err(Error::invalid(
                "rule",
                "say which kind or which category of grievance the rule is for",
            ));
        }
        if let Some(kind) = &self.kind {
            crate::grievance::Kind::parse(kind)?;
        }
        if let Some(category) = &self.category {
            crate::taxonomy::check(category, None)?;
        }
        for state in &self.states {
            crate::geo::state(state)?;
        }
        Ok(())
    }
}

/// A suggested agency and why: the rule's own fields, so a window can say it in any language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Suggestion {
    /// Agency short name.
    pub agency: String,
    /// The kind the rule is about, if any.
    pub kind: Option<String>,
    /// The category the rule is about, if any.
    pub category: Option<String>,
    /// The state the rule matched on, if it names states.
    pub state: Option<String>,
    /// The reason in English words (kept with the case as its routing reason).
    pub reason: String,
}

impl Suggestion {
    fn explain(&self) -> String {
        let what = match (&self.kind, &self.category) {
            (Some(kind), Some(category)) => format!("{}s about {category}", kind.replace('_', " ")),
            (Some(kind), None) => format!("{}s", kind.replace('_', " ")),
            (None, Some(category)) => format!("{category} grievances"),
            (None, None) => "grievances".to_string(),
        };
        match &self.state {
            Some(state) => format!("{what} in {state} go to {}", self.agency),
            None => format!("{what} go to {}", self.agency),
        }
    }
}

/// The agency for a grievance of `kind` and `category` in `state` (a state code), if a rule says.
pub fn suggest<'a>(
    rules: impl IntoIterator<Item = &'a Rule>,
    kind: &str,
    category: &str,
    state: &str,
) -> Option<Suggestion> {
    rules
        .into_iter()
        .filter(|r| r.kind.as_deref().is_none_or(|k| k == kind))
        .filter(|r| r.category.as_deref().is_none_or(|c| c == category))
        .filter(|r| r.states.is_empty() || r.states.iter().any(|s| s == state))
        .enumerate()
        .max_by_key(|(i, r)| {
            let score = 4 * u8::from(r.kind.is_some())
                + 2 * u8::from(!r.states.is_empty())
                + u8::from(r.category.is_some());
            (score, r.added_at, std::cmp::Reverse(*i))
        })
        .map(|(_, r)| {
            let mut s = Suggestion {
                agency: r.agency.clone(),
                kind: r.kind.clone(),
                category: r.category.clone(),
                state: (!r.states.is_empty()).then(|| state.to_string()),
                reason: String::new(),
            };
            s.reason = s.explain();
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<Rule> {
        let book = crate::rulebook::Rulebook::shipped().expect("shipped rules");
        book.routing.into_values().collect()
    }

    fn agency(kind: &str, category: &str, state: &str) -> Option<String> {
        suggest(&rules(), kind, category, state).map(|s| s.agency)
    }

    #[test]
    fn the_most_specific_shipped_rule_wins() {
        assert_eq!(agency("complaint", "power", "KN").as_deref(), Some("KEDCO"));
        assert_eq!(agency("complaint", "power", "FC").as_deref(), Some("AEDC"));
        assert_eq!(agency("complaint", "power", "OY").as_deref(), Some("IBEDC"));
        assert_eq!(agency("complaint", "power", "BO").as_deref(), Some("YEDC"));
        assert_eq!(agency("complaint", "water", "LA").as_deref(), Some("LWC"));
        assert_eq!(agency("complaint", "water", "BO").as_deref(), Some("BOMWR"));
        assert_eq!(agency("complaint", "land", "BO"), None, "no rule, no guess");
        assert_eq!(
            agency("corruption_report", "power", "KN").as_deref(),
            Some("ICPC")
        );
        assert_eq!(
            agency("corruption_report", "policing", "KN").as_deref(),
            Some("PSC")
        );
    }

    #[test]
    fn power_and_water_in_every_state_go_to_the_company_or_board_serving_it() {
        let agencies = crate::seed::agencies().expect("seed agencies");
        for state in crate::geo::states() {
            let power = agency("complaint", "power", state.code).expect("a power rule");
            assert_ne!(power, "NERC", "{} has its distribution company", state.name);
            let water = agency("complaint", "water", state.code).expect("a water rule");
            let board = agencies.iter().find(|a| a.short_name == water);
            assert_eq!(
                board.and_then(|b| b.state.as_deref()),
                Some(state.code),
                "{}'s water goes to its own state's body",
                state.name
            );
        }
    }

    #[test]
    fn every_rule_names_a_seeded_agency_and_known_words() {
        let agencies: Vec<String> = crate::seed::agencies()
            .expect("seed agencies")
            .iter()
            .map(|a| a.short_name.clone())
            .collect();
        for rule in rules() {
            assert!(agencies.contains(&rule.agency), "{rule:?}");
            assert_eq!(rule.check(), Ok(()), "{rule:?}");
        }
    }

    #[test]
    fn the_reason_says_why() {
        let s = suggest(&rules(), "complaint", "power", "KN").expect("rule");
        assert_eq!(s.reason, "power grievances in KN go to KEDCO");
        let s = suggest(&rules(), "corruption_report", "roads", "LA").expect("rule");
        assert_eq!(s.reason, "corruption reports go to ICPC");
    }

    #[test]
    fn a_newer_rule_of_the_same_precision_overrides_an_older_one() {
        let mut rules = rules();
        rules.push(Rule {
            kind: None,
            category: Some("power".into()),
            states: vec!["KN".into()],
            agency: "NERC".into(),
            added_at: Timestamp::from_millis(1),
        });
        assert_eq!(
            suggest(&rules, "complaint", "power", "KN").map(|s| s.agency),
            Some("NERC".into())
        );
        // A more specific rule still beats it.
        assert_eq!(
            suggest(&rules, "corruption_report", "power", "KN").map(|s| s.agency),
            Some("ICPC".into())
        );
    }

    #[test]
    fn a_rule_must_say_what_it_is_for_in_known_words() {
        let mut rule = rules()[0].clone();
        rule.kind = None;
        rule.category = None;
        assert!(rule.check().is_err());
        rule.category = Some("weather".into());
        assert!(rule.check().is_err());
        rule.category = Some("power".into());
        rule.states = vec!["Atlantis".into()];
        assert!(rule.check().is_err());
    }
}
