//! Figures as they leave a laptop: the one threshold under which a count is withheld, and the
//! public figures a coordinator's laptop publishes for the transparency page, checked here so
//! that neither a laptop's defect nor a hostile one can put a small count in public.

use serde::{Deserialize, Serialize};

use crate::charts::{self, ChartWords, Charts};
use crate::error::{Error, Result};

/// Cells below this many cases are not published ("fewer than 5").
pub const SMALLEST_PUBLISHED: u32 = 5;

/// How a withheld cell reads wherever figures leave the laptop.
pub const WITHHELD: &str = "fewer than 5";

/// A figure as it may leave the laptop: `None` when fewer than 5 cases are behind it (0
/// included, so that an empty cell does not tell a small one apart). Serialises as the figure
/// or as "fewer than 5", and reads back the same way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Published<T>(pub Option<T>);

impl<T: Serialize> Serialize for Published<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match &self.0 {
            Some(v) => v.serialize(s),
            None => s.serialize_str(WITHHELD),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Published<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Cell<T> {
            Figure(T),
            Withheld(String),
        }
        match Cell::deserialize(d)? {
            Cell::Figure(v) => Ok(Published(Some(v))),
            Cell::Withheld(w) if w == WITHHELD => Ok(Published(None)),
            Cell::Withheld(w) => Err(serde::de::Error::custom(format!(
                "'{w}' is neither a figure nor \"{WITHHELD}\""
            ))),
        }
    }
}

/// A count as it may leave the laptop.
pub fn published(count: u32) -> Published<u32> {
    Published((count >= SMALLEST_PUBLISHED).then_some(count))
}

/// Days as every table shows them: whole when whole, else to one decimal (a median of an even
/// number of cases may fall on a half day).
pub fn days(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// One agency's line in the public league table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicAgency {
    /// Short name, e.g. `KEDCO`.
    pub short_name: String,
    /// Full name.
    pub name: String,
    /// Federal, state or local.
    pub level: String,
    /// Cases routed to it (only agencies with 5 or more are listed).
    pub received: Published<u32>,
    /// Of the cases forwarded to it, acknowledged.
    pub acknowledged: Published<u32>,
    /// Of those received, resolved or closed.
    pub resolved: Published<u32>,
    /// Median calendar days from capture to resolution (withheld under 5 resolved cases).
    pub median_days_to_resolve: Published<f64>,
}

/// Cases captured in one month, by where they stand now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicMonth {
    /// `YYYY-MM` (WAT).
    pub month: String,
    /// Someone still has to act on them.
    pub open: Published<u32>,
    /// Resolved or closed.
    pub resolved: Published<u32>,
    /// Ended otherwise: not actionable, withdrawn.
    pub ended: Published<u32>,
}

/// Cases in one group: a category (its slug) or a state (its code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicCount {
    /// The category slug or state code.
    pub key: String,
    /// Cases.
    pub cases: Published<u32>,
}

/// Everything the transparency page and its open data show: counted on a coordinator's laptop
/// over the cases the organisation took on, every figure from fewer than 5 cases withheld.
/// Every category and every state is listed (so being listed tells nothing), and only the
/// agencies that received 5 cases or more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicFigures {
    /// The day they were counted (`YYYY-MM-DD`, WAT).
    pub as_of: String,
    /// Cases counted.
    pub cases: Published<u32>,
    /// Per agency, most cases first.
    pub agencies: Vec<PublicAgency>,
    /// Per month, oldest first, gaps filled.
    pub months: Vec<PublicMonth>,
    /// Per category, every category.
    pub categories: Vec<PublicCount>,
    /// Per state, every state and the FCT.
    pub states: Vec<PublicCount>,
}

/// Most agencies a publication may list.
const MAX_AGENCIES: usize = 2_000;

/// Most months a publication may list (the laptop's charts show ten years at most).
const MAX_MONTHS: usize = 120;

/// Longest agency name or short name accepted.
const MAX_NAME: usize = 300;

fn bad(problem: impl Into<String>) -> Error {
    Error::invalid("figures", problem)
}

/// A published count: withheld, or at least [`SMALLEST_PUBLISHED`].
fn check_count(what: &str, cell: Published<u32>) -> Result<()> {
    match cell.0 {
        Some(n) if n < SMALLEST_PUBLISHED => Err(bad(format!(
            "{what} is {n}: a figure from fewer than {SMALLEST_PUBLISHED} cases must be withheld"
        ))),
        _ => Ok(()),
    }
}

