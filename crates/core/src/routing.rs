//! Routing: which agency a grievance should go to, by category, state and kind, with the reason.
//! The shipped rules (`data/routing.json`) cover the seeded agencies; the most specific rule
//! that matches wins (kind, then state, then category alone; ties go to the earlier rule).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// One rule: when every given field matches, suggest `agency`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
}

/// A suggested agency and why: the rule's own fields, so a window can say it in any language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// The shipped rules.
pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        serde_json::from_str(include_str!("../data/routing.json"))
            .unwrap_or_else(|e| panic!("data/routing.json is broken: {e}"))
    })
}

/// The agency for a grievance of `kind` and `category` in `state` (a state code), if a rule says.
pub fn suggest(rules: &[Rule], kind: &str, category: &str, state: &str) -> Option<Suggestion> {
    rules
        .iter()
        .filter(|r| r.kind.as_deref().is_none_or(|k| k == kind))
        .filter(|r| r.category.as_deref().is_none_or(|c| c == category))
        .filter(|r| r.states.is_empty() || r.states.iter().any(|s| s == state))
        .enumerate()
        .max_by_key(|(i, r)| {
            let score = 4 * u8::from(r.kind.is_some())
                + 2 * u8::from(!r.states.is_empty())
                + u8::from(r.category.is_some());
            (score, std::cmp::Reverse(*i))
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

    fn agency(kind: &str, category: &str, state: &str) -> Option<String> {
        suggest(rules(), kind, category, state).map(|s| s.agency)
    }

    #[test]
    fn the_most_specific_shipped_rule_wins() {
        assert_eq!(agency("complaint", "power", "KN").as_deref(), Some("KEDCO"));
        assert_eq!(agency("complaint", "power", "FC").as_deref(), Some("AEDC"));
        assert_eq!(agency("complaint", "power", "BO").as_deref(), Some("NERC"));
        assert_eq!(agency("complaint", "water", "LA").as_deref(), Some("LWC"));
        assert_eq!(
            agency("complaint", "water", "BO"),
            None,
            "no rule, no guess"
        );
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
    fn every_rule_names_a_seeded_agency_and_known_words() {
        let agencies: Vec<String> = crate::seed::agencies()
            .expect("seed agencies")
            .iter()
            .map(|a| a.short_name.clone())
            .collect();
        for rule in rules() {
            assert!(agencies.contains(&rule.agency), "{rule:?}");
            if let Some(c) = &rule.category {
                assert!(crate::taxonomy::check(c, None).is_ok(), "{rule:?}");
            }
            if let Some(k) = &rule.kind {
                assert!(crate::grievance::Kind::parse(k).is_ok(), "{rule:?}");
            }
            for s in &rule.states {
                assert!(crate::geo::state(s).is_ok(), "{rule:?}");
            }
        }
    }

    #[test]
    fn the_reason_says_why() {
        let s = suggest(rules(), "complaint", "power", "KN").expect("rule");
        assert_eq!(s.reason, "power grievances in KN go to KEDCO");
        let s = suggest(rules(), "corruption_report", "roads", "LA").expect("rule");
        assert_eq!(s.reason, "corruption reports go to ICPC");
    }
}
