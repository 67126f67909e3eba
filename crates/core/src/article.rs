//! Civic-information articles, in the UI languages.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use crate::ids::ArticleId;

/// A short article (one Automerge document). Title and body are keyed by language code
/// (`en`, `ha`, `yo`, `ig`, `pcm`).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct CivicArticle {
    /// Id (deterministic for shipped articles).
    pub id: ArticleId,
    /// Stable slug.
    pub slug: String,
    /// Title per language.
    pub title: BTreeMap<String, String>,
    /// Body per language (plain text, paragraphs separated by blank lines).
    pub body: BTreeMap<String, String>,
    /// Short names of the agencies it concerns.
    pub agencies: Vec<String>,
}

impl CivicArticle {
    /// The text in `lang`, falling back to English.
    pub fn localized(&self, lang: &str) -> (&str, &str) {
        let title = self
            .title
            .get(lang)
            .or_else(|| self.title.get("en"))
            .map_or("", String::as_str);
        let body = self
            .body
            .get(lang)
            .or_else(|| self.body.get("en"))
            .map_or("", String::as_str);
        (title, body)
    }
}
