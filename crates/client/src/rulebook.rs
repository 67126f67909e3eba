//! The organisation's rulebook: routing rules and public holidays, edited by coordinators and
//! synced to every laptop like any record.

use citizens_core::clock::{Day, Timestamp};
use citizens_core::grievance::clean;
use citizens_core::routing::Rule;
use citizens_core::rulebook::Rulebook;
use serde::Deserialize;

use crate::{Client, Result};

/// A routing rule as typed: empty fields mean "any".
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct RuleInput {
    /// Grievance kind.
    pub kind: Option<String>,
    /// Category slug.
    pub category: Option<String>,
    /// State codes or names.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub states: Vec<String>,
    /// Agency short name.
    pub agency: String,
}

impl Client {
    /// The rulebook this laptop holds.
    pub fn rulebook(&self) -> Result<Rulebook> {
        Ok(self.store.read(Rulebook::id())?)
    }

    /// Add a routing rule; returns its key.
    pub fn add_routing_rule(&mut self, input: &RuleInput) -> Result<String> {
        let agency = self.agency(&input.agency)?.short_name;
        let rule = Rule {
            kind: clean(input.kind.clone()),
            category: clean(input.category.clone()),
            states: input
                .states
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            agency,
            added_at: Timestamp::default(),
        };
        self.edit_rulebook(|book, ctx| book.add_rule(rule, ctx.clock.now(), &mut ctx.rng))
    }

    /// Remove a routing rule by key.
    pub fn remove_routing_rule(&mut self, key: &str) -> Result<Rule> {
        self.edit_rulebook(|book, _| book.remove_rule(key))
    }

    /// Add or rename a public holiday (`YYYY-MM-DD`).
    pub fn add_holiday(&mut self, day: &str, name: &str) -> Result<()> {
        let day = Day::parse("holiday", day)?;
        self.edit_rulebook(|book, _| book.add_holiday(day, name))
    }

    /// Remove a public holiday.
    pub fn remove_holiday(&mut self, day: &str) -> Result<String> {
        let day = Day::parse("holiday", day)?;
        self.edit_rulebook(|book, _| book.remove_holiday(day))
    }

    fn edit_rulebook<R>(
        &mut self,
        edit: impl FnOnce(&mut Rulebook, &mut crate::Context) -> citizens_core::error::Result<R>,
    ) -> Result<R> {
        self.coordinators_only(
            "rulebook",
            "only a coordinator changes routing rules and holidays; ask yours",
        )?;
        self.with_writer(|ctx, w| {
            let at = ctx.clock.now();
            let author = ctx.author.clone();
            let (_, out) = w.edit(Rulebook::id(), &author, at, |book| edit(book, ctx))?;
            Ok(out)
        })
    }
}
