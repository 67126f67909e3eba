//! The transparency page's figures. A coordinator's laptop counts them (the same code as its
//! dashboard and the agencies' briefs, every count rounded by `core::figures::Disclosure`) and
//! publishes them at sync; the server checks them again against the organisation's directory
//! (`PublicFigures::check`: a laptop's defect or a hostile one cannot put an exact count, a
//! made-up agency or hidden digits in public), keeps the latest per organisation and shows the
//! public face's organisation's as a page and as open data.
//! The server never counts cases itself: it holds no plaintext identity to leave out, and
//! one count made in one place cannot drift from the laptops' dashboards.

use std::sync::Arc;

use citizens_core::clock::Timestamp;
use citizens_core::figures::{days, PublicFigures, Published, WITHHELD};
use citizens_core::geo;
use citizens_core::taxonomy::CATEGORIES;
use citizens_protocol::{ErrorCode, FiguresTaken, Role};
use serde::Serialize;

use crate::{Core, Device, Error, Result};

/// How long the public pages show the figures as last read (a publication shows within a
/// minute on every instance; a flood of page views reads the database once a minute).
pub(crate) const FIGURES_FOR_MS: i64 = 60 * 1000;

/// The licence the open data is published under.
pub const LICENCE: &str = "CC BY 4.0";

/// Where the licence's terms are.
pub const LICENCE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";

/// The figures the public face shows, and when they were published.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// The figures.
    pub figures: PublicFigures,
    /// When the server took them.
    pub published_at: Timestamp,
}

/// The published figures as the public pages last read them: none published yet, or none
/// because this server takes no public face.
pub type Current = Option<Arc<Shown>>;

impl Core {
    /// Keep a coordinator's laptop's public figures as its organisation's, after checking
    /// them again against its directory; refused (nothing kept, the published figures stand)
    /// from any other device or with any figure the rounding does not make.
    pub fn publish_figures(
        &self,
        device: &Device,
        figures: &PublicFigures,
    ) -> Result<FiguresTaken> {
        if device.role != Role::Coordinator {
            return Err(Error::refused(
                ErrorCode::Forbidden,
                "only a coordinator's laptop publishes the organisation's figures",
            ));
        }
        let json = serde_json::to_string(figures).map_err(Error::internal)?;
        let now = self.now();
        self.write(|tx| {
            let directory = crate::records::org_agencies(tx, device.org_id)?;
            figures.check(&directory).map_err(|e| {
                Error::refused(
                    ErrorCode::InvalidRequest,
                    format!("these figures cannot be published: {e}"),
                )
            })?;
            tx.put_figures(device.org_id, &json, now)
        })?;
        self.figures.forget();
        Ok(FiguresTaken {
            as_of: figures.as_of.clone(),
        })
    }

    /// The public face's organisation's published figures, read at most once a minute.
    pub fn public_figures(&self) -> Result<Current> {
        self.figures
            .get(self.now(), FIGURES_FOR_MS, || self.read_figures())
    }

    fn read_figures(&self) -> Result<Current> {
        let Some(public) = &self.public else {
            return Ok(None);
        };
        let stored = self.write(|tx| match tx.org_by_name(&public.org)? {
            Some((org_id, _)) => tx.figures(org_id),
            None => Ok(None),
        })?;
        let Some((json, at)) = stored else {
            return Ok(None);
        };
        let figures: PublicFigures = serde_json::from_str(&json)
            .map_err(|e| Error::internal(format!("the stored figures do not read: {e}")))?;
        Ok(Some(Arc::new(Shown {
            figures,
            published_at: Timestamp::from_millis(at),
        })))
    }
}

