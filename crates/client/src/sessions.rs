//! Town-hall sessions: create, attendance, representatives, commitments, linked cases.

use citizens_core::clock::Day;
use citizens_core::geo::Lga;
use citizens_core::grievance::{clean, required_text, Grievance, Place, Stamp};
use citizens_core::ids::{EntryId, SessionId};
use citizens_core::session::{
    Attendance, Commitment, CommitmentStatus, Representative, TownHallSession,
};
use citizens_store::query::{Filter, GrievanceRow, SessionRow, Sort};
use serde::Deserialize;

use crate::{Client, Result};

/// The most paper forms issued at once (a town hall rarely fills more than a few hundred).
pub const MAX_FORMS: u32 = 500;

/// A new session as typed.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct SessionInput {
    /// Title.
    pub title: String,
    /// `YYYY-MM-DD` (default: today).
    pub date: Option<String>,
    /// Venue.
    pub venue: String,
    /// State.
    pub state: String,
    /// LGA.
    pub lga: String,
    /// Ward or community.
    pub ward: Option<String>,
    /// Organisers.
    pub organisers: Option<String>,
    /// Agenda.
    pub agenda: Option<String>,
}

/// A commitment as typed.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct CommitmentInput {
    /// Who promised.
    pub official: String,
    /// Their office.
    pub office: String,
    /// Their agency's short name.
    pub agency: Option<String>,
    /// What.
    pub promise: String,
    /// By when, `YYYY-MM-DD`.
    pub due: Option<String>,
}

impl Client {
    fn session_id(&self, key: &str) -> Result<SessionId> {
        Ok(SessionId::parse(key)?)
    }

    fn edit_session(
        &mut self,
        key: &str,
        edit: impl FnOnce(&mut TownHallSession, Stamp) -> citizens_core::error::Result<()>,
    ) -> Result<TownHallSession> {
        let id = self.session_id(key)?;
        self.with_writer(|ctx, w| {
            let stamp = ctx.stamp();
            let (session, ()) = w.edit(id.uuid(), &ctx.author, stamp.at, |s| edit(s, stamp))?;
            Ok(session)
        })
    }

    /// Start a session.
    pub fn create_session(&mut self, input: &SessionInput) -> Result<TownHallSession> {
        let title = required_text("title", &input.title, 200)?;
        let venue = required_text("venue", &input.venue, 200)?;
        let lga = Lga::parse(&input.state, &input.lga)?;
        let date = match clean(input.date.clone()) {
            Some(d) => Day::parse("date", &d)?,
            None => self.today(),
        };
        self.with_writer(|ctx, w| {
            let stamp = ctx.stamp();
            let session = TownHallSession {
                id: SessionId::generate(stamp.at, &mut ctx.rng),
                title,
                date,
                venue,
                place: Place::new(lga, input.ward.clone(), None, None),
                organisers: clean(input.organisers.clone()),
                agenda: clean(input.agenda.clone()),
                minutes: None,
                attendance: Attendance::default(),
                representatives: Vec::new(),
                commitments: Vec::new(),
                grievances: Vec::new(),
                created_at: stamp.at,
                created_by: stamp.by,
            };
            w.insert(session, &ctx.author, stamp.at)
        })
    }

    /// Record head counts.
    pub fn record_attendance(
        &mut self,
        key: &str,
        attendance: Attendance,
    ) -> Result<TownHallSession> {
        if attendance.women + attendance.men > attendance.total || attendance.pwd > attendance.total
        {
            return Err(citizens_core::Error::invalid(
                "attendance",
                "women plus men, and persons with disabilities, cannot be more than the total",
            )
            .into());
        }
        self.edit_session(key, |s, _| {
            s.attendance = attendance;
            Ok(())
        })
    }

    /// Add a Government representative who attended.
    pub fn add_representative(
        &mut self,
        key: &str,
        name: &str,
        office: &str,
        agency: Option<&str>,
    ) -> Result<TownHallSession> {
        let name = required_text("name", name, 200)?;
        let office = required_text("office", office, 200)?;
        let agency = agency.map(|a| self.agency_id(a)).transpose()?;
        self.edit_session(key, |s, stamp| {
            s.representatives.push(Representative {
                id: stamp.id,
                name,
                office,
                agency,
            });
            Ok(())
        })
    }

