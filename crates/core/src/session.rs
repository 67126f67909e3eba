//! Town-hall sessions: who came, which officials attended, what they promised.

use autosurgeon::{Hydrate, Reconcile};

use crate::clock::{Day, Timestamp};
use crate::grievance::Place;
use crate::ids::{AgencyId, EntryId, GrievanceId, SessionId};
use crate::lifecycle::Actor;
use crate::text_enum::text_enum;

/// Head counts.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Reconcile,
    Hydrate,
    serde::Serialize,
    serde::Deserialize,
    ts_rs::TS,
)]
pub struct Attendance {
    /// Everyone.
    pub total: u64,
    /// Women.
    pub women: u64,
    /// Men.
    pub men: u64,
    /// Persons with disabilities.
    pub pwd: u64,
}

/// A Government representative present.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, ts_rs::TS)]
pub struct Representative {
    /// Entry id.
    #[key]
    pub id: EntryId,
    /// Name.
    pub name: String,
    /// Office held.
    pub office: String,
    /// Agency, if in the directory.
    pub agency: Option<AgencyId>,
}

text_enum!(
    /// Where a commitment stands.
    CommitmentStatus, "commitment status", {
        /// Not yet due or not yet judged.
        Open => "open",
        /// Done.
        Kept => "kept",
        /// Partly done.
        PartlyKept => "partly_kept",
        /// Not done.
        Broken => "broken",
    }
);

/// A promise an official made at the session.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, ts_rs::TS)]
pub struct Commitment {
    /// Entry id.
    #[key]
    pub id: EntryId,
    /// The official who promised.
    pub official: String,
    /// Their office.
    pub office: String,
    /// Their agency, if in the directory.
    pub agency: Option<AgencyId>,
    /// What was promised.
    pub promise: String,
    /// By when.
    pub due: Option<Day>,
    /// Where it stands.
    pub status: CommitmentStatus,
    /// Recorded when.
    pub at: Timestamp,
    /// Recorded by.
    pub by: Actor,
    /// Each time its standing was judged, with the evidence, oldest first.
    #[autosurgeon(missing = "Vec::new")]
    pub updates: Vec<CommitmentUpdate>,
}

/// A judgement of a commitment's standing and what shows it.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, ts_rs::TS)]
pub struct CommitmentUpdate {
    /// Entry id.
    #[key]
    pub id: EntryId,
    /// The standing it was given.
    pub status: CommitmentStatus,
    /// What shows it (a visit, a photo, a letter).
    pub evidence: String,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: Actor,
}

/// A town-hall session (one Automerge document).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, ts_rs::TS)]
pub struct TownHallSession {
    /// Id.
    pub id: SessionId,
    /// Title.
    pub title: String,
    /// Day held.
    pub date: Day,
    /// Venue.
    pub venue: String,
    /// Where.
    pub place: Place,
    /// Organisers.
    pub organisers: Option<String>,
    /// Agenda.
    pub agenda: Option<String>,
    /// Minutes.
    pub minutes: Option<String>,
    /// Head counts.
    pub attendance: Attendance,
    /// Officials present.
    pub representatives: Vec<Representative>,
    /// Promises made.
    pub commitments: Vec<Commitment>,
    /// Cases captured at the session.
    pub grievances: Vec<GrievanceId>,
    /// When created.
    pub created_at: Timestamp,
    /// Who created it.
    pub created_by: Actor,
}

impl TownHallSession {
    /// Judge a commitment made at this session: kept, partly kept, broken (or open again), with
    /// what shows it. Every judgement is kept for the audit trail.
    pub fn update_commitment(
        &mut self,
        commitment: EntryId,
        status: CommitmentStatus,
        evidence: &str,
        stamp: crate::grievance::Stamp,
    ) -> crate::error::Result<()> {
        let evidence = crate::grievance::required_text("evidence", evidence, 2_000)?;
        let c = self
            .commitments
            .iter_mut()
            .find(|c| c.id == commitment)
            .ok_or_else(|| {
                crate::error::Error::invalid("commitment", "no such commitment at this session")
            })?;
        c.status = status;
        c.updates.push(CommitmentUpdate {
            id: stamp.id,
            status,
            evidence,
            at: stamp.at,
            by: stamp.by,
        });
        Ok(())
    }
}
