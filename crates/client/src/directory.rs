//! The agency directory and civic articles.

use citizens_core::agency::Agency;
use citizens_store::query::AgencyRow;

use crate::{Client, Result};

impl Client {
    /// The directory, optionally one level (`federal`, `state`, `lga`).
    pub fn agencies(&self, level: Option<&str>) -> Result<Vec<AgencyRow>> {
        let level = level.map(citizens_core::agency::Level::parse).transpose()?;
        self.store.agencies(level.map(|l| l.as_str()))
    }

    /// One agency by short name.
    pub fn agency(&self, short_name: &str) -> Result<Agency> {
        let id = self.agency_id(short_name)?;
        self.store.read(id.uuid())
    }
}
