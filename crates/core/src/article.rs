//! Civic-information articles, in the UI languages.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use crate::error::{Error, Result};
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
    /// The languages other than English whose text a coordinator marked checked by a native
    /// speaker, each with the fingerprint of the text checked (until then, and again once an
    /// edit or a release changes that text, the public page says it awaits review).
    #[autosurgeon(missing = "BTreeMap::new")]
    pub reviewed: BTreeMap<String, String>,
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

    /// Whether the text in `lang` is the English original, a translation a coordinator
    /// marked reviewed, one awaiting review, or missing (the English shown instead).
    pub fn translation(&self, lang: &str) -> Translation {
        if lang == "en" {
            Translation::Original
        } else if !self.body.contains_key(lang) {
            Translation::Missing
        } else if self.reviewed.get(lang) == Some(&self.fingerprint(lang)) {
            Translation::Reviewed
        } else {
            Translation::AwaitingReview
        }
    }

    /// Mark the translation in `lang` checked by a native speaker.
    pub fn mark_reviewed(&mut self, lang: &str) -> Result<()> {
        match self.translation(lang) {
            Translation::AwaitingReview => {
                self.reviewed
                    .insert(lang.to_string(), self.fingerprint(lang));
                Ok(())
            }
            Translation::Reviewed => Ok(()),
            Translation::Original => Err(Error::invalid(
                "language",
                "English is the original: there is no translation to review",
            )),
            Translation::Missing => Err(Error::invalid(
                "language",
                format!("the article '{}' is not written in '{lang}'", self.slug),
            )),
        }
    }

    /// The text in `lang` as a reviewer read it, in 16 hex digits of its SHA-256.
    fn fingerprint(&self, lang: &str) -> String {
        use sha2::Digest as _;
        let mut hash = sha2::Sha256::new();
        for text in [self.title.get(lang), self.body.get(lang)] {
            let text = text.map_or("", String::as_str);
            hash.update((text.len() as u64).to_be_bytes());
            hash.update(text);
        }
        hex::encode(&hash.finalize()[..8])
    }
}

/// How an article stands in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Translation {
    /// English, the language it was written in.
    Original,
    /// A translation a coordinator marked reviewed.
    Reviewed,
    /// A translation not yet checked by a native speaker.
    AwaitingReview,
    /// Not written in this language: the English is shown.
    Missing,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_translation_awaits_review_until_a_coordinator_marks_it() {
        let mut article = crate::seed::articles().expect("articles").remove(0);
        article.body.remove("ig");
        assert_eq!(article.translation("en"), Translation::Original);
        assert_eq!(article.translation("ha"), Translation::AwaitingReview);
        assert_eq!(article.translation("ig"), Translation::Missing);
        article.mark_reviewed("ha").expect("marked");
        article
            .mark_reviewed("ha")
            .expect("marking again changes nothing");
        assert_eq!(
            article.reviewed.keys().collect::<Vec<_>>(),
            ["ha"],
            "marked once"
        );
        assert_eq!(article.translation("ha"), Translation::Reviewed);
        assert_eq!(article.translation("yo"), Translation::AwaitingReview);
        assert_eq!(
            article.mark_reviewed("en").map_err(|e| e.to_string()),
            Err("language: English is the original: there is no translation to review".into())
        );
        assert_eq!(
            article.mark_reviewed("ig").map_err(|e| e.to_string()),
            Err(format!(
                "language: the article '{}' is not written in 'ig'",
                article.slug
            ))
        );
        assert_eq!(
            article.reviewed.keys().collect::<Vec<_>>(),
            ["ha"],
            "a refusal changes nothing"
        );
        // A text changed after its review (an edit, a later release) awaits review again.
        article
            .body
            .get_mut("ha")
            .expect("Hausa")
            .push_str(" Sabuwar jimla.");
        assert_eq!(article.translation("ha"), Translation::AwaitingReview);
        article.mark_reviewed("ha").expect("marked again");
        assert_eq!(article.translation("ha"), Translation::Reviewed);
        article.title.insert("ha".into(), "Sabon take".into());
        assert_eq!(article.translation("ha"), Translation::AwaitingReview);
    }
}
