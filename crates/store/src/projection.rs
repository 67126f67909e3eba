//! Projections: the rows lists, filters and search read, derived from each record. Written in
//! the same transaction as the document, for local edits and merged changes alike.

use autosurgeon::{Hydrate, Reconcile};
use citizens_core::agency::Agency;
use citizens_core::article::CivicArticle;
use citizens_core::calendar::Calendar;
use citizens_core::clock::Day;
use citizens_core::geo;
use citizens_core::grievance::Grievance;
use citizens_core::lifecycle::Actor;
use citizens_core::milestones::Milestones;
use citizens_core::rulebook::Rulebook;
use citizens_core::session::TownHallSession;
use citizens_protocol::RecordKind;
use rusqlite::{params, Connection};
use uuid::Uuid;

use crate::{read_record, Error};

/// A record kept as an Automerge document with a projection.
pub trait Record: Reconcile + Hydrate + Sized {
    /// Its kind.
    const KIND: RecordKind;
    /// Its id.
    fn doc_id(&self) -> Uuid;
    /// Write its projection rows.
    fn project(&self, conn: &Connection) -> Result<(), Error>;
    /// Remember which actor is whom, where the record keeps an audit map.
    fn note_actor(&mut self, _actor_hex: &str, _who: &Actor) {}
}

impl Record for Grievance {
    const KIND: RecordKind = RecordKind::Grievance;

    fn doc_id(&self) -> Uuid {
        self.id.uuid()
    }

    fn note_actor(&mut self, actor_hex: &str, who: &Actor) {
        Grievance::note_actor(self, actor_hex, who);
    }

