//! The agency desk's rules: an agency's liaison officers answer the cases forwarded to their
//! agency inside the system. A coordinator invites an officer (a one-time code naming the
//! person and the agency); the officer sets a passphrase (Argon2id) and a second factor
//! (TOTP, [`totp`]), then signs in to a session that ends after 30 idle minutes or 12 hours,
//! from every device at once on request, and with the officer's revocation. Five wrong
//! sign-ins lock an account for 15 minutes; an address gets 30 tries an hour. An officer
//! sees only their organisation's cases forwarded to their agency, as much of each as the
//! reporter's consent allows, and their answers land on the case as the agency's own entries
//! (see `citizens_core::answers`), written by the server through the path every push takes.

pub mod totp;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use citizens_core::agency::Agency;
use citizens_core::answers::{Answer, Unanswerable};
use citizens_core::clock::{Day, Timestamp};
use citizens_core::document;
use citizens_core::grievance::{Event, Grievance, Kind, Stamp};
use citizens_core::ids::EntryId;
use citizens_core::lifecycle::{Actor, Status};
use citizens_core::rulebook::Rulebook;
use citizens_protocol::{ErrorCode, CODE_ALPHABET};
use uuid::Uuid;

use crate::enrolment::hash;
use crate::intake::{keyed, INTAKE_PERSON};
use crate::persistence::{OfficerKey, OfficerRow, Tx};
use crate::{records, Core, Error, Result};

/// Wrong sign-ins before an account waits.
pub const MAX_FAILURES: i64 = 5;
/// How long it waits (ms).
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Sign-in and set-up tries per address per hour.
pub const TRIES_PER_HOUR: u32 = 30;
/// A session ends after this long without a request (ms).
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after sign-in, whatever (ms).
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
/// Shortest passphrase (OWASP ASVS 2.1.1).
pub const MIN_PASSPHRASE: usize = 12;
/// Longest passphrase.
pub const MAX_PASSPHRASE: usize = 128;
/// Characters of a set-up code.
const CODE_CHARS: usize = 16;

/// What `citizens-server enroll --role agency` asks for.
#[derive(Debug, Clone, Copy)]
pub struct NewOfficer<'a> {
    /// Organisation name.
    pub org: &'a str,
    /// The agency, by its short name in the organisation's directory (`KEDCO`).
    pub agency: &'a str,
    /// The officer's name.
    pub user: &'a str,
    /// A phone to register for them: its `ACK` messages acknowledge the agency's cases.
    pub phone: Option<&'a str>,
    /// How long the set-up code works.
    pub valid_for: std::time::Duration,
}

/// What an agency's `ACK` message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acked {
    /// The case with this reference is acknowledged (now, or before).
    Done(String),
    /// No case of the agency has that code (or it cannot be acknowledged now).
    Unknown(String),
}

/// `ACK <case code> [the agency's reference]`, as an agency's registered phone sends it: the
/// code (the case's reference, dashes optional, any case) and the reference.
fn ack_of(text: &str) -> Option<(String, Option<String>)> {
    let mut words = text.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("ACK") {
        return None;
    }
    let code: String = words
        .next()?
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    let rest: Vec<&str> = words.collect();
    let reference = (!rest.is_empty()).then(|| rest.join(" ").chars().take(100).collect());
    Some((code, reference))
}

/// An invitation to the desk: the sign-in name and the one-time set-up code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The sign-in name.
    pub login: String,
    /// The set-up code.
    pub code: String,
}

/// A line of `citizens-server officers list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OfficerListing {
    /// Sign-in name.
    pub login: String,
    /// Name.
    pub name: String,
    /// Organisation.
    pub organisation: String,
    /// Agency short name.
    pub agency: String,
    /// `invited`, `active`, `locked` or `revoked`.
    pub state: &'static str,
}

/// A signed-in officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: i64,
    /// Agency.
    pub agency: Uuid,
    /// The agency's short name.
    pub agency_name: String,
    /// Name.
    pub name: String,
    /// Sign-in name.
    pub login: String,
    /// The session's hash.
    session: Vec<u8>,
}

