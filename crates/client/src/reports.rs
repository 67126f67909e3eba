//! Reports that hold agencies to account: per-agency performance and trends
//! (`citizens_store::figures`), over the cases a filter selects, as of today.

use std::collections::BTreeMap;

use citizens_core::charts::{self as draw, Bar, Column};
use citizens_core::clock::{Day, Timestamp};
use citizens_core::lifecycle::Status;
use citizens_store::figures::{AgencyPerformance, Count, Trends};
use citizens_store::query::Filter;
use serde::{Deserialize, Serialize};

use crate::{Client, Result};

/// What a report covers, as a coordinator types it: each field narrows it.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
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

/// The words on the dashboard's charts, in the reader's language (the window's catalogues
/// hold the translations; the renderer only lays them out).
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct ChartWords {
    /// Title of the cases-per-month chart.
    pub by_month: String,
    /// Title of the cases-by-category chart.
    pub by_category: String,
    /// Title of the cases-by-state chart.
    pub by_state: String,
    /// Legend: cases someone still has to act on.
    pub open: String,
    /// Legend: resolved or closed.
    pub resolved: String,
    /// Legend: ended otherwise (not actionable, withdrawn).
    pub ended: String,
    /// Category slug → its name.
    pub categories: BTreeMap<String, String>,
}

/// The dashboard's charts as SVG (`citizens_core::charts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Charts {
    /// Cases captured per month, stacked open / resolved / ended otherwise.
    pub by_month: String,
    /// Cases per category, most first.
    pub by_category: String,
    /// Cases per state, most first (the twelve with most).
    pub by_state: String,
}

/// The states a state chart shows; the table beside it lists them all.
const STATES_CHARTED: usize = 12;

/// Where a status puts a case on the monthly chart: 0 open, 1 resolved, 2 ended otherwise.
fn month_part(status: &str) -> usize {
    match Status::parse(status) {
        Ok(s) if s.awaits_action() => 0,
        Ok(Status::Resolved | Status::Closed) => 1,
        _ => 2,
    }
}

/// Every month from the first to the last key (`YYYY-MM`), gaps filled, so the chart's
/// time axis is even.
fn months_between(first: &str, last: &str) -> Vec<String> {
    let parse = |m: &str| -> Option<(i32, u32)> {
        let (y, m) = m.split_once('-')?;
        Some((y.parse().ok()?, m.parse().ok()?))
    };
    let (Some((mut y, mut m)), Some(end)) = (parse(first), parse(last)) else {
        return Vec::new();
    };
    let mut months = Vec::new();
    while (y, m) <= end && months.len() < 1200 {
        months.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    months
}

/// Counts ordered most first, ties by key, as bars named by `name`.
fn bars_of(
    counts: &[Count],
    name: impl Fn(&str) -> String,
    shown: &dyn Fn(u32) -> Option<u32>,
) -> Vec<Bar> {
    let mut counts: Vec<&Count> = counts.iter().collect();
    counts.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.key.cmp(&b.key)));
    counts
        .into_iter()
        .map(|c| Bar {
            label: name(&c.key),
            value: shown(c.cases),
        })
        .collect()
}

/// The charts of `trends` in `words`; `shown` decides what a count shows as (exact on the
/// laptop's screen; [`published`](citizens_store::figures::published) wherever it leaves it).
pub fn charts(trends: &Trends, words: &ChartWords, shown: &dyn Fn(u32) -> Option<u32>) -> Charts {
    let mut months: BTreeMap<&str, [u32; 3]> = BTreeMap::new();
    for c in &trends.by_month_status {
        months.entry(&c.key).or_default()[month_part(&c.within)] += c.cases;
    }
    let columns: Vec<Column> = match (months.keys().next(), months.keys().next_back()) {
        (Some(first), Some(last)) => months_between(first, last)
            .into_iter()
            .map(|month| {
                let parts = months.get(month.as_str()).copied().unwrap_or_default();
                Column {
                    label: month,
                    parts: parts.iter().map(|&n| shown(n)).collect(),
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let legend = [
        words.open.clone(),
        words.resolved.clone(),
        words.ended.clone(),
    ];
    let mut categories: BTreeMap<&str, u32> = BTreeMap::new();
    for c in &trends.by_month_category {
        *categories.entry(&c.within).or_default() += c.cases;
    }
    let categories: Vec<Count> = categories
        .into_iter()
        .map(|(key, cases)| Count {
            key: key.to_string(),
            within: String::new(),
            cases,
        })
        .collect();
    let category_name = |slug: &str| {
        words
            .categories
            .get(slug)
            .cloned()
            .unwrap_or_else(|| slug.to_string())
    };
    let state_name = |code: &str| {
        citizens_core::geo::state(code).map_or_else(|_| code.to_string(), |s| s.name.to_string())
    };
    let mut states = bars_of(&trends.by_state, state_name, shown);
    states.truncate(STATES_CHARTED);
    Charts {
        by_month: draw::columns(&words.by_month, &legend, &columns),
        by_category: draw::bars(
            &words.by_category,
            &bars_of(&categories, category_name, shown),
        ),
        by_state: draw::bars(&words.by_state, &states),
    }
}

/// What the dashboard shows: the performance table, the trends and their charts.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Dashboard {
    /// Per agency, most cases first.
    pub performance: Vec<AgencyPerformance>,
    /// Per month, category and state; who reports; commitments.
    pub trends: Trends,
    /// The trends drawn.
    pub charts: Charts,
}

impl Client {
    /// The dashboard over the cases `filter` selects: exact counts, for this laptop's screen.
    pub fn dashboard(&self, filter: &Filter, words: &ChartWords) -> Result<Dashboard> {
        let trends = self.trends(filter)?;
        Ok(Dashboard {
            performance: self.performance(filter)?,
            charts: charts(&trends, words, &Some),
            trends,
        })
    }
}
