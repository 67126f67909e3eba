//! The agency directory and civic articles.

use citizens_core::agency::Agency;
use citizens_core::article::CivicArticle;
use citizens_store::query::AgencyRow;
use citizens_store::Error as StoreError;

use crate::{Client, Result};

impl Client {
    /// The directory, optionally one level (`federal`, `state`, `lga`).
    pub fn agencies(&self, level: Option<&str>) -> Result<Vec<AgencyRow>> {
        let level = level.map(citizens_core::agency::Level::parse).transpose()?;
        Ok(self.store.agencies(level.map(|l| l.as_str()))?)
    }

    /// One agency by short name.
    pub fn agency(&self, short_name: &str) -> Result<Agency> {
        let id = self.agency_id(short_name)?;
        Ok(self.store.read(id.uuid())?)
    }

    /// Civic articles: `(slug, English title)`.
    pub fn articles(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .store
            .articles()?
            .into_iter()
            .map(|(_, slug, title)| (slug, title))
            .collect())
    }

    /// One civic article by slug.
    pub fn article(&self, slug: &str) -> Result<CivicArticle> {
        let (id, _, _) = self
            .store
            .articles()?
            .into_iter()
            .find(|(_, s, _)| s == slug.trim())
            .ok_or_else(|| StoreError::NotFound {
                what: "article",
                id: slug.to_string(),
            })?;
        let id =
            uuid::Uuid::parse_str(&id).map_err(|_| StoreError::Damaged("article id".into()))?;
        Ok(self.store.read(id)?)
    }

    /// Mark an article's translation into `lang` checked by a native speaker (coordinators
    /// only). Synced like any edit: the public page then stops saying it awaits review.
    pub fn mark_translation_reviewed(&mut self, slug: &str, lang: &str) -> Result<CivicArticle> {
        self.coordinators_only(
            "article",
            "only a coordinator marks a translation reviewed; ask yours",
        )?;
        let id = self.article(slug)?.id.uuid();
        let lang = lang.trim().to_lowercase();
        self.with_writer(|ctx, w| {
            let at = ctx.clock.now();
            let author = ctx.author.clone();
            let (article, ()) = w.edit(id, &author, at, |a: &mut CivicArticle| {
                a.mark_reviewed(&lang)
            })?;
            Ok(article)
        })
    }
}