/// Why a sign-in or set-up step was refused (the desk says it in the officer's language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Sign-in name, passphrase or code wrong, or the account waits (answered alike).
    WrongSignIn,
    /// The set-up code is unknown, used, expired or revoked (alike).
    UnknownCode,
    /// The passphrase is too short.
    ShortPassphrase,
    /// The passphrase is too long.
    LongPassphrase,
    /// The two passphrases differ.
    PassphrasesDiffer,
    /// The authenticator's code was not right.
    WrongCode,
}

impl Refused {
    /// Every reason, for the catalogues' completeness test.
    pub const ALL: [Refused; 6] = [
        Refused::WrongSignIn,
        Refused::UnknownCode,
        Refused::ShortPassphrase,
        Refused::LongPassphrase,
        Refused::PassphrasesDiffer,
        Refused::WrongCode,
    ];

    /// Its word in the catalogues.
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::WrongSignIn => "wrong_sign_in",
            Refused::UnknownCode => "unknown_code",
            Refused::ShortPassphrase => "short_passphrase",
            Refused::LongPassphrase => "long_passphrase",
            Refused::PassphrasesDiffer => "passphrases_differ",
            Refused::WrongCode => "wrong_code",
        }
    }
}

/// The second factor to set up: the secret as an authenticator app reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor {
    /// The sign-in name.
    pub login: String,
    /// The secret in base 32 (typed into the app).
    pub secret: String,
    /// The `otpauth://` address (a QR code of it, or a link on the phone itself).
    pub uri: String,
}

/// Which of the officer's cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Nothing from the agency yet.
    New,
    /// Past the ladder's time for the office holding it.
    Overdue,
    /// Someone wrote since the agency's latest entry.
    Awaiting,
    /// The agency wrote last, or it is resolved or closed.
    Answered,
    /// Every case.
    All,
}

impl Queue {
    /// Every queue, in the order the desk shows them.
    pub const ALL: [Queue; 5] = [
        Queue::New,
        Queue::Overdue,
        Queue::Awaiting,
        Queue::Answered,
        Queue::All,
    ];

    /// Its word (in addresses and catalogues).
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::New => "new",
            Queue::Overdue => "overdue",
            Queue::Awaiting => "awaiting",
            Queue::Answered => "answered",
            Queue::All => "all",
        }
    }

    /// The queue with this word.
    pub fn parse(word: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == word)
    }
}

/// One entry of a case as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskEntry {
    /// When (ms).
    pub at: i64,
    /// The officer who made it, for the agency's own entries (never a volunteer's name).
    pub officer: Option<String>,
    /// `forwarded`, `escalated`, `acknowledged`, `reply`, `question`, `declined`, `citizen`.
    pub kind: &'static str,
    /// Its words (an office, a reference, a reply).
    pub text: String,
}

/// A case as the desk shows it: what the organisation shares with the agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskCase {
    /// Record id (the desk's addresses name it).
    pub id: Uuid,
    /// Reference.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: Kind,
    /// Category key.
    pub category: String,
    /// State, LGA and ward.
    pub place: String,
    /// Received.
    pub received: Day,
    /// The office on the agency's ladder now holding it.
    pub office: Option<String>,
    /// When the office's time runs out.
    pub due: Option<Day>,
    /// Past it.
    pub overdue: bool,
    /// Status.
    pub status: Status,
    /// Its queue (new, awaiting, answered).
    pub queue: Queue,
    /// The agency acknowledged it on the desk.
    pub acknowledged: bool,
    /// The citizen's account, when they consented to sharing it with the agency.
    pub narrative: Option<String>,
    /// The reporter's name and phone, when they consented, are not sealed, and the report is
    /// not about corruption.
    pub reporter: Option<(Option<String>, Option<String>)>,
    /// What the desk shows of its timeline, oldest first.
    pub entries: Vec<DeskEntry>,
}

fn argon2() -> Argon2<'static> {
    // OWASP's Argon2id setting: 19 MiB, 2 passes.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A passphrase checked against `stored` (none: against a made-up hash, for the same work).
