//! Reads for lists, filters, search and the directory: projections only, never documents.

use citizens_core::lifecycle::Status;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::{Result, Store};

/// One line of the case list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct GrievanceRow {
    /// Id.
    pub id: String,
    /// Reference code.
    pub reference: String,
    /// Kind.
    pub kind: String,
    /// Category.
    pub category: String,
    /// Agency short name.
    pub agency: Option<String>,
    /// State code.
    pub state: String,
    /// LGA.
    pub lga: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// Devices disagree on the status.
    pub conflict: bool,
    /// Priority.
    pub priority: String,
    /// Assignee.
    pub assignee: Option<String>,
    /// Captured at (ms since epoch).
    pub created_at: i64,
    /// Due date of the office now holding it.
    pub sla_due: Option<String>,
    /// Reporter identity sealed.
    pub sealed: bool,
    /// Reporter anonymous.
    pub anonymous: bool,
}

pub(crate) const ROW_COLUMNS: &str =
    "g.id, g.reference, g.kind, g.category, a.short_name, g.state, g.lga, g.title,
    g.status, g.conflict, g.priority, g.assignee, g.created_at, g.sla_due, g.sealed, g.anonymous";

pub(crate) fn row(r: &Row<'_>) -> rusqlite::Result<GrievanceRow> {
    Ok(GrievanceRow {
        id: r.get(0)?,
        reference: r.get(1)?,
        kind: r.get(2)?,
        category: r.get(3)?,
        agency: r.get(4)?,
        state: r.get(5)?,
        lga: r.get(6)?,
        title: r.get(7)?,
        status: r.get(8)?,
        conflict: r.get(9)?,
        priority: r.get(10)?,
        assignee: r.get(11)?,
        created_at: r.get(12)?,
        sla_due: r.get(13)?,
        sealed: r.get(14)?,
        anonymous: r.get(15)?,
    })
}

/// One case's list line.
pub(crate) fn row_by_id(conn: &rusqlite::Connection, id: &str) -> Result<GrievanceRow> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM grievances g LEFT JOIN agencies a ON a.id = g.agency_id
         WHERE g.id = ?1"
    );
    Ok(conn.prepare_cached(&sql)?.query_row([id], row)?)
}

/// Filters for the case list; each `Some` narrows it.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
#[serde(default)]
pub struct Filter {
    /// Words that must all occur (full-text search; the last word also as a prefix).
    pub text: Option<String>,
    /// Status word.
    pub status: Option<String>,
    /// Kind word.
    pub kind: Option<String>,
    /// Category slug.
    pub category: Option<String>,
    /// Agency id.
    pub agency_id: Option<String>,
    /// State code.
    pub state: Option<String>,
    /// LGA name.
    pub lga: Option<String>,
    /// Assignee.
    pub assignee: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Captured at or after (ms).
    pub from: Option<i64>,
    /// Captured before (ms).
    pub to: Option<i64>,
    /// Due before this day (`YYYY-MM-DD`): the overdue queue.
    pub due_before: Option<String>,
    /// Only cases where devices disagree on the status.
    #[ts(as = "Option<_>", optional)]
    pub conflicts_only: bool,
    /// Only cases someone still has to act on (not resolved or finished).
    #[ts(as = "Option<_>", optional)]
    pub open_only: bool,
    /// Only the triage queue: cases the public face took in that nobody has looked at yet.
    #[ts(as = "Option<_>", optional)]
    pub triage: bool,
    /// Only the cases the organisation took on: leaves out the public's reports still in the
    /// triage queue or turned away there (what the public figures count).
    #[ts(as = "Option<_>", optional)]
    pub taken_on: bool,
}

/// List order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// Earliest due first.
    Due,
    /// Most urgent first.
    Priority,
    /// By reference code.
    Reference,
}

impl Sort {
    /// Parse `newest|oldest|due|priority|reference`.
    pub fn parse(text: &str) -> Option<Sort> {
        Some(match text {
            "newest" => Sort::Newest,
            "oldest" => Sort::Oldest,
            "due" => Sort::Due,
            "priority" => Sort::Priority,
            "reference" => Sort::Reference,
            _ => return None,
        })
    }

    fn order_by(self) -> &'static str {
        match self {
            Sort::Newest => "g.created_at DESC, g.id DESC",
            Sort::Oldest => "g.created_at ASC, g.id ASC",
            Sort::Due => "g.sla_due IS NULL, g.sla_due ASC, g.created_at ASC",
            Sort::Priority => {
                "CASE g.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
                 g.created_at DESC"
            }
            Sort::Reference => "g.reference ASC",
        }
    }
}

/// A page of the list and how many match in all.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ListPage {
    /// The rows.
    pub rows: Vec<GrievanceRow>,
    /// Total matches.
    pub total: u64,
}

/// The statuses someone still has to act on, as an SQL list.
pub(crate) fn open_statuses() -> String {
    let open: Vec<String> = Status::ALL
        .iter()
        .filter(|s| s.awaits_action())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    open.join(", ")
}

