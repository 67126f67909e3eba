//! Reports that hold agencies to account: per-agency performance and trends
//! (`citizens_store::figures`), over the cases a filter selects, as of today.

use citizens_store::Error as StoreError;
use std::collections::BTreeMap;

use citizens_core::agency::Agency;
use citizens_core::charts::{draw, ChartWords, Charts};
use citizens_core::clock::{Day, Timestamp};
use citizens_core::figures::{
    Disclosure, PublicAgency, PublicCount, PublicFigures, PublicMonth, Published,
};
use citizens_core::grievance::{Grievance, Kind};
use citizens_core::lifecycle::Status;
use citizens_core::milestones::days_between;
use citizens_core::taxonomy::CATEGORIES;
use citizens_store::figures::{listed, AgencyPerformance, Trends, SMALLEST_PUBLISHED};
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
        Ok(self.store.performance(filter, self.today())?)
    }

    /// Cases per month, category and state, who reports, and town-hall commitments.
    pub fn trends(&self, filter: &Filter) -> Result<Trends> {
        Ok(self.store.trends(filter)?)
    }

    /// How the transparency page's figures, and the unfiltered reports', are rounded before
    /// they leave this laptop: under the organisation's figures key, so a cell with the same
    /// count reads the same on every coordinator's laptop and in every publication.
    /// Before enrolment, a laptop set up without the organisation's key rounds under the
    /// stand-in it holds.
    pub fn disclosure(&self) -> Disclosure {
        Disclosure::new(&self.profile().org_public_key)
    }

    /// How a report over the cases `filter` selects is rounded: the unfiltered one as the
    /// transparency page; one narrowed by period, place, category, kind or agency with offsets
    /// of its own, so that papers over nested periods or places cannot be added up against
    /// each other to pin a cell (a January, a February and a January–February paper each
    /// reading 5 would otherwise say each month held 1 to 4).
    pub fn report_disclosure(&self, filter: &Filter) -> Disclosure {
        let narrowing = (
            filter.from,
            filter.to,
            &filter.state,
            &filter.lga,
            &filter.category,
            &filter.kind,
            &filter.agency_id,
        );
        let scope = match narrowing {
            (None, None, None, None, None, None, None) => String::new(),
            narrowed => format!("report {narrowed:?}"),
        };
        self.disclosure().within(scope)
    }
}