fn check_text(what: &str, text: &str) -> Result<()> {
    if text.trim().is_empty()
        || text.chars().count() > MAX_NAME
        || text.chars().any(char::is_control)
    {
        return Err(bad(format!(
            "{what} must be 1 to {MAX_NAME} letters without control characters"
        )));
    }
    Ok(())
}

/// `items`' keys are exactly `expected`, each once, in any order.
fn check_keys<'a>(
    what: &str,
    items: &[PublicCount],
    expected: impl Iterator<Item = &'a str>,
) -> Result<()> {
    let mut got: Vec<&str> = items.iter().map(|c| c.key.as_str()).collect();
    let mut want: Vec<&str> = expected.collect();
    got.sort_unstable();
    want.sort_unstable();
    if got != want {
        return Err(bad(format!("the {what} must each be listed exactly once")));
    }
    for c in items {
        check_count(&format!("the cases of {what} '{}'", c.key), c.cases)?;
    }
    Ok(())
}

impl PublicFigures {
    /// Refused, in words, unless every figure is withheld or from at least 5 cases, every
    /// category and state is listed once, the months are real and in order, the agencies
    /// listed each received at least 5 cases and the sizes are those of a real organisation.
    pub fn check(&self) -> Result<()> {
        crate::clock::Day::parse("as of", &self.as_of)?;
        check_count("the number of cases", self.cases)?;
        if self.agencies.len() > MAX_AGENCIES {
            return Err(bad(format!(
                "at most {MAX_AGENCIES} agencies may be listed"
            )));
        }
        for a in &self.agencies {
            check_text("an agency's short name", &a.short_name)?;
            check_text("an agency's name", &a.name)?;
            check_text("an agency's level", &a.level)?;
            if a.received.0.is_none() {
                return Err(bad(format!(
                    "{} is listed with fewer than {SMALLEST_PUBLISHED} cases: leave it out",
                    a.short_name
                )));
            }
            for (what, cell) in [
                ("received", a.received),
                ("acknowledged", a.acknowledged),
                ("resolved", a.resolved),
            ] {
                check_count(&format!("{}'s {what}", a.short_name), cell)?;
            }
            match a.median_days_to_resolve.0 {
                Some(_) if a.resolved.0.is_none() => {
                    return Err(bad(format!(
                        "{}'s median days come from fewer than {SMALLEST_PUBLISHED} resolved cases",
                        a.short_name
                    )))
                }
                Some(d) if !(0.0..=36_500.0).contains(&d) => {
                    return Err(bad(format!(
                        "{}'s median days ({d}) are not real",
                        a.short_name
                    )))
                }
                _ => {}
            }
        }
        if self.months.len() > MAX_MONTHS {
            return Err(bad(format!("at most {MAX_MONTHS} months may be listed")));
        }
        let mut last: Option<(i32, u32)> = None;
        for m in &self.months {
            let month = month_of(&m.month)
                .ok_or_else(|| bad(format!("'{}' is not a month like 2026-11", m.month)))?;
            if last.is_some_and(|l| l >= month) {
                return Err(bad("the months must be in order, each once"));
            }
            last = Some(month);
            for (what, cell) in [
                ("open", m.open),
                ("resolved", m.resolved),
                ("ended", m.ended),
            ] {
                check_count(&format!("{} {what}", m.month), cell)?;
            }
        }
        check_keys(
            "categories",
            &self.categories,
            crate::taxonomy::CATEGORIES.iter().map(|c| c.slug),
        )?;
        check_keys(
            "states",
            &self.states,
            crate::geo::states().iter().map(|s| s.code),
        )
    }

    /// The figures drawn: cases per month, by category and by state, in `words`.
    pub fn charts(&self, words: &ChartWords) -> Charts {
        let months: Vec<(String, [Option<u32>; 3])> = self
            .months
            .iter()
            .map(|m| (m.month.clone(), [m.open.0, m.resolved.0, m.ended.0]))
            .collect();
        let shown = |counts: &[PublicCount]| -> Vec<(String, Option<u32>)> {
            counts.iter().map(|c| (c.key.clone(), c.cases.0)).collect()
        };
        charts::draw(words, &months, shown(&self.categories), shown(&self.states))
    }
}