/// A commitment in a list across sessions.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CommitmentRow {
    /// Commitment id.
    pub id: String,
    /// Its session.
    pub session_id: String,
    /// The session's title.
    pub session_title: String,
    /// Agency short name, if given.
    pub agency: Option<String>,
    /// Who promised.
    pub official: String,
    /// Their office.
    pub office: String,
    /// What.
    pub promise: String,
    /// By when.
    pub due: Option<String>,
    /// Open, kept, partly kept or broken.
    pub status: String,
}

/// One case worker's load.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct Workload {
    /// The case worker.
    pub assignee: String,
    /// Open cases assigned to them.
    pub open: u64,
    /// Of those, past their due date.
    pub overdue: u64,
}

/// Whether case `g` is overdue on the day bound to `day` (an SQL parameter, `YYYY-MM-DD`):
/// someone still has to act on it and the office holding it is past its due date.
pub(crate) fn overdue(day: &str) -> String {
    format!(
        "(g.status IN ({}) AND g.sla_due IS NOT NULL AND g.sla_due < {day})",
        open_statuses()
    )
}

/// A case the public face took in (web, SMS, WhatsApp, Open311).
const FROM_THE_PUBLIC: &str = "g.intake IS NOT NULL";

/// The SQL `WHERE` clause (empty, or starting `WHERE`) over `grievances g` and its `?`
/// arguments, for a filter.
pub(crate) fn where_clause(filter: &Filter) -> (String, Vec<Value>) {
    let mut clauses = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let mut eq = |column: &str, value: &Option<String>| {
        if let Some(v) = value {
            clauses.push(format!("{column} = ?"));
            args.push(Value::Text(v.clone()));
        }
    };
    eq("g.status", &filter.status);
    eq("g.kind", &filter.kind);
    eq("g.category", &filter.category);
    eq("g.agency_id", &filter.agency_id);
    eq("g.state", &filter.state);
    eq("g.lga", &filter.lga);
    eq("g.assignee", &filter.assignee);
    eq("g.session_id", &filter.session_id);
    if let Some(query) = filter.text.as_deref().and_then(fts_query) {
        clauses.push(
            "g.rowid IN (SELECT rowid FROM grievance_fts WHERE grievance_fts MATCH ?)".into(),
        );
        args.push(Value::Text(query));
    }
    if let Some(from) = filter.from {
        clauses.push("g.created_at >= ?".into());
        args.push(Value::Integer(from));
    }
    if let Some(to) = filter.to {
        clauses.push("g.created_at < ?".into());
        args.push(Value::Integer(to));
    }
    if let Some(day) = &filter.due_before {
        clauses.push("g.sla_due < ?".into());
        args.push(Value::Text(day.clone()));
    }
    if filter.conflicts_only {
        clauses.push("g.conflict = 1".into());
    }
    if filter.open_only {
        clauses.push(format!("g.status IN ({})", open_statuses()));
    }
    if filter.triage {
        clauses.push(format!("{FROM_THE_PUBLIC} AND g.status = 'new'"));
    }
    if filter.taken_on {
        clauses.push(format!(
            "NOT ({FROM_THE_PUBLIC} AND g.status IN ('new', 'not_actionable'))"
        ));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (sql, args)
}

impl Store {
    /// A page of the case list.
    pub fn list(&self, filter: &Filter, sort: Sort, offset: u64, limit: u64) -> Result<ListPage> {
        let (where_sql, mut args) = where_clause(filter);
        let total: u64 = self.conn().query_row(
            &format!("SELECT count(*) FROM grievances g {where_sql}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        args.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        args.push(Value::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
        // The page's rows are found first on the projection alone (its indexes), then joined:
        // skipping 50,000 rows deep in the list then costs index steps, not 50,000 joins.
        let order = sort.order_by();
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM grievances g LEFT JOIN agencies a ON a.id = g.agency_id
             WHERE g.rowid IN (SELECT g.rowid FROM grievances g {where_sql} ORDER BY {order} LIMIT ? OFFSET ?)
             ORDER BY {order}"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ListPage { rows, total })
    }

    /// Full-text search (reference, title, narrative, place, notes), best matches first.
    /// Every word must match; the last one also as a prefix, for search-as-you-type.
    pub fn search(&self, text: &str, limit: u64) -> Result<Vec<GrievanceRow>> {
        let Some(query) = fts_query(text) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM grievance_fts f
             JOIN grievances g ON g.rowid = f.rowid
             LEFT JOIN agencies a ON a.id = g.agency_id
             WHERE grievance_fts MATCH ?1 ORDER BY f.rank LIMIT ?2"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt
            .query_map(
                rusqlite::params![query, i64::try_from(limit).unwrap_or(i64::MAX)],
                row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Open cases and overdue ones per case worker (`today` as `YYYY-MM-DD`), busiest first.
    pub fn workload(&self, today: &str) -> Result<Vec<Workload>> {
        let sql = format!(
            "SELECT g.assignee, count(*), sum({}) FROM grievances g
             WHERE g.assignee IS NOT NULL AND g.status IN ({}) GROUP BY g.assignee ORDER BY 2 DESC, 1",
            overdue("?1"),
            open_statuses()
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt
            .query_map([today], |r| {
                Ok(Workload {
                    assignee: r.get(0)?,
                    open: r.get(1)?,
                    overdue: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Open commitments due before `today`, by agency then due day.
    pub fn overdue_commitments(&self, today: &str) -> Result<Vec<CommitmentRow>> {
        self.commitment_rows(
            "WHERE c.status = 'open' AND c.due < ?1
             ORDER BY a.short_name IS NULL, a.short_name, c.due",
            today,
        )
    }

    /// Every commitment an agency (its id) made at a town hall, the latest due first.
    pub fn agency_commitments(&self, agency_id: &str) -> Result<Vec<CommitmentRow>> {
        self.commitment_rows(
            "WHERE c.agency_id = ?1 ORDER BY c.due IS NULL, c.due DESC, s.title",
            agency_id,
        )
    }

    fn commitment_rows(&self, rest: &str, arg: &str) -> Result<Vec<CommitmentRow>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT c.id, c.session_id, s.title, a.short_name, c.official, c.office, c.promise, c.due,
                    c.status
             FROM commitments c JOIN sessions s ON s.id = c.session_id
             LEFT JOIN agencies a ON a.id = c.agency_id {rest}"
        ))?;
        let rows = stmt
            .query_map([arg], |r| {
                Ok(CommitmentRow {
                    id: r.get(0)?,
                    session_id: r.get(1)?,
                    session_title: r.get(2)?,
                    agency: r.get(3)?,
                    official: r.get(4)?,
                    office: r.get(5)?,
                    promise: r.get(6)?,
                    due: r.get(7)?,
                    status: r.get(8)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Case counts per status.
    pub fn counts_by_status(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT status, count(*) FROM grievances GROUP BY status ORDER BY 2 DESC",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Find a grievance id by reference code.
    pub fn grievance_id_by_reference(&self, reference: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM grievances WHERE reference = ?1",
                [reference],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Find an agency id by short name (case-insensitive).
    pub fn agency_id_by_short_name(&self, short_name: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM agencies WHERE short_name = ?1 COLLATE NOCASE",
                [short_name.trim()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The directory: `(id, short name, name, level, state)`, optionally one level only.
    pub fn agencies(&self, level: Option<&str>) -> Result<Vec<AgencyRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, short_name, name, level, state FROM agencies
             WHERE ?1 IS NULL OR level = ?1 ORDER BY level, short_name",
        )?;
        let rows = stmt
            .query_map([level], |r| {
                Ok(AgencyRow {
                    id: r.get(0)?,
                    short_name: r.get(1)?,
                    name: r.get(2)?,
                    level: r.get(3)?,
                    state: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Civic articles: `(id, slug, English title)`.
    pub fn articles(&self) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id, slug, title FROM articles ORDER BY slug")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Sessions, newest first.
    pub fn sessions(&self) -> Result<Vec<SessionRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT s.id, s.title, s.date, s.venue, s.state, s.lga, s.total,
                    (SELECT count(*) FROM grievances g WHERE g.session_id = s.id)
             FROM sessions s ORDER BY s.date DESC, s.created_at DESC",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SessionRow {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    date: r.get(2)?,
                    venue: r.get(3)?,
                    state: r.get(4)?,
                    lga: r.get(5)?,
                    attendance: r.get(6)?,
                    grievances: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Ids of every grievance, oldest first (for export).
    pub fn grievance_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id FROM grievances ORDER BY created_at, id")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }
}

/// A directory line.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AgencyRow {
    /// Id.
    pub id: String,
    /// Short name.
    pub short_name: String,
    /// Full name.
    pub name: String,
    /// Level.
    pub level: String,
    /// State code for state bodies.
    pub state: Option<String>,
}

/// A session line.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SessionRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Date.
    pub date: String,
    /// Venue.
    pub venue: String,
    /// State code.
    pub state: String,
    /// LGA.
    pub lga: String,
    /// Attendance.
    pub attendance: u64,
    /// Cases captured there.
    pub grievances: u64,
}

/// Turn what a person typed into a safe FTS5 query: each word quoted, the last one a prefix.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect();
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == last {
                    format!("{w}*")
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_text_becomes_a_safe_query() {
        assert_eq!(
            fts_query("passport brib").as_deref(),
            Some("\"passport\" \"brib\"*")
        );
        assert_eq!(fts_query("\"AND OR( *").as_deref(), Some("\"AND\" \"OR\"*"));
        assert_eq!(fts_query("  ;; "), None);
    }
}
