//! Case use cases: capture, list, search, open, and every action on a case.

use citizens_core::agency::Agency;
use citizens_core::calendar::Calendar;
use citizens_core::capture::{optional, GrievanceInput, Links};
use citizens_core::clock::Day;
use citizens_core::geo;
use citizens_core::grievance::{
    clean, required_text, Attachment, Event, ForwardChannel, Grievance, Stamp,
};
use citizens_core::identity::{OrgPublicKey, ReporterIdentity};
use citizens_core::ids::{AgencyId, GrievanceId, SessionId};
use citizens_core::lifecycle::{Status, StatusView};
use citizens_core::reference::{DeviceCode, ReferenceCode};
use citizens_core::rulebook::Rulebook;
use citizens_core::session::TownHallSession;
use citizens_core::taxonomy;
use citizens_store::query::{Filter, GrievanceRow, ListPage, Sort};
use citizens_store::Error as StoreError;
use citizens_store::Writer;
use serde::{Deserialize, Serialize};

use crate::{Client, Context, Error, Result};

/// An action on a case forwarded to an agency.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ForwardInput {
    /// Agency short name.
    pub agency: String,
    /// Office (default: the first office on the agency's ladder).
    pub office: Option<String>,
    /// letter, email, visit, phone, portal.
    pub channel: String,
    /// Reference number.
    pub reference: Option<String>,
    /// Day sent (default: today).
    pub on: Option<String>,
}

/// An agency's reply.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ReplyInput {
    /// What they said.
    pub summary: String,
    /// Their reference.
    pub reference: Option<String>,
    /// Day of the reply (default: today).
    pub on: Option<String>,
}

/// One line of a case's timeline, status changes and events together, oldest first.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TimelineEntry {
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub user: String,
    /// On which device.
    pub device: String,
    /// For an entry an agency's officer made on the agency desk: the agency's short name.
    pub agency: Option<String>,
    /// When (ms since the epoch), for display in the reader's language.
    pub millis: i64,
    /// What kind of entry: `status`, `note`, `forwarded`, `reply`, `escalated`, `assigned`,
    /// `unassigned`, `acknowledged`, `callback_confirmed`, `callback_not_resolved`,
    /// `question_for_reporter`, `agency_declined`, … — the window
    /// shows it in the reader's language with `params`.
    pub kind: &'static str,
    /// The entry's details by name (`to`, `reason`, `text`, `agency`, `office`, …).
    pub params: std::collections::BTreeMap<&'static str, String>,
    /// What happened, in English words.
    pub what: String,
    /// The merged case this entry comes from (its reference), if not this case.
    pub from: Option<String>,
}

/// One change to a case, for "who changed what": every change any laptop made, from the
/// record's own history (so it survives sync like the record).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HistoryEntry {
    /// When (ms since the epoch, to the second).
    pub millis: i64,
    /// Who, when their laptop is known to this record.
    pub user: Option<String>,
    /// On which laptop.
    pub device: Option<String>,
    /// This change created the case.
    pub created: bool,
    /// The case's fields it changed (`status_history`, `timeline`, `assignee`, …).
    pub fields: Vec<String>,
}

/// A case as every edge shows it: the window's case page (generated TypeScript), the CLI's
/// `--json`, and exports (its [`CaseRow`], one line per case). The one view of a grievance: the
/// record is [`Grievance`], what comes in is [`GrievanceInput`].
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseView {
    /// The record.
    #[serde(skip)]
    pub grievance: Grievance,
    /// Every field that fits on one line, as exports write it.
    #[serde(flatten)]
    pub row: CaseRow,
    /// Competing statuses when devices disagree.
    pub conflict: Vec<String>,
    /// Timeline (with the entries of cases merged into this one).
    pub timeline: Vec<TimelineEntry>,
    /// Cases merged into this one.
    pub merged: Vec<MergedCase>,
    /// Photos and files attached.
    pub attachments: Vec<citizens_core::grievance::Attachment>,
    /// Statuses it may move to now (none while devices disagree).
    pub allowed_next: Vec<String>,
    /// The agency's ladder of offices, lowest first.
    pub ladder: Vec<citizens_core::agency::LadderStep>,
    /// Shown on its agency's desk once forwarded (the organisation may keep it off).
    pub on_agency_desk: bool,
}

/// A case on one line, without personal data: a CSV or JSON export's row, and the flat part of
/// [`CaseView`].
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseRow {
    /// Reference code.
    pub reference: String,
    /// Id.
    pub id: String,
    /// complaint, corruption_report, feedback, inquiry, commendation.
    pub kind: String,
    /// Category slug.
    pub category: String,
    /// Subcategory slug.
    pub subcategory: Option<String>,
    /// State.
    pub state: String,
    /// LGA.
    pub lga: String,
    /// Ward or community.
    pub ward: Option<String>,
    /// Title.
    pub title: String,
    /// Narrative.
    pub narrative: String,
    /// `YYYY-MM-DD`.
    pub occurred_on: Option<String>,
    /// How it reached us.
    pub channel: String,
    /// low, normal, high, urgent.
    pub priority: String,
    /// Status.
    pub status: String,
    /// Devices disagree about the status.
    pub status_conflict: bool,
    /// Agency short name.
    pub agency: Option<String>,
    /// Office now holding it (ladder step).
    pub current_office: Option<String>,
    /// Due date of that office.
    pub sla_due: Option<String>,
    /// Volunteer following it up.
    pub assignee: Option<String>,
    /// Paper form number.
    pub form_number: Option<String>,
    /// When it was captured (RFC 3339).
    pub created_at: String,
    /// Who captured it.
    pub created_by: String,
    /// The reporter's identity is sealed.
    pub identity_sealed: bool,
    /// The reporter stays anonymous.
    pub anonymous: bool,
    /// A name or phone is on record (sealed or not).
    pub identified: bool,
    /// female, male, other.
    pub reporter_gender: Option<String>,
    /// under_18, 18_35, 36_60, over_60.
    pub reporter_age_band: Option<String>,
    /// Lives with a disability, if they said.
    pub reporter_disability: Option<bool>,
    /// Consent: may share with the agency.
    pub consent_share_with_agency: bool,
    /// Consent: may contact.
    pub consent_may_contact: bool,
    /// How the public face took it in (`web`, `sms`, `whatsapp`, `open311`).
    pub intake: Option<String>,
    /// In the triage queue: the public's, and nobody has looked at it yet.
    pub awaiting_triage: bool,
    /// Reference of the case this one duplicates.
    pub duplicate_of: Option<String>,
    /// This case was merged into that one.
    pub merged_into: bool,
    /// Notes written.
    pub notes: usize,
    /// Entries on its timeline.
    pub timeline_events: usize,
}