fn passphrase_matches(stored: Option<&str>, typed: &str) -> bool {
    const NOBODY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$bm9ib2R5bm9ib2R5$N0FyTk9CT0RZT05FUkVBTExZS05PV1NUSElT";
    let stored = stored.unwrap_or(NOBODY);
    PasswordHash::new(stored).is_ok_and(|h| argon2().verify_password(typed.as_bytes(), &h).is_ok())
        && stored != NOBODY
}

/// A sign-in name's agency part: the short name's letters and digits.
fn login_stem(short_name: &str) -> String {
    let stem: String = short_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect::<String>()
        .to_ascii_uppercase();
    if stem.is_empty() {
        "AGENCY".into()
    } else {
        stem
    }
}

/// An agency's short name in its organisation's directory (its id when it is gone from it).
fn agency_name(tx: &mut dyn Tx, org_id: i64, agency: Uuid) -> Result<String> {
    Ok(records::org_record::<Agency>(tx, org_id, agency)?
        .map_or_else(|| agency.to_string(), |a| a.short_name))
}

/// The officer a stored row names, acting in the session with this hash (none: by SMS).
fn officer_of(tx: &mut dyn Tx, row: OfficerRow, session: Vec<u8>) -> Result<Officer> {
    Ok(Officer {
        agency_name: agency_name(tx, row.org_id, row.agency)?,
        id: row.id,
        org_id: row.org_id,
        agency: row.agency,
        name: row.name,
        login: row.login,
        session,
    })
}

impl Core {
    /// Invite an officer of `agency` (a short name in the organisation's directory) to the
    /// desk: their sign-in name and a one-time set-up code.
    pub fn invite_officer(&self, new: &NewOfficer<'_>) -> Result<Invitation> {
        let user = new.user.trim();
        if user.is_empty() || user.chars().count() > 100 || user == INTAKE_PERSON {
            return Err(Error::refused(
                ErrorCode::InvalidUser,
                "name the officer this code is for (--user), in at most 100 characters",
            ));
        }
        citizens_core::text::refuse_controls("the officer's name", user, false)
            .map_err(|e| Error::refused(ErrorCode::InvalidUser, e.to_string()))?;
        let now = self.now();
        let code = self.random_code(CODE_CHARS);
        let id = self.new_id().to_string();
        let phone_hash = match new.phone {
            Some(text) => {
                let phone = citizens_core::phone::Phone::parse(text).map_err(|e| {
                    Error::refused(ErrorCode::InvalidRequest, format!("--phone: {e}"))
                })?;
                Some(self.sender_key(&phone).to_vec())
            }
            None => None,
        };
        let expires = i64::try_from(new.valid_for.as_millis()).unwrap_or(i64::MAX);
        self.write(|tx| {
            let (org_id, _) = tx.org_by_name(new.org)?.ok_or_else(|| {
                Error::refused(
                    ErrorCode::UnknownOrg,
                    format!("'{}' is not known here: enrol its first coordinator", new.org),
                )
            })?;
            let agencies = records::org_agencies(tx, org_id)?;
            let agency = agencies
                .iter()
                .find(|a| a.short_name.eq_ignore_ascii_case(new.agency.trim()))
                .ok_or_else(|| {
                    Error::refused(
                        ErrorCode::InvalidRequest,
                        format!(
                            "'{}' is not an agency in {}'s directory: give its short name, as the Agencies screen shows it",
                            new.agency, new.org
                        ),
                    )
                })?;
            if let Some(hash) = &phone_hash {
                if tx.officer(OfficerKey::Phone(hash))?.is_some() {
                    return Err(Error::refused(
                        ErrorCode::InvalidRequest,
                        "that phone is already registered for an officer: revoke them first",
                    ));
                }
            }
            let stem = login_stem(&agency.short_name);
            let login = loop {
                let candidate = format!("{stem}-{}", self.random_code(3));
                if tx.officer(OfficerKey::Login(&candidate))?.is_none() {
                    break candidate;
                }
            };
            tx.insert_officer(&OfficerRow {
                id: id.clone(),
                org_id,
                agency: agency.id.uuid(),
                name: user.to_string(),
                login: login.clone(),
                code_hash: hash(&code),
                code_expires_at: now.saturating_add(expires),
                passphrase: None,
                totp_secret: None,
                active: false,
                totp_step: 0,
                failures: 0,
                locked_until: 0,
                created_at: now,
                revoked_at: None,
                phone_hash: phone_hash.clone(),
            })?;
            Ok(Invitation {
                login,
                code: code.clone(),
            })
        })
    }

