//! Citizens reaching the organisation with no volunteer between: a report from the web page
//! or an Open311 client, a message by SMS or WhatsApp, and tracking a report with its receipt.
//!
//! The server files each report as an ordinary case written by the organisation's own intake
//! device (made on first use, one per organisation), through the same path a laptop's push
//! takes, so coordinators' laptops receive it by sync and find it in their triage queue. The
//! reporter's name and phone are always sealed to the organisation key before the case is
//! written: the server never holds them in plaintext. Beside the document it keeps only the
//! reference a receipt names and, for messages, the provider's message id (a resent message
//! makes one case) with a keyed hash of the sender, blanked after a day (follow-ups within a
//! day join the case); a web or Open311 report keeps no sender at all.
//!
//! A receipt is the reference and a PIN: 8 Crockford base-32 characters (40 bits) derived
//! from the case's id under the server's secret, so a repeated delivery can be answered with
//! the same PIN without storing it. Tracking answers an unknown reference and a wrong PIN
//! alike, after the same work.

use automerge::ActorId;
use citizens_core::agency::Agency;
use citizens_core::article::CivicArticle;
use citizens_core::capture::{GrievanceInput, Links};
use citizens_core::clock::{Day, Timestamp};
use citizens_core::document;
use citizens_core::geo::{self, Lga};
use citizens_core::grievance::{Channel, Event, Grievance, Intake, Kind, Stamp};
use citizens_core::identity::OrgPublicKey;
use citizens_core::ids::EntryId;
use citizens_core::lifecycle::{Actor, Status};
use citizens_core::phone::Phone;
use citizens_core::reference::{DeviceCode, ReferenceCode};
use citizens_core::rulebook::Rulebook;
use citizens_core::text::refuse_controls;
use citizens_protocol::{ErrorCode, Push, RecordKind, Role};
use rand::SeedableRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

mod receipts;
mod validation;

pub(crate) use receipts::keyed;
use receipts::{canonical_pin, public_number};
pub use receipts::{Receipt, PIN_CHARS};
use validation::{check, title_of};
pub use validation::{problems, Problem, MAX_NAME, MAX_NARRATIVE};

use crate::persistence::{NewDevice, Tx};
use crate::{records, Core, Device, Error, Result};

/// The person the intake device belongs to. A coordinator should not enrol anyone under this
/// name: that person would see every case the public face took in.
pub const INTAKE_PERSON: &str = "Public intake (server)";
/// How long after a message a new one from the same sender joins its case.
const FOLLOW_UP_MS: i64 = 24 * 3600 * 1000;
/// Most notes the intake device adds to one case (follow-ups, agencies' updates): a case stays
/// far below the largest record a laptop takes.
const MAX_DESK_NOTES: usize = 100;
/// How long the public pages show the directory as last read (an organisation's edit shows
/// within five minutes; a flood of page views reads the database once).
const DIRECTORY_FOR_MS: i64 = 5 * 60 * 1000;
/// The directory and the civic articles, as the public pages show them.
pub type Directory = std::sync::Arc<(Vec<Agency>, Vec<CivicArticle>)>;
/// How long a report form may be filled in.
const FORM_LIFETIME_MS: i64 = 2 * 3600 * 1000;
/// Minutes in a day: the rate limits' keys change daily.
const MINUTES_A_DAY: i64 = 24 * 60;

/// Where the public face files what it takes in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Public {
    /// The organisation's name (as on its enrolment codes).
    pub org: String,
    /// Where a message that names no place is filed until a coordinator corrects it.
    pub home: Lga,
    /// Fewest seconds between being given a report form and sending it (people read first;
    /// scripts do not).
    pub min_fill_secs: u32,
    /// Reports accepted from one address per hour.
    pub reports_per_hour: u32,
    /// Tracking attempts allowed from one address per hour.
    pub tracks_per_hour: u32,
    /// Messages accepted from one sender per hour.
    pub messages_per_hour: u32,
    /// Reports accepted from one Open311 integration per hour (all its users together).
    pub integration_reports_per_hour: u32,
}

impl Public {
    /// The defaults for `org`, filing unplaced messages under `home`.
    pub fn new(org: impl Into<String>, home: Lga) -> Public {
        Public {
            org: org.into(),
            home,
            min_fill_secs: 3,
            reports_per_hour: 10,
            tracks_per_hour: 30,
            messages_per_hour: 20,
            integration_reports_per_hour: 500,
        }
    }
}

/// Where a message seems to come from: the first state named in it (and an LGA of that state
/// named in it), else the organisation's home.
fn place_named(text: &str, home: &Lga) -> Lga {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let names = |name: &str| {
        let parts: Vec<String> = name
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        !parts.is_empty() && words.windows(parts.len()).any(|w| w == parts.as_slice())
    };
    for state in geo::states() {
        if names(state.name) {
            let lga = state
                .lgas
                .iter()
                .find(|l| names(l))
                .or_else(|| state.lgas.first());
            if let Some(lga) = lga.and_then(|l| Lga::parse(state.name, l).ok()) {
                return lga;
            }
        }
    }
    *home
}

