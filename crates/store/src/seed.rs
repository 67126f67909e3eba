//! Loads the shipped reference data: geography rows and the agency, article and rulebook
//! documents from `citizens_core::seed`. Versioned in `meta.seed_version`; applying it again changes nothing.

use citizens_core::geo;
use citizens_core::seed::{self, SEED_VERSION};
use rusqlite::params;

use crate::{Error, Store};

/// Load the reference data if this store has an older version of it.
pub(crate) fn ensure(store: &mut Store) -> Result<(), Error> {
    let have: u32 = store
        .meta("seed_version")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if have >= SEED_VERSION {
        return Ok(());
    }
    let agencies = seed::shipped_agencies()?;
    let articles = seed::shipped_articles()?;
    let rulebook = seed::shipped_rulebook()?;
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
        // Merged like the rest: coordinators' edits stay; due dates count its holidays.
        w.insert_seed(&rulebook)?;
        w.reproject_cases(crate::Reproject::Forwarded)?;
        w.tx.execute(
            "INSERT INTO meta (key, value) VALUES ('seed_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SEED_VERSION.to_string()],
        )?;
        Ok(())
    })
}
