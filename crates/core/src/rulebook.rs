//! The organisation's rulebook for case work: its routing rules and the public holidays that do
//! not count towards an office's time to answer. One Automerge document that every device holds
//! and coordinators edit, so it syncs like any record. The shipped book is a seed document (the
//! same bytes everywhere), so coordinators' edits on different laptops merge key by key.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use rand::RngCore;
use serde::Deserialize;
use uuid::Uuid;

use crate::calendar::Calendar;
use crate::clock::{Day, Timestamp};
use crate::error::{Error, Result};
use crate::ids::seed_uuid;
use crate::routing::{self, Rule, Suggestion};

/// The rulebook (one document per organisation).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Rulebook {
    /// Always [`Rulebook::id`].
    pub id: Uuid,
    /// Routing rules by key (`shipped-07`, or a coordinator's `rule-…`).
    pub routing: BTreeMap<String, Rule>,
    /// Public holidays: `YYYY-MM-DD` → name.
    pub holidays: BTreeMap<String, String>,
}

/// Each later release's routing rules, oldest first.
const ROUTING_REVISIONS: [&str; 1] = [include_str!("../data/routing.2.json")];

#[derive(Deserialize)]
struct HolidaySeed {
    day: String,
    name: String,
}

impl Rulebook {
    /// The one rulebook's id.
    pub fn id() -> Uuid {
        seed_uuid("rulebook", "casework")
    }

    /// The shipped book: default routing for the seeded agencies and Nigeria's public holidays.
    pub fn shipped() -> Result<Self> {
        Self::shipped_history()?
            .pop()
            .ok_or_else(|| Error::Document("no shipped rulebook".into()))
    }

    /// The shipped book as each release shipped it, oldest first: the first release's rules
    /// (`data/routing.json`, keyed `shipped-00`, … by position), then each later release's
    /// rules put over them by key (`data/routing.2.json`, …). A released file never changes.
    pub fn shipped_history() -> Result<Vec<Self>> {
        let holidays: Vec<HolidaySeed> =
            crate::seed::parse("holidays", include_str!("../data/holidays.json"))?;
        let first: Vec<Rule> =
            crate::seed::parse("routing rules", include_str!("../data/routing.json"))?;
        let mut book = Rulebook {
            id: Self::id(),
            routing: first
                .into_iter()
                .enumerate()
                .map(|(i, rule)| (format!("shipped-{i:02}"), rule))
                .collect(),
            holidays: holidays.into_iter().map(|h| (h.day, h.name)).collect(),
        };
        let mut history = vec![book.clone()];
        for revision in ROUTING_REVISIONS {
            let rules: BTreeMap<String, Rule> = crate::seed::parse("routing rules", revision)?;
            book.routing.extend(rules);
            history.push(book.clone());
        }
        Ok(history)
    }

    /// The agency the rules suggest for a grievance, with the reason.
    pub fn suggest(&self, kind: &str, category: &str, state: &str) -> Option<Suggestion> {
        routing::suggest(self.routing.values(), kind, category, state)
    }

    /// The working-day calendar these holidays make (a malformed day from elsewhere is ignored).
    pub fn calendar(&self) -> Calendar {
        Calendar::new(
            self.holidays
                .keys()
                .filter_map(|d| Day::parse("holiday", d).ok())
                .map(Day::date),
        )
    }

    /// Add a routing rule (checked; the caller checks the agency exists). Returns its key.
    pub fn add_rule(
        &mut self,
        mut rule: Rule,
        now: Timestamp,
        rng: &mut impl RngCore,
    ) -> Result<String> {
        rule.check()?;
        rule.kind = rule
            .kind
            .map(|k| crate::grievance::Kind::parse(&k).map(|k| k.as_str().to_string()))
            .transpose()?;
        rule.category = rule
            .category
            .map(|c| crate::taxonomy::check(&c, None).map(|c| c.slug.to_string()))
            .transpose()?;
        rule.states = rule
            .states
            .iter()
            .map(|s| crate::geo::state(s).map(|s| s.code.to_string()))
            .collect::<Result<_>>()?;
        rule.added_at = now;
        let key = format!("rule-{}-{:08x}", now.millis(), rng.next_u32());
        self.routing.insert(key.clone(), rule);
        Ok(key)
    }

    /// Remove a routing rule by its key.
    pub fn remove_rule(&mut self, key: &str) -> Result<Rule> {
        self.routing
            .remove(key.trim())
            .ok_or_else(|| Error::invalid("rule", format!("there is no rule '{key}'")))
    }

    /// Add (or rename) a public holiday.
    pub fn add_holiday(&mut self, day: Day, name: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(Error::invalid(
                "holiday name",
                "give the holiday a name of at most 120 characters",
            ));
        }
        self.holidays.insert(day.to_string(), name.to_string());
        Ok(())
    }

    /// Remove a public holiday.
    pub fn remove_holiday(&mut self, day: Day) -> Result<String> {
        self.holidays
            .remove(&day.to_string())
            .ok_or_else(|| Error::invalid("holiday", format!("{day} is not in the holiday list")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_shipped_book_routes_and_counts_holidays() {
        let book = Rulebook::shipped().expect("shipped");
        assert_eq!(
            book.suggest("complaint", "power", "KN").map(|s| s.agency),
            Some("KEDCO".into())
        );
        let christmas = Day::parse("d", "2026-12-25").expect("day").date();
        assert!(!book.calendar().is_working_day(christmas));
        assert!(book.holidays.len() >= 30);
    }

    #[test]
    fn coordinators_add_and_remove_rules_and_holidays() {
        let mut book = Rulebook::shipped().expect("shipped");
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let rule = Rule {
            kind: None,
            category: Some("land".into()),
            states: vec!["borno".into()],
            agency: "NCTO".into(),
            added_at: Timestamp::default(),
        };
        let key = book
            .add_rule(rule, Timestamp::from_millis(5), &mut rng)
            .expect("added");
        assert_eq!(
            book.suggest("complaint", "land", "BO").map(|s| s.agency),
            Some("NCTO".into())
        );
        assert_eq!(book.routing[&key].states, vec!["BO".to_string()]);
        book.remove_rule(&key).expect("removed");
        assert!(book.suggest("complaint", "land", "BO").is_none());
        assert!(book.remove_rule(&key).is_err());

        let day = Day::parse("d", "2026-12-01").expect("day");
        book.add_holiday(day, "  Sallah  ").expect("added");
        assert!(!book.calendar().is_working_day(day.date()));
        assert_eq!(book.remove_holiday(day).as_deref(), Ok("Sallah"));
        assert!(book.calendar().is_working_day(day.date()));
        assert!(book.add_holiday(day, " ").is_err());
    }
}
