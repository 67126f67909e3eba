//! The agency brief (one agency's figures against its level's average, its overdue cases, its
//! town-hall promises, its charts) and the media brief (every agency, ranked).

use std::collections::BTreeMap;

use citizens_client::figures::{published, AgencyPerformance, Days, SMALLEST_PUBLISHED};
use citizens_client::{charts, months, Audience, ChartWords, Client, ReportFilter};

use crate::{Block, Document, Result, Words};

/// A figure: `None` when withheld.
type Cell = Option<String>;

fn show(words: &Words, cell: Cell) -> String {
    cell.unwrap_or_else(|| words.withheld())
}

fn count(n: u32) -> Cell {
    published(n).0.map(|n| n.to_string())
}

/// A count with its share of `of`, e.g. "12 (40%)"; withheld with the count.
fn share(n: u32, of: u32) -> Cell {
    let n = published(n).0?;
    Some(match of {
        0 => n.to_string(),
        of => format!("{n} ({}%)", percent(n, of)),
    })
}

fn percent(n: u32, of: u32) -> u32 {
    let p = (f64::from(n) * 100.0 / f64::from(of)).round();
    // A share is between 0 and 100.
    p.clamp(0.0, 100.0) as u32
}

fn days(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn median(d: &Days) -> Option<f64> {
    d.published().median.0
}

fn p90(d: &Days) -> Option<f64> {
    d.published().p90.0
}

/// The period a filter covers, in words.
fn period(words: &Words, filter: &ReportFilter) -> String {
    match filter.period() {
        (None, None) => words.get("paper_period_all"),
        (from, to) => words.fill(
            "paper_period",
            &[("from", from.unwrap_or("…")), ("to", to.unwrap_or("…"))],
        ),
    }
}

fn chart_words(words: &Words) -> ChartWords {
    ChartWords {
        by_month: words.get("chart_by_month"),
        by_category: words.get("chart_by_category"),
        by_state: words.get("chart_by_state"),
        open: words.get("chart_open"),
        resolved: words.get("chart_resolved"),
        ended: words.get("chart_ended"),
        categories: citizens_core::taxonomy::CATEGORIES
            .iter()
            .map(|c| (c.slug.to_string(), words.of_value("cat", c.slug)))
            .collect(),
    }
}

/// The charts of the cases `filter` selects, withheld under 5; a chart with nothing left to
/// show once withheld is left out, said in words.
fn chart_blocks(client: &Client, filter: &ReportFilter, words: &Words) -> Result<Vec<Block>> {
    let trends = client.trends(&client.report_filter(filter)?)?;
    let months = months(&trends);
    let drawn = charts(&trends, &months, &chart_words(words), Audience::Public);
    let shown = |n: u32| published(n).0.is_some();
    let mut by_category: BTreeMap<&str, u32> = BTreeMap::new();
    for c in &trends.by_month_category {
        *by_category.entry(&c.within).or_default() += c.cases;
    }
    let mut blocks = vec![Block::Heading {
        level: 2,
        text: words.get("paper_charts"),
    }];
    if months
        .iter()
        .any(|m| shown(m.open) || shown(m.resolved) || shown(m.ended))
    {
        blocks.push(Block::Chart {
            svg: drawn.by_month,
        });
    }
    if by_category.values().any(|n| shown(*n)) {
        blocks.push(Block::Chart {
            svg: drawn.by_category,
        });
    }
    if blocks.len() == 1 {
        blocks.push(Block::Para {
            text: words.get("paper_too_few_to_chart"),
        });
    }
    Ok(blocks)
}

fn protect_note(words: &Words) -> Block {
    Block::Note {
        text: words.get("paper_protect_note"),
    }
}

fn footer(client: &Client, words: &Words) -> String {
    words.fill(
        "paper_footer",
        &[
            ("org", &client.profile().organisation),
            ("date", &client.today_string()),
        ],
    )
}

/// The level's average beside one agency: each figure over the agencies of that level with
/// at least 5 cases, withheld when fewer than 5 cases are behind it.
struct Level<'a> {
    agencies: Vec<&'a AgencyPerformance>,
}