    /// Every officer, oldest first.
    pub fn officers(&self) -> Result<Vec<OfficerListing>> {
        let now = self.now();
        self.write(|tx| {
            let mut out = Vec::new();
            for o in tx.officers()? {
                let (organisation, _) = tx.org(o.org_id)?;
                let agency = agency_name(tx, o.org_id, o.agency)?;
                let state = match (&o.revoked_at, o.active, o.locked_until > now) {
                    (Some(_), _, _) => "revoked",
                    (None, false, _) => "invited",
                    (None, true, true) => "locked",
                    (None, true, false) => "active",
                };
                out.push(OfficerListing {
                    login: o.login,
                    name: o.name,
                    organisation,
                    agency,
                    state,
                });
            }
            Ok(out)
        })
    }

    /// Revoke an officer: every session ends now and none starts again. Whether they were
    /// active.
    pub fn revoke_officer(&self, login: &str) -> Result<bool> {
        let now = self.now();
        let login = login.trim().to_ascii_uppercase();
        self.write(|tx| {
            let Some(mut o) = tx.officer(OfficerKey::Login(&login))? else {
                return Err(Error::refused(
                    ErrorCode::InvalidUser,
                    format!("no officer signs in as '{login}'"),
                ));
            };
            tx.end_desk_sessions(&o.id, None)?;
            if o.revoked_at.is_some() {
                return Ok(false);
            }
            o.revoked_at = Some(now);
            tx.update_officer(&o)?;
            Ok(true)
        })
    }

    /// One try at the desk's doors from `client` (30 an hour).
    fn desk_try(&self, client: &str) -> Result<()> {
        if self.write(|tx| self.attempt(tx, "desk", client, 60, TRIES_PER_HOUR))? {
            Ok(())
        } else {
            Err(Error::refused(
                ErrorCode::RateLimited,
                "too many tries from here this hour: try again later",
            ))
        }
    }

