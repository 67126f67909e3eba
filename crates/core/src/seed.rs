//! Reference data shipped with every install and the server: the agency directory, civic
//! articles and the starting rulebook. Built as documents by a fixed actor at time zero, so every
//! replica holds byte-identical documents and merging them is a no-op. A released document
//! never changes: a later release's words for a shipped record (`data/agencies.2.json`,
//! `data/articles.2.json`, `data/routing.2.json`) are one more change on top of it, the same
//! everywhere, so an install or a server that holds the earlier release merges it and keeps its
//! coordinators' edits.

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit};
use serde::Deserialize;

use crate::agency::{Agency, Contact, LadderStep, Level, Service};
use crate::article::CivicArticle;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::ids::{seed_uuid, AgencyId, ArticleId};
use crate::rulebook::Rulebook;

/// Bump when the shipped data changes.
pub const SEED_VERSION: u32 = 4;

/// A shipped record: what it holds now and its document (the first release, then each later
/// release's revision as one change).
#[derive(Debug, Clone)]
pub struct Shipped<T> {
    /// The record as this release ships it.
    pub value: T,
    /// Its document, the same bytes on every install and the server.
    pub document: AutoCommit,
}

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

/// An article as first released (before it could be marked reviewed): reconciled field by
/// field as that release did, so its document is the one every earlier install holds.
#[derive(Clone, autosurgeon::Reconcile)]
struct FirstArticle {
    id: ArticleId,
    slug: String,
    title: BTreeMap<String, String>,
    body: BTreeMap<String, String>,
    agencies: Vec<String>,
}

impl From<FirstArticle> for CivicArticle {
    fn from(a: FirstArticle) -> CivicArticle {
        CivicArticle {
            id: a.id,
            slug: a.slug,
            title: a.title,
            body: a.body,
            agencies: a.agencies,
            reviewed: BTreeMap::new(),
        }
    }
}

/// A later release's words for the shipped articles: slug → language → text.
type ArticleRevision = BTreeMap<String, BTreeMap<String, ArticleWords>>;

#[derive(Deserialize)]
struct ArticleWords {
    title: Option<String>,
    body: String,
}

/// Each later release's article words, oldest first.
const ARTICLE_REVISIONS: [&str; 1] = [include_str!("../data/articles.2.json")];

/// Each later release's corrections to shipped agencies: short name → the fields it changes
/// (as in `agencies.json`; the short name, and so the id, never changes).
const AGENCY_REVISIONS: [&str; 1] = [include_str!("../data/agencies.2.json")];

type Fields = serde_json::Map<String, serde_json::Value>;

/// The shipped agencies.
pub fn agencies() -> Result<Vec<Agency>> {
    Ok(agency_histories()?
        .into_iter()
        .filter_map(|mut h| h.pop())
        .collect())
}

/// The shipped agencies with their documents.
pub fn shipped_agencies() -> Result<Vec<Shipped<Agency>>> {
    agency_histories()?
        .iter()
        .map(|h| ship_history(h))
        .collect()
}

/// Each shipped agency as each release shipped it, oldest first (a release that leaves it
/// alone adds nothing).
fn agency_histories() -> Result<Vec<Vec<Agency>>> {
    let released: Vec<Fields> = parse("agencies", include_str!("../data/agencies.json"))?;
    let revisions = AGENCY_REVISIONS
        .iter()
        .map(|r| parse::<BTreeMap<String, Fields>>("agencies", r))
        .collect::<Result<Vec<_>>>()?;
    released
        .into_iter()
        .map(|mut fields| {
            let first = agency(&fields)?;
            let short_name = first.short_name.clone();
            let mut history = vec![first];
            for changes in revisions.iter().filter_map(|r| r.get(&short_name)) {
                fields.extend(changes.clone());
                fields.insert("short_name".into(), short_name.clone().into());
                history.push(agency(&fields)?);
            }
            Ok(history)
        })
        .collect()
}

fn agency(fields: &Fields) -> Result<Agency> {
    let s: AgencySeed = serde_json::from_value(serde_json::Value::Object(fields.clone()))
        .map_err(|e| Error::Document(format!("shipped agencies: {e}")))?;
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
}

/// The shipped civic articles.
pub fn articles() -> Result<Vec<CivicArticle>> {
    Ok(article_histories()?
        .into_iter()
        .filter_map(|(_, mut later)| later.pop())
        .collect())
}

/// The shipped civic articles with their documents.
pub fn shipped_articles() -> Result<Vec<Shipped<CivicArticle>>> {
    article_histories()?
        .into_iter()
        .map(|(first, later)| ship(&first, &later))
        .collect()
}

