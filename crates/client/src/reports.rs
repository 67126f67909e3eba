//! Reports that hold agencies to account: per-agency performance and trends
//! (`citizens_store::figures`), over the cases a filter selects, as of today.

use std::collections::BTreeMap;

use citizens_core::agency::Agency;
use citizens_core::charts::{self as draw, Bar, Column};
use citizens_core::clock::{Day, Timestamp};
use citizens_core::grievance::{Grievance, Kind};
use citizens_core::lifecycle::Status;
use citizens_core::milestones::days_between;
use citizens_store::figures::{AgencyPerformance, Trends, SMALLEST_PUBLISHED};
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

impl ReportFilter {
    /// The first and last days given, as typed (trimmed; blank is none).
    pub fn period(&self) -> (Option<&str>, Option<&str>) {
        (given(&self.from), given(&self.to))
    }

    /// The state, LGA, kind and category given, as typed (trimmed; blank is none).
    pub fn narrowing(&self) -> [Option<&str>; 4] {
        [&self.state, &self.lga, &self.kind, &self.category].map(given)
    }
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

/// A case its agency has let run past its due date, as the agency's brief lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueCase {
    /// Reference code.
    pub reference: String,
    /// Its title; `None` for a corruption report or a sealed case, whose title could point
    /// to the reporter.
    pub title: Option<String>,
    /// State name.
    pub state: String,
    /// LGA; `None` for a corruption report or a sealed case (with the agency, the place could
    /// point to the reporter).
    pub lga: Option<String>,
    /// Calendar days since its due date.
    pub days_overdue: u32,
    /// The office on the agency's ladder now holding it.
    pub office: Option<String>,
}

impl Client {
    /// The cases of `agency` among those `filter` selects that are overdue today (the cases
    /// its "overdue" figure counts), longest overdue first.
    pub fn overdue_cases(&self, agency: &Agency, filter: &Filter) -> Result<Vec<OverdueCase>> {
        let today = self.today();
        let filter = Filter {
            agency_id: Some(agency.id.to_string()),
            ..filter.clone()
        };
        let rows = self.store.overdue_cases(&filter, today)?;
        rows.into_iter()
            .map(|row| {
                let id = uuid::Uuid::parse_str(&row.id)
                    .map_err(|_| crate::Error::Damaged("case id".into()))?;
                let grievance: Grievance = self.store.read(id)?;
                let due = Day::parse("due", row.sla_due.as_deref().unwrap_or_default())?;
                let protected = row.sealed || row.kind == Kind::CorruptionReport.as_str();
                Ok(OverdueCase {
                    title: (!protected).then_some(row.title),
                    state: citizens_core::geo::state(&row.state)
                        .map_or_else(|_| row.state.clone(), |s| s.name.to_string()),
                    lga: (!protected).then_some(row.lga),
                    days_overdue: days_between(due.date(), today.date()),
                    office: grievance.current_office(agency).map(str::to_string),
                    reference: row.reference,
                })
            })
            .collect()
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

/// The months a monthly chart shows at most (ten years, ending with the latest): a case
/// from a laptop whose clock had reset to 1970 cannot squeeze the axis to nothing.
const MONTHS_CHARTED: usize = 120;

/// Cases captured in one month, by where they stand now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Month {
    /// `YYYY-MM` (WAT).
    #[ts(type = "string")]
    pub month: MonthKey,
    /// Someone still has to act on them.
    pub open: u32,
    /// Resolved or closed.
    pub resolved: u32,
    /// Ended otherwise: not actionable, withdrawn.
    pub ended: u32,
}

/// A calendar month, ordered in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonthKey {
    year: i32,
    month: u32,
}

impl MonthKey {
    fn parse(text: &str) -> Option<MonthKey> {
        let (year, month) = text.split_once('-')?;
        let key = MonthKey {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
        };
        (1..=12).contains(&key.month).then_some(key)
    }

    fn before(self) -> MonthKey {
        match self.month {
            1 => MonthKey {
                year: self.year - 1,
                month: 12,
            },
            m => MonthKey {
                year: self.year,
                month: m - 1,
            },
        }
    }
}

impl std::fmt::Display for MonthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for MonthKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Cases per month by where they stand now, every month from the first to the latest (gaps
/// filled, at most [`MONTHS_CHARTED`] ending with the latest); keys that are not a month are
/// left out.
pub fn months(trends: &Trends) -> Vec<Month> {
    let mut counted: BTreeMap<MonthKey, [u32; 3]> = BTreeMap::new();
    for c in &trends.by_month_status {
        let Some(key) = MonthKey::parse(&c.key) else {
            continue;
        };
        let part = match Status::parse(&c.within) {
            Ok(s) if s.awaits_action() => 0,
            Ok(Status::Resolved | Status::Closed) => 1,
            _ => 2,
        };
        let cell = &mut counted.entry(key).or_default()[part];
        *cell = cell.saturating_add(c.cases);
    }
    let (Some(&first), Some(&last)) = (counted.keys().next(), counted.keys().next_back()) else {
        return Vec::new();
    };
    let mut months = Vec::new();
    let mut at = last;
    while at >= first && months.len() < MONTHS_CHARTED {
        let [open, resolved, ended] = counted.get(&at).copied().unwrap_or_default();
        months.push(Month {
            month: at,
            open,
            resolved,
            ended,
        });
        at = at.before();
    }
    months.reverse();
    months
}

/// Totals per key, most first (ties by key), as bars named by `name`, shown to `audience`.
fn bars_of<'a>(
    counts: impl Iterator<Item = (&'a str, u32)>,
    name: impl Fn(&str) -> String,
    audience: Audience,
) -> Vec<Bar> {
    let mut totals: BTreeMap<&str, u32> = BTreeMap::new();
    for (key, cases) in counts {
        let total = totals.entry(key).or_default();
        *total = total.saturating_add(cases);
    }
    // Ordered by what is shown (a withheld bar last, by key), so the order cannot tell
    // withheld counts apart.
    let mut shown: Vec<(&str, Option<u32>)> = totals
        .into_iter()
        .map(|(key, cases)| (key, audience.shown(cases)))
        .collect();
    shown.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    shown
        .into_iter()
        .map(|(key, value)| Bar {
            label: name(key),
            value,
        })
        .collect()
}

/// Who a chart is drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// This laptop's screen: exact counts.
    ThisLaptop,
    /// Anything that leaves the laptop (papers, the public page): a bar or part from fewer
    /// than 5 cases is drawn withheld.
    Public,
}