impl Level<'_> {
    fn mean(&self, of: impl Fn(&AgencyPerformance) -> u32) -> Cell {
        let total: u32 = self.agencies.iter().map(|a| of(a)).sum();
        published(total).0?;
        let n = u32::try_from(self.agencies.len()).ok().filter(|n| *n > 0)?;
        Some(days(
            (f64::from(total) / f64::from(n) * 10.0).round() / 10.0,
        ))
    }

    fn share(
        &self,
        part: impl Fn(&AgencyPerformance) -> u32,
        of: impl Fn(&AgencyPerformance) -> u32,
    ) -> Cell {
        let part_total: u32 = self.agencies.iter().map(|a| part(a)).sum();
        let of_total: u32 = self.agencies.iter().map(|a| of(a)).sum();
        published(part_total).0?;
        (of_total > 0).then(|| format!("{}%", percent(part_total, of_total)))
    }

    fn mean_days(&self, of: impl Fn(&AgencyPerformance) -> Option<f64>) -> Cell {
        let shown: Vec<f64> = self.agencies.iter().filter_map(|a| of(a)).collect();
        let n = u32::try_from(shown.len()).ok().filter(|n| *n > 0)?;
        Some(days(
            (shown.iter().sum::<f64>() / f64::from(n) * 10.0).round() / 10.0,
        ))
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
    let words = Words::of(lang)?;
    let agency = client.agency(agency)?;
    let everyone = client.performance(&client.report_filter(&ReportFilter {
        agency: None,
        ..filter.clone()
    })?)?;
    let this = everyone
        .iter()
        .find(|a| a.agency_id == agency.id.to_string())
        .cloned()
        .unwrap_or_else(|| AgencyPerformance {
            agency_id: agency.id.to_string(),
            short_name: agency.short_name.clone(),
            name: agency.name.clone(),
            level: agency.level.as_str().to_string(),
            ..AgencyPerformance::default()
        });
    let level = Level {
        agencies: everyone
            .iter()
            .filter(|a| a.level == this.level && a.received >= SMALLEST_PUBLISHED)
            .collect(),
    };
    let level_name = words.of_value("level", &this.level);
    let a = &this;
    let rows: Vec<(String, Cell, Cell)> = vec![
        (
            "dash_received",
            count(a.received),
            level.mean(|a| a.received),
        ),
        (
            "dash_forwarded",
            count(a.forwarded),
            level.mean(|a| a.forwarded),
        ),
        (
            "dash_acknowledged",
            share(a.acknowledged, a.forwarded),
            level.share(|a| a.acknowledged, |a| a.forwarded),
        ),
        (
            "dash_ack_days",
            median(&a.days_to_acknowledge).map(days),
            level.mean_days(|a| median(&a.days_to_acknowledge)),
        ),
        (
            "dash_answered",
            share(a.answered, a.forwarded),
            level.share(|a| a.answered, |a| a.forwarded),
        ),
        (
            "dash_resolved",
            share(a.resolved, a.received),
            level.share(|a| a.resolved, |a| a.received),
        ),
        (
            "dash_resolve_days",
            median(&a.days_to_resolve).map(days),
            level.mean_days(|a| median(&a.days_to_resolve)),
        ),
        (
            "dash_resolve_p90",
            p90(&a.days_to_resolve).map(days),
            level.mean_days(|a| p90(&a.days_to_resolve)),
        ),
        ("dash_open", count(a.open), level.mean(|a| a.open)),
        ("dash_overdue", count(a.overdue), level.mean(|a| a.overdue)),
        (
            "dash_escalated",
            count(a.escalated),
            level.mean(|a| a.escalated),
        ),
        (
            "dash_reopened",
            count(a.reopened),
            level.mean(|a| a.reopened),
        ),
    ]
    .into_iter()
    .map(|(key, this, level)| (words.get(key), this, level))
    .collect();

    let mut blocks = vec![
        Block::Heading {
            level: 1,
            text: words.fill("paper_brief_title", &[("agency", &agency.short_name)]),
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
            text: period(&words, filter),
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
                .map(|(label, this, level)| vec![label, show(&words, this), show(&words, level)])
                .collect(),
            numeric_from: 1,
            widths: vec![3.0, 1.4, 1.6],
        },
        Block::Note {
            text: words.get("paper_table_note"),
        },
    ];

    blocks.push(Block::Heading {
        level: 2,
        text: words.get("paper_overdue"),
    });
    let overdue = client.overdue_cases(&agency)?;
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
                        c.title.unwrap_or_else(|| words.get("paper_title_withheld")),
                        format!("{}, {}", c.lga, c.state),
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

    blocks.extend(chart_blocks(
        client,
        &ReportFilter {
            agency: Some(agency.short_name.clone()),
            ..filter.clone()
        },
        &words,
    )?);
    blocks.push(protect_note(&words));
    Document {
        title: words.fill("paper_brief_title", &[("agency", &agency.short_name)]),
        lang: words.lang().to_string(),
        footer: footer(client, &words),
        blocks,
    }
    .pdf(client.today())
}

/// The media brief over the cases `filter` selects, in `lang`: every agency, ranked by the
/// share of its cases resolved (an agency whose share is withheld is listed after, unranked).
pub fn media_brief(client: &Client, filter: &ReportFilter, lang: &str) -> Result<Vec<u8>> {
    let words = Words::of(lang)?;
    let mut agencies = client.performance(&client.report_filter(filter)?)?;
    let total: u32 = agencies.iter().map(|a| a.received).sum();
    let ranked_share = |a: &AgencyPerformance| {
        (published(a.resolved).0.is_some() && a.received > 0)
            .then(|| f64::from(a.resolved) / f64::from(a.received))
    };
    agencies.sort_by(|a, b| {
        let (sa, sb) = (ranked_share(a), ranked_share(b));
        sb.partial_cmp(&sa)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| b.received.cmp(&a.received))
            .then_with(|| a.short_name.cmp(&b.short_name))
    });
    let rows = agencies
        .iter()
        .enumerate()
        .map(|(i, a)| {
            vec![
                ranked_share(a).map_or_else(|| "–".to_string(), |_| (i + 1).to_string()),
                format!("{} ({})", a.short_name, words.of_value("level", &a.level)),
                show(&words, count(a.received)),
                show(&words, share(a.acknowledged, a.forwarded)),
                show(&words, share(a.resolved, a.received)),
                show(&words, median(&a.days_to_resolve).map(days)),
                show(&words, count(a.overdue)),
            ]
        })
        .collect();
    let title = words.get("paper_media_title");
    let mut blocks = vec![
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
                    ("count", &show(&words, count(total))),
                ],
            ),
        },
        Block::Para {
            text: period(&words, filter),
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
    blocks.extend(chart_blocks(client, filter, &words)?);
    blocks.push(protect_note(&words));
    Document {
        title,
        lang: words.lang().to_string(),
        footer: footer(client, &words),
        blocks,
    }
    .pdf(client.today())
}