    /// The officer a set-up code names, while it works.
    fn invited(tx: &mut dyn Tx, code: &str, now: i64) -> Result<Option<OfficerRow>> {
        let code: String = code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        if code.len() != CODE_CHARS || !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
            return Ok(None);
        }
        Ok(tx
            .officer(OfficerKey::Code(&hash(&code)))?
            .filter(|o| o.revoked_at.is_none() && !o.active && o.code_expires_at >= now))
    }

    /// Set-up, first step: the code and a passphrase (twice); the second factor's secret to
    /// put in an authenticator app. The account works once [`Core::confirm_officer`] proves it.
    pub fn set_up_officer(
        &self,
        client: &str,
        code: &str,
        passphrase: &str,
        again: &str,
    ) -> Result<std::result::Result<SecondFactor, Refused>> {
        self.desk_try(client)?;
        let length = passphrase.chars().count();
        let checked = if length < MIN_PASSPHRASE {
            Err(Refused::ShortPassphrase)
        } else if length > MAX_PASSPHRASE {
            Err(Refused::LongPassphrase)
        } else if passphrase != again {
            Err(Refused::PassphrasesDiffer)
        } else {
            Ok(())
        };
        let now = self.now();
        let mut salt = [0u8; 16];
        self.random(&mut salt);
        let mut secret = [0u8; 20];
        self.random(&mut secret);
        self.write(|tx| {
            let Some(mut o) = Self::invited(tx, code, now)? else {
                return Ok(Err(Refused::UnknownCode));
            };
            if let Err(why) = checked {
                return Ok(Err(why));
            }
            let salt = SaltString::encode_b64(&salt).map_err(Error::internal)?;
            let phc = argon2()
                .hash_password(passphrase.as_bytes(), &salt)
                .map_err(Error::internal)?
                .to_string();
            o.passphrase = Some(phc);
            o.totp_secret = Some(secret.to_vec());
            tx.update_officer(&o)?;
            let text = totp::base32(&secret);
            Ok(Ok(SecondFactor {
                uri: format!(
                    "otpauth://totp/Citizens%20Connect:{login}?secret={text}&issuer=Citizens%20Connect&digits=6&period=30",
                    login = o.login
                ),
                login: o.login,
                secret: text,
            }))
        })
    }

    /// Set-up, last step: the authenticator's code proves the second factor; the account
    /// works and the officer is signed in (a session token).
    pub fn confirm_officer(
        &self,
        client: &str,
        code: &str,
        typed: &str,
    ) -> Result<std::result::Result<String, Refused>> {
        self.desk_try(client)?;
        let now = self.now();
        self.write(|tx| {
            let Some(mut o) = Self::invited(tx, code, now)? else {
                return Ok(Err(Refused::UnknownCode));
            };
            let Some(secret) = o.totp_secret.clone() else {
                return Ok(Err(Refused::UnknownCode));
            };
            let Some(step) = totp::verify(&secret, typed, now, o.totp_step) else {
                return Ok(Err(Refused::WrongCode));
            };
            o.active = true;
            o.code_expires_at = 0;
            o.totp_step = step;
            tx.update_officer(&o)?;
            Ok(Ok(self.open_session(tx, &o.id, now)?))
        })
    }

    fn open_session(&self, tx: &mut dyn Tx, officer: &str, now: i64) -> Result<String> {
        let mut bytes = [0u8; 32];
        self.random(&mut bytes);
        let token = B64.encode(bytes);
        tx.insert_desk_session(&hash(&token), officer, now)?;
        Ok(token)
    }

    /// Sign in with the sign-in name, the passphrase and the authenticator's code: a session
    /// token. Anything wrong, or an account waiting after five wrong tries, is answered
    /// alike, after the same work.
    pub fn sign_in_officer(
        &self,
        client: &str,
        login: &str,
        passphrase: &str,
        typed: &str,
    ) -> Result<std::result::Result<String, Refused>> {
        self.desk_try(client)?;
        let now = self.now();
        let login = login.trim().to_ascii_uppercase();
        let found = self.write(|tx| {
            Ok(tx
                .officer(OfficerKey::Login(&login))?
                .filter(|o| o.active && o.revoked_at.is_none()))
        })?;
        // The passphrase is checked whoever asks (a made-up hash for nobody), so the time
        // taken tells nothing.
        let passphrase_ok = passphrase_matches(
            found.as_ref().and_then(|o| o.passphrase.as_deref()),
            passphrase,
        );
        let Some(found) = found else {
            return Ok(Err(Refused::WrongSignIn));
        };
        self.write(|tx| {
            let Some(mut o) = tx.officer(OfficerKey::Id(&found.id))? else {
                return Ok(Err(Refused::WrongSignIn));
            };
            if o.locked_until > now {
                return Ok(Err(Refused::WrongSignIn));
            }
            let step = o
                .totp_secret
                .as_deref()
                .and_then(|s| totp::verify(s, typed, now, o.totp_step));
            match (passphrase_ok, step) {
                (true, Some(step)) => {
                    o.failures = 0;
                    o.totp_step = step;
                    tx.update_officer(&o)?;
                    Ok(Ok(self.open_session(tx, &o.id, now)?))
                }
                _ => {
                    o.failures += 1;
                    if o.failures >= MAX_FAILURES {
                        o.failures = 0;
                        o.locked_until = now + LOCKOUT_MS;
                    }
                    tx.update_officer(&o)?;
                    Ok(Err(Refused::WrongSignIn))
                }
            }
        })
    }

    /// The officer a session token names, while the session lasts and the officer is not
    /// revoked (the request counts as activity).
    pub fn officer_of(&self, token: &str) -> Result<Option<Officer>> {
        let now = self.now();
        let session = hash(token);
        self.write(|tx| {
            let Some(s) = tx.desk_session(&session)? else {
                return Ok(None);
            };
            let Some(o) = tx.officer(OfficerKey::Id(&s.officer_id))? else {
                return Ok(None);
            };
            if o.revoked_at.is_some()
                || now - s.seen_at > IDLE_MS
                || now - s.created_at > SESSION_MS
            {
                tx.end_desk_sessions(&o.id, Some(&session))?;
                return Ok(None);
            }
            tx.touch_desk_session(&session, now)?;
            Ok(Some(officer_of(tx, o, session.clone())?))
        })
    }

    /// End this session, or every session of the officer.
    pub fn sign_out_officer(&self, officer: &Officer, everywhere: bool) -> Result<()> {
        self.write(|tx| {
            tx.end_desk_sessions(&officer.id, (!everywhere).then_some(&officer.session[..]))
        })
    }

    /// The token a desk form carries for this session (the session's hash, keyed with the
    /// server's secret): a form made elsewhere cannot carry it.
    pub fn desk_form_token(&self, officer: &Officer) -> String {
        B64.encode(&keyed(&self.secret, b"desk-form", &officer.session)[..18])
    }

    /// Whether a form carries this session's token.
    pub fn desk_form_ok(&self, officer: &Officer, token: &str) -> bool {
        crate::webhooks::same_secret(token, &self.desk_form_token(officer))
    }

    /// The officer's cases, most urgent first.
    pub fn desk_queue(&self, officer: &Officer) -> Result<Vec<DeskCase>> {
        let today = Day::from_date(Timestamp::from_millis(self.now()).date());
        self.write(|tx| {
            let (agency, book) = Self::desk_directory(tx, officer)?;
            let mut cases = Vec::new();
            for (_, snapshot) in tx.desk_cases(officer.org_id, officer.agency)? {
                let Ok(case) = Self::hydrate(&snapshot) else {
                    continue;
                };
                if let Some(c) = desk_view(&case, officer, agency.as_ref(), book.as_ref(), today) {
                    cases.push(c);
                }
            }
            cases.sort_by_key(|c| (!c.overdue, c.due, c.received, c.reference.clone()));
            Ok(cases)
        })
    }

    /// One of the officer's cases (`None` for any other: another agency's and a made-up one
    /// alike).
    pub fn desk_case(&self, officer: &Officer, id: Uuid) -> Result<Option<DeskCase>> {
        let today = Day::from_date(Timestamp::from_millis(self.now()).date());
        self.write(|tx| {
            let Some(case) = Self::officers_case(tx, officer, id)? else {
                return Ok(None);
            };
            let (agency, book) = Self::desk_directory(tx, officer)?;
            Ok(desk_view(
                &case,
                officer,
                agency.as_ref(),
                book.as_ref(),
                today,
            ))
        })
    }

    /// Do what the officer chose to one of their cases: `None` when it is not theirs (as for
    /// a made-up one), else whether it was taken.
    pub fn desk_answer(
        &self,
        officer: &Officer,
        id: Uuid,
        answer: &Answer,
    ) -> Result<Option<std::result::Result<(), Unanswerable>>> {
        self.write(|tx| self.answer_in(tx, officer, id, answer))
    }

    /// [`Core::desk_answer`] inside the caller's transaction.
    fn answer_in(
        &self,
        tx: &mut dyn Tx,
        officer: &Officer,
        id: Uuid,
        answer: &Answer,
    ) -> Result<Option<std::result::Result<(), Unanswerable>>> {
        let at = Timestamp::from_millis(self.now());
        let today = Day::from_date(at.date());
        let Some(stored) = tx.record(id, officer.org_id)? else {
            return Ok(None);
        };
        if Self::officers_case(tx, officer, id)?.is_none() {
            return Ok(None);
        }
        let desk = self.desk(tx, officer.org_id)?;
        let mut doc = automerge::AutoCommit::load(&stored.snapshot)
            .map_err(Error::internal)?
            .with_actor(desk.actor.clone());
        let mut rng = self.crypto_rng();
        let by = Actor {
            user: officer.name.clone(),
            device: format!("{} desk", officer.agency_name),
            agency: Some(officer.agency_name.clone()),
        };
        let mut outcome = Ok(());
        document::edit(&mut doc, at, |case: &mut Grievance| {
            case.note_actor(&desk.actor.to_hex_string(), &by);
            outcome = case.answer(answer, today, || Stamp {
                id: EntryId::generate(at, &mut rng),
                at,
                by: by.clone(),
            });
            Ok(())
        })
        .map_err(Error::internal)?;
        if outcome.is_err() {
            return Ok(Some(outcome));
        }
        // The server's own device writes it, seeing every case of the organisation; the
        // check above is what limits the officer.
        let mut writer = desk.device.clone();
        writer.role = citizens_protocol::Role::Coordinator;
        let push = citizens_protocol::Push {
            doc_id: id,
            kind: citizens_protocol::RecordKind::Grievance,
            changes: vec![doc.save_incremental().into()],
        };
        records::store_own(tx, &writer, &push, self.now())?;
        Ok(Some(Ok(())))
    }

    /// An `ACK` message from a phone registered for an agency's officer of organisation
    /// `org_id` (`sender`: the phone's keyed hash), inside the caller's transaction: `None`
    /// when the text is no `ACK` or the phone is not registered (it is then a citizen's
    /// message like any other).
    pub(crate) fn ack_by_message(
        &self,
        tx: &mut dyn Tx,
        org_id: i64,
        sender: &[u8],
        text: &str,
    ) -> Result<Option<(Acked, Option<Uuid>)>> {
        let Some((code, reference)) = ack_of(text) else {
            return Ok(None);
        };
        let Some(row) = tx
            .officer(OfficerKey::Phone(sender))?
            .filter(|o| o.revoked_at.is_none() && o.org_id == org_id)
        else {
            return Ok(None);
        };
        let officer = officer_of(tx, row, Vec::new())?;
        let mut found = None;
        for (id, snapshot) in tx.desk_cases(org_id, officer.agency)? {
            let Ok(case) = Self::hydrate(&snapshot) else {
                continue;
            };
            if case.reference.replace('-', "").eq_ignore_ascii_case(&code) {
                found = Some((id, case.reference));
                break;
            }
        }
        let Some((id, shown)) = found else {
            return Ok(Some((Acked::Unknown(code), None)));
        };
        let answer = Answer::Acknowledge { reference };
        Ok(Some(match self.answer_in(tx, &officer, id, &answer)? {
            Some(Ok(())) | Some(Err(Unanswerable::AlreadyAcknowledged)) => {
                (Acked::Done(shown), Some(id))
            }
            _ => (Acked::Unknown(code), None),
        }))
    }

    fn hydrate(snapshot: &[u8]) -> Result<Grievance> {
        let doc = automerge::AutoCommit::load(snapshot).map_err(Error::internal)?;
        document::read(&doc).map_err(Error::internal)
    }

    /// The case, if it is the officer's: their organisation's, forwarded to their agency.
    fn officers_case(tx: &mut dyn Tx, officer: &Officer, id: Uuid) -> Result<Option<Grievance>> {
        let Some(stored) = tx.record(id, officer.org_id)? else {
            return Ok(None);
        };
        if stored.org_id != Some(officer.org_id)
            || stored.kind != citizens_protocol::RecordKind::Grievance.as_str()
        {
            return Ok(None);
        }
        let case = Self::hydrate(&stored.snapshot)?;
        Ok((case.forwarded_to().map(|a| a.uuid()) == Some(officer.agency)).then_some(case))
    }

    fn desk_directory(
        tx: &mut dyn Tx,
        officer: &Officer,
    ) -> Result<(Option<Agency>, Option<Rulebook>)> {
        Ok((
            records::org_record::<Agency>(tx, officer.org_id, officer.agency)?,
            records::org_record::<Rulebook>(tx, officer.org_id, Rulebook::id())?,
        ))
    }

    /// Note the agency of every case stored before the desk existed (once, at start).
    pub(crate) fn note_forwarded_cases(&self) -> Result<()> {
        loop {
            let done = self.write(|tx| {
                let batch = tx.cases_without_desk(500)?;
                for (id, snapshot) in &batch {
                    let agency = Self::hydrate(snapshot)
                        .ok()
                        .and_then(|c| c.forwarded_to())
                        .map(|a| a.uuid());
                    tx.set_forwarded_to(*id, agency)?;
                }
                Ok(batch.is_empty())
            })?;
            if done {
                return Ok(());
            }
        }
    }
}