impl Audience {
    fn shown(self, count: u32) -> Option<u32> {
        match self {
            Audience::ThisLaptop => Some(count),
            Audience::Public => citizens_store::figures::published(count).0,
        }
    }
}

/// The charts of `trends` and its `months`, in `words`, for `audience`.
pub fn charts(trends: &Trends, months: &[Month], words: &ChartWords, audience: Audience) -> Charts {
    let shown = |count| audience.shown(count);
    let columns: Vec<Column> = months
        .iter()
        .map(|m| Column {
            label: m.month.to_string(),
            parts: vec![shown(m.open), shown(m.resolved), shown(m.ended)],
        })
        .collect();
    let legend = [
        words.open.clone(),
        words.resolved.clone(),
        words.ended.clone(),
    ];
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
    // Every category leaves the laptop, so that being listed does not tell 1–4 from 0.
    let every = match audience {
        Audience::ThisLaptop => &[][..],
        Audience::Public => citizens_core::taxonomy::CATEGORIES,
    };
    let categories = trends
        .by_month_category
        .iter()
        .map(|c| (c.within.as_str(), c.cases))
        .chain(every.iter().map(|c| (c.slug, 0)));
    let mut states = bars_of(
        trends.by_state.iter().map(|c| (c.key.as_str(), c.cases)),
        state_name,
        audience,
    );
    states.truncate(STATES_CHARTED);
    Charts {
        by_month: draw::columns(&words.by_month, &legend, &columns),
        by_category: draw::bars(
            &words.by_category,
            &bars_of(categories, category_name, audience),
        ),
        by_state: draw::bars(&words.by_state, &states),
    }
}

/// What the dashboard shows: the performance table, the trends and their charts.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Dashboard {
    /// Per agency, most cases first.
    pub performance: Vec<AgencyPerformance>,
    /// Per month, category and state; who reports (answers given by fewer than 5 reporters
    /// left out, even on this screen: they are about people); commitments.
    pub trends: Trends,
    /// Cases per month by where they stand now (the monthly chart's numbers).
    pub months: Vec<Month>,
    /// The trends drawn.
    pub charts: Charts,
}

impl Client {
    /// The dashboard over the cases `filter` selects: exact counts of this laptop's cases,
    /// except who reports, where an answer fewer than 5 reporters gave is withheld (a narrow
    /// filter would otherwise tell a volunteer one reporter's gender or disability).
    pub fn dashboard(&self, filter: &Filter, words: &ChartWords) -> Result<Dashboard> {
        let mut trends = self.trends(filter)?;
        trends.reporters.retain(|c| c.cases >= SMALLEST_PUBLISHED);
        let months = months(&trends);
        Ok(Dashboard {
            performance: self.performance(filter)?,
            charts: charts(&trends, &months, words, Audience::ThisLaptop),
            months,
            trends,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use citizens_store::figures::Count;

    fn trends(rows: &[(&str, &str, u32)]) -> Trends {
        Trends {
            by_month_status: rows
                .iter()
                .map(|&(key, within, cases)| Count {
                    key: key.into(),
                    within: within.into(),
                    cases,
                })
                .collect(),
            by_month_category: Vec::new(),
            by_state: Vec::new(),
            reporters: Vec::new(),
            commitments: Vec::new(),
        }
    }

    #[test]
    fn months_fill_gaps_and_group_statuses() {
        let t = trends(&[
            ("2026-11", "new", 3),
            ("2026-11", "resolved", 2),
            ("2026-11", "closed", 1),
            ("2026-11", "withdrawn", 4),
            ("2027-02", "forwarded", 5),
            ("not a month", "new", 9),
        ]);
        let got: Vec<(String, [u32; 3])> = months(&t)
            .iter()
            .map(|m| (m.month.to_string(), [m.open, m.resolved, m.ended]))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-11".to_string(), [3, 3, 4]),
                ("2026-12".into(), [0, 0, 0]),
                ("2027-01".into(), [0, 0, 0]),
                ("2027-02".into(), [5, 0, 0]),
            ]
        );
    }

    #[test]
    fn a_case_from_a_reset_clock_cannot_push_out_the_latest_months() {
        let t = trends(&[("1970-01", "new", 1), ("2026-11", "new", 7)]);
        let got = months(&t);
        assert_eq!(got.len(), MONTHS_CHARTED);
        assert_eq!(
            got.last().map(|m| (m.month.to_string(), m.open)),
            Some(("2026-11".into(), 7))
        );
        assert_eq!(got[0].month.to_string(), "2016-12");
    }
}