/// A message from an SMS or WhatsApp provider whose authenticity the caller checked.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// The provider's name (`africastalking`, `twilio`, `whatsapp`).
    pub provider: &'a str,
    /// The provider's id of the message.
    pub id: &'a str,
    /// The sender's phone number, as the provider gives it.
    pub from: &'a str,
    /// What it says.
    pub text: &'a str,
    /// Which intake it is.
    pub intake: Intake,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// It made a new case.
    New(Receipt),
    /// It joined the sender's case of the last day.
    FollowUp(Receipt),
    /// It had arrived before (the provider sent it again): nothing new was stored, and its
    /// receipt is not given again (whoever resends a message learns nothing of it).
    Again,
    /// Refused, nothing stored: it holds a control character (the sender is told to send it
    /// again as plain text).
    Unreadable,
    /// Nothing to file (empty, or a number that is not a phone).
    Ignored,
    /// An agency's `ACK` from a phone registered for it.
    Acked(crate::desk::Acked),
    /// `STOP` (or its word in another language): no more status messages to this phone.
    Stopped,
    /// The reporter answered "was it solved?" for the case with this reference: yes closed
    /// it, no reopened it.
    Answered {
        /// Yes, it is solved.
        confirmed: bool,
        /// The case.
        reference: String,
    },
}

/// Where a web reporter who asked to hear back is told: the provider and the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdatesTo<'a> {
    /// The provider that sends (its send API is configured).
    pub provider: &'a str,
    /// The reporter's language.
    pub lang: &'a str,
}

/// What became of a report sent from the web page or an Open311 client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filed {
    /// A new case, and its receipt.
    New(Receipt),
    /// This form (or this Open311 body) was sent before: nothing new was stored, and the
    /// receipt is not shown again (whoever resends a form learns nothing of its report).
    Again,
}

/// What tracking shows: where the case stands, never what it says or who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// The reference asked about.
    pub reference: String,
    /// Where it stands (of the case it was joined with, if it was).
    pub status: Status,
    /// Its category slug.
    pub category: String,
    /// It was joined with another report of the same problem.
    pub joined: bool,
    /// The agency responsible, once routed.
    pub agency: Option<String>,
    /// The office on the agency's ladder now holding it.
    pub office: Option<String>,
    /// When it was received.
    pub received: Day,
    /// When anything last happened to it.
    pub updated: Day,
    /// When the office holding it should answer.
    pub due: Option<Day>,
    /// The questions the organisation asked the reporter, oldest first (never who asked).
    pub questions: Vec<String>,
}

/// The public face's intake device, as the rules use it.
pub(crate) struct Desk {
    pub(crate) device: Device,
    code: DeviceCode,
    pub(crate) actor: ActorId,
}

/// The notes the intake device added to a case.
fn desk_notes(case: &Grievance) -> usize {
    case.timeline
        .iter()
        .filter(|e| e.by.user == INTAKE_PERSON && matches!(e.event, Event::Note { .. }))
        .count()
}

/// Who the intake device's entries name.
fn intake_actor() -> Actor {
    Actor {
        user: INTAKE_PERSON.into(),
        device: "public intake".into(),
        agency: None,
    }
}

impl Core {
    /// A cryptographic generator seeded from the injected randomness (for ids and sealing).
    pub(crate) fn crypto_rng(&self) -> rand::rngs::StdRng {
        let mut seed = [0u8; 32];
        self.random(&mut seed);
        rand::rngs::StdRng::from_seed(seed)
    }

    fn public(&self) -> Result<&Public> {
        self.public.as_ref().ok_or_else(|| {
            Error::refused(
                ErrorCode::UnknownOrg,
                "this server takes no reports from the public (no public organisation is set)",
            )
        })
    }

    /// Take one attempt of `what` by `who` if fewer than `limit` were taken in the last
    /// `minutes` minutes (at most 60), inside the caller's transaction: a sliding window, so no
    /// hour's boundary lets twice the limit through. A refused attempt is not kept, so an
    /// address that keeps trying (a carrier's NAT, an integration retrying) is served again as
    /// soon as its oldest taken attempt leaves the window. Counted in the database, so a limit
    /// holds across instances, under [`Core::limit_key`]: no address is stored.
    pub(crate) fn attempt(
        &self,
        tx: &mut dyn Tx,
        what: &str,
        who: &str,
        minutes: i64,
        limit: u32,
    ) -> Result<bool> {
        let minute = self.now().div_euclid(60_000);
        let since = minute - minutes + 1;
        let day = minute.div_euclid(MINUTES_A_DAY);
        let key = self.limit_key(what, who, day);
        // Counted first and taken back when over: concurrent attempts wait on the one row.
        let mut taken = tx.count_attempt(&key, minute, since, minute - 60)?;
        if since.div_euclid(MINUTES_A_DAY) < day {
            // The window reaches into yesterday, whose attempts are under yesterday's key.
            taken = taken.saturating_add(tx.attempts(&self.limit_key(what, who, day - 1), since)?);
        }
        if taken > limit {
            tx.undo_attempt(&key, minute)?;
            return Ok(false);
        }
        Ok(true)
    }