    fn project(&self, conn: &Connection) -> Result<(), Error> {
        let status = self.status();
        let open = status.current.awaits_action();
        let sla_step = match (self.agency, open) {
            (Some(agency), true) => read_record::<Agency>(conn, agency.uuid())
                .ok()
                .and_then(|a| self.sla_step(&a)),
            _ => None,
        };
        let sla_due = match sla_step {
            Some((since, days)) => calendar(conn)?
                .add_working_days(since.date(), days)
                .map(|d| d.to_string()),
            None => None,
        };
        let updated_at = self.updated_at();
        let reference = shown_reference(conn, self)?;
        let milestones = Milestones::of(self);
        let day = |d: Option<Day>| d.map(|d| d.to_string());
        conn.prepare_cached(
            "INSERT INTO grievances (id, reference, kind, category, subcategory, agency_id, state, lga,
                 ward, title, status, conflict, priority, assignee, session_id, form_number, channel,
                 occurred_on, created_at, updated_at, sla_due, sealed, anonymous, created_by,
                 sla_start, sla_days, duplicate_of, merged_into, doc_reference, forwarded_on,
                 acknowledged_on, answered_on, resolved_on, escalations, reopened, gender, age_band,
                 disability, intake, acknowledged_by_agency)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35,
                 ?36, ?37, ?38, ?39, ?40)
             ON CONFLICT (id) DO UPDATE SET reference = excluded.reference, kind = excluded.kind,
                 category = excluded.category, subcategory = excluded.subcategory,
                 agency_id = excluded.agency_id, state = excluded.state, lga = excluded.lga,
                 ward = excluded.ward, title = excluded.title, status = excluded.status,
                 conflict = excluded.conflict, priority = excluded.priority,
                 assignee = excluded.assignee, session_id = excluded.session_id,
                 form_number = excluded.form_number, channel = excluded.channel,
                 occurred_on = excluded.occurred_on, updated_at = excluded.updated_at,
                 sla_due = excluded.sla_due, sealed = excluded.sealed, anonymous = excluded.anonymous,
                 sla_start = excluded.sla_start, sla_days = excluded.sla_days,
                 duplicate_of = excluded.duplicate_of, merged_into = excluded.merged_into,
                 doc_reference = excluded.doc_reference, forwarded_on = excluded.forwarded_on,
                 acknowledged_on = excluded.acknowledged_on, answered_on = excluded.answered_on,
                 resolved_on = excluded.resolved_on, escalations = excluded.escalations,
                 reopened = excluded.reopened, gender = excluded.gender,
                 age_band = excluded.age_band, disability = excluded.disability,
                 intake = excluded.intake,
                 acknowledged_by_agency = excluded.acknowledged_by_agency",
        )?
        .execute(params![
                self.id.to_string(),
                reference,
                self.kind.as_str(),
                self.category,
                self.subcategory,
                self.agency.map(|a| a.to_string()),
                self.place.state,
                self.place.lga,
                self.place.ward,
                self.title,
                status.current.as_str(),
                !status.conflict.is_empty(),
                self.priority.as_str(),
                self.assignee,
                self.session.map(|s| s.to_string()),
                self.form_number,
                self.channel.as_str(),
                self.occurred_on.map(|d| d.to_string()),
                self.created_at.millis(),
                updated_at.millis(),
                sla_due,
                self.reporter.sealed.is_some(),
                self.reporter.anonymous,
                self.created_by.user,
                sla_step.map(|(since, _)| since.to_string()),
                sla_step.map(|(_, days)| days),
                self.duplicate_of.map(|d| d.to_string()),
                self.merged_into.map(|d| d.to_string()),
                self.reference,
                day(milestones.forwarded_on),
                day(milestones.acknowledged_on),
                day(milestones.answered_on),
                day(milestones.resolved_on),
                milestones.escalations,
                milestones.reopened,
                self.reporter.gender.map(|g| g.as_str()),
                self.reporter.age_band.map(|a| a.as_str()),
                self.reporter.disability,
                self.intake.map(|i| i.as_str()),
                milestones.acknowledged_by_agency,
        ])?;
        crate::duplicates::project(conn, self)?;
        conn.execute(
            "DELETE FROM case_attachments WHERE doc_id = ?1",
            [self.id.to_string()],
        )?;
        for a in &self.attachments {
            conn.execute(
                "INSERT OR IGNORE INTO case_attachments (sha256, doc_id) VALUES (?1, ?2)",
                params![a.sha256, self.id.to_string()],
            )?;
        }
        let rowid: i64 = conn.query_row(
            "SELECT rowid FROM grievances WHERE id = ?1",
            [self.id.to_string()],
            |r| r.get(0),
        )?;
        let state_name = geo::state(&self.place.state).map_or("", |s| s.name);
        let place = [
            Some(state_name),
            Some(self.place.lga.as_str()),
            self.place.ward.as_deref(),
            self.place.address.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let notes = self.notes().collect::<Vec<_>>().join("\n");
        conn.execute("DELETE FROM grievance_fts WHERE rowid = ?1", [rowid])?;
        conn.execute(
            "INSERT INTO grievance_fts (rowid, reference, title, narrative, place, notes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![rowid, reference, self.title, self.narrative, place, notes],
        )?;
        Ok(())
    }
}

