//! Reports that hold agencies to account: per-agency performance and trends
//! (`citizens_store::figures`), over the cases a filter selects, as of today.

use citizens_core::clock::{Day, Timestamp};
use citizens_store::figures::{AgencyPerformance, Trends};
use citizens_store::query::Filter;
use serde::Deserialize;

use crate::{Client, Result};

/// What a report covers, as a coordinator types it: each field narrows it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportFilter {
    /// Cases captured on or after this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Cases captured on or before this day.
    pub to: Option<String>,
    /// State name or code.
    pub state: Option<String>,
    /// LGA name.
    pub lga: Option<String>,
    /// Category slug.
    pub category: Option<String>,
    /// Kind word.
    pub kind: Option<String>,
    /// Agency short name.
    pub agency: Option<String>,
}

fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

impl Client {
    /// The case filter a report's choices select; a day, state, kind or agency that does
    /// not exist is refused in words.
    pub fn report_filter(&self, input: &ReportFilter) -> Result<Filter> {
        let from = given(&input.from)
            .map(|t| Day::parse("from", t))
            .transpose()?;
        let to = given(&input.to).map(|t| Day::parse("to", t)).transpose()?;
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(citizens_core::Error::invalid(
                    "period",
                    format!("the period starts ({from}) after it ends ({to})"),
                )
                .into());
            }
        }
        let state = given(&input.state)
            .map(|s| citizens_core::geo::state(s).map(|s| s.code.to_string()))
            .transpose()?;
        let kind = given(&input.kind)
            .map(|k| citizens_core::grievance::Kind::parse(k).map(|k| k.as_str().to_string()))
            .transpose()?;
        let agency_id = given(&input.agency)
            .map(|a| self.agency(a).map(|a| a.id.to_string()))
            .transpose()?;
        Ok(Filter {
            from: from.map(|d| Timestamp::start_of(d.date()).millis()),
            to: to
                .and_then(|d| d.date().next_day())
                .map(|d| Timestamp::start_of(d).millis()),
            state,
            lga: given(&input.lga).map(str::to_string),
            category: given(&input.category).map(str::to_string),
            kind,
            agency_id,
            ..Filter::default()
        })
    }

    /// Per-agency performance over the cases `filter` selects, overdue as of today.
    pub fn performance(&self, filter: &Filter) -> Result<Vec<AgencyPerformance>> {
        self.store.performance(filter, self.today())
    }

    /// Cases per month, category and state, who reports, and town-hall commitments.
    pub fn trends(&self, filter: &Filter) -> Result<Trends> {
        self.store.trends(filter)
    }
}