/// The open data as JSON: who publishes it, under which licence, what a withheld cell means,
/// and the figures.
pub fn open_json(publisher: &str, shown: &Shown) -> String {
    #[derive(Serialize)]
    struct OpenData<'a> {
        publisher: &'a str,
        licence: &'static str,
        licence_url: &'static str,
        published_at: String,
        withheld: String,
        #[serde(flatten)]
        figures: &'a PublicFigures,
    }
    serde_json::to_string_pretty(&OpenData {
        publisher,
        licence: LICENCE,
        licence_url: LICENCE_URL,
        published_at: shown.published_at.to_rfc3339(),
        withheld: format!("every count is rounded to a multiple of 5 (by a fixed offset per cell, so the same count always reads the same); a cell reading \"{WITHHELD}\" counts 0 to 4 cases; medians are whole days, shown where their cases read 15 or more; parts need not add up to the total"),
        figures: &shown.figures,
    })
    .unwrap_or_default()
}

/// The tables of the open data, each as a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// One line per agency listed.
    Agencies,
    /// One line per month.
    Months,
    /// One line per category.
    Categories,
    /// One line per state.
    States,
}

impl Table {
    /// Every table, as the page links them.
    pub const ALL: [Table; 4] = [
        Table::Agencies,
        Table::Months,
        Table::Categories,
        Table::States,
    ];

