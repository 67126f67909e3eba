//! Duplicate suggestions: each case's fingerprint, compared with the cases near it when it first
//! arrives on this laptop (captured here, pulled by sync or carried in a bundle), and the queue
//! a coordinator works through.

use citizens_core::clock::Day;
use citizens_core::duplicates::{self, Fingerprint, Likeness};
use citizens_core::grievance::Grievance;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::query::{row_by_id, GrievanceRow};
use crate::{Error, Result, Store};

/// Cases compared with a newcomer at most (the nearest by place, phone and form number).
const NEARBY_LIMIT: i64 = 400;

/// A suggested pair: `case` arrived later than `other`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicatePair {
    /// The case that arrived later.
    pub case: GrievanceRow,
    /// The case it looks like.
    pub other: GrievanceRow,
    /// How alike (see `citizens_core::duplicates`).
    pub score: f64,
    /// Share of weighted words in common, 0–1.
    pub words: f64,
    /// Days between them.
    pub days_apart: i64,
    /// What they share (`similar_words`, `same_phone`, …).
    pub reasons: Vec<String>,
}

/// Keep the case's fingerprint; the first time this laptop sees the case, suggest the cases it
/// looks like.
pub(crate) fn project(conn: &Connection, g: &Grievance) -> Result<()> {
    let id = g.id.to_string();
    let first: bool = conn
        .query_row(
            "SELECT 1 FROM fingerprints WHERE id = ?1",
            [&id],
            |_| Ok(()),
        )
        .optional()?
        .is_none();
    let fp = Fingerprint::of(g);
    let words = fp.words.iter().cloned().collect::<Vec<_>>().join(" ");
    conn.prepare_cached(
        "INSERT INTO fingerprints (id, state, lga, ward, category, agency_id, day, phone, form_number, words)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET agency_id = excluded.agency_id",
    )?
    .execute(params![
        id,
        fp.state,
        fp.lga,
        fp.ward,
        fp.category,
        fp.agency,
        fp.day.to_string(),
        fp.phone,
        fp.form_number,
        words
    ])?;
    if !first || g.duplicate_of.is_some() {
        return Ok(());
    }
    let (ids, nearby, background) = nearby(conn, &id, &fp)?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO duplicate_suggestions (case_id, other_id, score, words, days_apart, reasons)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (i, l) in duplicates::rank(&fp, &nearby, &background) {
        insert.execute(params![
            id,
            ids[i],
            l.score,
            l.words,
            l.days_apart,
            reasons(&l)
        ])?;
    }
    Ok(())
}

fn reasons(l: &Likeness) -> String {
    l.reasons
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

type Nearby = (Vec<String>, Vec<Fingerprint>, Vec<Fingerprint>);

/// The cases on the same topic in the same state within the window, or with the same open phone
/// or paper form number, not merged away already: those of the same LGA (and the phone and form
/// matches) are compared, the rest only weigh the words.
fn nearby(conn: &Connection, id: &str, fp: &Fingerprint) -> Result<Nearby> {
    let window = time::Duration::days(duplicates::WINDOW_DAYS);
    let from = Day::from_date(fp.day.saturating_sub(window)).to_string();
    let to = Day::from_date(fp.day.saturating_add(window)).to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, f.state, f.lga, f.ward, f.category, f.agency_id, f.day, f.phone, f.form_number, f.words
         FROM fingerprints f JOIN grievances g ON g.id = f.id
         WHERE f.id != ?1 AND g.merged_into IS NULL
           AND ((f.state = ?2 AND f.category = ?4 AND f.day BETWEEN ?5 AND ?6)
                OR f.phone = ?7 OR (f.form_number = ?8 AND f.state = ?2))
         LIMIT ?9",
    )?;
    let rows = stmt
        .query_map(
            params![
                id,
                fp.state,
                fp.lga,
                fp.category,
                from,
                to,
                fp.phone,
                fp.form_number,
                NEARBY_LIMIT
            ],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, String>(9)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let (mut ids, mut candidates, mut background) = (Vec::new(), Vec::new(), Vec::new());
    for (other, state, lga, ward, category, agency, day, phone, form_number, words) in rows {
        let day = Day::parse("day", &day).map_err(|_| Error::Damaged("fingerprint day".into()))?;
        let print = Fingerprint {
            state,
            lga,
            ward,
            category,
            agency,
            day: day.date(),
            phone,
            form_number,
            words: words
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(String::from)
                .collect(),
        };
        let compared = (print.state == fp.state && print.lga == fp.lga)
            || (print.phone.is_some() && print.phone == fp.phone)
            || (print.form_number.is_some() && print.form_number == fp.form_number);
        if compared {
            ids.push(other);
            candidates.push(print);
        } else {
            background.push(print);
        }
    }
    Ok((ids, candidates, background))
}

impl Store {
    /// Suggested duplicates still to judge: pairs not dismissed where neither case is marked
    /// a duplicate yet; for one case when `case_id` is given. Most alike first.
    pub fn duplicate_suggestions(
        &self,
        case_id: Option<&str>,
        limit: u64,
    ) -> Result<Vec<DuplicatePair>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT s.case_id, s.other_id, s.score, s.words, s.days_apart, s.reasons
             FROM duplicate_suggestions s
             JOIN grievances a ON a.id = s.case_id JOIN grievances b ON b.id = s.other_id
             WHERE s.dismissed = 0 AND a.duplicate_of IS NULL AND b.duplicate_of IS NULL
               AND (?1 IS NULL OR s.case_id = ?1 OR s.other_id = ?1)
             ORDER BY s.score DESC, s.case_id LIMIT ?2",
        )?;
        let pairs = stmt
            .query_map(
                params![case_id, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, f64>(2)?,
                        r.get::<_, f64>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        pairs
            .into_iter()
            .map(|(case, other, score, words, days_apart, reasons)| {
                Ok(DuplicatePair {
                    case: row_by_id(self.conn(), &case)?,
                    other: row_by_id(self.conn(), &other)?,
                    score,
                    words,
                    days_apart,
                    reasons: reasons
                        .split(',')
                        .filter(|r| !r.is_empty())
                        .map(String::from)
                        .collect(),
                })
            })
            .collect()
    }

    /// How many suggested pairs wait to be judged.
    pub fn duplicate_suggestion_count(&self) -> Result<u64> {
        Ok(self.conn().query_row(
            "SELECT count(*) FROM duplicate_suggestions s
             JOIN grievances a ON a.id = s.case_id JOIN grievances b ON b.id = s.other_id
             WHERE s.dismissed = 0 AND a.duplicate_of IS NULL AND b.duplicate_of IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// The cases merged into this one.
    pub fn merged_into(&self, id: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id FROM grievances WHERE merged_into = ?1 ORDER BY created_at",
        )?;
        let ids = stmt
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }
}

impl crate::Writer<'_> {
    /// "Not a duplicate": the pair is not suggested again on this laptop.
    pub fn dismiss_duplicate(&mut self, a: &str, b: &str) -> Result<bool> {
        let changed = self.tx.execute(
            "UPDATE duplicate_suggestions SET dismissed = 1
             WHERE (case_id = ?1 AND other_id = ?2) OR (case_id = ?2 AND other_id = ?1)",
            [a, b],
        )?;
        Ok(changed > 0)
    }
}