    /// Record a promise an official made.
    pub fn add_commitment(
        &mut self,
        key: &str,
        input: &CommitmentInput,
    ) -> Result<TownHallSession> {
        let official = required_text("official", &input.official, 200)?;
        let office = required_text("office", &input.office, 200)?;
        let promise = required_text("promise", &input.promise, 2_000)?;
        let agency = clean(input.agency.clone())
            .map(|a| self.agency_id(&a))
            .transpose()?;
        let due = clean(input.due.clone())
            .map(|d| Day::parse("due", &d))
            .transpose()?;
        self.edit_session(key, |s, stamp| {
            s.commitments.push(Commitment {
                id: stamp.id,
                official,
                office,
                agency,
                promise,
                due,
                status: CommitmentStatus::Open,
                at: stamp.at,
                by: stamp.by,
                updates: Vec::new(),
            });
            Ok(())
        })
    }

    /// Judge a commitment (`kept`, `partly_kept`, `broken`, or `open` again) with its evidence.
    pub fn update_commitment(
        &mut self,
        session_key: &str,
        commitment: &str,
        status: &str,
        evidence: &str,
    ) -> Result<TownHallSession> {
        let commitment = EntryId::parse(commitment)?;
        let status = CommitmentStatus::parse(status)?;
        self.edit_session(session_key, |s, stamp| {
            s.update_commitment(commitment, status, evidence, stamp)
        })
    }

    /// Open commitments past their due day, by agency then due day.
    pub fn overdue_commitments(&self) -> Result<Vec<citizens_store::query::CommitmentRow>> {
        Ok(self.store.overdue_commitments(&self.today_string())?)
    }

    /// Link a case to the session where it was raised.
    pub fn link_grievance(
        &mut self,
        session_key: &str,
        grievance_key: &str,
    ) -> Result<TownHallSession> {
        let session_id = self.session_id(session_key)?;
        let grievance_id = self.grievance_id(grievance_key)?;
        self.with_writer(|ctx, w| {
            let stamp = ctx.stamp();
            w.edit(
                grievance_id.uuid(),
                &ctx.author,
                stamp.at,
                |g: &mut Grievance| {
                    g.session = Some(session_id);
                    Ok(())
                },
            )?;
            let (session, ()) = w.edit(
                session_id.uuid(),
                &ctx.author,
                stamp.at,
                |s: &mut TownHallSession| {
                    if !s.grievances.contains(&grievance_id) {
                        s.grievances.push(grievance_id);
                    }
                    Ok(())
                },
            )?;
            Ok(session)
        })
    }

    /// A session and the cases captured there.
    pub fn session(&self, key: &str) -> Result<(TownHallSession, Vec<GrievanceRow>)> {
        let id = self.session_id(key)?;
        let session: TownHallSession = self.store.read(id.uuid())?;
        let filter = Filter {
            session_id: Some(id.to_string()),
            ..Filter::default()
        };
        let rows = self.store.list(&filter, Sort::Oldest, 0, 10_000)?.rows;
        Ok((session, rows))
    }

    /// Issue `count` paper complaint form numbers for printing (the town-hall kit), for the
    /// session `session` (its id) if given. The numbers carry this laptop's device code, so two
    /// laptops never issue the same one; paper capture then offers them.
    pub fn issue_forms(&mut self, count: u32, session: Option<&str>) -> Result<Vec<String>> {
        if !(1..=MAX_FORMS).contains(&count) {
            return Err(citizens_core::Error::invalid(
                "forms",
                format!("give between 1 and {MAX_FORMS} forms to print at a time, not {count}"),
            )
            .into());
        }
        let session = match session {
            Some(key) => {
                let id = self.session_id(key)?;
                self.store.read::<TownHallSession>(id.uuid())?;
                Some(id)
            }
            None => None,
        };
        let code = self.ctx.profile.device_code.clone();
        let now = self.ctx.clock.now().millis();
        Ok(self.store.issue_form_numbers(
            &code,
            count,
            session.map(|s| s.to_string()).as_deref(),
            now,
        )?)
    }

    /// Take back form numbers issued for a kit that was never printed.
    pub fn withdraw_forms(&mut self, numbers: &[String]) -> Result<()> {
        Ok(self.store.withdraw_form_numbers(numbers)?)
    }

    /// Form numbers this laptop issued that no case names yet, oldest first (paper capture
    /// offers them).
    pub fn unused_forms(&self) -> Result<Vec<String>> {
        Ok(self.store.unused_form_numbers()?)
    }

    /// Every promise `agency` made at a town hall, the latest due first.
    pub fn agency_commitments(
        &self,
        agency: &citizens_core::agency::Agency,
    ) -> Result<Vec<citizens_store::query::CommitmentRow>> {
        Ok(self.store.agency_commitments(&agency.id.to_string())?)
    }

    /// All sessions, newest first.
    pub fn sessions(&self) -> Result<Vec<SessionRow>> {
        Ok(self.store.sessions()?)
    }
}