    /// Its file name (`agencies`, `months`, …, without `.csv`).
    pub fn name(self) -> &'static str {
        match self {
            Table::Agencies => "agencies",
            Table::Months => "months",
            Table::Categories => "categories",
            Table::States => "states",
        }
    }

    /// The table of this name.
    pub fn named(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The table as CSV (a header line, then the figures; a withheld cell reads "fewer
    /// than 5").
    pub fn csv(self, figures: &PublicFigures) -> String {
        let cell = |p: Option<String>| p.unwrap_or_else(|| WITHHELD.to_string());
        let count = |p: Published<u32>| cell(p.0.map(|n| n.to_string()));
        let header = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let mut rows: Vec<Vec<String>> = Vec::new();
        match self {
            Table::Agencies => {
                rows.push(header(&[
                    "short_name",
                    "name",
                    "level",
                    "received",
                    "acknowledged",
                    "resolved",
                    "median_days_to_resolve",
                ]));
                for a in &figures.agencies {
                    rows.push(vec![
                        a.short_name.clone(),
                        a.name.clone(),
                        a.level.clone(),
                        count(a.received),
                        count(a.acknowledged),
                        count(a.resolved),
                        cell(a.median_days_to_resolve.0.map(days)),
                    ]);
                }
            }
            Table::Months => {
                rows.push(header(&["month", "open", "resolved", "ended"]));
                for m in &figures.months {
                    rows.push(vec![
                        m.month.clone(),
                        count(m.open),
                        count(m.resolved),
                        count(m.ended),
                    ]);
                }
            }
            Table::Categories => {
                rows.push(header(&["category", "name", "cases"]));
                for c in &figures.categories {
                    let name = CATEGORIES
                        .iter()
                        .find(|k| k.slug == c.key)
                        .map_or("", |k| k.label);
                    rows.push(vec![c.key.clone(), name.to_string(), count(c.cases)]);
                }
            }
            Table::States => {
                rows.push(header(&["state", "name", "cases"]));
                for s in &figures.states {
                    let name = geo::state(&s.key).map_or("", |s| s.name);
                    rows.push(vec![s.key.clone(), name.to_string(), count(s.cases)]);
                }
            }
        }
        crate::inert_csv(&rows)
    }
}

#[cfg(test)]
mod tests {
    use citizens_core::figures::{PublicAgency, PublicCount, PublicMonth};
    use citizens_core::geo::Lga;

    use super::*;
    use crate::intake::Public;
    use crate::memory::{org_key, Fixture, ORG, START};

    fn public() -> Public {
        Public::new(ORG, Lga::parse("KN", "Nasarawa").expect("an LGA"))
    }

    fn n(count: u32) -> Published<u32> {
        Published((count > 0).then_some(count))
    }

    /// Figures that may be published: 15 cases in the first category, all with NIS, over two
    /// months.
    fn figures() -> PublicFigures {
        let every = |mut keys: Vec<&str>| -> Vec<PublicCount> {
            keys.sort_unstable();
            keys.into_iter()
                .map(|key| PublicCount {
                    key: key.to_string(),
                    cases: n(0),
                })
                .collect()
        };
        let mut categories = every(CATEGORIES.iter().map(|c| c.slug).collect());
        categories[0].cases = n(15);
        PublicFigures {
            as_of: "2026-11-28".into(),
            cases: n(15),
            agencies: vec![PublicAgency {
                short_name: "NIS".into(),
                name: "Nigeria Immigration Service".into(),
                level: "federal".into(),
                received: n(15),
                acknowledged: n(10),
                confirmed: n(5),
                resolved: n(15),
                median_days_to_resolve: Published(Some(9.0)),
            }],
            months: vec![
                PublicMonth {
                    month: "2026-10".into(),
                    open: n(0),
                    resolved: n(5),
                    ended: n(0),
                },
                PublicMonth {
                    month: "2026-11".into(),
                    open: n(10),
                    resolved: n(0),
                    ended: n(0),
                },
            ],
            categories,
            states: every(geo::states().iter().map(|s| s.code).collect()),
        }
    }

    fn shown(figures: PublicFigures, at: i64) -> Current {
        Some(Arc::new(Shown {
            figures,
            published_at: Timestamp::from_millis(at),
        }))
    }

    fn refused(code: ErrorCode, message: &str) -> impl Fn(Result<FiguresTaken>) {
        let message = message.to_string();
        move |result| match result {
            Err(Error::Refused {
                code: c,
                message: m,
            }) => {
                assert_eq!((c, m.as_str()), (code, message.as_str()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn figures_a_coordinator_publishes_are_kept_and_shown_until_the_next() {
        let f = Fixture::new(Some(public()));
        assert_eq!(f.core.public_figures().expect("read"), None, "none yet");
        let taken = f.core.publish_figures(&f.coordinator, &figures());
        assert_eq!(
            taken.expect("taken"),
            FiguresTaken {
                as_of: "2026-11-28".into()
            }
        );
        assert_eq!(
            f.core.public_figures().expect("read"),
            shown(figures(), START)
        );
        f.clock.advance(86_400_000);
        let mut next = figures();
        next.as_of = "2026-11-29".into();
        next.months[1].open = n(15);
        f.core
            .publish_figures(&f.coordinator, &next)
            .expect("taken");
        assert_eq!(
            f.core.public_figures().expect("read"),
            shown(next, START + 86_400_000),
            "the latest replaces the one before, shown at once"
        );
    }

    #[test]
    fn each_figure_the_rounding_does_not_make_is_refused_and_the_last_publication_stands() {
        let f = Fixture::new(Some(public()));
        f.core
            .publish_figures(&f.coordinator, &figures())
            .expect("taken");
        type Change = fn(&mut PublicFigures);
        let cases: [(&str, Change); 9] = [
            (
                "figures: every agency listed must be one of the organisation's directory, with its name and level there",
                |p| p.agencies[0].short_name = "Tarauni Vigilance Group".into(),
            ),
            (
                "figures: every agency listed must be one of the organisation's directory, with its name and level there",
                |p| p.agencies[0].name = "Musa Ibrahim, 0803 555 0101".into(),
            ),
            (
                "figures: every agency listed must be one of the organisation's directory, with its name and level there",
                |p| p.agencies[0].level = "state".into(),
            ),
            (
                "figures: NIS's median days (9.5) are not whole days",
                |p| p.agencies[0].median_days_to_resolve = Published(Some(9.5)),
            ),
            (
                "figures: NIS's median days are shown only when its resolved cases read 15 or more",
                |p| p.agencies[0].resolved = n(10),
            ),
            (
                "figures: NIS's received is 3: every figure is rounded to a multiple of 5, and 0 reads \"fewer than 5\"",
                |p| p.agencies[0].received = n(3),
            ),
            (
                "figures: NIS is listed with fewer than 5 cases: leave it out",
                |p| p.agencies[0].received = n(0),
            ),
            (
                "figures: 2026-11 open is 12: every figure is rounded to a multiple of 5, and 0 reads \"fewer than 5\"",
                |p| p.months[1].open = n(12),
            ),
            (
                "figures: the number of cases must be the sum of the categories",
                |p| p.cases = n(20),
            ),
        ];
        for (why, change) in cases {
            f.clock.advance(1);
            let mut hostile = figures();
            hostile.as_of = "2026-11-29".into();
            change(&mut hostile);
            refused(
                ErrorCode::InvalidRequest,
                &format!("these figures cannot be published: {why}"),
            )(f.core.publish_figures(&f.coordinator, &hostile));
            assert_eq!(
                f.core.read_figures().expect("read"),
                shown(figures(), START),
                "the stored figures after: {why}"
            );
        }
    }

    #[test]
    fn only_a_coordinators_laptop_publishes() {
        let f = Fixture::new(Some(public()));
        let volunteer = f.enrol(ORG, &org_key(1), Role::Volunteer, "Aisha Bello");
        refused(
            ErrorCode::Forbidden,
            "only a coordinator's laptop publishes the organisation's figures",
        )(f.core.publish_figures(&volunteer, &figures()));
        assert_eq!(f.core.read_figures().expect("read"), None);
    }

    #[test]
    fn the_public_face_shows_its_own_organisations_figures_only() {
        let f = Fixture::new(Some(public()));
        let other = f.enrol(
            "Lagos Accountability Lab",
            &org_key(2),
            Role::Coordinator,
            "Chinedu Okafor",
        );
        f.core.publish_figures(&other, &figures()).expect("taken");
        assert_eq!(f.core.read_figures().expect("read"), None);
        let f = Fixture::new(None);
        f.core
            .publish_figures(&f.coordinator, &figures())
            .expect("taken: kept for the organisation");
        assert_eq!(
            f.core.public_figures().expect("read"),
            None,
            "no public face: no page"
        );
    }

    #[test]
    fn the_public_pages_read_the_figures_at_most_once_a_minute() {
        let f = Fixture::new(Some(public()));
        f.core
            .publish_figures(&f.coordinator, &figures())
            .expect("taken");
        assert_eq!(
            f.core.public_figures().expect("read"),
            shown(figures(), START)
        );
        // Another instance publishes straight into the shared database.
        let mut next = figures();
        next.as_of = "2026-11-29".into();
        let json = serde_json::to_string(&next).expect("json");
        let org_id = f.coordinator.org_id;
        f.core
            .write(|tx| tx.put_figures(org_id, &json, START + 1))
            .expect("stored");
        f.clock.advance(FIGURES_FOR_MS - 1);
        assert_eq!(
            f.core.public_figures().expect("read"),
            shown(figures(), START),
            "as last read"
        );
        f.clock.advance(1);
        assert_eq!(
            f.core.public_figures().expect("read"),
            shown(next, START + 1),
            "read again after a minute"
        );
    }

    #[test]
    fn the_open_data_tables_say_withheld_in_words() {
        let f = figures();
        assert_eq!(
            Table::Agencies.csv(&f),
            "short_name,name,level,received,acknowledged,resolved,median_days_to_resolve\n\
             NIS,Nigeria Immigration Service,federal,15,10,15,9\n"
        );
        assert_eq!(
            Table::Months.csv(&f),
            "month,open,resolved,ended\n\
             2026-10,fewer than 5,5,fewer than 5\n\
             2026-11,10,fewer than 5,fewer than 5\n"
        );
        assert!(Table::ALL
            .iter()
            .all(|t| Table::named(t.name()) == Some(*t)));
        assert_eq!(Table::named("people"), None);
    }
}