    /// The key attempts of `what` by `who` (an address, a sender's hash) are counted under on
    /// `day` (days since 1970): `what` and a hash of `who` keyed with a key of the day, itself
    /// keyed with the server's secret. The rate-limit rows name no address, and the same
    /// address is not the same row from one day to the next.
    fn limit_key(&self, what: &str, who: &str, day: i64) -> String {
        let day_key = keyed(&self.secret, b"limit-day", &day.to_be_bytes());
        let hashed = keyed(&day_key, what.as_bytes(), who.as_bytes());
        format!("{what}:{}", hex_of(&hashed[..16]))
    }

    /// Blank the sender hashes of messages received more than a day ago (they join follow-ups
    /// only within a day). Done at each message, and by the server at start and every hour,
    /// so a hash does not outlive its day when no message follows.
    pub fn forget_senders(&self) -> Result<()> {
        let before = self.now() - FOLLOW_UP_MS;
        self.write(|tx| tx.forget_senders(before))
    }

    /// A fresh report form's token for `client` (the address it is given to, as the rate
    /// limits count it): when it was given, a nonce, and the server's signature over both and
    /// the client. Sending the form back proves it came from our page to the same client, no
    /// sooner than a person fills it.
    pub fn form_token(&self, client: &str) -> Result<String> {
        use base64::Engine as _;
        let mut body = [0u8; 20];
        body[..8].copy_from_slice(&self.now().to_be_bytes());
        self.random(&mut body[8..]);
        let mac = self.form_mac(&body, client);
        let mut token = body.to_vec();
        token.extend_from_slice(&mac[..16]);
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token))
    }

    /// The signature of a form token's `body` given to `client`: the client enters it only as
    /// a keyed hash, so the token names no address.
    fn form_mac(&self, body: &[u8; 20], client: &str) -> [u8; 32] {
        let who = keyed(&self.secret, b"form-client", client.as_bytes());
        let mut signed = body.to_vec();
        signed.extend_from_slice(&who);
        keyed(&self.secret, b"form", &signed)
    }

    /// Check a form's token sent back by `client`: its nonce (the submission's id: sending one
    /// form twice files one case), or why it is refused (a token given to another client is
    /// refused as one not ours).
    pub fn check_form_token(&self, token: &str, client: &str) -> Result<String> {
        use base64::Engine as _;
        let refused = |why: &str| Error::refused(ErrorCode::FormRefused, why);
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| refused("the form is not ours: open the report page again"))?;
        if bytes.len() != 36 {
            return Err(refused("the form is not ours: open the report page again"));
        }
        let mut body = [0u8; 20];
        body.copy_from_slice(&bytes[..20]);
        let mac = self.form_mac(&body, client);
        if !bool::from(mac[..16].ct_eq(&bytes[20..])) {
            return Err(refused("the form is not ours: open the report page again"));
        }
        let mut at = [0u8; 8];
        at.copy_from_slice(&bytes[..8]);
        let age = self.now() - i64::from_be_bytes(at);
        let public = self.public()?;
        if age < i64::from(public.min_fill_secs) * 1000 {
            return Err(Error::refused(
                ErrorCode::TooFast,
                "that was sent too quickly: read the form, then send it",
            ));
        }
        if age > FORM_LIFETIME_MS {
            return Err(refused(
                "the form was open too long: your words are below, send them again",
            ));
        }
        Ok(hex_of(&bytes[8..20]))
    }

    /// The PIN of a case: 40 bits of its id under the server's secret.
    fn pin_of(&self, doc_id: Uuid) -> String {
        receipts::pin_of(&self.secret, doc_id)
    }

    /// A sender's number as the server keeps it for a day (to join follow-ups): a hash keyed
    /// with the server's secret. Whoever holds the database holds the key too and could try
    /// every number, so the hash is blanked after a day (`forget_senders`).
    pub(crate) fn sender_key(&self, phone: &Phone) -> [u8; 32] {
        keyed(&self.secret, b"sender", phone.as_str().as_bytes())
    }

    /// The organisation's intake device, made on first use (in the caller's transaction, with
    /// the organisation's row held so two instances make one).
    pub(crate) fn desk(&self, tx: &mut dyn Tx, org_id: i64) -> Result<Desk> {
        tx.lock_org(org_id)?;
        let row = match tx.intake_device(org_id)? {
            Some(row) => row,
            None => {
                tx.insert_person(&self.new_id().to_string(), org_id, INTAKE_PERSON)?;
                let person = tx
                    .person_by_name(org_id, INTAKE_PERSON)?
                    .ok_or_else(|| Error::internal("the intake person just added is missing"))?;
                let device_code = loop {
                    let candidate = self.random_code(3);
                    if !tx.device_code_taken(&candidate)? {
                        break candidate;
                    }
                };
                let mut actor = [0u8; 16];
                self.random(&mut actor);
                let mut nobody = [0u8; 32];
                self.random(&mut nobody);
                let id = self.new_id();
                let unusable = Sha256::digest(nobody).to_vec();
                tx.insert_device(&NewDevice {
                    id,
                    org_id,
                    role: Role::Volunteer.as_str(),
                    user: INTAKE_PERSON,
                    name: "public intake",
                    device_code: &device_code,
                    secret_hash: &unusable,
                    created_at: self.now(),
                    person_id: &person,
                    actor: &hex_of(&actor),
                    code_hash: &unusable,
                })?;
                tx.insert_intake_device(org_id, id)?;
                tx.intake_device(org_id)?
                    .ok_or_else(|| Error::internal("the intake device just added is missing"))?
            }
        };
        Ok(Desk {
            device: Device {
                id: Uuid::parse_str(&row.device_id).map_err(Error::internal)?,
                org_id,
                role: Role::Volunteer,
                person_id: row.person_id,
            },
            code: DeviceCode::parse(&row.device_code).map_err(Error::internal)?,
            actor: ActorId::from(
                hex_bytes(&row.actor).ok_or_else(|| Error::internal("intake actor"))?,
            ),
        })
    }

    fn org(&self, tx: &mut dyn Tx) -> Result<(i64, OrgPublicKey)> {
        let name = &self.public()?.org;
        let (id, key) = tx.org_by_name(name)?.ok_or_else(|| {
            Error::refused(
                ErrorCode::UnknownOrg,
                format!("the public organisation '{name}' is not known here yet: enrol its first coordinator"),
            )
        })?;
        Ok((id, OrgPublicKey::parse(&key).map_err(Error::internal)?))
    }

    /// File a case from `capture` as the intake device; its receipt.
    fn file(
        &self,
        tx: &mut dyn Tx,
        input: &GrievanceInput,
        intake: Intake,
    ) -> Result<(Uuid, Receipt)> {
        let (org_id, key) = self.org(tx)?;
        let desk = self.desk(tx, org_id)?;
        let mut seed = [0u8; 32];
        self.random(&mut seed);
        let mut rng = rand::rngs::StdRng::from_seed(seed);
        let at = Timestamp::from_millis(self.now());
        let by = intake_actor();
        let stamp = Stamp {
            id: EntryId::generate(at, &mut rng),
            at,
            by: by.clone(),
        };
        let links = Links {
            intake: Some(intake),
            ..Links::default()
        };
        let mut case = Grievance::capture(input, links, stamp, &key, &mut rng)
            .map_err(|e| Error::refused(ErrorCode::InvalidRequest, e.to_string()))?;
        let state = geo::state(&case.place.state).map_err(Error::internal)?;
        // The next number whose code no receipt holds yet (one from before references were
        // permuted could).
        let reference = loop {
            let number = public_number(&self.secret, &desk.code, tx.next_intake_seq(org_id)?);
            let text = format!("{}-{}-{number}", state.code, desk.code.as_str());
            let code = ReferenceCode::parse(&text).map_err(Error::internal)?;
            if tx.receipt(org_id, code.as_str())?.is_none() {
                break code;
            }
        };
        case.reference = reference.as_str().to_string();
        let id = case.id;
        case.note_actor(&desk.actor.to_hex_string(), &by);
        let mut doc = document::create(&desk.actor, &case, at).map_err(Error::internal)?;
        self.store(tx, &desk, id.uuid(), &mut doc)?;
        tx.insert_receipt(org_id, reference.as_str(), id.uuid(), at.millis())?;
        let pin = self.pin_of(id.uuid());
        Ok((
            id.uuid(),
            Receipt {
                reference: reference.as_str().to_string(),
                pin,
            },
        ))
    }

    /// Store the desk's document through the path every push takes.
    pub(crate) fn store(
        &self,
        tx: &mut dyn Tx,
        desk: &Desk,
        id: Uuid,
        doc: &mut automerge::AutoCommit,
    ) -> Result<()> {
        let push = Push {
            doc_id: id,
            kind: RecordKind::Grievance,
            changes: vec![doc.save().into()],
        };
        records::store_own(tx, &desk.device, &push, self.now())
    }

    /// The receipt of a case the desk filed.
    fn receipt_of(&self, tx: &mut dyn Tx, org_id: i64, id: Uuid) -> Result<Receipt> {
        let case = self
            .case(tx, org_id, id)?
            .ok_or_else(|| Error::internal("a message's case is missing"))?;
        Ok(Receipt {
            reference: case.reference,
            pin: self.pin_of(id),
        })
    }

    /// The case a receipt (reference and PIN) names, if both are right: an unknown reference
    /// and a wrong PIN cost the same work (a PIN is computed and compared either way).
    fn receipt_holder(
        &self,
        tx: &mut dyn Tx,
        org_id: i64,
        reference: &str,
        pin: &str,
    ) -> Result<Option<Uuid>> {
        let found = if reference.len() <= 20 {
            tx.receipt(org_id, reference)?
        } else {
            None
        };
        Ok(receipts::holder(&self.secret, found, pin))
    }

    fn case(&self, tx: &mut dyn Tx, org_id: i64, id: Uuid) -> Result<Option<Grievance>> {
        records::org_record(tx, org_id, id)
    }

    /// File a citizen's report from the web page (`via` [`Intake::Web`]) or an Open311
    /// client (`via` [`Intake::Open311`]). `client` is where it came from (at most
    /// [`Public::reports_per_hour`] per hour); `submission` is the form's id: the same form
    /// sent twice files one case, and the second answer says so without its receipt.
    pub fn report(
        &self,
        client: &str,
        submission: &str,
        via: Intake,
        report: &GrievanceInput,
    ) -> std::result::Result<Filed, Refused> {
        self.report_to(client, submission, via, report, None)
    }

    /// [`Core::report`], and the reporter asked to be told by SMS how it moves (`updates`:
    /// through which provider, in which language): their phone is kept for that while the case
    /// is open (see [`crate::updates`]). An anonymous report, or one with no phone, keeps none.
    pub fn report_to(
        &self,
        client: &str,
        submission: &str,
        via: Intake,
        report: &GrievanceInput,
        updates: Option<UpdatesTo<'_>>,
    ) -> std::result::Result<Filed, Refused> {
        let public = self.public()?;
        let limit = match via {
            Intake::Open311 => public.integration_reports_per_hour,
            _ => public.reports_per_hour,
        };
        let input = check(report).map_err(Refused::Problems)?;
        let provider = via.as_str();
        let now = self.now();
        Ok(self.write(|tx| {
            let (org_id, _) = self.org(tx)?;
            // No sender is kept for a web or Open311 report: nothing ties it to an address.
            // A form already filed is answered so, and costs no attempt (a double click).
            if tx.claim_message(provider, submission, &[], now)?.is_some() {
                return Ok(Filed::Again);
            }
            // Refused over the limit by rolling the whole transaction back: the claim goes
            // too, so the same form is taken once the limit allows.
            if !self.attempt(tx, "report", client, 60, limit)? {
                return Err(Error::refused(
                    ErrorCode::RateLimited,
                    "too many reports have come from here this hour: try again later",
                ));
            }
            let (id, receipt) = self.file(tx, &input, via)?;
            tx.set_message_case(provider, submission, id)?;
            let phone = input
                .reporter_phone
                .as_deref()
                .filter(|_| !input.anonymous)
                .and_then(|p| Phone::parse(p).ok());
            if let (Some(to), Some(phone)) = (updates, phone) {
                let case = self
                    .case(tx, org_id, id)?
                    .ok_or_else(|| Error::internal("a report's case is missing"))?;
                crate::updates::subscribe(
                    tx,
                    &case,
                    org_id,
                    phone.as_str(),
                    &self.sender_key(&phone),
                    to.provider,
                    to.lang,
                    now,
                )?;
            }
            Ok(Filed::New(receipt))
        })?)
    }

    /// File a message from an SMS or WhatsApp provider (its authenticity checked by the
    /// caller): a new case, or a follow-up of the sender's case of the last day, or nothing
    /// new when the provider sent it before. At most [`Public::messages_per_hour`] messages
    /// from one sender are filed per hour; the rest are dropped (answered, so the provider
    /// stops sending them).
    pub fn message(&self, message: &Message<'_>) -> Result<Delivered> {
        let public = self.public()?.clone();
        let number = message.from.trim().trim_start_matches("whatsapp:");
        let Ok(phone) = Phone::parse(number) else {
            return Ok(Delivered::Ignored);
        };
        let text: String = message.text.trim().chars().take(MAX_NARRATIVE).collect();
        let id = message.id.trim();
        if text.is_empty()
            || id.is_empty()
            || id.chars().count() > 200
            || refuse_controls("message id", id, false).is_err()
        {
            return Ok(Delivered::Ignored);
        }
        if refuse_controls("message", &text, true).is_err() {
            return Ok(Delivered::Unreadable);
        }
        let sender = self.sender_key(&phone);
        let who = hex_of(&sender[..16]);
        let now = self.now();
        self.write(|tx| {
            let (org_id, _) = self.org(tx)?;
            // Held from here: two messages of one sender at once make one case.
            tx.lock_org(org_id)?;
            tx.forget_senders(now - FOLLOW_UP_MS)?;
            if tx
                .claim_message(message.provider, id, &sender, now)?
                .is_some()
            {
                return Ok(Delivered::Again);
            }
            // No more status messages to this phone.
            if crate::updates::is_stop(&text) {
                tx.drop_subscriptions(None, Some(&sender))?;
                return Ok(Delivered::Stopped);
            }
            // "Was it solved?" answered from the case's own phone.
            if let Some((confirmed, reference)) =
                self.answer_by_message(tx, org_id, &sender, &text)?
            {
                return Ok(Delivered::Answered {
                    confirmed,
                    reference,
                });
            }
            // An agency acknowledging a case from the phone the organisation registered for it.
            if let Some((acked, case)) = self.ack_by_message(tx, org_id, &sender, &text)? {
                if let Some(case) = case {
                    tx.set_message_case(message.provider, id, case)?;
                }
                return Ok(Delivered::Acked(acked));
            }
            if !self.attempt(tx, "message", &who, 60, public.messages_per_hour)? {
                return Ok(Delivered::Ignored);
            }
            let open_case = match tx.recent_case_from(&sender, now - FOLLOW_UP_MS)? {
                // A follow-up joins a case still being worked on, with room for it; a closed or
                // rejected case is not reopened behind the triage queue's back.
                Some(case) => self
                    .case(tx, org_id, case)?
                    .filter(|c| {
                        c.status().current.awaits_action() && desk_notes(c) < MAX_DESK_NOTES
                    })
                    .map(|_| case),
                None => None,
            };
            if let Some(case) = open_case {
                self.add_note(tx, org_id, case, follow_up(message.intake, &text))?;
                tx.set_message_case(message.provider, id, case)?;
                return Ok(Delivered::FollowUp(self.receipt_of(tx, org_id, case)?));
            }
            let place = place_named(&text, &public.home);
            let input = GrievanceInput {
                kind: Kind::Complaint.as_str().into(),
                category: "other".into(),
                state: place.state.code.into(),
                lga: place.name.into(),
                title: title_of(&text),
                narrative: text.clone(),
                channel: Some(
                    match message.intake {
                        Intake::WhatsApp => Channel::SocialMedia,
                        _ => Channel::Sms,
                    }
                    .as_str()
                    .into(),
                ),
                reporter_phone: Some(phone.as_str().into()),
                seal_identity: true,
                // Writing in is asking to be answered on that number.
                consent_purpose_explained: true,
                consent_may_contact: true,
                ..GrievanceInput::default()
            };
            let (case, receipt) = self.file(tx, &input, message.intake)?;
            tx.set_message_case(message.provider, id, case)?;
            // Writing in is asking to hear back on that number, where a provider can send to
            // it (Twilio's replies ride only in its webhook's answer).
            if message.provider != crate::webhooks::TWILIO {
                let filed = self
                    .case(tx, org_id, case)?
                    .ok_or_else(|| Error::internal("a message's case is missing"))?;
                crate::updates::subscribe(
                    tx,
                    &filed,
                    org_id,
                    phone.as_str(),
                    &sender,
                    message.provider,
                    "en",
                    now,
                )?;
            }
            Ok(Delivered::New(receipt))
        })
    }

    /// Add a note to a case's timeline as the intake device.
    fn add_note(&self, tx: &mut dyn Tx, org_id: i64, id: Uuid, note: String) -> Result<()> {
        self.edit_as_intake(tx, org_id, id, |case, stamp| {
            case.record(Event::Note { text: note }, stamp());
            Ok(())
        })
    }

    /// Change a case as the intake device (its entries name the public intake).
    fn edit_as_intake(
        &self,
        tx: &mut dyn Tx,
        org_id: i64,
        id: Uuid,
        change: impl FnOnce(
            &mut Grievance,
            &mut dyn FnMut() -> Stamp,
        ) -> citizens_core::error::Result<()>,
    ) -> Result<()> {
        let desk = self.desk(tx, org_id)?;
        let stored = tx
            .record(id, org_id)?
            .ok_or_else(|| Error::internal("a message's case is missing"))?;
        let mut doc = automerge::AutoCommit::load(&stored.snapshot)
            .map_err(Error::internal)?
            .with_actor(desk.actor.clone());
        let at = Timestamp::from_millis(self.now());
        let mut rng = self.crypto_rng();
        let mut change = Some(change);
        document::edit(&mut doc, at, |case: &mut Grievance| {
            let mut stamp = || Stamp {
                id: EntryId::generate(at, &mut rng),
                at,
                by: intake_actor(),
            };
            match change.take() {
                Some(change) => change(case, &mut stamp),
                None => Ok(()),
            }
        })
        .map_err(Error::internal)?;
        self.store(tx, &desk, id, &mut doc)
    }

    /// The reporter's answer to "was it solved?" (`1` yes, `2` no, then any words), from the
    /// phone of a case resolved and waiting for it: yes closes it, no reopens it with their
    /// words, as a volunteer's call-back does. `None` when no case of that phone waits for
    /// an answer (the message is then like any other).
    fn answer_by_message(
        &self,
        tx: &mut dyn Tx,
        org_id: i64,
        sender: &[u8],
        text: &str,
    ) -> Result<Option<(bool, String)>> {
        let mut words = text.trim().splitn(2, char::is_whitespace);
        let confirmed = match words.next() {
            Some("1") => true,
            Some("2") => false,
            _ => return Ok(None),
        };
        let said = words.next().map(str::trim).filter(|w| !w.is_empty());
        for id in tx.subscribed_cases(sender)? {
            let Some(case) = self.case(tx, org_id, id)? else {
                continue;
            };
            if case.status().current != Status::Resolved {
                continue;
            }
            let note = match (said, confirmed) {
                (Some(words), _) => format!("By message: {words}"),
                (None, true) => "By message: yes, it is solved".to_string(),
                (None, false) => "By message: no, it is not solved".to_string(),
            };
            self.edit_as_intake(tx, org_id, id, |case, stamp| {
                case.call_back(confirmed, &note, stamp)
            })?;
            return Ok(Some((confirmed, case.reference)));
        }
        Ok(None)
    }

    /// Where a case stands, for whoever holds its receipt. An unknown reference and a wrong
    /// PIN answer alike (`None`), after the same work; at most [`Public::tracks_per_hour`]
    /// attempts per hour from one address.
    pub fn track(&self, client: &str, reference: &str, pin: &str) -> Result<Option<Tracked>> {
        Ok(self
            .with_receipt(client, reference, pin, |_, _, _| Ok(()))?
            .map(|(tracked, ())| tracked))
    }

    /// Add to a report what its citizen forgot, or their answer to a question, from the track
    /// page: for the whole receipt only (`None` for an unknown reference or a wrong PIN,
    /// whatever the text, after the same work, counted with tracking's tries). It lands on
    /// their own case's timeline as a follow-up by the public intake, as a message's follow-up
    /// does; their identity stays as sealed as before. Where the case stands afterwards, and
    /// why nothing was added, if it was not.
    pub fn add(
        &self,
        client: &str,
        (reference, pin): (&str, &str),
        text: &str,
    ) -> Result<Option<(Tracked, Option<NotAdded>)>> {
        let text = text.trim();
        self.with_receipt(client, reference, pin, |tx, org_id, id| {
            if let Some(problem) = validation::account_problem(text) {
                return Ok(Some(NotAdded::Problem(problem)));
            }
            let case = self
                .case(tx, org_id, id)?
                .ok_or_else(|| Error::internal("a receipt's case is missing"))?;
            if desk_notes(&case) >= MAX_DESK_NOTES {
                return Ok(Some(NotAdded::Full));
            }
            self.add_note(tx, org_id, id, follow_up(Intake::Web, text))?;
            Ok(None)
        })
    }

    /// Check a receipt (at most [`Public::tracks_per_hour`] tries per hour from one address),
    /// do `then` to its case, and say where the case stands, with what `then` made.
    fn with_receipt<T>(
        &self,
        client: &str,
        reference: &str,
        pin: &str,
        mut then: impl FnMut(&mut dyn Tx, i64, Uuid) -> Result<T>,
    ) -> Result<Option<(Tracked, T)>> {
        let public = self.public()?.clone();
        let reference = reference.trim().to_ascii_uppercase();
        let pin = canonical_pin(pin);
        let taken =
            self.write(|tx| self.attempt(tx, "track", client, 60, public.tracks_per_hour))?;
        if !taken {
            return Err(Error::refused(
                ErrorCode::RateLimited,
                "too many tries from here this hour: try again later",
            ));
        }
        self.write(|tx| {
            let (org_id, _) = self.org(tx)?;
            let Some(id) = self.receipt_holder(tx, org_id, &reference, &pin)? else {
                return Ok(None);
            };
            let made = then(tx, org_id, id)?;
            let Some(mine) = self.case(tx, org_id, id)? else {
                return Ok(None);
            };
            let joined = mine.merged_into.or(mine.duplicate_of);
            let case = match joined {
                Some(other) => self.case(tx, org_id, other.uuid())?.unwrap_or(mine.clone()),
                None => mine.clone(),
            };
            let agency = match case.agency {
                Some(a) => records::org_record::<Agency>(tx, org_id, a.uuid())?,
                None => None,
            };
            let rulebook = records::org_record::<Rulebook>(tx, org_id, Rulebook::id())?;
            let status = case.status().current;
            let due = match (&agency, &rulebook, status.awaits_action()) {
                (Some(agency), Some(book), true) => case.sla_due(agency, &book.calendar()),
                _ => None,
            };
            let tracked = Tracked {
                reference: mine.reference.clone(),
                status,
                category: case.category.clone(),
                joined: joined.is_some(),
                office: agency
                    .as_ref()
                    .and_then(|a| case.current_office(a))
                    .map(str::to_string),
                agency: agency.map(|a| a.name),
                received: Day::from_date(mine.created_at.date()),
                updated: Day::from_date(case.updated_at().date()),
                due,
                questions: mine.questions_for_reporter().map(str::to_string).collect(),
            };
            Ok(Some((tracked, made)))
        })
    }

    /// An agency's update on a case the public face took in (Open311's
    /// `servicerequestupdates`, FixMyStreet's pattern): it lands on the case's timeline. Only
    /// for the whole receipt (`reference` and its `pin`) of a case routed to `agency` (the
    /// agency the integration's key names): an unknown reference, a wrong PIN and another
    /// agency's case are answered alike, after the same work. An update id sent again is
    /// taken once. Whether it was new.
    pub fn agency_update(
        &self,
        agency: &str,
        (reference, pin): (&str, &str),
        update_id: &str,
        status: &str,
        description: &str,
    ) -> Result<bool> {
        let not_yours = || Error::refused(ErrorCode::Forbidden, "no request of yours has that id");
        let reference = reference.trim().to_ascii_uppercase();
        let pin = canonical_pin(pin);
        let update_id = update_id.trim();
        if update_id.is_empty() || update_id.chars().count() > 200 {
            return Err(Error::refused(
                ErrorCode::InvalidRequest,
                "give an update_id of at most 200 characters",
            ));
        }
        for (field, text, lines) in [
            ("update_id", update_id, false),
            ("status", status, false),
            ("description", description, true),
        ] {
            refuse_controls(field, text, lines)
                .map_err(|e| Error::refused(ErrorCode::InvalidRequest, e.to_string()))?;
        }
        let text: String = description.trim().chars().take(MAX_NARRATIVE).collect();
        let status: String = status.trim().chars().take(40).collect();
        let now = self.now();
        self.write(|tx| {
            let (org_id, _) = self.org(tx)?;
            let Some(id) = self.receipt_holder(tx, org_id, &reference, &pin)? else {
                return Err(not_yours());
            };
            let case = self.case(tx, org_id, id)?.ok_or_else(not_yours)?;
            let routed = match case.agency {
                Some(a) => records::org_record::<Agency>(tx, org_id, a.uuid())?,
                None => None,
            };
            if routed.is_none_or(|a| a.short_name != agency) {
                return Err(not_yours());
            }
            let provider = format!("open311-update:{agency}");
            if tx.claim_message(&provider, update_id, &[], now)?.is_some() {
                return Ok(false);
            }
            if desk_notes(&case) >= MAX_DESK_NOTES {
                return Err(Error::refused(
                    ErrorCode::Forbidden,
                    "this request has had as many updates as it may take",
                ));
            }
            let note = format!("Update from {agency} (Open311, {status}): {text}");
            self.add_note(tx, org_id, id, note)?;
            tx.set_message_case(&provider, update_id, id)?;
            Ok(true)
        })
    }

    /// The directory and the civic articles as the public face's organisation keeps them (its
    /// own corrections to the shipped records included; the shipped records when the server
    /// takes no public reports), read at most every five minutes.
    pub fn directory(&self) -> Result<Directory> {
        self.directory
            .get(self.now(), DIRECTORY_FOR_MS, || self.read_directory())
    }

    fn read_directory(&self) -> Result<Directory> {
        let shipped = |e: citizens_core::Error| Error::internal(format!("shipped data: {e}"));
        let agencies = citizens_core::seed::agencies().map_err(shipped)?;
        let articles = citizens_core::seed::articles().map_err(shipped)?;
        if self.public.is_none() {
            return Ok(std::sync::Arc::new((agencies, articles)));
        }
        self.write(|tx| {
            let (org_id, _) = self.org(tx)?;
            let kept = records::org_agencies(tx, org_id)?;
            let mut texts = Vec::with_capacity(articles.len());
            for a in &articles {
                texts.push(
                    records::org_record(tx, org_id, a.id.uuid())?.unwrap_or_else(|| a.clone()),
                );
            }
            Ok(std::sync::Arc::new((kept, texts)))
        })
    }
}

/// Why a citizen's words were not added to their case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAdded {
    /// What is wrong with the words (the account's problems).
    Problem(Problem),
    /// The case holds as many of the public's additions as it can.
    Full,
}

/// A report refused: what is wrong with it, or why the server would not file it.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// What is wrong with it, per field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Problems(Vec<Problem>),
    /// Refused by the server (too many, a stale form) or its storage failing.
    #[error(transparent)]
    Server(#[from] Error),
}

/// A citizen's own words added to their case, as its timeline shows them.
fn follow_up(via: Intake, text: &str) -> String {
    format!("Follow-up by {}: {text}", via.as_str())
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
