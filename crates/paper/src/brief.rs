//! The agency brief (one agency's figures against its level's average, its overdue cases, its
//! town-hall promises, its charts) and the media brief (every agency, ranked). Every figure is
//! taken from `AgencyPerformance::published`: what is withheld there is withheld here, and an
//! average, a share, a rank or an order is made only of published figures, so none of them
//! can give a withheld one away.

use citizens_client::figures::{AgencyPerformance, Published, PublishedPerformance};
use citizens_client::{charts, months, shown_months, Audience, ChartWords, Client, ReportFilter};
use citizens_core::figures::days;

use crate::{Block, Document, Result, Words};

/// A figure as printed: `None` when withheld.
type Cell = Option<String>;

fn show(words: &Words, cell: Cell) -> String {
    cell.unwrap_or_else(|| words.withheld())
}

fn count(n: Published<u32>) -> Cell {
    n.0.map(|n| n.to_string())
}

/// A whole under this gives no share: two counts rounded to 5 say nothing of one (5 of 5 may
/// be 1 of 9).
const SHARE_FROM: u32 = 10;

/// A published count's share of a published whole, e.g. 0.4; none of a whole under
/// [`SHARE_FROM`].
fn ratio(part: Published<u32>, of: Published<u32>) -> Option<f64> {
    let (part, of) = (part.0?, of.0.filter(|&n| n >= SHARE_FROM)?);
    Some(f64::from(part) / f64::from(of))
}

fn percent(ratio: f64) -> String {
    format!("{:.0}%", (ratio * 100.0).clamp(0.0, 100.0))
}

/// A count with its share of `of`, e.g. "12 (40%)"; withheld with the count.
fn share(part: Published<u32>, of: Published<u32>) -> Cell {
    let n = part.0?;
    Some(match ratio(part, of) {
        Some(r) => format!("{n} ({})", percent(r)),
        None => n.to_string(),
    })
}

