//! The grievance (case): captured once, then worked through its lifecycle by appending to
//! its history and timeline. Every change is stamped with who and when.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use crate::agency::Agency;
use crate::calendar::Calendar;
use crate::clock::{Day, Timestamp};
use crate::error::{Error, Result};
use crate::geo::Lga;
use crate::ids::{AgencyId, EntryId, GrievanceId, SessionId};
use crate::lifecycle::{self, Actor, Status, StatusChange, StatusView};
use crate::text_enum::text_enum;

text_enum!(
    /// What sort of grievance.
    Kind, "kind", {
        /// Poor or denied service.
        Complaint => "complaint",
        /// Bribery, extortion, abuse of office. The reporter's identity is always sealed.
        CorruptionReport => "corruption_report",
        /// A suggestion or feedback.
        Feedback => "feedback",
        /// A question about a service.
        Inquiry => "inquiry",
        /// Praise for good service.
        Commendation => "commendation",
    }
);

text_enum!(
    /// How the grievance reached us.
    Channel, "channel", {
        /// Said at a town-hall meeting.
        TownHall => "town_hall",
        /// Written on a paper complaint form.
        PaperForm => "paper_form",
        /// Walked into an office.
        WalkIn => "walk_in",
        /// Phoned in.
        Phone => "phone",
        /// Sent by SMS.
        Sms => "sms",
        /// Posted on social media.
        SocialMedia => "social_media",
        /// Sent through the organisation's website.
        Web => "web",
        /// Raised on a radio programme.
        Radio => "radio",
        /// Anything else.
        Other => "other",
    }
);

text_enum!(
    /// How the organisation's public face (the server) took a case in, with no volunteer:
    /// such a case waits in the laptops' triage queue until someone accepts, merges or
    /// rejects it.
    Intake, "intake", {
        /// The report page.
        Web => "web",
        /// An SMS (Africa's Talking, Twilio).
        Sms => "sms",
        /// A WhatsApp message.
        WhatsApp => "whatsapp",
        /// An Open311 client.
        Open311 => "open311",
    }
);

text_enum!(
    /// How urgent.
    Priority, "priority", {
        /// Can wait.
        Low => "low",
        /// The default.
        Normal => "normal",
        /// Soon.
        High => "high",
        /// Life, liberty or livelihood at stake.
        Urgent => "urgent",
    }
);

text_enum!(
    /// Reporter's gender, if they say.
    Gender, "gender", {
        /// Female.
        Female => "female",
        /// Male.
        Male => "male",
        /// Prefers not to say or other.
        Other => "other",
    }
);

text_enum!(
    /// Reporter's age band, if they say.
    AgeBand, "age band", {
        /// Under 18.
        Under18 => "under_18",
        /// 18–35.
        From18To35 => "18_35",
        /// 36–60.
        From36To60 => "36_60",
        /// Over 60.
        Over60 => "over_60",
    }
);

text_enum!(
    /// How a case was sent to an agency.
    ForwardChannel, "forwarding channel", {
        /// A letter delivered by hand or post.
        Letter => "letter",
        /// E-mail.
        Email => "email",
        /// An in-person visit.
        Visit => "visit",
        /// A phone call.
        Phone => "phone",
        /// The agency's own complaints portal.
        Portal => "portal",
    }
);

/// GPS position.
#[derive(Debug, Clone, Copy, PartialEq, Reconcile, Hydrate, serde::Serialize, ts_rs::TS)]
pub struct Gps {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// Where it happened.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, ts_rs::TS)]
pub struct Place {
    /// State code, e.g. `KN`.
    pub state: String,
    /// LGA, official spelling.
    pub lga: String,
    /// Ward or community.
    pub ward: Option<String>,
    /// Free-text address.
    pub address: Option<String>,
    /// Optional GPS.
    pub gps: Option<Gps>,
}

impl Place {
    /// A place from a checked LGA.
    pub fn new(lga: Lga, ward: Option<String>, address: Option<String>, gps: Option<Gps>) -> Self {
        Place {
            state: lga.state.code.to_string(),
            lga: lga.name.to_string(),
            ward: clean(ward),
            address: clean(address),
            gps,
        }
    }
}

/// The person who reported it. Name and phone are either open, sealed, or absent (anonymous).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Reporter {
    /// Name (only when not sealed).
    pub name: Option<String>,
    /// Phone, E.164 (only when not sealed).
    pub phone: Option<String>,
    /// Name and phone sealed to the organisation key (base64), when sealed.
    pub sealed: Option<String>,
    /// Gender, if given.
    pub gender: Option<Gender>,
    /// Age band, if given.
    pub age_band: Option<AgeBand>,
    /// Lives with a disability, if given.
    pub disability: Option<bool>,
    /// The reporter chose to stay anonymous: no name or phone kept at all.
    pub anonymous: bool,
}