/// Each shipped article as first released, then as each later release shipped it (every
/// release since the first has one: it added `reviewed`).
fn article_histories() -> Result<Vec<(FirstArticle, Vec<CivicArticle>)>> {
    let seeds: Vec<ArticleSeed> = parse("articles", include_str!("../data/articles.json"))?;
    let revisions = ARTICLE_REVISIONS
        .iter()
        .map(|r| parse::<ArticleRevision>("articles", r))
        .collect::<Result<Vec<_>>>()?;
    Ok(seeds
        .into_iter()
        .map(|s| {
            let first = FirstArticle {
                id: ArticleId::from_uuid(seed_uuid("article", &s.slug)),
                slug: s.slug,
                title: s.title,
                body: s.body,
                agencies: s.agencies,
            };
            let mut value = CivicArticle::from(first.clone());
            let mut later = Vec::new();
            for revision in &revisions {
                for (lang, words) in revision.get(&value.slug).into_iter().flatten() {
                    if let Some(title) = &words.title {
                        value.title.insert(lang.clone(), title.clone());
                    }
                    value.body.insert(lang.clone(), words.body.clone());
                }
                later.push(value.clone());
            }
            (first, later)
        })
        .collect())
}

/// The shipped rulebook with its document.
pub fn shipped_rulebook() -> Result<Shipped<Rulebook>> {
    ship_history(&Rulebook::shipped_history()?)
}

/// [`ship`] a history whose versions are all of one type.
fn ship_history<T: autosurgeon::Reconcile + Clone>(history: &[T]) -> Result<Shipped<T>> {
    let (first, later) = history
        .split_first()
        .ok_or_else(|| Error::Document("a shipped record with no history".into()))?;
    ship(first, later)
}

/// A shipped record from its history: `first` as first released, then each later release's
/// version as one change, all by the seed actor at time zero; the record is the last.
fn ship<F, T>(first: &F, later: &[T]) -> Result<Shipped<T>>
where
    F: autosurgeon::Reconcile + Clone + Into<T>,
    T: autosurgeon::Reconcile + Clone,
{
    let mut document = crate::document::create(&actor(), first, Timestamp::from_millis(0))?;
    for value in later {
        crate::document::revise(&mut document, value, Timestamp::from_millis(0))?;
    }
    let value = later
        .last()
        .cloned()
        .unwrap_or_else(|| first.clone().into());
    Ok(Shipped { value, document })
}

/// Shipped data in a file, read.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Document(format!("shipped {what}: {e}")))
}

/// The writer of every shipped change. Only a release writes under it: a device's change
/// under it is refused (it could take a sequence number a later release needs).
pub fn actor() -> ActorId {
    ActorId::from(&b"citizens-connect-seed"[..])
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
        let a = shipped_agencies().expect("docs").remove(0).document.save();
        let b = shipped_agencies().expect("docs").remove(0).document.save();
        assert_eq!(a, b);
    }

    /// Every shipped change, pinned in `data/shipped-changes.txt` (a record's name, then its
    /// changes oldest first): installs and servers hold them, so none may ever change (another
    /// change under the seed actor's sequence number is refused where they meet). A new release
    /// adds changes, and lines for them (`PIN_SHIPPED_CHANGES=1`); a change here to a pinned one means a field or a
    /// library changed what a released revision builds: freeze that revision instead.
    #[test]
    fn every_shipped_change_is_pinned() {
        let hashes = |doc: &mut AutoCommit| -> Vec<String> {
            doc.get_changes(&[])
                .iter()
                .map(|c| c.hash().to_string())
                .collect()
        };
        let mut found = Vec::new();
        for mut a in shipped_articles().expect("articles") {
            let read: CivicArticle = crate::document::read(&a.document).expect("read");
            assert_eq!(read, a.value, "the document holds the record");
            for lang in ["ha", "yo", "ig", "pcm"] {
                assert!(
                    a.value.body.get(lang).is_some_and(|b| b.len() > 200),
                    "{} is written in {lang}",
                    a.value.slug
                );
            }
            assert!(
                a.value.reviewed.is_empty(),
                "no translation is reviewed yet"
            );
            found.push((a.value.slug.clone(), hashes(&mut a.document)));
        }
        for mut a in shipped_agencies().expect("agencies") {
            let read: Agency = crate::document::read(&a.document).expect("read");
            assert_eq!(read, a.value, "the document holds the record");
            found.push((a.value.short_name.clone(), hashes(&mut a.document)));
        }
        let mut book = shipped_rulebook().expect("rulebook");
        let read: Rulebook = crate::document::read(&book.document).expect("read");
        assert_eq!(read, book.value);
        found.push(("rulebook".into(), hashes(&mut book.document)));
        let built: String = found
            .iter()
            .map(|(what, changes)| format!("{what} {}\n", changes.join(" ")))
            .collect();
        let pinned = include_str!("../data/shipped-changes.txt");
        for line in pinned.lines() {
            let what = line.split(' ').next().unwrap_or_default();
            let now = built.lines().find(|l| l.split(' ').next() == Some(what));
            assert!(
                now.is_some_and(|now| now.starts_with(line)),
                "a released change of {what} is built differently now:\n  released {line}\n  built    {}",
                now.unwrap_or("nothing")
            );
        }
        // A release pins its new changes with PIN_SHIPPED_CHANGES=1 (released ones stay, above).
        if std::env::var_os("PIN_SHIPPED_CHANGES").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/shipped-changes.txt");
            std::fs::write(path, &built).expect("pinned");
        } else {
            assert_eq!(
                pinned, built,
                "every shipped change is pinned (a release runs this test with PIN_SHIPPED_CHANGES=1)"
            );
        }
        let again = shipped_rulebook().expect("rulebook").document.save();
        assert_eq!(book.document.save(), again, "the same bytes every time");
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