impl CaseRow {
    /// As a spreadsheet's row: no text a spreadsheet would run as a formula.
    pub fn inert(&self) -> CaseRow {
        let text = |t: &String| citizens_core::spreadsheet::inert(t).into_owned();
        let opt = |t: &Option<String>| t.as_ref().map(text);
        CaseRow {
            reference: text(&self.reference),
            kind: text(&self.kind),
            category: text(&self.category),
            subcategory: opt(&self.subcategory),
            state: text(&self.state),
            lga: text(&self.lga),
            ward: opt(&self.ward),
            title: text(&self.title),
            narrative: text(&self.narrative),
            channel: text(&self.channel),
            priority: text(&self.priority),
            status: text(&self.status),
            agency: opt(&self.agency),
            current_office: opt(&self.current_office),
            assignee: opt(&self.assignee),
            form_number: opt(&self.form_number),
            created_by: text(&self.created_by),
            reporter_gender: opt(&self.reporter_gender),
            reporter_age_band: opt(&self.reporter_age_band),
            intake: opt(&self.intake),
            duplicate_of: opt(&self.duplicate_of),
            ..self.clone()
        }
    }
}

/// Why a report from the public is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Advertising, nonsense, tests.
    Spam,
    /// Insults, threats, a report meant to harm someone.
    Abuse,
}

impl Rejection {
    /// `spam` or `abuse`.
    pub fn parse(word: &str) -> Result<Rejection> {
        match word.trim() {
            "spam" => Ok(Rejection::Spam),
            "abuse" => Ok(Rejection::Abuse),
            other => Err(citizens_core::Error::invalid(
                "rejection",
                format!("'{other}' is not a reason to reject: say spam or abuse"),
            )
            .into()),
        }
    }
}

/// A case merged into another: its own reporter's consent stays with it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct MergedCase {
    /// Reference code.
    pub reference: String,
    /// Title.
    pub title: String,
    /// How it reached us.
    pub channel: String,
    /// Captured (ms since the epoch).
    pub created_at: i64,
    /// By whom.
    pub created_by: String,
    /// Its reporter agreed to sharing with the agency.
    pub share_with_agency: bool,
    /// Its reporter may be contacted.
    pub may_contact: bool,
    /// Its reporter's identity is sealed.
    pub sealed: bool,
    /// Its reporter is anonymous.
    pub anonymous: bool,
}

impl MergedCase {
    fn of(g: &Grievance) -> Self {
        MergedCase {
            reference: g.reference.clone(),
            title: g.title.clone(),
            channel: g.channel.to_string(),
            created_at: g.created_at.millis(),
            created_by: g.created_by.user.clone(),
            share_with_agency: g.consent.share_with_agency,
            may_contact: g.consent.may_contact,
            sealed: g.reporter.sealed.is_some(),
            anonymous: g.reporter.anonymous,
        }
    }
}

impl Client {
    /// Resolve what a capture links to: the agency its short name names and the session its
    /// id names, each checked to exist here.
    pub(crate) fn links(&self, input: &GrievanceInput) -> Result<Links> {
        let agency = match clean(input.agency.clone()) {
            Some(short) => Some(self.agency_id(&short)?),
            None => None,
        };
        let session = optional(&input.session, SessionId::parse)?;
        if let Some(session) = session {
            self.store.read::<TownHallSession>(session.uuid())?;
        }
        Ok(Links {
            agency,
            session,
            intake: None,
        })
    }

    /// Check typed input into a new case, not yet numbered or stored.
    pub(crate) fn check_capture(&mut self, input: &GrievanceInput) -> Result<Grievance> {
        let links = self.links(input)?;
        let org_key = OrgPublicKey::parse(&self.ctx.profile.org_public_key)?;
        let stamp = self.ctx.stamp();
        Ok(Grievance::capture(
            input,
            links,
            stamp,
            &org_key,
            &mut self.ctx.rng,
        )?)
    }

    /// Capture one grievance; returns it with its reference code. Cases it looks like are
    /// suggested at once.
    pub fn capture(&mut self, input: &GrievanceInput) -> Result<Grievance> {
        let capture = self.check_capture(input)?;
        let grievance = self.with_writer(|ctx, w| insert_capture(ctx, w, capture))?;
        self.find_duplicates()?;
        Ok(grievance)
    }