/// Consent under the NDPA 2023, recorded at capture.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Consent {
    /// The purpose of collecting the data was explained to the citizen.
    pub purpose_explained: bool,
    /// The case may be shared with the agency responsible.
    pub share_with_agency: bool,
    /// The citizen may be contacted about the case.
    pub may_contact: bool,
    /// Who recorded the consent.
    pub recorded_by: Actor,
    /// When.
    pub recorded_at: Timestamp,
}

/// Something that happened to a case (apart from status changes, which have their own history).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub enum Event {
    /// A note by a case worker.
    Note {
        /// The text.
        text: String,
    },
    /// Sent to an agency.
    Forwarded {
        /// The agency.
        agency: AgencyId,
        /// The office or desk it went to.
        office: String,
        /// How.
        channel: ForwardChannel,
        /// The agency's or our reference number.
        reference: Option<String>,
        /// The day it was sent.
        on: Day,
    },
    /// The agency answered.
    AgencyReply {
        /// What they said.
        summary: String,
        /// Their reference.
        reference: Option<String>,
        /// The day of the reply.
        on: Day,
    },
    /// Moved up the agency's escalation ladder.
    Escalated {
        /// The ladder step now responsible (0 = first office).
        step: u64,
        /// That office.
        office: String,
        /// Why.
        reason: String,
    },
    /// Assigned to a case worker (or unassigned).
    Assigned {
        /// The case worker.
        to: Option<String>,
    },
    /// The agency confirmed it received the case.
    Acknowledged {
        /// The day of the acknowledgement.
        on: Day,
        /// The agency's reference for it.
        reference: Option<String>,
    },
    /// Marked as the same grievance as another case (on both cases).
    Linked {
        /// The other case.
        other: GrievanceId,
        /// Its reference code.
        reference: String,
        /// Folded into one case rather than only cross-referenced.
        merged: bool,
        /// This is the case kept (the other is the duplicate).
        original: bool,
    },
    /// A duplicate link or merge undone (on both cases).
    Unlinked {
        /// The other case.
        other: GrievanceId,
        /// Its reference code.
        reference: String,
    },
    /// The citizen was called back after the case was resolved.
    CalledBack {
        /// The citizen confirms the problem is solved.
        confirmed: bool,
        /// What the citizen said.
        note: String,
    },
    /// A question for the reporter, who reads it with their receipt on the public tracking
    /// page (never who asked) and answers there.
    QuestionForReporter {
        /// The question.
        text: String,
    },
    /// The agency declined the case as outside its mandate (on the agency desk): the
    /// organisation routes it again.
    AgencyDeclined {
        /// Why, in the officer's words.
        reason: String,
        /// The agency the officer says is responsible, if they know.
        suggested: Option<String>,
    },
    /// The organisation kept the case off the agency's desk, or put it back: the agency then
    /// learns of it only by letter (a corruption report about the agency's own staff).
    AgencyDesk {
        /// Shown on the agency's desk.
        shared: bool,
    },
    /// A coordinator opened the sealed reporter identity (who and when are the entry's).
    IdentityOpened,
    /// A coordinator opened a sealed attachment (a form photo carries handwritten names).
    SealedFileOpened {
        /// The attachment's file name.
        file: String,
    },
}

/// A stamped timeline entry.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct TimelineEvent {
    /// Unique entry id.
    #[key]
    pub id: EntryId,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: Actor,
    /// What.
    pub event: Event,
}

