//! Reference data shipped with every install and the server: the agency directory, civic
//! articles and the starting rulebook. Built as documents by a fixed actor at time zero, so every replica holds
//! byte-identical documents and merging them is a no-op.

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit};
use serde::Deserialize;

use crate::agency::{Agency, Contact, LadderStep, Level, Service};
use crate::article::CivicArticle;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::ids::{seed_uuid, AgencyId, ArticleId};

/// Bump when the shipped data changes.
pub const SEED_VERSION: u32 = 3;

#[derive(Deserialize)]
struct AgencySeed {
    short_name: String,
    name: String,
    level: String,
    parent: Option<String>,
    state: Option<String>,
    mandate: String,
    categories: Vec<String>,
    services: Vec<Service>,
    contacts: Vec<Contact>,
    ladder: Vec<LadderStep>,
}

#[derive(Deserialize)]
struct ArticleSeed {
    slug: String,
    agencies: Vec<String>,
    title: BTreeMap<String, String>,
    body: BTreeMap<String, String>,
}

/// The shipped agencies.
pub fn agencies() -> Result<Vec<Agency>> {
    let seeds: Vec<AgencySeed> = serde_json::from_str(include_str!("../data/agencies.json"))
        .map_err(|e| Error::Document(format!("shipped agencies: {e}")))?;
    seeds
        .into_iter()
        .map(|s| {
            Ok(Agency {
                id: AgencyId::from_uuid(seed_uuid("agency", &s.short_name)),
                level: Level::parse(&s.level)?,
                short_name: s.short_name,
                name: s.name,
                parent: s.parent,
                state: s.state,
                mandate: s.mandate,
                categories: s.categories,
                services: s.services,
                contacts: s.contacts,
                ladder: s.ladder,
            })
        })
        .collect()
}

/// The shipped civic articles.
pub fn articles() -> Result<Vec<CivicArticle>> {
    let seeds: Vec<ArticleSeed> = serde_json::from_str(include_str!("../data/articles.json"))
        .map_err(|e| Error::Document(format!("shipped articles: {e}")))?;
    Ok(seeds
        .into_iter()
        .map(|s| CivicArticle {
            id: ArticleId::from_uuid(seed_uuid("article", &s.slug)),
            slug: s.slug,
            title: s.title,
            body: s.body,
            agencies: s.agencies,
        })
        .collect())
}

/// The document of a shipped record: the same bytes on every install.
pub fn document<T: autosurgeon::Reconcile>(value: &T) -> Result<AutoCommit> {
    let actor = ActorId::from(&b"citizens-connect-seed"[..]);
    crate::document::create(&actor, value, Timestamp::from_millis(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_parses_and_documents_are_deterministic() {
        let agencies = agencies().expect("agencies");
        assert!(agencies.len() >= 25);
        assert!(
            agencies.iter().all(|a| !a.ladder.is_empty()),
            "every agency has an escalation ladder"
        );
        assert!(articles().expect("articles").len() >= 3);
        let a = document(&agencies[0]).expect("doc").get_heads();
        let b = document(&agencies[0]).expect("doc").get_heads();
        assert_eq!(a, b);
    }

    #[test]
    fn the_directory_names_all_eleven_discos_and_every_states_water_and_where_each_fact_comes_from()
    {
        let raw: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../data/agencies.json")).expect("json");
        for a in &raw {
            assert!(
                a["source"].as_str().is_some_and(|s| s.trim().len() >= 10),
                "{} does not say where its facts come from",
                a["short_name"]
            );
        }
        let agencies = agencies().expect("agencies");
        let mut names: Vec<&str> = agencies.iter().map(|a| a.short_name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), agencies.len(), "short names are unique");
        let serves = |a: &Agency, category: &str| a.categories.iter().any(|c| c == category);
        let discos = agencies
            .iter()
            .filter(|a| a.parent.as_deref() == Some("NERC") && serves(a, "power"))
            .count();
        assert_eq!(discos, 11, "the eleven distribution companies");
        for state in crate::geo::states() {
            assert!(
                agencies
                    .iter()
                    .any(|a| a.state.as_deref() == Some(state.code) && serves(a, "water")),
                "{} has no water board in the directory",
                state.name
            );
        }
        for a in &agencies {
            assert!(
                a.parent
                    .as_ref()
                    .is_none_or(|p| names.binary_search(&p.as_str()).is_ok()),
                "{}'s parent is not in the directory",
                a.short_name
            );
        }
    }
}