/// The reference a case is shown and found by. Two cases may carry the same code (two laptops
/// drew the same device code before enrolment); then each shows it followed by the last four
/// characters of its own id — the same on every laptop, whichever arrived first — and the
/// earlier one is renamed here too.
fn shown_reference(conn: &Connection, g: &Grievance) -> Result<String, Error> {
    let id = g.id.to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT g.id, g.rowid FROM grievances g WHERE g.doc_reference = ?1 AND g.id != ?2",
    )?;
    let others = stmt
        .query_map(params![g.reference, id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if others.is_empty() {
        return Ok(g.reference.clone());
    }
    let marked = |id: &str| format!("{}~{}", g.reference, id[id.len() - 4..].to_uppercase());
    for (other, rowid) in &others {
        let shown = marked(other);
        conn.execute(
            "UPDATE grievances SET reference = ?1 WHERE id = ?2",
            params![shown, other],
        )?;
        conn.execute(
            "UPDATE grievance_fts SET reference = ?1 WHERE rowid = ?2",
            params![shown, rowid],
        )?;
    }
    Ok(marked(&id))
}

impl Record for TownHallSession {
    const KIND: RecordKind = RecordKind::Session;

    fn doc_id(&self) -> Uuid {
        self.id.uuid()
    }

    fn project(&self, conn: &Connection) -> Result<(), Error> {
        let a = self.attendance;
        conn.execute(
            "INSERT INTO sessions (id, title, date, venue, state, lga, total, women, men, pwd, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, date = excluded.date,
                 venue = excluded.venue, state = excluded.state, lga = excluded.lga,
                 total = excluded.total, women = excluded.women, men = excluded.men, pwd = excluded.pwd",
            params![
                self.id.to_string(),
                self.title,
                self.date.to_string(),
                self.venue,
                self.place.state,
                self.place.lga,
                a.total,
                a.women,
                a.men,
                a.pwd,
                self.created_at.millis()
            ],
        )?;
        conn.execute(
            "DELETE FROM commitments WHERE session_id = ?1",
            [self.id.to_string()],
        )?;
        for c in &self.commitments {
            conn.execute(
                "INSERT INTO commitments (id, session_id, official, office, agency_id, promise, due, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    c.id.to_string(),
                    self.id.to_string(),
                    c.official,
                    c.office,
                    c.agency.map(|a| a.to_string()),
                    c.promise,
                    c.due.map(|d| d.to_string()),
                    c.status.as_str()
                ],
            )?;
        }
        Ok(())
    }
}

impl Record for Agency {
    const KIND: RecordKind = RecordKind::Agency;

    fn doc_id(&self) -> Uuid {
        self.id.uuid()
    }

    fn project(&self, conn: &Connection) -> Result<(), Error> {
        conn.execute(
            "INSERT INTO agencies (id, short_name, name, level, state, categories)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET short_name = excluded.short_name, name = excluded.name,
                 level = excluded.level, state = excluded.state, categories = excluded.categories",
            params![
                self.id.to_string(),
                self.short_name,
                self.name,
                self.level.as_str(),
                self.state,
                self.categories.join(",")
            ],
        )?;
        Ok(())
    }
}

/// The working-day calendar from the projected holidays.
pub(crate) fn calendar(conn: &Connection) -> Result<Calendar, Error> {
    let mut stmt = conn.prepare_cached("SELECT day FROM holidays")?;
    let days = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Calendar::new(
        days.iter()
            .filter_map(|d| Day::parse("holiday", d).ok())
            .map(Day::date),
    ))
}

impl Record for Rulebook {
    const KIND: RecordKind = RecordKind::Rulebook;

    fn doc_id(&self) -> Uuid {
        self.id
    }

    /// Project the holidays and, when the days changed (not only a name or a routing rule),
    /// recount every open case's due date by them.
    fn project(&self, conn: &Connection) -> Result<(), Error> {
        let before = calendar(conn)?;
        conn.execute("DELETE FROM holidays", [])?;
        for (day, name) in &self.holidays {
            conn.execute(
                "INSERT INTO holidays (day, name) VALUES (?1, ?2)",
                params![day, name],
            )?;
        }
        let calendar = self.calendar();
        if calendar == before {
            return Ok(());
        }
        let mut stmt = conn.prepare(
            "SELECT id, sla_start, sla_days FROM grievances WHERE sla_start IS NOT NULL",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut update = conn.prepare("UPDATE grievances SET sla_due = ?2 WHERE id = ?1")?;
        for (id, since, days) in rows {
            let due = Day::parse("sla start", &since)
                .ok()
                .and_then(|d| calendar.add_working_days(d.date(), days))
                .map(|d| d.to_string());
            update.execute(params![id, due])?;
        }
        Ok(())
    }
}

impl Record for CivicArticle {
    const KIND: RecordKind = RecordKind::Article;

    fn doc_id(&self) -> Uuid {
        self.id.uuid()
    }

    fn project(&self, conn: &Connection) -> Result<(), Error> {
        let (title, _) = self.localized("en");
        conn.execute(
            "INSERT INTO articles (id, slug, title) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, title = excluded.title",
            params![self.id.to_string(), self.slug, title],
        )?;
        Ok(())
    }
}