/// A file attached to a case, by content hash.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, ts_rs::TS)]
pub struct Attachment {
    /// SHA-256 of the content, hex.
    #[key]
    pub sha256: String,
    /// Original file name (display only; never used as a path).
    pub file_name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// When added.
    pub added_at: Timestamp,
    /// Who added it.
    pub by: Actor,
}

/// The grievance record (one Automerge document).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Grievance {
    /// Id.
    pub id: GrievanceId,
    /// Human reference code, e.g. `KN-7QK-0042`.
    pub reference: String,
    /// Kind.
    pub kind: Kind,
    /// Category slug.
    pub category: String,
    /// Subcategory slug.
    pub subcategory: Option<String>,
    /// Agency responsible.
    pub agency: Option<AgencyId>,
    /// Why that agency.
    pub routing_reason: Option<String>,
    /// Where.
    pub place: Place,
    /// Short title.
    pub title: String,
    /// The citizen's account.
    pub narrative: String,
    /// When it happened.
    pub occurred_on: Option<Day>,
    /// How it reached us.
    pub channel: Channel,
    /// Taken in by the public face (none: captured by a volunteer).
    pub intake: Option<Intake>,
    /// Who reported it.
    pub reporter: Reporter,
    /// Consent record.
    pub consent: Consent,
    /// Priority.
    pub priority: Priority,
    /// Case worker.
    pub assignee: Option<String>,
    /// Town-hall session where it was captured.
    pub session: Option<SessionId>,
    /// Paper form number.
    pub form_number: Option<String>,
    /// The case this one duplicates.
    pub duplicate_of: Option<GrievanceId>,
    /// The case this one was merged into (its timeline and reporter stay here, shown there).
    pub merged_into: Option<GrievanceId>,
    /// When captured.
    pub created_at: Timestamp,
    /// Who captured it.
    pub created_by: Actor,
    /// Append-only status history.
    pub status_history: Vec<StatusChange>,
    /// Append-only timeline: notes, forwarding, replies, escalations, assignments.
    pub timeline: Vec<TimelineEvent>,
    /// Append-only attachments.
    pub attachments: Vec<Attachment>,
    /// Automerge actor id (hex) → who, for the audit trail.
    pub actors: BTreeMap<String, Actor>,
}

/// Who, when and the new entry's id: what every change is stamped with.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// New entry id.
    pub id: EntryId,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: Actor,
}

