//! Reference data shipped with the store: geography, the agency directory and civic articles.
//! Versioned in `meta.seed_version`; applying it again changes nothing. Agency and article
//! documents are built by a fixed actor at time zero, so every install holds byte-identical
//! documents and syncing them is a no-op.

use std::collections::BTreeMap;

use citizens_core::agency::{Agency, Contact, LadderStep, Level, Service};
use citizens_core::article::CivicArticle;
use citizens_core::geo;
use citizens_core::ids::{seed_uuid, AgencyId, ArticleId};
use rusqlite::params;
use serde::Deserialize;

use crate::{Error, Store};

/// Bump when the shipped data changes.
pub const SEED_VERSION: u32 = 1;

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
pub(crate) fn agencies() -> Result<Vec<Agency>, Error> {
    let seeds: Vec<AgencySeed> = serde_json::from_str(include_str!("../data/agencies.json"))
        .map_err(|e| Error::Damaged(format!("shipped agencies: {e}")))?;
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

fn articles() -> Result<Vec<CivicArticle>, Error> {
    let seeds: Vec<ArticleSeed> = serde_json::from_str(include_str!("../data/articles.json"))
        .map_err(|e| Error::Damaged(format!("shipped articles: {e}")))?;
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

/// Load the reference data if this store has an older version of it.
pub(crate) fn ensure(store: &mut Store) -> Result<(), Error> {
    let have: u32 = store
        .meta("seed_version")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if have >= SEED_VERSION {
        return Ok(());
    }
    let agencies = agencies()?;
    let articles = articles()?;
    store.write(|w| {
        for state in geo::states() {
            w.tx.execute(
                "INSERT OR IGNORE INTO states (code, name) VALUES (?1, ?2)",
                params![state.code, state.name],
            )?;
            for lga in &state.lgas {
                w.tx.execute(
                    "INSERT OR IGNORE INTO lgas (state_code, name) VALUES (?1, ?2)",
                    params![state.code, lga],
                )?;
            }
        }
        for agency in &agencies {
            w.insert_seed(agency)?;
        }
        for article in &articles {
            w.insert_seed(article)?;
        }
        w.tx.execute(
            "INSERT INTO meta (key, value) VALUES ('seed_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SEED_VERSION.to_string()],
        )?;
        Ok(())
    })
}