/// What the cases behind a paper are, in words: the period and any narrowing choice.
fn covers(words: &Words, filter: &ReportFilter) -> String {
    let period = match filter.period() {
        (None, None) => words.get("paper_period_all"),
        (Some(from), None) => words.fill("paper_period_from", &[("from", from)]),
        (None, Some(to)) => words.fill("paper_period_to", &[("to", to)]),
        (Some(from), Some(to)) => words.fill("paper_period", &[("from", from), ("to", to)]),
    };
    let [state, lga, kind, category] = filter.narrowing();
    let narrowed: Vec<String> = [
        state.map(|s| citizens_core::geo::state(s).map_or_else(|_| s.into(), |s| s.name.into())),
        lga.map(str::to_string),
        kind.map(|k| words.of_value("kind", k)),
        category.map(|c| words.of_value("cat", c)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if narrowed.is_empty() {
        period
    } else {
        format!(
            "{period} {}",
            words.fill("paper_only", &[("what", &narrowed.join(" · "))])
        )
    }
}

/// The charts of the cases `filter` selects, withheld under 5; when every month is withheld
/// the charts are left out, said in words.
fn chart_blocks(client: &Client, filter: &ReportFilter, words: &Words) -> Result<Vec<Block>> {
    let filter = client.report_filter(filter)?;
    let disclosure = client.report_disclosure(&filter);
    let public = Audience::Public(&disclosure);
    let trends = client.trends(&filter)?;
    let months = months(&trends);
    let heading = Block::Heading {
        level: 2,
        text: words.get("paper_charts"),
    };
    if shown_months(&months, public).is_empty() {
        return Ok(vec![
            heading,
            Block::Para {
                text: words.get("paper_too_few_to_chart"),
            },
        ]);
    }
    let drawn = charts(&trends, &months, &ChartWords::of(|k| words.get(k)), public);
    Ok(vec![
        heading,
        Block::Chart {
            svg: drawn.by_month,
        },
        Block::Chart {
            svg: drawn.by_category,
        },
    ])
}

/// A brief's end: the charts of the cases `charted` selects and the note on what is withheld,
/// under a footer naming who printed it and when; typeset.
fn finish(
    client: &Client,
    words: &Words,
    title: String,
    mut blocks: Vec<Block>,
    charted: &ReportFilter,
) -> Result<Vec<u8>> {
    blocks.extend(chart_blocks(client, charted, words)?);
    blocks.push(Block::Note {
        text: words.get("paper_protect_note"),
    });
    let footer = words.fill(
        "paper_footer",
        &[
            ("org", &client.profile().organisation),
            ("date", &client.today_string()),
        ],
    );
    Document {
        title,
        lang: words.lang().to_string(),
        footer,
        blocks,
    }
    .pdf(client.today())
}

/// The agencies of one level with at least 5 cases: each average is over those whose figure
/// is published.
struct Level {
    agencies: Vec<PublishedPerformance>,
}

impl Level {
    fn mean(&self, of: impl Fn(&PublishedPerformance) -> Option<f64>) -> Cell {
        let shown: Vec<f64> = self.agencies.iter().filter_map(of).collect();
        let n = u32::try_from(shown.len()).ok().filter(|n| *n > 0)?;
        Some(days(
            (shown.iter().sum::<f64>() / f64::from(n) * 10.0).round() / 10.0,
        ))
    }

    fn mean_count(&self, of: impl Fn(&PublishedPerformance) -> Published<u32>) -> Cell {
        self.mean(|a| of(a).0.map(f64::from))
    }

    fn mean_share(
        &self,
        part: impl Fn(&PublishedPerformance) -> Published<u32>,
        of: impl Fn(&PublishedPerformance) -> Published<u32>,
    ) -> Cell {
        let shares: Vec<f64> = self
            .agencies
            .iter()
            .filter_map(|a| ratio(part(a), of(a)))
            .collect();
        let n = u32::try_from(shares.len()).ok().filter(|n| *n > 0)?;
        Some(percent(shares.iter().sum::<f64>() / f64::from(n)))
    }
}

/// The brief for a meeting with the agency `agency` (its short name) over the cases `filter`
/// selects, in `lang`.
pub fn agency_brief(
    client: &Client,
    agency: &str,
    filter: &ReportFilter,
    lang: &str,
) -> Result<Vec<u8>> {
    let words = crate::words::of(lang)?;
    let agency = client.agency(agency)?;
    let everyone = ReportFilter {
        agency: None,
        ..filter.clone()
    };
    let everyone = client.report_filter(&everyone)?;
    let disclosure = client.report_disclosure(&everyone);
    let table = client.performance(&everyone)?;
    let this = table
        .iter()
        .find(|a| a.agency_id == agency.id.to_string())
        .cloned()
        .unwrap_or_else(|| AgencyPerformance {
            agency_id: agency.id.to_string(),
            short_name: agency.short_name.clone(),
            name: agency.name.clone(),
            level: agency.level.as_str().to_string(),
            ..AgencyPerformance::default()
        })
        .published(&disclosure);
    let level = Level {
        agencies: table
            .iter()
            .map(|a| a.published(&disclosure))
            .filter(|a| a.level == this.level && a.received.0.is_some())
            .collect(),
    };
    let level_name = words.of_value("level", &this.level);
    let a = &this;
    type Figure = fn(&PublishedPerformance) -> Published<u32>;
    let counted = |key, of: Figure| (key, count(of(a)), level.mean_count(of));
    let shared =
        |key, part: Figure, of: Figure| (key, share(part(a), of(a)), level.mean_share(part, of));
    let rows: Vec<(&str, Cell, Cell)> = vec![
        counted("dash_received", |a| a.received),
        counted("dash_forwarded", |a| a.forwarded),
        shared("dash_acknowledged", |a| a.acknowledged, |a| a.forwarded),
        shared("dash_confirmed", |a| a.confirmed, |a| a.acknowledged),
        (
            "dash_ack_days",
            a.days_to_acknowledge.median.0.map(days),
            level.mean(|a| a.days_to_acknowledge.median.0),
        ),
        shared("dash_answered", |a| a.answered, |a| a.forwarded),
        shared("dash_resolved", |a| a.resolved, |a| a.received),
        (
            "dash_resolve_days",
            a.days_to_resolve.median.0.map(days),
            level.mean(|a| a.days_to_resolve.median.0),
        ),
        counted("dash_open", |a| a.open),
        counted("dash_overdue", |a| a.overdue),
        counted("dash_escalated", |a| a.escalated),
        counted("dash_reopened", |a| a.reopened),
    ];

    let title = words.fill("paper_brief_title", &[("agency", &agency.short_name)]);
    let mut blocks = vec![
        Block::Heading {
            level: 1,
            text: title.clone(),
        },
        Block::Para {
            text: words.fill(
                "paper_brief_intro",
                &[
                    ("org", &client.profile().organisation),
                    ("agency", &agency.name),
                    ("date", &client.today_string()),
                ],
            ),
        },
        Block::Para {
            text: covers(&words, filter),
        },
        Block::Heading {
            level: 2,
            text: words.fill(
                "paper_against_level",
                &[
                    ("agency", &agency.short_name),
                    ("level", &level_name),
                    ("count", &level.agencies.len().to_string()),
                ],
            ),
        },
        Block::Table {
            head: vec![
                words.get("paper_measure"),
                agency.short_name.clone(),
                words.fill("paper_level_average", &[("level", &level_name)]),
            ],
            rows: rows
                .into_iter()
                .map(|(key, this, level)| {
                    vec![words.get(key), show(&words, this), show(&words, level)]
                })
                .collect(),
            numeric_from: 1,
            widths: vec![3.0, 1.4, 1.6],
        },
        Block::Note {
            text: words.get("paper_table_note"),
        },
        Block::Heading {
            level: 2,
            text: words.get("paper_overdue"),
        },
    ];
    let of_agency = ReportFilter {
        agency: Some(agency.short_name.clone()),
        ..filter.clone()
    };
    let overdue = client.overdue_cases(&agency, &client.report_filter(&of_agency)?)?;
    if overdue.is_empty() {
        blocks.push(Block::Para {
            text: words.get("paper_no_overdue"),
        });
    } else {
        blocks.push(Block::Para {
            text: words.get("paper_overdue_intro"),
        });
        blocks.push(Block::Table {
            head: vec![
                words.get("reference"),
                words.get("title"),
                words.get("place"),
                words.get("paper_days_overdue"),
                words.get("paper_office_now"),
            ],
            rows: overdue
                .into_iter()
                .map(|c| {
                    vec![
                        c.reference,
                        c.title.unwrap_or_else(|| words.get("paper_not_printed")),
                        match c.lga {
                            Some(lga) => format!("{lga}, {}", c.state),
                            None => c.state,
                        },
                        c.days_overdue.to_string(),
                        c.office.unwrap_or_default(),
                    ]
                })
                .collect(),
            numeric_from: 3,
            widths: vec![1.5, 3.0, 1.6, 0.9, 1.8],
        });
    }

    blocks.push(Block::Heading {
        level: 2,
        text: words.get("paper_commitments"),
    });
    let promises = client.agency_commitments(&agency)?;
    if promises.is_empty() {
        blocks.push(Block::Para {
            text: words.get("paper_no_commitments"),
        });
    } else {
        blocks.push(Block::Table {
            head: vec![
                words.get("session"),
                words.get("office"),
                words.get("promise"),
                words.get("due"),
                words.get("status"),
            ],
            rows: promises
                .into_iter()
                .map(|c| {
                    vec![
                        c.session_title,
                        c.office,
                        c.promise,
                        c.due.unwrap_or_default(),
                        words.of_value("commitment", &c.status),
                    ]
                })
                .collect(),
            numeric_from: 5,
            widths: vec![1.6, 1.4, 3.0, 1.1, 1.0],
        });
    }

    finish(client, &words, title, blocks, &of_agency)
}

/// The media brief over the cases `filter` selects, in `lang`: every agency in the directory
/// (so being listed says nothing), ranked by the share of its cases resolved where that is
/// published; the others follow, unranked, by name.
pub fn media_brief(client: &Client, filter: &ReportFilter, lang: &str) -> Result<Vec<u8>> {
    let words = crate::words::of(lang)?;
    let selected = client.report_filter(filter)?;
    let disclosure = client.report_disclosure(&selected);
    let mut table = client.performance(&selected)?;
    for agency in client.agencies(None)? {
        if !table.iter().any(|a| a.agency_id == agency.id) {
            table.push(AgencyPerformance {
                agency_id: agency.id,
                short_name: agency.short_name,
                name: agency.name,
                level: agency.level,
                ..AgencyPerformance::default()
            });
        }
    }
    let mut agencies: Vec<(Option<f64>, PublishedPerformance)> = table
        .iter()
        .map(|a| {
            let a = a.published(&disclosure);
            (ratio(a.resolved, a.received), a)
        })
        .collect();
    agencies.sort_by(|(sa, a), (sb, b)| {
        sb.partial_cmp(sa)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| b.received.0.cmp(&a.received.0))
            .then_with(|| a.short_name.cmp(&b.short_name))
    });
    let rows = agencies
        .iter()
        .enumerate()
        .map(|(i, (ranked, a))| {
            vec![
                ranked.map_or_else(|| "–".to_string(), |_| (i + 1).to_string()),
                format!("{} ({})", a.short_name, words.of_value("level", &a.level)),
                show(&words, count(a.received)),
                show(&words, share(a.acknowledged, a.forwarded)),
                show(&words, share(a.resolved, a.received)),
                show(&words, a.days_to_resolve.median.0.map(days)),
                show(&words, count(a.overdue)),
            ]
        })
        .collect();
    let title = words.fill(
        "paper_media_title",
        &[("org", &client.profile().organisation)],
    );
    let blocks = vec![
        Block::Heading {
            level: 1,
            text: title.clone(),
        },
        Block::Para {
            text: words.fill(
                "paper_media_intro",
                &[
                    ("org", &client.profile().organisation),
                    ("date", &client.today_string()),
                ],
            ),
        },
        Block::Para {
            text: covers(&words, filter),
        },
        Block::Heading {
            level: 2,
            text: words.get("paper_league"),
        },
        Block::Table {
            head: vec![
                words.get("paper_rank"),
                words.get("agency"),
                words.get("dash_received"),
                words.get("dash_acknowledged"),
                words.get("dash_resolved"),
                words.get("dash_resolve_days"),
                words.get("dash_overdue"),
            ],
            rows,
            numeric_from: 2,
            widths: vec![0.8, 2.1, 1.1, 1.4, 1.4, 1.2, 1.2],
        },
        Block::Note {
            text: words.get("paper_league_note"),
        },
    ];
    finish(client, &words, title, blocks, filter)
}