impl Client {
    /// The figures the transparency page shows, over the cases the organisation took on (the
    /// public's reports still waiting in triage or turned away there are left out), counted
    /// by the same code as the dashboard and the briefs, every count rounded by the
    /// organisation's [`Disclosure`]; the total is the sum of the rounded categories.
    pub fn public_figures(&self) -> Result<PublicFigures> {
        let filter = Filter {
            taken_on: true,
            ..Filter::default()
        };
        let d = self.disclosure();
        let public = Audience::Public(&d);
        let trends = self.trends(&filter)?;
        // Every category and state is listed, so that being listed tells nothing; only
        // known ones leave, so a damaged key does not.
        let known_only = |counts: Vec<(String, Option<u32>)>, known: &[&str]| -> Vec<PublicCount> {
            counts
                .into_iter()
                .filter(|(key, _)| known.contains(&key.as_str()))
                .map(|(key, cases)| PublicCount {
                    key,
                    cases: Published(cases),
                })
                .collect()
        };
        let slugs: Vec<&str> = CATEGORIES.iter().map(|c| c.slug).collect();
        let codes: Vec<&str> = citizens_core::geo::states()
            .iter()
            .map(|s| s.code)
            .collect();
        let categories = known_only(category_totals(&trends, &slugs, public), &slugs);
        let states = known_only(state_totals(&trends, &codes, public), &codes);
        let agencies = listed(&self.performance(&filter)?, &d)
            .into_iter()
            // Only agencies of the directory (the server checks against its own).
            .filter(|p| citizens_core::agency::Level::parse(&p.level).is_ok())
            .map(|p| PublicAgency {
                short_name: p.short_name,
                name: p.name,
                level: p.level,
                received: p.received,
                acknowledged: p.acknowledged,
                confirmed: p.confirmed,
                resolved: p.resolved,
                median_days_to_resolve: p.days_to_resolve.median,
            })
            .collect();
        Ok(PublicFigures {
            as_of: self.today().to_string(),
            cases: Published::sum(categories.iter().map(|c| c.cases)),
            agencies,
            months: shown_months(&months(&trends), public)
                .into_iter()
                .map(|(month, [open, resolved, ended])| PublicMonth {
                    month,
                    open: Published(open),
                    resolved: Published(resolved),
                    ended: Published(ended),
                })
                .collect(),
            categories,
            states,
        })
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
                    .map_err(|_| StoreError::Damaged("case id".into()))?;
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

/// Who a chart is drawn for.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    /// This laptop's screen: exact counts.
    ThisLaptop,
    /// Anything that leaves the laptop (papers, the public page): every bar and part rounded
    /// by the [`Disclosure`], one that rounds to 0 drawn withheld.
    Public(&'a Disclosure),
}

impl Audience<'_> {
    /// `count` of the cell `cell` as this audience is shown it.
    fn shown(self, cell: &str, count: u32) -> Option<u32> {
        match self {
            Audience::ThisLaptop => Some(count),
            Audience::Public(d) => d.count(cell, count).0,
        }
    }
}

/// `months` as `audience` is shown them. Where they leave the laptop, the months before the
/// first and after the last that show something are left out: the first month with a case,
/// listed with its cells all "fewer than 5", would say it held 1 to 4.
pub fn shown_months(months: &[Month], audience: Audience<'_>) -> Vec<(String, [Option<u32>; 3])> {
    let shown: Vec<(String, [Option<u32>; 3])> = months
        .iter()
        .map(|m| (m.month.to_string(), m.shown(audience)))
        .collect();
    if matches!(audience, Audience::ThisLaptop) {
        return shown;
    }
    let something = |(_, cells): &(String, [Option<u32>; 3])| cells.iter().any(Option::is_some);
    let (Some(first), Some(last)) = (
        shown.iter().position(something),
        shown.iter().rposition(something),
    ) else {
        return Vec::new();
    };
    shown[first..=last].to_vec()
}

impl Month {
    /// Its open, resolved and ended cases as `audience` is shown them.
    fn shown(&self, audience: Audience<'_>) -> [Option<u32>; 3] {
        let cell = |part: &str| format!("month/{}/{part}", self.month);
        [
            audience.shown(&cell("open"), self.open),
            audience.shown(&cell("resolved"), self.resolved),
            audience.shown(&cell("ended"), self.ended),
        ]
    }
}

/// Cases per key, summed, each of `every` listed even with none, as `audience` is shown them
/// (each the cell `{table}/{key}`).
fn totals<'a>(
    table: &str,
    counts: impl Iterator<Item = (&'a str, u32)>,
    every: &[&'a str],
    audience: Audience<'_>,
) -> Vec<(String, Option<u32>)> {
    let mut totals: BTreeMap<&str, u32> = every.iter().map(|&key| (key, 0)).collect();
    for (key, cases) in counts {
        let total = totals.entry(key).or_default();
        *total = total.saturating_add(cases);
    }
    totals
        .into_iter()
        .map(|(key, cases)| {
            let shown = audience.shown(&format!("{table}/{key}"), cases);
            (key.to_string(), shown)
        })
        .collect()
}

/// Cases per category of `trends` (by slug), as [`totals`] gives them.
fn category_totals(
    trends: &Trends,
    every: &[&str],
    audience: Audience<'_>,
) -> Vec<(String, Option<u32>)> {
    let counts = trends
        .by_month_category
        .iter()
        .map(|c| (c.within.as_str(), c.cases));
    totals("category", counts, every, audience)
}

/// Cases per state of `trends` (by code), as [`totals`] gives them.
fn state_totals(
    trends: &Trends,
    every: &[&str],
    audience: Audience<'_>,
) -> Vec<(String, Option<u32>)> {
    let counts = trends.by_state.iter().map(|c| (c.key.as_str(), c.cases));
    totals("state", counts, every, audience)
}

/// The charts of `trends` and its `months`, in `words`, for `audience`.
pub fn charts(
    trends: &Trends,
    months: &[Month],
    words: &ChartWords,
    audience: Audience<'_>,
) -> Charts {
    let columns = shown_months(months, audience);
    // Every category leaves the laptop, so that being listed does not tell 1–4 from 0.
    let every: Vec<&str> = match audience {
        Audience::ThisLaptop => Vec::new(),
        Audience::Public(_) => CATEGORIES.iter().map(|c| c.slug).collect(),
    };
    draw(
        words,
        &columns,
        category_totals(trends, &every, audience),
        state_totals(trends, &[], audience),
    )
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
