//! The town-hall kit, printed before a meeting: the agenda sheet, the attendance tally and
//! blank complaint forms, each carrying a form number this laptop issued for the session (so
//! two laptops never print the same number, and paper capture offers them afterwards).

use citizens_client::Client;
use citizens_core::grievance::Kind;
use citizens_core::session::TownHallSession;
use citizens_core::taxonomy::CATEGORIES;

use crate::{Block, Choices, Document, Result, Words};

/// Blank forms a kit carries unless told otherwise.
pub const KIT_FORMS: u32 = 20;

fn form(words: &Words, number: &str, org: &str) -> Vec<Block> {
    let group = |label: &str, options: Vec<String>| Choices {
        label: words.get(label),
        options,
    };
    let choices = |label: &str, options: Vec<String>| Block::Choices(group(label, options));
    let answers = |keys: &[&str]| keys.iter().map(|k| words.of_value("answer", k)).collect();
    vec![
        Block::PageBreak,
        Block::FormTop {
            title: words.get("paper_form_title"),
            label: words.get("form_number"),
            number: number.to_string(),
        },
        choices(
            "kind",
            Kind::ALL
                .iter()
                .map(|k| words.of_value("kind", k.as_str()))
                .collect(),
        ),
        choices(
            "category",
            CATEGORIES
                .iter()
                .map(|c| words.of_value("cat", c.slug))
                .collect(),
        ),
        Block::Fields {
            labels: vec![
                words.get("state"),
                words.get("lga"),
                words.get("paper_ward"),
            ],
        },
        Block::Fields {
            labels: vec![words.get("paper_agency_if_known")],
        },
        Block::Lines {
            label: words.get("title"),
            lines: 1,
        },
        Block::Lines {
            label: words.get("narrative"),
            lines: 8,
        },
        Block::Fields {
            labels: vec![words.get("reporter_name"), words.get("reporter_phone")],
        },
        Block::Note {
            text: words.get("about_reporter"),
        },
        Block::ChoicesRow {
            groups: vec![
                group("dash_gender", answers(&["female", "male", "other"])),
                group(
                    "dash_age",
                    answers(&["under_18", "18_35", "36_60", "over_60"]),
                ),
                group("dash_disability", answers(&["yes", "no"])),
            ],
        },
        choices(
            "consent_and_safety",
            [
                "consent_explained",
                "consent_share",
                "consent_contact",
                "anonymous",
            ]
            .iter()
            .map(|k| words.get(k))
            .collect(),
        ),
        Block::Fields {
            labels: vec![words.get("paper_taken_by"), words.get("date")],
        },
        Block::Slip {
            text: words.fill("paper_form_slip", &[("number", number), ("org", org)]),
        },
    ]
}

/// The kit for the town hall `session` (its id) in `lang`, with `forms` blank complaint forms
/// numbered for it, handed to `save`; returns what `save` returns. The numbers are issued for
/// the kit and taken back if it cannot be made or saved, so capture never offers a number
/// that was not printed.
pub fn kit<T>(
    client: &mut Client,
    session: &str,
    forms: u32,
    lang: &str,
    save: impl FnOnce(&[u8]) -> citizens_client::Result<T>,
) -> Result<T> {
    let words = crate::words::of(lang)?;
    let (session, _) = client.session(session)?;
    let numbers = client.issue_forms(forms, Some(&session.id.to_string()))?;
    let saved = typeset(client, &words, &session, &numbers).and_then(|pdf| Ok(save(&pdf)?));
    if saved.is_err() {
        client.withdraw_forms(&numbers)?;
    }
    saved
}

fn typeset(
    client: &Client,
    words: &Words,
    session: &TownHallSession,
    numbers: &[String],
) -> Result<Vec<u8>> {
    let org = client.profile().organisation.clone();
    let state = citizens_core::geo::state(&session.place.state)
        .map_or_else(|_| session.place.state.clone(), |s| s.name.to_string());
    let mut blocks = vec![
        Block::Heading {
            level: 1,
            text: session.title.clone(),
        },
        Block::Para {
            text: words.fill(
                "paper_kit_when",
                &[
                    ("date", &session.date.to_string()),
                    ("venue", &session.venue),
                    ("lga", &session.place.lga),
                    ("state", &state),
                ],
            ),
        },
    ];
    if let Some(organisers) = session
        .organisers
        .as_deref()
        .filter(|o| !o.trim().is_empty())
    {
        blocks.push(Block::Para {
            text: format!("{}: {organisers}", words.get("organisers")),
        });
    }
    blocks.push(Block::Heading {
        level: 2,
        text: words.get("agenda"),
    });
    let items: Vec<&str> = session
        .agenda
        .as_deref()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if items.is_empty() {
        blocks.push(Block::Lines {
            label: String::new(),
            lines: 8,
        });
    } else {
        blocks.extend(items.iter().enumerate().map(|(i, item)| Block::Para {
            text: format!("{}. {item}", i + 1),
        }));
    }
    blocks.push(Block::Lines {
        label: words.get("paper_notes"),
        lines: 10,
    });
    blocks.extend([
        Block::PageBreak,
        Block::Heading {
            level: 1,
            text: words.get("attendance"),
        },
        Block::Para {
            text: words.get("paper_attendance_intro"),
        },
        Block::Tally {
            head: vec![words.get("paper_marks"), words.get("att_total")],
            rows: vec![
                words.get("att_women"),
                words.get("att_men"),
                words.get("att_pwd"),
            ],
            total: words.get("paper_everyone"),
        },
        Block::Note {
            text: words.get("paper_attendance_note"),
        },
    ]);
    for number in numbers {
        blocks.extend(form(words, number, &org));
    }
    Document {
        title: words.fill("paper_kit_title", &[("title", &session.title)]),
        lang: words.lang().to_string(),
        footer: words.fill(
            "paper_kit_footer",
            &[("org", &org), ("title", &session.title)],
        ),
        blocks,
    }
    .pdf(client.today())
}