    /// Capture many in one transaction: every row is checked first; if any row is wrong,
    /// nothing is stored and each wrong row is reported. Then they are compared for duplicates.
    pub fn capture_all(
        &mut self,
        inputs: &[GrievanceInput],
    ) -> std::result::Result<Vec<Grievance>, crate::ImportReport> {
        let mut checked = Vec::with_capacity(inputs.len());
        let mut errors = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            match self.check_capture(input) {
                Ok(c) => checked.push(c),
                Err(e) => errors.push(crate::ImportError {
                    row: i + 1,
                    message: e.to_string(),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(crate::ImportReport { errors });
        }
        let report = |message: String| crate::ImportReport {
            errors: vec![crate::ImportError { row: 0, message }],
        };
        let stored = self
            .with_writer(|ctx, w| {
                checked
                    .into_iter()
                    .map(|c| insert_capture(ctx, w, c))
                    .collect()
            })
            .map_err(|e| report(e.to_string()))?;
        self.find_duplicates().map_err(|e| {
            report(format!(
                "the cases were saved, but comparing them for duplicates failed: {e}"
            ))
        })?;
        Ok(stored)
    }

    /// Find a case by reference code (as shown: a code two cases share is followed by `~` and
    /// the end of each one's id) or id.
    pub fn grievance_id(&self, key: &str) -> Result<GrievanceId> {
        let (code, mark) = match key.trim().split_once('~') {
            Some((code, mark)) => (code, Some(mark.to_uppercase())),
            None => (key, None),
        };
        if let Ok(reference) = ReferenceCode::parse(code) {
            let shown = match mark {
                Some(mark) => format!("{}~{mark}", reference.as_str()),
                None => reference.as_str().to_string(),
            };
            if let Some(id) = self.store.grievance_id_by_reference(&shown)? {
                return Ok(GrievanceId::parse(&id)?);
            }
        } else if let Ok(id) = GrievanceId::parse(key) {
            return Ok(id);
        }
        Err(Error::Store(StoreError::NotFound {
            what: "case",
            id: key.to_string(),
        }))
    }

    pub(crate) fn agency_id(&self, short_name: &str) -> Result<AgencyId> {
        let id = self
            .store
            .agency_id_by_short_name(short_name)?
            .ok_or_else(|| StoreError::NotFound {
                what: "agency",
                id: short_name.to_string(),
            })?;
        Ok(AgencyId::parse(&id)?)
    }

    /// A page of the case list.
    pub fn list(&self, filter: &Filter, sort: Sort, offset: u64, limit: u64) -> Result<ListPage> {
        Ok(self.store.list(filter, sort, offset, limit)?)
    }

    /// Full-text search.
    pub fn search(&self, text: &str, limit: u64) -> Result<Vec<GrievanceRow>> {
        Ok(self.store.search(text, limit)?)
    }

    /// Open a case.
    pub fn open_case(&self, key: &str) -> Result<CaseView> {
        let id = self.grievance_id(key)?;
        let grievance: Grievance = self.store.read(id.uuid())?;
        let agency: Option<Agency> = grievance
            .agency
            .map(|a| self.store.read(a.uuid()))
            .transpose()?;
        let merged = self
            .store
            .merged_into(&grievance.id.to_string())?
            .into_iter()
            .map(|id| {
                self.store.read(
                    uuid::Uuid::parse_str(&id)
                        .map_err(|_| StoreError::Damaged("case id".into()))?,
                )
            })
            .collect::<citizens_store::Result<Vec<Grievance>>>()?;
        Ok(case_view(
            grievance,
            agency.as_ref(),
            &self.store.calendar()?,
            &merged,
        ))
    }

    /// Open the sealed name and phone (only where this install holds the organisation key).
    /// Opening a sealed identity is recorded on the case (who, on which laptop, when) in the
    /// same step: the name is shown only once the record of it is stored.
    pub fn reveal_identity(&mut self, key: &str) -> Result<ReporterIdentity> {
        let id = self.grievance_id(key)?;
        let grievance: Grievance = self.store.read(id.uuid())?;
        let Some(sealed) = &grievance.reporter.sealed else {
            return Ok(ReporterIdentity {
                name: grievance.reporter.name,
                phone: grievance.reporter.phone,
            });
        };
        let identity = self.org_secret()?.open(sealed)?;
        self.edit_case(&id.to_string(), |g, stamp, _| {
            g.record(Event::IdentityOpened, stamp());
            Ok(())
        })?;
        Ok(identity)
    }

    fn edit_case<R>(
        &mut self,
        key: &str,
        edit: impl FnOnce(
            &mut Grievance,
            &mut dyn FnMut() -> Stamp,
            Option<&Agency>,
        ) -> citizens_core::error::Result<R>,
    ) -> Result<CaseView> {
        let id = self.grievance_id(key)?;
        self.with_writer(|ctx, w| {
            let current: Grievance = w.read(id.uuid())?;
            let agency: Option<Agency> = current.agency.map(|a| w.read(a.uuid())).transpose()?;
            let at = ctx.clock.now();
            let author = ctx.author.clone();
            let mut stamps = || ctx.stamp();
            w.edit(id.uuid(), &author, at, |g: &mut Grievance| {
                edit(g, &mut stamps, agency.as_ref())
            })?;
            Ok(())
        })?;
        self.open_case(&id.to_string())
    }

    /// Move a case along its lifecycle.
    pub fn change_status(
        &mut self,
        key: &str,
        to: &str,
        reason: Option<String>,
    ) -> Result<CaseView> {
        let to = Status::parse(to)?;
        self.edit_case(key, |g, stamp, _| g.change_status(to, reason, stamp()))
    }

    /// Settle a status conflict between devices.
    pub fn settle_status(
        &mut self,
        key: &str,
        to: &str,
        reason: Option<String>,
    ) -> Result<CaseView> {
        let to = Status::parse(to)?;
        self.edit_case(key, |g, stamp, _| g.settle_status(to, reason, stamp()))
    }

    /// Accept a report from the public: it is a case like any other now (route it next).
    pub fn accept_intake(&mut self, key: &str) -> Result<CaseView> {
        self.triage(key, Status::Triaged, "Accepted at triage".into())
    }

    /// Reject a report from the public as spam or abuse: kept, never deleted, and out of the
    /// queue and every figure's open cases.
    pub fn reject_intake(&mut self, key: &str, why: Rejection) -> Result<CaseView> {
        let reason = match why {
            Rejection::Spam => "Rejected at triage: spam",
            Rejection::Abuse => "Rejected at triage: abuse",
        };
        self.triage(key, Status::NotActionable, reason.into())
    }

    fn triage(&mut self, key: &str, to: Status, reason: String) -> Result<CaseView> {
        self.edit_case(key, |g, stamp, _| {
            if g.intake.is_none() || g.status().current != Status::New {
                return Err(citizens_core::Error::invalid(
                    "triage",
                    format!(
                        "{} is not waiting in the triage queue (only the public's new reports are)",
                        g.reference
                    ),
                ));
            }
            g.change_status(to, Some(reason), stamp())
        })
    }

    /// Add a note.
    pub fn add_note(&mut self, key: &str, text: &str) -> Result<CaseView> {
        let text = required_text("note", text, 10_000)?;
        self.edit_case(key, |g, stamp, _| {
            g.record(Event::Note { text }, stamp());
            Ok(())
        })
    }

    /// Ask the reporter a question they read and answer on the public tracking page with
    /// their receipt (a report from the public face only).
    pub fn ask_reporter(&mut self, key: &str, text: &str) -> Result<CaseView> {
        self.edit_case(key, |g, stamp, _| g.ask_reporter(text, stamp()))
    }

    /// Keep a case off its agency's desk (`shared` false: the agency learns of it only by
    /// letter, as for a corruption report about its own staff), or put it back.
    pub fn share_with_agency_desk(&mut self, key: &str, shared: bool) -> Result<CaseView> {
        self.edit_case(key, |g, stamp, _| {
            if g.on_agency_desk() == shared {
                return Err(citizens_core::Error::invalid(
                    "agency desk",
                    if shared {
                        "this case is already shown on its agency's desk"
                    } else {
                        "this case is already kept off its agency's desk"
                    },
                ));
            }
            g.record(Event::AgencyDesk { shared }, stamp());
            Ok(())
        })
    }

    /// Forward to an agency: records office, channel, reference and day; moves a new or
    /// triaged case to `forwarded`.
    pub fn forward(&mut self, key: &str, input: &ForwardInput) -> Result<CaseView> {
        let agency_id = self.agency_id(&input.agency)?;
        let agency: Agency = self.store.read(agency_id.uuid())?;
        let channel = ForwardChannel::parse(&input.channel)?;
        let on =
            optional(&input.on, |t| Day::parse("forwarded on", t))?.unwrap_or_else(|| self.today());
        let office = clean(input.office.clone())
            .or_else(|| agency.ladder.first().map(|s| s.office.clone()))
            .unwrap_or_else(|| agency.name.clone());
        let reference = clean(input.reference.clone());
        let routed_by = self.ctx.profile.user.clone();
        self.edit_case(key, move |g, stamp, _| {
            match g.status().current {
                Status::New | Status::Triaged => {
                    g.change_status(Status::Forwarded, None, stamp())?
                }
                // Sent again, e.g. to another office of the agency.
                Status::Forwarded | Status::Acknowledged | Status::InProgress => {}
                other => {
                    return Err(citizens_core::Error::invalid(
                        "forwarding",
                        format!("a case that is {other} cannot be forwarded; reopen it first"),
                    ))
                }
            }
            if g.agency != Some(agency.id) {
                g.agency = Some(agency.id);
                g.routing_reason = Some(format!("forwarded by {routed_by}"));
            }
            g.record(
                Event::Forwarded {
                    agency: agency.id,
                    office,
                    channel,
                    reference,
                    on,
                },
                stamp(),
            );
            Ok(())
        })
    }

    /// A forwarding letter to the agency holding the case (plain text, to print or email). The
    /// reporter's name and phone appear only when they agreed to sharing with the agency and
    /// their identity is neither anonymous nor sealed.
    pub fn forwarding_letter(&self, key: &str) -> Result<String> {
        let g: Grievance = self.store.read(self.grievance_id(key)?.uuid())?;
        let Some(agency_id) = g.agency else {
            return Err(citizens_core::Error::invalid(
                "letter",
                "route or forward the case to an agency first",
            )
            .into());
        };
        let agency: Agency = self.store.read(agency_id.uuid())?;
        // The office now holding the case (the first one before any forwarding) and its days.
        let step = g.ladder_position().map_or(0, |(step, _)| step);
        let (office, days) = usize::try_from(step)
            .ok()
            .and_then(|i| agency.ladder.get(i))
            .map_or((agency.name.clone(), 14), |s| {
                (s.office.clone(), s.sla_days)
            });
        let profile = &self.ctx.profile;
        let state = geo::state(&g.place.state).map_or(g.place.state.as_str(), |s| s.name);
        let category = taxonomy::check(&g.category, None)
            .map_or_else(|_| g.category.clone(), |c| c.label.to_lowercase());
        let reporter = match (&g.reporter.name, &g.reporter.phone) {
            (Some(name), phone)
                if g.consent.share_with_agency && !g.reporter.anonymous && g.reporter.sealed.is_none() =>
            {
                match phone {
                    Some(phone) => format!("The citizen, {name} ({phone}), agreed that we share their details with you."),
                    None => format!("The citizen, {name}, agreed that we share their name with you."),
                }
            }
            _ => "The citizen's identity stays with us; we will pass your response on to them.".into(),
        };
        let narrative = if g.narrative.is_empty() {
            String::new()
        } else {
            format!("{}\n\n", g.narrative)
        };
        // Where the agency answers: its desk on our server, or an SMS from its registered phone.
        let code = g.reference.replace('-', "");
        let desk = match self.server().ok().flatten() {
            Some(server) => format!(
                "Case code: {code}. Answer this case on our agency desk, {}/desk (your liaison \
                 officer signs in with the name and code we gave them), or acknowledge it from \
                 the phone we registered for your agency by texting to our SMS number: \
                 ACK {code} YOUR-REFERENCE\n\n",
                server.trim_end_matches('/')
            ),
            None => String::new(),
        };
        Ok(format!(
            "{org}\n{today}\nOur reference: {reference}\n\nTo: {office}\n{agency}\n\n\
             Subject: {title}\n\nDear Sir/Madam,\n\n\
             A citizen brought the following {kind} about {category} to {org} on {captured}, \
             in {lga}, {state}.\n\n{narrative}{reporter}\n\n\
             We ask you to look into it and to reply within {days} days, quoting our reference \
             {reference}.\n\n{desk}Yours faithfully,\n\n{user}\n{org}\n",
            org = profile.organisation,
            today = self.today(),
            reference = g.reference,
            agency = agency.name,
            title = g.title,
            kind = g.kind.as_str().replace('_', " "),
            captured = Day::from_date(g.created_at.date()),
            lga = g.place.lga,
            user = profile.user,
        ))
    }

    /// Record that the agency acknowledged receipt (its date and reference): a forwarded case
    /// becomes `acknowledged`.
    pub fn acknowledge(
        &mut self,
        key: &str,
        on: Option<&str>,
        reference: Option<&str>,
    ) -> Result<CaseView> {
        let on = optional(&on.map(String::from), |t| Day::parse("acknowledged on", t))?
            .unwrap_or_else(|| self.today());
        let reference = clean(reference.map(str::to_string));
        self.edit_case(key, move |g, stamp, _| {
            if g.status().current != Status::Forwarded {
                return Err(citizens_core::Error::invalid(
                    "acknowledgement",
                    "only a forwarded case can be acknowledged by the agency",
                ));
            }
            g.record(Event::Acknowledged { on, reference }, stamp());
            g.change_status(Status::Acknowledged, None, stamp())
        })
    }

    /// Record the agency's reply; a forwarded case becomes `acknowledged`.
    pub fn record_reply(&mut self, key: &str, input: &ReplyInput) -> Result<CaseView> {
        let summary = required_text("reply", &input.summary, 10_000)?;
        let on =
            optional(&input.on, |t| Day::parse("reply on", t))?.unwrap_or_else(|| self.today());
        let reference = clean(input.reference.clone());
        self.edit_case(key, move |g, stamp, _| {
            if g.agency.is_none() {
                return Err(citizens_core::Error::invalid(
                    "reply",
                    "forward the case to an agency before recording its reply",
                ));
            }
            g.record(
                Event::AgencyReply {
                    summary,
                    reference,
                    on,
                },
                stamp(),
            );
            if g.status().current == Status::Forwarded {
                g.change_status(Status::Acknowledged, Some("agency replied".into()), stamp())?;
            }
            Ok(())
        })
    }

    /// Escalate to the next office on the agency's ladder.
    pub fn escalate(&mut self, key: &str, reason: &str) -> Result<CaseView> {
        self.edit_case(key, |g, stamp, agency| match agency {
            Some(agency) => g.escalate(agency, reason, stamp()),
            None => Err(citizens_core::Error::invalid(
                "escalation",
                "forward the case to an agency before escalating it",
            )),
        })
    }

    /// The agency the routing rules suggest for a grievance, if a rule covers it and the
    /// agency is in this laptop's directory.
    pub fn suggest_agency(
        &self,
        kind: &str,
        category: &str,
        state: &str,
    ) -> Result<Option<citizens_core::routing::Suggestion>> {
        Ok(self
            .suggestion(&self.rulebook()?, kind, category, state)?
            .map(|(s, _)| s))
    }

    fn suggestion(
        &self,
        book: &Rulebook,
        kind: &str,
        category: &str,
        state: &str,
    ) -> Result<Option<(citizens_core::routing::Suggestion, AgencyId)>> {
        let state = geo::state(state)?.code;
        let Some(suggestion) = book.suggest(kind, category, state) else {
            return Ok(None);
        };
        match self.store.agency_id_by_short_name(&suggestion.agency)? {
            Some(id) => Ok(Some((suggestion, AgencyId::parse(&id)?))),
            None => Ok(None),
        }
    }

    /// Who changed what on a case: each change from its history, attributed.
    pub fn case_history(&self, key: &str) -> Result<Vec<HistoryEntry>> {
        let id = self.grievance_id(key)?;
        let (grievance, history) = self.store.read_with_history::<Grievance>(id.uuid())?;
        Ok(history
            .into_iter()
            .map(|change| {
                let who = grievance.actors.get(&change.actor);
                HistoryEntry {
                    millis: change.at.millis(),
                    user: who.map(|w| w.user.clone()),
                    device: who.map(|w| w.device.clone()),
                    created: change.created,
                    // Which actor is whom is bookkeeping, not a change to the case.
                    fields: change
                        .fields
                        .into_iter()
                        .filter(|f| f != "actors")
                        .collect(),
                }
            })
            .collect())
    }

    /// Route every new case that has no agency yet by the routing rules (each becomes
    /// `triaged`, with the reason kept). Returns how many were routed.
    pub fn route_untriaged(&mut self) -> Result<usize> {
        let new = Filter {
            status: Some(Status::New.as_str().into()),
            ..Filter::default()
        };
        let rows = self.store.list(&new, Sort::Oldest, 0, u64::MAX >> 1)?.rows;
        let book = self.rulebook()?;
        let mut routed = 0;
        for row in rows.iter().filter(|r| r.agency.is_none()) {
            if let Some((suggestion, agency)) =
                self.suggestion(&book, &row.kind, &row.category, &row.state)?
            {
                let reason = suggestion.reason;
                self.edit_case(&row.id, |g, stamp, _| g.route(agency, reason, stamp()))?;
                routed += 1;
            }
        }
        Ok(routed)
    }

    /// The call-back to the citizen after `resolved`: confirmed closes the case, not resolved
    /// reopens it with what the citizen said.
    pub fn call_back(&mut self, key: &str, confirmed: bool, note: &str) -> Result<CaseView> {
        self.edit_case(key, |g, stamp, _| g.call_back(confirmed, note, stamp))
    }

    /// Attach a file (photo of a paper form, a document). The bytes are kept encrypted and
    /// named by their SHA-256; the file name is kept for display only.
    pub fn attach(&mut self, key: &str, path: &std::path::Path) -> Result<CaseView> {
        check_attachment_size(std::fs::metadata(path)?.len())?;
        let bytes = std::fs::read(path)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.attach_bytes(key, &file_name, &bytes)
    }

    /// Attach bytes received another way (the desktop window's file picker).
    pub fn attach_bytes(&mut self, key: &str, file_name: &str, bytes: &[u8]) -> Result<CaseView> {
        let size = bytes.len() as u64;
        check_attachment_size(size)?;
        let mut file_name: String = file_name
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(200)
            .collect();
        if file_name.trim().is_empty() {
            file_name = "attachment".into();
        }
        let media_type = media_type(&file_name);
        // A case whose reporter is sealed gets its files sealed too: a form photo carries the
        // handwritten name, so only the organisation's coordinators may see it.
        let id = self.grievance_id(key)?;
        let case: Grievance = self.store.read(id.uuid())?;
        let sealed;
        let stored = if case.reporter.sealed.is_some() {
            let org = OrgPublicKey::parse(&self.ctx.profile.org_public_key)?;
            sealed = org.seal_file(bytes, &mut self.ctx.rng)?;
            &sealed[..]
        } else {
            bytes
        };
        let sha = self.store.put_blob(stored)?;
        let at = self.ctx.clock.now();
        let by = self.ctx.author.who.clone();
        self.edit_case(key, move |g, _, _| {
            if !g.attachments.iter().any(|a| a.sha256 == sha) {
                g.attachments.push(Attachment {
                    sha256: sha,
                    file_name,
                    media_type: media_type.into(),
                    size,
                    added_at: at,
                    by,
                });
            }
            Ok(())
        })
    }

    /// An attachment's bytes, if this laptop holds them. A sealed one (of a case whose
    /// reporter is sealed) opens only with the organisation's secret key, and opening it is
    /// recorded on its case first.
    pub fn attachment(&mut self, sha: &str) -> Result<Vec<u8>> {
        let bytes = self.store.get_blob(sha)?;
        if !citizens_core::identity::is_sealed_file(&bytes) {
            return Ok(bytes);
        }
        let secret = self.org_secret().map_err(|_| {
            StoreError::Domain(citizens_core::Error::invalid(
                "attachment",
                "this file belongs to a sealed case: only your organisation's coordinators can open it",
            ))
        })?;
        let plain = secret.open_file(&bytes)?;
        for id in self.store.cases_with_attachment(sha)? {
            self.edit_case(&id.to_string(), |g, stamp, _| {
                let file = g
                    .attachments
                    .iter()
                    .find(|a| a.sha256 == sha)
                    .map(|a| a.file_name.clone())
                    .unwrap_or_default();
                g.record(Event::SealedFileOpened { file }, stamp());
                Ok(())
            })?;
        }
        Ok(plain)
    }

    /// Assign to a case worker (`None` to unassign).
    pub fn assign(&mut self, key: &str, assignee: Option<&str>) -> Result<CaseView> {
        let to = assignee
            .map(|a| required_text("assignee", a, 100))
            .transpose()?;
        self.edit_case(key, move |g, stamp, _| {
            g.assignee = to.clone();
            g.record(Event::Assigned { to }, stamp());
            Ok(())
        })
    }
}

fn check_attachment_size(size: u64) -> Result<()> {
    if size > citizens_store::blobs::MAX_BLOB_BYTES as u64 {
        return Err(citizens_core::Error::invalid(
            "attachment",
            "the file is larger than 25 MB; take a smaller photo",
        )
        .into());
    }
    Ok(())
}

/// Number and insert one checked capture inside a write (and join it to its session).
fn insert_capture(
    ctx: &mut Context,
    w: &mut Writer<'_>,
    mut grievance: Grievance,
) -> citizens_store::Result<Grievance> {
    let state = geo::state(&grievance.place.state)?;
    let device = DeviceCode::parse(&ctx.profile.device_code)?;
    let sequence = w.next_sequence(state.code)?;
    grievance.reference = ReferenceCode::new(state, &device, sequence).to_string();
    let (id, session, at) = (grievance.id, grievance.session, grievance.created_at);
    let grievance = w.insert(grievance, &ctx.author, at)?;
    if let Some(session) = session {
        w.edit(
            session.uuid(),
            &ctx.author,
            at,
            |s: &mut TownHallSession| {
                if !s.grievances.contains(&id) {
                    s.grievances.push(id);
                }
                Ok(())
            },
        )?;
    }
    Ok(grievance)
}

fn media_type(file_name: &str) -> &'static str {
    let extension = file_name
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "pdf" => "application/pdf",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "ogg" | "opus" => "audio/ogg",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Build the case page view.
fn case_view(
    grievance: Grievance,
    agency: Option<&Agency>,
    calendar: &Calendar,
    merged: &[Grievance],
) -> CaseView {
    let status: StatusView = grievance.status();
    let current_office = agency
        .and_then(|a| grievance.current_office(a))
        .map(str::to_string);
    let sla_due = agency
        .and_then(|a| grievance.sla_due(a, calendar))
        .filter(|_| status.current.awaits_action());
    let mut timeline: Vec<(citizens_core::clock::Timestamp, TimelineEntry)> = grievance
        .status_history
        .iter()
        .map(|c| {
            let mut params = vec![("to", c.to.to_string())];
            params.extend(c.reason.clone().map(|r| ("reason", r)));
            let what = match &c.reason {
                Some(reason) => format!("status → {} ({reason})", c.to),
                None => format!("status → {}", c.to),
            };
            (c.at, entry(c.at, &c.by, "status", params, what))
        })
        .chain(grievance.timeline.iter().map(|e| {
            let (kind, params, what) = describe(&e.event, agency);
            (e.at, entry(e.at, &e.by, kind, params, what))
        }))
        .collect();
    // A merged copy's own history shows here too, marked with its reference.
    for copy in merged {
        timeline.extend(copy.timeline.iter().map(|e| {
            let (kind, params, what) = describe(&e.event, agency);
            let mut entry = entry(e.at, &e.by, kind, params, what);
            entry.from = Some(copy.reference.clone());
            (e.at, entry)
        }));
    }
    timeline.sort_by_key(|(at, _)| *at);
    // The original may not be on this laptop (a volunteer's): its reference is in the entry.
    let duplicate_of = grievance.duplicate_of.and_then(|of| {
        grievance
            .timeline
            .iter()
            .rev()
            .find_map(|e| match &e.event {
                Event::Linked {
                    other, reference, ..
                } if *other == of => Some(reference.clone()),
                _ => None,
            })
    });
    let g = &grievance;
    let row = CaseRow {
        reference: g.reference.clone(),
        id: g.id.to_string(),
        kind: g.kind.to_string(),
        category: g.category.clone(),
        subcategory: g.subcategory.clone(),
        state: g.place.state.clone(),
        lga: g.place.lga.clone(),
        ward: g.place.ward.clone(),
        title: g.title.clone(),
        narrative: g.narrative.clone(),
        occurred_on: g.occurred_on.map(|d| d.to_string()),
        channel: g.channel.to_string(),
        priority: g.priority.to_string(),
        status: status.current.to_string(),
        status_conflict: !status.conflict.is_empty(),
        agency: agency.map(|a| a.short_name.clone()),
        current_office,
        sla_due: sla_due.map(|d| d.to_string()),
        assignee: g.assignee.clone(),
        form_number: g.form_number.clone(),
        created_at: g.created_at.to_rfc3339(),
        created_by: g.created_by.user.clone(),
        identity_sealed: g.reporter.sealed.is_some(),
        anonymous: g.reporter.anonymous,
        identified: g.reporter.name.is_some()
            || g.reporter.phone.is_some()
            || g.reporter.sealed.is_some(),
        reporter_gender: g.reporter.gender.map(|x| x.to_string()),
        reporter_age_band: g.reporter.age_band.map(|x| x.to_string()),
        reporter_disability: g.reporter.disability,
        consent_share_with_agency: g.consent.share_with_agency,
        consent_may_contact: g.consent.may_contact,
        intake: g.intake.map(|i| i.as_str().to_string()),
        awaiting_triage: g.intake.is_some() && status.current == Status::New,
        duplicate_of,
        merged_into: g.merged_into.is_some(),
        notes: g.notes().count(),
        timeline_events: g.timeline.len() + g.status_history.len(),
    };
    let allowed_next = if status.conflict.is_empty() {
        status
            .current
            .allowed_next()
            .iter()
            .map(|s| s.as_str().to_string())
            .collect()
    } else {
        Vec::new()
    };
    CaseView {
        row,
        conflict: status.conflict.iter().map(ToString::to_string).collect(),
        timeline: timeline.into_iter().map(|(_, e)| e).collect(),
        merged: merged.iter().map(MergedCase::of).collect(),
        attachments: grievance.attachments.clone(),
        allowed_next,
        ladder: agency.map(|a| a.ladder.clone()).unwrap_or_default(),
        on_agency_desk: grievance.on_agency_desk(),
        grievance,
    }
}

fn entry(
    at: citizens_core::clock::Timestamp,
    by: &citizens_core::lifecycle::Actor,
    kind: &'static str,
    params: Vec<(&'static str, String)>,
    what: String,
) -> TimelineEntry {
    TimelineEntry {
        at: at.to_rfc3339(),
        millis: at.millis(),
        user: by.user.clone(),
        device: by.device.clone(),
        agency: by.agency.clone(),
        kind,
        params: params.into_iter().collect(),
        what,
        from: None,
    }
}

/// An event as a message kind, its parameters (for translated display) and English words.
fn describe(
    event: &Event,
    agency: Option<&Agency>,
) -> (&'static str, Vec<(&'static str, String)>, String) {
    let agency_name = |id: &AgencyId| match agency {
        Some(a) if a.id == *id => a.short_name.clone(),
        _ => id.to_string(),
    };
    match event {
        Event::Note { text } => (
            "note",
            vec![("text", text.clone())],
            format!("note: {text}"),
        ),
        Event::Forwarded {
            agency,
            office,
            channel,
            reference,
            on,
        } => {
            let name = agency_name(agency);
            let what = format!(
                "forwarded to {name} ({office}) by {channel} on {on}{}",
                reference
                    .as_ref()
                    .map(|r| format!(", ref {r}"))
                    .unwrap_or_default()
            );
            let mut params = vec![
                ("agency", name),
                ("office", office.clone()),
                ("channel", channel.to_string()),
                ("on", on.to_string()),
            ];
            params.extend(reference.clone().map(|r| ("reference", r)));
            ("forwarded", params, what)
        }
        Event::AgencyReply {
            summary,
            reference,
            on,
        } => {
            let what = format!(
                "agency replied on {on}{}: {summary}",
                reference
                    .as_ref()
                    .map(|r| format!(" (ref {r})"))
                    .unwrap_or_default()
            );
            let mut params = vec![("summary", summary.clone()), ("on", on.to_string())];
            params.extend(reference.clone().map(|r| ("reference", r)));
            ("reply", params, what)
        }
        Event::Escalated {
            step,
            office,
            reason,
        } => (
            "escalated",
            vec![
                ("office", office.clone()),
                ("step", (step + 1).to_string()),
                ("reason", reason.clone()),
            ],
            format!("escalated to {office} (step {}): {reason}", step + 1),
        ),
        Event::Assigned { to: Some(to) } => (
            "assigned",
            vec![("to", to.clone())],
            format!("assigned to {to}"),
        ),
        Event::Assigned { to: None } => ("unassigned", Vec::new(), "unassigned".into()),
        Event::Acknowledged { on, reference } => {
            let what = format!(
                "the agency acknowledged receipt on {on}{}",
                reference
                    .as_ref()
                    .map(|r| format!(" (ref {r})"))
                    .unwrap_or_default()
            );
            let mut params = vec![("on", on.to_string())];
            params.extend(reference.clone().map(|r| ("reference", r)));
            ("acknowledged", params, what)
        }
        Event::Linked {
            reference,
            merged,
            original,
            ..
        } => {
            let (kind, what) = match (original, merged) {
                (false, true) => ("merged_into", format!("merged into {reference}")),
                (false, false) => (
                    "duplicate_of",
                    format!("marked as a duplicate of {reference}"),
                ),
                (true, true) => ("merged_from", format!("{reference} merged into this case")),
                (true, false) => (
                    "duplicate_linked",
                    format!("{reference} marked as a duplicate of this case"),
                ),
            };
            (kind, vec![("case", reference.clone())], what)
        }
        Event::Unlinked { reference, .. } => (
            "duplicate_undone",
            vec![("case", reference.clone())],
            format!("duplicate link with {reference} undone"),
        ),
        Event::CalledBack {
            confirmed: true,
            note,
        } => (
            "callback_confirmed",
            vec![("note", note.clone())],
            format!("called back: the citizen confirms it is resolved ({note})"),
        ),
        Event::CalledBack {
            confirmed: false,
            note,
        } => (
            "callback_not_resolved",
            vec![("note", note.clone())],
            format!("called back: the citizen says it is not resolved ({note})"),
        ),
        Event::QuestionForReporter { text } => (
            "question_for_reporter",
            vec![("text", text.clone())],
            format!("asked the reporter: {text}"),
        ),
        Event::AgencyDeclined { reason, suggested } => {
            let mut params = vec![("reason", reason.clone())];
            params.extend(suggested.clone().map(|a| ("suggested", a)));
            let what = format!(
                "the agency declined it as not its mandate: {reason}{}",
                suggested
                    .as_ref()
                    .map(|a| format!(" (responsible: {a})"))
                    .unwrap_or_default()
            );
            ("agency_declined", params, what)
        }
        Event::AgencyDesk { shared: true } => (
            "agency_desk_shared",
            Vec::new(),
            "put back on the agency's desk".into(),
        ),
        Event::AgencyDesk { shared: false } => (
            "agency_desk_withheld",
            Vec::new(),
            "kept off the agency's desk".into(),
        ),
        Event::IdentityOpened => (
            "identity_opened",
            Vec::new(),
            "opened the reporter's sealed identity".into(),
        ),
        Event::SealedFileOpened { file } => (
            "sealed_file_opened",
            vec![("file", file.clone())],
            format!("opened the sealed attachment {file}"),
        ),
    }
}