/// `YYYY-MM` as (year, month).
fn month_of(text: &str) -> Option<(i32, u32)> {
    let (year, month) = text.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let m: u32 = month.parse().ok()?;
    (1..=12).contains(&m).then_some((year.parse().ok()?, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Figures that may be published: 12 cases, one agency, two months.
    fn valid() -> PublicFigures {
        let every = |keys: Vec<&str>| -> Vec<PublicCount> {
            keys.into_iter()
                .map(|key| PublicCount {
                    key: key.to_string(),
                    cases: Published(None),
                })
                .collect()
        };
        let mut categories = every(crate::taxonomy::CATEGORIES.iter().map(|c| c.slug).collect());
        categories[0].cases = published(12);
        PublicFigures {
            as_of: "2026-11-30".into(),
            cases: published(12),
            agencies: vec![PublicAgency {
                short_name: "KEDCO".into(),
                name: "Kano Electricity Distribution Company".into(),
                level: "federal".into(),
                received: published(12),
                acknowledged: published(7),
                resolved: published(5),
                median_days_to_resolve: Published(Some(9.5)),
            }],
            months: vec![
                PublicMonth {
                    month: "2026-10".into(),
                    open: published(0),
                    resolved: published(5),
                    ended: published(0),
                },
                PublicMonth {
                    month: "2026-11".into(),
                    open: published(7),
                    resolved: published(0),
                    ended: published(0),
                },
            ],
            categories,
            states: every(crate::geo::states().iter().map(|s| s.code).collect()),
        }
    }

    fn refusal(f: &PublicFigures) -> String {
        f.check().expect_err("refused").to_string()
    }

    #[test]
    fn figures_from_five_cases_or_withheld_are_taken() {
        valid().check().expect("taken");
    }

    #[test]
    fn a_small_count_anywhere_is_refused() {
        let mut f = valid();
        f.months[1].open = Published(Some(3));
        assert_eq!(
            refusal(&f),
            "figures: 2026-11 open is 3: a figure from fewer than 5 cases must be withheld"
        );
        let mut f = valid();
        f.agencies[0].acknowledged = Published(Some(1));
        assert_eq!(
            refusal(&f),
            "figures: KEDCO's acknowledged is 1: a figure from fewer than 5 cases must be withheld"
        );
        let mut f = valid();
        f.states[4].cases = Published(Some(4));
        assert!(refusal(&f).contains("is 4: a figure from fewer than 5 cases must be withheld"));
    }

    #[test]
    fn an_agency_with_few_cases_or_a_median_of_few_is_refused() {
        let mut f = valid();
        f.agencies[0].received = Published(None);
        assert_eq!(
            refusal(&f),
            "figures: KEDCO is listed with fewer than 5 cases: leave it out"
        );
        let mut f = valid();
        f.agencies[0].resolved = Published(None);
        assert_eq!(
            refusal(&f),
            "figures: KEDCO's median days come from fewer than 5 resolved cases"
        );
        let mut f = valid();
        f.agencies[0].median_days_to_resolve = Published(Some(f64::NAN));
        assert_eq!(
            refusal(&f),
            "figures: KEDCO's median days (NaN) are not real"
        );
        let mut f = valid();
        f.agencies[0].name = "<script>\u{7}".into();
        assert_eq!(
            refusal(&f),
            "figures: an agency's name must be 1 to 300 letters without control characters"
        );
    }

    #[test]
    fn every_category_and_state_is_listed_once() {
        let mut f = valid();
        f.states.pop();
        assert_eq!(
            refusal(&f),
            "figures: the states must each be listed exactly once"
        );
        let mut f = valid();
        f.categories[1].key = f.categories[0].key.clone();
        assert_eq!(
            refusal(&f),
            "figures: the categories must each be listed exactly once"
        );
    }

    #[test]
    fn months_are_real_and_in_order() {
        let mut f = valid();
        f.months.swap(0, 1);
        assert_eq!(
            refusal(&f),
            "figures: the months must be in order, each once"
        );
        let mut f = valid();
        f.months[0].month = "2026-13".into();
        assert_eq!(
            refusal(&f),
            "figures: '2026-13' is not a month like 2026-11"
        );
        let mut f = valid();
        f.as_of = "yesterday".into();
        assert_eq!(
            refusal(&f),
            "as of: 'yesterday' is not a date like 2026-11-28"
        );
    }

    #[test]
    fn a_published_cell_reads_back_as_written() {
        let cells = vec![Published(Some(7u32)), Published(None)];
        let json = serde_json::to_string(&cells).expect("written");
        assert_eq!(json, r#"[7,"fewer than 5"]"#);
        let back: Vec<Published<u32>> = serde_json::from_str(&json).expect("read");
        assert_eq!(back, cells);
        let wrong = serde_json::from_str::<Published<u32>>(r#""a few""#).expect_err("refused");
        assert!(wrong
            .to_string()
            .starts_with(r#"'a few' is neither a figure nor "fewer than 5""#));
        assert_eq!(days(9.0), "9");
        assert_eq!(days(9.5), "9.5");
    }
}