/// The officer's cases as CSV (formula-safe), one line each.
pub fn desk_csv(cases: &[DeskCase]) -> String {
    let mut rows = vec![[
        "reference",
        "title",
        "category",
        "place",
        "status",
        "received",
        "office",
        "due",
        "overdue",
        "queue",
    ]
    .map(String::from)
    .to_vec()];
    for c in cases {
        rows.push(vec![
            c.reference.clone(),
            c.title.clone(),
            c.category.clone(),
            c.place.clone(),
            c.status.as_str().to_string(),
            c.received.to_string(),
            c.office.clone().unwrap_or_default(),
            c.due.map(|d| d.to_string()).unwrap_or_default(),
            c.overdue.to_string(),
            c.queue.as_str().to_string(),
        ]);
    }
    crate::inert_csv(&rows)
}

/// The case as the officer sees it (`None` if it is not with their agency).
fn desk_view(
    case: &Grievance,
    officer: &Officer,
    agency: Option<&Agency>,
    book: Option<&Rulebook>,
    today: Day,
) -> Option<DeskCase> {
    if case.forwarded_to().map(|a| a.uuid()) != Some(officer.agency) {
        return None;
    }
    let status = case.status().current;
    let due = match (agency, book, status.awaits_action()) {
        (Some(a), Some(b), true) => case.sla_due(a, &b.calendar()),
        _ => None,
    };
    let overdue = due.is_some_and(|d| d < today);
    let queue = match (status.awaits_action(), case.agency_answered_last()) {
        (false, _) | (true, Some(true)) => Queue::Answered,
        (true, Some(false)) => Queue::Awaiting,
        (true, None) => Queue::New,
    };
    let shared = case.consent.share_with_agency;
    let reporter = (shared
        && case.kind != Kind::CorruptionReport
        && case.reporter.sealed.is_none()
        && (case.reporter.name.is_some() || case.reporter.phone.is_some()))
    .then(|| (case.reporter.name.clone(), case.reporter.phone.clone()));
    let state =
        citizens_core::geo::state(&case.place.state).map_or(case.place.state.as_str(), |s| s.name);
    let place = [
        Some(state),
        Some(case.place.lga.as_str()),
        case.place.ward.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let mut entries = Vec::new();
    for e in &case.timeline {
        let by_agency = e.by.agency.is_some();
        let shown = match &e.event {
            Event::Forwarded { agency, office, .. } if agency.uuid() == officer.agency => {
                Some(("forwarded", office.clone()))
            }
            Event::Escalated { office, .. } => Some(("escalated", office.clone())),
            Event::Acknowledged { reference, .. } if by_agency => {
                Some(("acknowledged", reference.clone().unwrap_or_default()))
            }
            Event::AgencyReply { summary, .. } if by_agency => Some(("reply", summary.clone())),
            Event::QuestionForReporter { text } if by_agency => Some(("question", text.clone())),
            Event::AgencyDeclined { reason, .. } if by_agency => Some(("declined", reason.clone())),
            // The citizen's own words, added on the track page or by message.
            Event::Note { text } if shared && e.by.user == INTAKE_PERSON => {
                Some(("citizen", text.clone()))
            }
            _ => None,
        };
        if let Some((kind, text)) = shown {
            entries.push(DeskEntry {
                at: e.at.millis(),
                officer: by_agency.then(|| e.by.user.clone()),
                kind,
                text,
            });
        }
    }
    Some(DeskCase {
        id: case.id.uuid(),
        reference: case.reference.clone(),
        title: case.title.clone(),
        kind: case.kind,
        category: case.category.clone(),
        place,
        received: Day::from_date(case.created_at.date()),
        office: agency
            .and_then(|a| case.current_office(a))
            .map(str::to_string),
        due,
        overdue,
        status,
        queue,
        acknowledged: case.acknowledged_by_agency(),
        narrative: shared.then(|| case.narrative.clone()),
        reporter,
        entries,
    })
}

#[cfg(test)]
pub(crate) mod tests;
