//! Duplicate suggestions: each case's fingerprint, compared with the cases near it when it first
//! arrives on this laptop (captured here, pulled by sync or carried in a bundle), and the queue
//! a coordinator works through.

use citizens_core::clock::Day;
use citizens_core::duplicates::{self, Fingerprint, Frequencies, Likeness};
use citizens_core::grievance::Grievance;
use rusqlite::types::Type;
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::query::{row_by_id, GrievanceRow};
use crate::{Error, Result, Store};
use uuid::Uuid;

/// A suggested pair: `case` arrived later than `other`.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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

/// The first time this laptop sees a case, queue it to be fingerprinted and compared (see
/// [`Store::find_duplicates`]): applying a large sync is not held up by either. Later, keep the
/// fingerprint's agency and merge up to date.
pub(crate) fn project(conn: &Connection, g: &Grievance) -> Result<()> {
    let id = g.id.to_string();
    let updated = conn
        .prepare_cached("UPDATE fingerprints SET agency_id = ?2, merged_into = ?3 WHERE id = ?1")?
        .execute(params![
            id,
            g.agency.map(|a| a.to_string()),
            g.merged_into.map(|m| m.to_string())
        ])?;
    if updated == 0 {
        conn.prepare_cached("INSERT OR IGNORE INTO duplicate_queue (id) VALUES (?1)")?
            .execute([&id])?;
    }
    Ok(())
}

/// Keep a case's fingerprint.
fn store_fingerprint(conn: &Connection, id: &str, g: &Grievance) -> Result<Fingerprint> {
    let fp = Fingerprint::of(g);
    let words = fp.words.iter().cloned().collect::<Vec<_>>().join(" ");
    conn.prepare_cached(
        "INSERT OR REPLACE INTO fingerprints (id, state, lga, ward, category, agency_id, day, phone, form_number, words, merged_into)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
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
        words,
        g.merged_into.map(|m| m.to_string())
    ])?;
    Ok(fp)
}

/// Compare one arrived case with the cases near it and keep the suggestions.
fn compare(conn: &Connection, id: &str, fp: &Fingerprint) -> Result<()> {
    let (ids, nearby) = nearby(conn, id, fp)?;
    let background = background(conn, fp)?;
    let mut frequencies = Frequencies::default();
    for words in &background {
        frequencies.add(words.split(' ').filter(|w| !w.is_empty()));
    }
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO duplicate_suggestions (case_id, other_id, score, words, days_apart, reasons)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (i, l) in duplicates::rank(fp, &nearby, frequencies)
        .into_iter()
        .take(SUGGESTIONS_LIMIT)
    {
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

const FINGERPRINT: &str =
    "SELECT f.id, f.state, f.lga, f.ward, f.category, f.agency_id, f.day, f.phone, f.form_number, f.words
     FROM fingerprints f";

fn fingerprint(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Fingerprint)> {
    let day: String = r.get(6)?;
    let day = Day::parse("day", &day)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, Type::Text, Box::new(e)))?;
    let words: String = r.get(9)?;
    let print = Fingerprint {
        state: r.get(1)?,
        lga: r.get(2)?,
        ward: r.get(3)?,
        category: r.get(4)?,
        agency: r.get(5)?,
        day: day.date(),
        phone: r.get(7)?,
        form_number: r.get(8)?,
        words: words
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect(),
    };
    Ok((r.get(0)?, print))
}

/// Cases compared with a newcomer at most.
const NEARBY_LIMIT: i64 = 200;
/// Cases elsewhere in the state whose words weigh the comparison, at most.
const BACKGROUND_LIMIT: i64 = 60;
/// Suggestions kept per arriving case, at most (the most alike).
const SUGGESTIONS_LIMIT: usize = 5;

fn window(fp: &Fingerprint) -> (String, String) {
    let days = time::Duration::days(duplicates::WINDOW_DAYS);
    (
        Day::from_date(fp.day.saturating_sub(days)).to_string(),
        Day::from_date(fp.day.saturating_add(days)).to_string(),
    )
}