/// Trim; empty becomes `None`.
pub fn clean(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Check a required free-text field's length.
pub fn required_text(field: &'static str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if text.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    Ok(text.to_string())
}

impl Grievance {
    /// The status, derived from the history.
    pub fn status(&self) -> StatusView {
        lifecycle::derive(&self.status_history)
    }

    /// When anything last happened to it: its latest status change or timeline entry.
    pub fn updated_at(&self) -> Timestamp {
        self.status_history
            .iter()
            .map(|c| c.at)
            .chain(self.timeline.iter().map(|e| e.at))
            .max()
            .unwrap_or(self.created_at)
    }

    /// Change the status along an allowed transition.
    pub fn change_status(
        &mut self,
        to: Status,
        reason: Option<String>,
        stamp: Stamp,
    ) -> Result<()> {
        let view = self.status();
        view.check_change(to)?;
        self.push_status(view, to, reason, stamp);
        Ok(())
    }

    /// Settle a status conflict between devices.
    pub fn settle_status(
        &mut self,
        to: Status,
        reason: Option<String>,
        stamp: Stamp,
    ) -> Result<()> {
        let view = self.status();
        view.check_settle(to)?;
        self.push_status(view, to, reason, stamp);
        Ok(())
    }

    fn push_status(&mut self, view: StatusView, to: Status, reason: Option<String>, stamp: Stamp) {
        self.status_history.push(StatusChange {
            id: stamp.id,
            after: view.tips,
            to,
            at: stamp.at,
            by: stamp.by,
            reason: clean(reason),
        });
    }

    /// Append a timeline event.
    pub fn record(&mut self, event: Event, stamp: Stamp) {
        self.timeline.push(TimelineEvent {
            id: stamp.id,
            at: stamp.at,
            by: stamp.by,
            event,
        });
    }

    /// The office now holding the case: (ladder step, the day its clock started) — the day a
    /// forwarding says it was sent, or the day of the latest escalation.
    pub fn ladder_position(&self) -> Option<(u64, Day)> {
        self.timeline
            .iter()
            .filter_map(|e| match &e.event {
                Event::Forwarded { on, .. } => Some((e.at, 0, *on)),
                Event::Escalated { step, .. } => Some((e.at, *step, Day::from_date(e.at.date()))),
                _ => None,
            })
            .max_by_key(|(at, _, _)| *at)
            .map(|(_, step, since)| (step, since))
    }

    /// The office on `agency`'s ladder now holding the case: where it was forwarded, or the
    /// step it was last escalated to.
    pub fn current_office<'a>(&self, agency: &'a Agency) -> Option<&'a str> {
        let (step, _) = self.ladder_position()?;
        let step = usize::try_from(step).ok()?;
        agency.ladder.get(step).map(|s| s.office.as_str())
    }

    /// Route a new case to the agency responsible, keeping why: it becomes `triaged`.
    pub fn route(&mut self, agency: AgencyId, reason: String, stamp: Stamp) -> Result<()> {
        if self.status().current != Status::New {
            return Err(Error::invalid(
                "routing",
                "only new cases are routed; forward this one instead",
            ));
        }
        self.agency = Some(agency);
        self.routing_reason = Some(reason.clone());
        self.change_status(Status::Triaged, Some(reason), stamp)
    }

    /// Record the call-back to the citizen once the case is resolved: a confirmation closes it;
    /// "not resolved" reopens it (in progress) with the citizen's words as the reason.
    pub fn call_back(
        &mut self,
        confirmed: bool,
        note: &str,
        mut stamp: impl FnMut() -> Stamp,
    ) -> Result<()> {
        let note = required_text("what the citizen said", note, 2_000)?;
        if self.status().current != Status::Resolved {
            return Err(Error::invalid(
                "call-back",
                "call the citizen back once the case is resolved",
            ));
        }
        self.record(
            Event::CalledBack {
                confirmed,
                note: note.clone(),
            },
            stamp(),
        );
        let to = if confirmed {
            Status::Closed
        } else {
            Status::InProgress
        };
        self.change_status(to, Some(note), stamp())
    }

    /// Ask the reporter a question they read with their receipt on the public tracking page:
    /// only a report that came through the public face (web, SMS, WhatsApp, Open311) has a
    /// receipt. The words are shown to whoever holds it, so they are checked as the public
    /// face's own: no control characters, at most 1,000 characters.
    pub fn ask_reporter(&mut self, text: &str, stamp: Stamp) -> Result<()> {
        let text = required_text("question", text, 1_000)?;
        crate::text::refuse_controls("question", &text, true)?;
        if self.intake.is_none() {
            return Err(Error::invalid(
                "question",
                "only a report from the public pages, SMS or WhatsApp has a receipt to read a question with: phone or visit this reporter instead",
            ));
        }
        self.record(Event::QuestionForReporter { text }, stamp);
        Ok(())
    }

    /// The questions asked of the reporter, oldest first.
    pub fn questions_for_reporter(&self) -> impl Iterator<Item = &str> {
        self.timeline.iter().filter_map(|e| match &e.event {
            Event::QuestionForReporter { text } => Some(text.as_str()),
            _ => None,
        })
    }

    /// Move the case one office up its agency's ladder.
    pub fn escalate(&mut self, agency: &Agency, reason: &str, stamp: Stamp) -> Result<()> {
        let reason = required_text("reason", reason, 2_000)?;
        if self.agency != Some(agency.id) {
            return Err(Error::invalid(
                "agency",
                "escalate along the ladder of the agency the case was forwarded to",
            ));
        }
        let Some((step, _)) = self.ladder_position() else {
            return Err(Error::invalid(
                "escalation",
                "forward the case to the agency before escalating it",
            ));
        };
        if self.status().current.is_terminal() {
            return Err(Error::invalid(
                "escalation",
                "this case is finished; reopen it before escalating",
            ));
        }
        let next = step + 1;
        let office = agency
            .ladder
            .get(usize::try_from(next).unwrap_or(usize::MAX))
            .ok_or_else(|| {
                Error::invalid(
                    "escalation",
                    format!(
                        "the case is already with the top of {}'s ladder ({})",
                        agency.short_name,
                        agency.ladder.last().map_or("", |s| s.office.as_str())
                    ),
                )
            })?;
        self.record(
            Event::Escalated {
                step: next,
                office: office.office.clone(),
                reason,
            },
            stamp,
        );
        Ok(())
    }

    /// The office now holding the case: the day its time started and the working days it has.
    pub fn sla_step(&self, agency: &Agency) -> Option<(Day, u32)> {
        let (step, since) = self.ladder_position()?;
        let days = agency.ladder.get(usize::try_from(step).ok()?)?.sla_days;
        Some((since, u32::try_from(days).ok()?))
    }

    /// When the office now holding the case is due to answer: its ladder's SLA in working days.
    pub fn sla_due(&self, agency: &Agency, calendar: &Calendar) -> Option<Day> {
        let (since, days) = self.sla_step(agency)?;
        calendar
            .add_working_days(since.date(), days)
            .map(Day::from_date)
    }

    /// Mark this case as the same grievance as `original`: linked (both stay open,
    /// cross-referenced) or merged (this one becomes `duplicate` and is folded into the
    /// original, which shows its reporter, consent and timeline; nothing is deleted, so it can
    /// be undone).
    pub fn mark_duplicate_of(
        &mut self,
        original: &Grievance,
        merge: bool,
        mut stamp: impl FnMut() -> Stamp,
    ) -> Result<()> {
        let problem = if original.id == self.id {
            Some("a case cannot be a duplicate of itself".to_string())
        } else if self.duplicate_of.is_some() {
            Some(format!(
                "{} is already marked as a duplicate; undo that first",
                self.reference
            ))
        } else if original.duplicate_of.is_some() {
            Some(format!(
                "{} is itself a duplicate; link to the case it duplicates",
                original.reference
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Error::invalid("duplicate", problem));
        }
        let view = self.status();
        if merge {
            view.check_change(Status::Duplicate)?;
        }
        self.duplicate_of = Some(original.id);
        self.merged_into = merge.then_some(original.id);
        self.record(
            Event::Linked {
                other: original.id,
                reference: original.reference.clone(),
                merged: merge,
                original: false,
            },
            stamp(),
        );
        if merge {
            let reason = format!("merged into {}", original.reference);
            self.push_status(view, Status::Duplicate, Some(reason), stamp());
        }
        Ok(())
    }

    /// The kept case's side of [`Grievance::mark_duplicate_of`].
    pub fn note_duplicate(&mut self, copy: &Grievance, stamp: Stamp) {
        self.record(
            Event::Linked {
                other: copy.id,
                reference: copy.reference.clone(),
                merged: copy.merged_into == Some(self.id),
                original: true,
            },
            stamp,
        );
    }

    /// Undo a duplicate link or merge on this (the duplicate) case; a merged case gets back
    /// the status it had before.
    pub fn undo_duplicate(
        &mut self,
        original: &Grievance,
        mut stamp: impl FnMut() -> Stamp,
    ) -> Result<()> {
        if self.duplicate_of != Some(original.id) {
            return Err(Error::invalid(
                "duplicate",
                format!("{} is not marked as a duplicate", self.reference),
            ));
        }
        let view = self.status();
        let restore = (self.merged_into.is_some() && view.current == Status::Duplicate)
            .then(|| self.status_before_duplicate());
        self.duplicate_of = None;
        self.merged_into = None;
        self.record(
            Event::Unlinked {
                other: original.id,
                reference: original.reference.clone(),
            },
            stamp(),
        );
        if let Some(to) = restore {
            let reason = format!("merge into {} undone", original.reference);
            self.push_status(view, to, Some(reason), stamp());
        }
        Ok(())
    }

    /// The status the case had when it was last marked `duplicate` (triaged if unknown).
    fn status_before_duplicate(&self) -> Status {
        self.status_history
            .iter()
            .rev()
            .find(|c| c.to == Status::Duplicate)
            .and_then(|c| self.status_history.iter().find(|p| c.after.contains(&p.id)))
            .map_or(Status::Triaged, |p| p.to)
    }

    /// The kept case's side of [`Grievance::undo_duplicate`].
    pub fn note_unlinked(&mut self, copy: &Grievance, stamp: Stamp) {
        self.record(
            Event::Unlinked {
                other: copy.id,
                reference: copy.reference.clone(),
            },
            stamp,
        );
    }

    /// Remember which Automerge actor is whom (for the audit trail).
    pub fn note_actor(&mut self, actor_hex: &str, who: &Actor) {
        self.actors
            .entry(actor_hex.to_string())
            .or_insert_with(|| who.clone());
    }

    /// Notes' text, oldest first.
    pub fn notes(&self) -> impl Iterator<Item = &str> {
        self.timeline.iter().filter_map(|e| match &e.event {
            Event::Note { text } => Some(text.as_str()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agency::{LadderStep, Level};
    use crate::capture::{GrievanceInput, Links};
    use crate::identity::OrgSecretKey;
    use crate::ids::seed_uuid;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn who() -> Actor {
        Actor {
            user: "Ngozi Eze".into(),
            device: "enugu-laptop".into(),
            agency: None,
        }
    }

    fn stamp(rng: &mut StdRng, millis: i64) -> Stamp {
        let at = Timestamp::from_millis(millis);
        Stamp {
            id: EntryId::generate(at, rng),
            at,
            by: who(),
        }
    }

    fn agency() -> Agency {
        Agency {
            id: AgencyId::from_uuid(seed_uuid("agency", "TEST")),
            short_name: "NIS".into(),
            name: "Nigeria Immigration Service".into(),
            level: Level::Federal,
            parent: None,
            state: None,
            mandate: String::new(),
            categories: vec!["passports".into()],
            services: Vec::new(),
            contacts: Vec::new(),
            ladder: vec![
                LadderStep {
                    office: "Passport Control Officer".into(),
                    sla_days: 7,
                },
                LadderStep {
                    office: "State Comptroller".into(),
                    sla_days: 14,
                },
                LadderStep {
                    office: "Comptroller-General".into(),
                    sla_days: 21,
                },
            ],
        }
    }

    fn case(rng: &mut StdRng, kind: Kind) -> Grievance {
        let org = OrgSecretKey::generate(rng).public_key();
        let input = GrievanceInput {
            kind: kind.as_str().into(),
            category: "passports".into(),
            state: "Enugu".into(),
            lga: "Enugu North".into(),
            title: "  Passport delayed  ".into(),
            narrative: "Captured in March, nothing since.".into(),
            channel: Some("walk_in".into()),
            reporter_name: Some("Chioma Nwosu".into()),
            reporter_phone: Some("0806 555 0123".into()),
            consent_purpose_explained: true,
            consent_share_with_agency: true,
            consent_may_contact: true,
            form_number: Some(" ".into()),
            ..GrievanceInput::default()
        };
        let st = stamp(rng, 0);
        let mut case =
            Grievance::capture(&input, Links::default(), st, &org, rng).expect("capture");
        case.reference = "EN-7QK-0001".into();
        case
    }

    const DAY: i64 = 86_400_000;

    #[test]
    fn only_a_report_from_the_public_face_can_ask_its_reporter() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut case = case(&mut rng, Kind::Complaint);
        let asked = case.ask_reporter("Which office?", stamp(&mut rng, DAY));
        assert_eq!(
            asked.expect_err("no receipt").to_string(),
            "question: only a report from the public pages, SMS or WhatsApp has a receipt to read a question with: phone or visit this reporter instead"
        );
        case.intake = Some(Intake::Sms);
        for (text, why) in [
            ("  ", "question: is required"),
            ("Clear \u{1b}[2J", "question: holds an invisible control character (character 7 of the text); type it again without it"),
        ] {
            let refused = case.ask_reporter(text, stamp(&mut rng, DAY));
            assert_eq!(refused.expect_err(text).to_string(), why);
        }
        case.ask_reporter(" Which office?\nWhich day? ", stamp(&mut rng, DAY))
            .expect("asked");
        assert_eq!(
            case.questions_for_reporter().collect::<Vec<_>>(),
            ["Which office?\nWhich day?"]
        );
    }

    #[test]
    fn capture_trims_text_and_seals_only_what_it_must() {
        let mut rng = StdRng::seed_from_u64(1);
        let complaint = case(&mut rng, Kind::Complaint);
        assert_eq!(complaint.title, "Passport delayed");
        assert_eq!(complaint.form_number, None);
        assert_eq!(complaint.reporter.name.as_deref(), Some("Chioma Nwosu"));
        assert_eq!(complaint.status().current, Status::New);
        let report = case(&mut rng, Kind::CorruptionReport);
        assert!(report.reporter.name.is_none() && report.reporter.phone.is_none());
        assert!(report.reporter.sealed.is_some());
    }

    #[test]
    fn the_call_back_closes_a_confirmed_case_and_reopens_one_that_is_not_resolved() {
        let mut rng = StdRng::seed_from_u64(5);
        let mut g = case(&mut rng, Kind::Complaint);
        let mut at = 0;
        let mut next = |rng: &mut StdRng| {
            at += DAY;
            stamp(rng, at)
        };
        let early = g.call_back(true, "fine now", || next(&mut rng));
        assert!(early.is_err(), "no call-back before the case is resolved");
        for to in [Status::Forwarded, Status::Resolved] {
            g.change_status(to, None, next(&mut rng)).expect("move");
        }
        assert!(
            g.call_back(false, "  ", || next(&mut rng)).is_err(),
            "what the citizen said is required"
        );
        let events = g.timeline.len();
        g.call_back(false, "Still no passport after the promised date", || {
            next(&mut rng)
        })
        .expect("not resolved");
        assert_eq!(g.status().current, Status::InProgress, "reopened");
        assert_eq!(
            g.status_history.last().and_then(|c| c.reason.as_deref()),
            Some("Still no passport after the promised date")
        );
        assert!(matches!(
            g.timeline[events].event,
            Event::CalledBack {
                confirmed: false,
                ..
            }
        ));
        g.change_status(Status::Resolved, None, next(&mut rng))
            .expect("resolved again");
        g.call_back(true, "Collected the passport", || next(&mut rng))
            .expect("confirmed");
        assert_eq!(g.status().current, Status::Closed);
    }

    #[test]
    fn escalation_climbs_the_whole_ladder_and_the_due_date_follows() {
        let mut rng = StdRng::seed_from_u64(2);
        let nis = agency();
        let mut g = case(&mut rng, Kind::Complaint);
        let err = g
            .escalate(&nis, "slow", stamp(&mut rng, DAY))
            .expect_err("not forwarded yet");
        assert!(
            err.to_string().contains("agency the case was forwarded to")
                || err.to_string().contains("forward"),
            "{err}"
        );

        g.agency = Some(nis.id);
        g.change_status(Status::Forwarded, None, stamp(&mut rng, DAY))
            .expect("forward");
        let forwarded_on = Day::parse("t", "2026-11-02").expect("day");
        g.record(
            Event::Forwarded {
                agency: nis.id,
                office: "Passport Control Officer".into(),
                channel: ForwardChannel::Letter,
                reference: None,
                on: forwarded_on,
            },
            stamp(&mut rng, DAY),
        );
        let plain = Calendar::default();
        assert_eq!(
            g.sla_due(&nis, &plain).map(|d| d.to_string()).as_deref(),
            Some("2026-11-11"),
            "7 working days after Monday 2 November"
        );
        let with_holiday = Calendar::new([Day::parse("t", "2026-11-05").expect("day").date()]);
        assert_eq!(
            g.sla_due(&nis, &with_holiday)
                .map(|d| d.to_string())
                .as_deref(),
            Some("2026-11-12"),
            "a public holiday does not count"
        );

        // 2026-11-10 10:00 WAT
        let nov10 = 1_794_301_200_000;
        g.escalate(&nis, "no answer in 7 days", stamp(&mut rng, nov10))
            .expect("step 2");
        assert_eq!(g.ladder_position().map(|(step, _)| step), Some(1));
        assert_eq!(
            g.sla_due(&nis, &plain).map(|d| d.to_string()).as_deref(),
            Some("2026-11-30"),
            "14 working days at step 2"
        );
        g.escalate(
            &nis,
            "no answer in 14 days",
            stamp(&mut rng, nov10 + 15 * DAY),
        )
        .expect("step 3");
        let err = g
            .escalate(&nis, "still nothing", stamp(&mut rng, nov10 + 40 * DAY))
            .expect_err("top of the ladder");
        assert!(
            err.to_string()
                .contains("top of NIS's ladder (Comptroller-General)"),
            "{err}"
        );
        let offices: Vec<&str> = g
            .timeline
            .iter()
            .filter_map(|e| match &e.event {
                Event::Escalated { office, .. } => Some(office.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(offices, ["State Comptroller", "Comptroller-General"]);
    }

    #[test]
    fn finished_cases_cannot_be_escalated() {
        let mut rng = StdRng::seed_from_u64(3);
        let nis = agency();
        let mut g = case(&mut rng, Kind::Complaint);
        g.agency = Some(nis.id);
        g.record(
            Event::Forwarded {
                agency: nis.id,
                office: "x".into(),
                channel: ForwardChannel::Email,
                reference: None,
                on: Day::parse("t", "2026-01-01").expect("day"),
            },
            stamp(&mut rng, 1),
        );
        g.change_status(
            Status::Withdrawn,
            Some("citizen withdrew".into()),
            stamp(&mut rng, 2),
        )
        .expect("withdraw");
        let err = g
            .escalate(&nis, "x", stamp(&mut rng, 3))
            .expect_err("finished");
        assert!(err.to_string().contains("finished"), "{err}");
    }

    #[test]
    fn a_merge_folds_the_copy_and_undo_gives_back_its_status() {
        let mut rng = StdRng::seed_from_u64(9);
        let original = case(&mut rng, Kind::Complaint);
        let mut copy = case(&mut rng, Kind::Complaint);
        copy.change_status(Status::Triaged, None, stamp(&mut rng, DAY))
            .expect("triaged");
        let mut at = DAY;
        let mut stamps = || {
            at += 1;
            stamp(&mut StdRng::seed_from_u64(at as u64), at)
        };
        let itself = copy.clone();
        assert!(copy.mark_duplicate_of(&itself, true, &mut stamps).is_err());

        copy.mark_duplicate_of(&original, true, &mut stamps)
            .expect("merged");
        assert_eq!(copy.status().current, Status::Duplicate);
        assert_eq!(copy.merged_into, Some(original.id));
        let err = copy
            .mark_duplicate_of(&original, false, &mut stamps)
            .expect_err("twice");
        assert!(err.to_string().contains("undo that first"), "{err}");
        let mut third = case(&mut rng, Kind::Complaint);
        let err = third
            .mark_duplicate_of(&copy, false, &mut stamps)
            .expect_err("chain");
        assert!(err.to_string().contains("itself a duplicate"), "{err}");

        copy.undo_duplicate(&original, &mut stamps).expect("undone");
        assert_eq!(copy.status().current, Status::Triaged, "back where it was");
        assert_eq!((copy.duplicate_of, copy.merged_into), (None, None));
        assert!(copy.undo_duplicate(&original, &mut stamps).is_err());

        // A plain link leaves the status alone; a case already acknowledged cannot be merged.
        third
            .mark_duplicate_of(&original, false, &mut stamps)
            .expect("linked");
        assert_eq!(third.status().current, Status::New);
        let mut busy = case(&mut rng, Kind::Complaint);
        for to in [Status::Forwarded, Status::Acknowledged] {
            busy.change_status(to, None, stamps()).expect("moved on");
        }
        assert!(busy
            .mark_duplicate_of(&original, true, &mut stamps)
            .is_err());
        assert_eq!(busy.duplicate_of, None, "a refusal changes nothing");
    }
}