/// The cases compared with a newcomer: same LGA and topic within the window, or the same open
/// phone or paper form number — not merged away already.
fn nearby(
    conn: &Connection,
    id: &str,
    fp: &Fingerprint,
) -> Result<(Vec<String>, Vec<Fingerprint>)> {
    let (from, to) = window(fp);
    // Cases still queued have no fingerprint yet: they are compared when their turn comes.
    let mut stmt = conn.prepare_cached(&format!(
        "{FINGERPRINT}
         WHERE f.id != ?1 AND f.merged_into IS NULL
           AND ((f.state = ?2 AND f.lga = ?3 AND f.category = ?4 AND f.day BETWEEN ?5 AND ?6)
                OR f.phone = ?7 OR (f.form_number = ?8 AND f.state = ?2))
         LIMIT ?9"
    ))?;
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
            fingerprint,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.into_iter().unzip())
}

/// The words of cases on the same topic elsewhere in the state within the window: they tell
/// which words are common.
fn background(conn: &Connection, fp: &Fingerprint) -> Result<Vec<String>> {
    let (from, to) = window(fp);
    let mut stmt = conn.prepare_cached(
        "SELECT words FROM fingerprints
         WHERE state = ?1 AND category = ?2 AND lga != ?3 AND day BETWEEN ?4 AND ?5 LIMIT ?6",
    )?;
    let rows = stmt
        .query_map(
            params![fp.state, fp.category, fp.lga, from, to, BACKGROUND_LIMIT],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(rows)
}

/// Pairs still to judge: not dismissed, and neither case marked a duplicate yet.
const OPEN_PAIRS: &str = "FROM duplicate_suggestions s
     JOIN grievances a ON a.id = s.case_id JOIN grievances b ON b.id = s.other_id
     WHERE s.dismissed = 0 AND a.duplicate_of IS NULL AND b.duplicate_of IS NULL";

impl Store {
    /// Suggested duplicates still to judge: pairs not dismissed where neither case is marked
    /// a duplicate yet; for one case when `case_id` is given. Most alike first.
    pub fn duplicate_suggestions(
        &self,
        case_id: Option<&str>,
        limit: u64,
    ) -> Result<Vec<DuplicatePair>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT s.case_id, s.other_id, s.score, s.words, s.days_apart, s.reasons {OPEN_PAIRS}
                   AND (?1 IS NULL OR s.case_id = ?1 OR s.other_id = ?1)
                 ORDER BY s.score DESC, s.case_id LIMIT ?2"
        ))?;
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
        Ok(self
            .conn()
            .query_row(&format!("SELECT count(*) {OPEN_PAIRS}"), [], |r| r.get(0))?)
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

impl Store {
    /// Fingerprint the cases that arrived since the last pass and compare them with the cases
    /// near them, oldest arrival first, `batch` per transaction; returns how many were done. Run after
    /// capture, import and sync (not inside them), so applying records is never held up.
    pub fn find_duplicates(&mut self, batch: usize) -> Result<usize> {
        let mut done = 0;
        loop {
            let compared = self.write(|w| {
                let ids =
                    w.tx.prepare_cached("SELECT id FROM duplicate_queue ORDER BY seq LIMIT ?1")?
                        .query_map([i64::try_from(batch).unwrap_or(i64::MAX)], |r| r.get(0))?
                        .collect::<rusqlite::Result<Vec<String>>>()?;
                for id in &ids {
                    w.tx.execute("DELETE FROM duplicate_queue WHERE id = ?1", [id])?;
                    let uuid = Uuid::parse_str(id).map_err(|_| Error::Damaged("case id".into()))?;
                    let g: Grievance = w.read(uuid)?;
                    let fp = store_fingerprint(&w.tx, id, &g)?;
                    if g.duplicate_of.is_none() {
                        compare(&w.tx, id, &fp)?;
                    }
                }
                Ok(ids.len())
            })?;
            done += compared;
            if compared < batch.max(1) {
                return Ok(done);
            }
        }
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
