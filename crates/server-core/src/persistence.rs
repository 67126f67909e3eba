//! What the rules need stored, and nothing more: rows in, rows out, no decisions. A backend
//! (SQLite, PostgreSQL) implements [`Persistence`]; every rule lives in this crate.

use citizens_protocol::RecordKind;
use uuid::Uuid;

use crate::error::Result;

/// How a transaction reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads and writes, as today's data allows (read committed is enough: the rules lock
    /// what they change).
    Write,
    /// Every read sees one snapshot (a pull and the checkpoint it ends at must agree); it may
    /// still insert rows nobody else touches (a stored answer).
    Snapshot,
}

/// A database the rules run on. `run` calls `f` inside one transaction and commits when it
/// returns `Ok`; a backend may call `f` again after a transient conflict, so `f` must only
/// act through the transaction.
pub trait Persistence: Send + Sync + std::fmt::Debug + 'static {
    /// Run `f` in one transaction.
    fn run(&self, mode: Mode, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
}

/// Run `f` in one transaction and hand back what it made.
pub fn transaction<T>(
    db: &dyn Persistence,
    mode: Mode,
    mut f: impl FnMut(&mut dyn Tx) -> Result<T>,
) -> Result<T> {
    let mut out = None;
    db.run(mode, &mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| crate::Error::internal("a transaction returned nothing"))
}

/// Who is looking: the rules' visibility is written once, in [`visibility`], and backends
/// bind these three values into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The viewer's organisation.
    pub org_id: i64,
    /// The viewer's person id.
    pub person_id: String,
    /// A coordinator: sees every record of the organisation.
    pub everyone: bool,
}

/// Where a backend's bound parameters go in [`visibility`]'s SQL.
#[derive(Debug, Clone, Copy)]
pub struct Placeholders<'a> {
    /// The viewer's organisation id.
    pub org: &'a str,
    /// Whether the viewer sees every record (a boolean).
    pub everyone: &'a str,
    /// The viewer's person id.
    pub person: &'a str,
}

/// The visibility rule, as SQL predicates over `docs d` (a record the viewer sees) and
/// `change_log c` (a change of it the viewer receives): reference records (every device, its
/// organisation's own copies only) and its organisation's records in its scope — a coordinator
/// sees all of them, anyone else what they created or what is assigned to them. Reference kinds
/// are named, not "no organisation": the planner then walks the change log in order instead of
/// sorting every organisation document for each page.
pub fn visibility(p: Placeholders<'_>) -> (String, String) {
    let reference: Vec<String> = RecordKind::ALL
        .iter()
        .filter(|k| k.is_reference())
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    let Placeholders {
        org,
        everyone,
        person,
    } = p;
    (
        format!(
            "((d.kind IN ({}) AND (d.org_id IS NULL OR d.org_id = {org})) OR (d.org_id = {org} AND ({everyone} OR d.creator_person = {person} OR d.assignee_person = {person})))",
            reference.join(", ")
        ),
        format!("(c.org_id IS NULL OR c.org_id = {org})"),
    )
}

/// [`visibility`] in Rust, for one record of organisation `org_id` (none: shipped reference
/// data) created by `creator` and assigned to `assignee` (person ids): whether `viewer` sees it,
/// and so may change it. The SQL above and this must say the same
/// (`visibility_is_one_rule` in the server's tests checks both backends against it).
pub fn sees(
    viewer: &Viewer,
    kind: RecordKind,
    org_id: Option<i64>,
    creator: Option<&str>,
    assignee: Option<&str>,
) -> bool {
    let person = Some(viewer.person_id.as_str());
    match org_id {
        None => kind.is_reference(),
        Some(org) if org != viewer.org_id => false,
        Some(_) => {
            kind.is_reference() || viewer.everyone || creator == person || assignee == person
        }
    }
}

/// A record as stored, with a shared reference record read as the organisation sees it (its
/// own copy, if it has one).
#[derive(Debug, Clone)]
pub struct StoredRecord {
    /// Kind word.
    pub kind: String,
    /// Owning organisation (none: shipped reference data).
    pub org_id: Option<i64>,
    /// Creator's person id.
    pub creator_person: Option<String>,
    /// Assignee's person id.
    pub assignee_person: Option<String>,
    /// The document.
    pub snapshot: Vec<u8>,
    /// Its checksum digest.
    pub digest: Vec<u8>,
}

/// A record to insert or update (an update keeps kind, organisation and creator).
#[derive(Debug, Clone, Copy)]
pub struct RecordRow<'a> {
    /// Id.
    pub id: Uuid,
    /// Kind.
    pub kind: RecordKind,
    /// Owning organisation.
    pub org_id: Option<i64>,
    /// The device that sent it first.
    pub creator_device: Uuid,
    /// Its creator.
    pub creator_person: Option<&'a str>,
    /// The name it is assigned to.
    pub assignee: Option<&'a str>,
    /// That name's person id in the organisation, when the person is known.
    pub assignee_person: Option<&'a str>,
    /// The whole document.
    pub snapshot: &'a [u8],
    /// Its heads, concatenated.
    pub heads: &'a [u8],
    /// Its checksum digest.
    pub digest: &'a [u8],
    /// For a case: the agency it was forwarded to and is with (its desk shows it).
    pub forwarded_to: Option<Uuid>,
}

/// One change to add to the change log.
#[derive(Debug, Clone)]
pub struct NewChange {
    /// Its record.
    pub doc_id: Uuid,
    /// Its hash (a change already logged is skipped).
    pub hash: [u8; 32],
    /// Raw bytes.
    pub bytes: Vec<u8>,
    /// The device that sent it (not sent back to it).
    pub origin_device: Uuid,
    /// Set for an organisation's edit of shared reference data: only its devices receive it.
    pub org_mark: Option<i64>,
}

/// One change of the log, in log order.
#[derive(Debug, Clone)]
pub struct LogRow {
    /// Position in the log.
    pub seq: u64,
    /// Its record.
    pub doc_id: Uuid,
    /// The record's kind word.
    pub kind: String,
    /// Raw bytes.
    pub change: Vec<u8>,
}

/// An enrolment code as stored.
#[derive(Debug, Clone)]
pub struct CodeRow {
    /// Organisation.
    pub org_id: i64,
    /// Role word.
    pub role: String,
    /// Until when it works (ms).
    pub expires_at: i64,
    /// When it was used (ms).
    pub used_at: Option<i64>,
    /// The person it is for.
    pub person_id: Option<String>,
}

/// A code to store (only the hash of its secret).
#[derive(Debug, Clone, Copy)]
pub struct NewCodeRow<'a> {
    /// SHA-256 of the secret.
    pub code_hash: &'a [u8],
    /// Organisation.
    pub org_id: i64,
    /// Role word.
    pub role: &'a str,
    /// Until when it works (ms).
    pub expires_at: i64,
    /// Made at (ms).
    pub created_at: i64,
    /// The person it is for.
    pub person_id: &'a str,
}

/// A device to store.
#[derive(Debug, Clone, Copy)]
pub struct NewDevice<'a> {
    /// Id.
    pub id: Uuid,
    /// Organisation.
    pub org_id: i64,
    /// Role word.
    pub role: &'a str,
    /// The person's name (kept for listings).
    pub user: &'a str,
    /// The device's name.
    pub name: &'a str,
    /// Its short code (unique).
    pub device_code: &'a str,
    /// SHA-256 of its credential.
    pub secret_hash: &'a [u8],
    /// Enrolled at (ms).
    pub created_at: i64,
    /// The person it belongs to.
    pub person_id: &'a str,
    /// The Automerge actor it writes with.
    pub actor: &'a str,
    /// SHA-256 of the code it enrolled with.
    pub code_hash: &'a [u8],
}

/// The device behind a token.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Device id.
    pub device_id: String,
    /// Organisation.
    pub org_id: i64,
    /// Role word.
    pub role: String,
    /// The device's person.
    pub person_id: String,
    /// Token expiry (ms).
    pub expires_at: i64,
    /// When the device was revoked.
    pub revoked_at: Option<i64>,
}

/// An organisation's intake device.
#[derive(Debug, Clone)]
pub struct IntakeRow {
    /// Its id.
    pub device_id: String,
    /// Its short code (in the references it gives).
    pub device_code: String,
    /// Its person.
    pub person_id: String,
    /// The Automerge actor it writes with.
    pub actor: String,
}

/// A line of `citizens-server devices list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceRow {
    /// Id.
    pub id: String,
    /// Organisation name.
    pub organisation: String,
    /// Role.
    pub role: String,
    /// User.
    pub user: String,
    /// Device name.
    pub name: String,
    /// Device code.
    pub device_code: String,
    /// Last sync (ms), if any.
    pub last_seen: Option<i64>,
    /// Revoked at (ms), if revoked.
    pub revoked_at: Option<i64>,
}

/// An agency desk officer as stored: who, for which agency, the one-time code that sets the
/// account up, and the sign-in secrets and their state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: i64,
    /// The agency (its id).
    pub agency: Uuid,
    /// The officer's name, as the coordinator gave it.
    pub name: String,
    /// The sign-in name (unique, e.g. `KEDCO-7QK`).
    pub login: String,
    /// SHA-256 of the one-time set-up code.
    pub code_hash: Vec<u8>,
    /// Until when the code works (ms; 0 once used).
    pub code_expires_at: i64,
    /// The passphrase's Argon2id hash (PHC string), once set.
    pub passphrase: Option<String>,
    /// The TOTP secret, once set.
    pub totp_secret: Option<Vec<u8>>,
    /// Set up: the officer proved the second factor once.
    pub active: bool,
    /// The last TOTP step used (a code signs in once).
    pub totp_step: i64,
    /// Failed sign-ins since the last good one.
    pub failures: i64,
    /// No sign-in before this (ms).
    pub locked_until: i64,
    /// Made at (ms).
    pub created_at: i64,
    /// Revoked at (ms).
    pub revoked_at: Option<i64>,
    /// The keyed hash of a phone registered for them: its `ACK` messages acknowledge cases.
    pub phone_hash: Option<Vec<u8>>,
}

/// How an officer is looked up.
#[derive(Debug, Clone, Copy)]
pub enum OfficerKey<'a> {
    /// By id.
    Id(&'a str),
    /// By sign-in name.
    Login(&'a str),
    /// By the hash of their set-up code.
    Code(&'a [u8]),
    /// By the keyed hash of their registered phone.
    Phone(&'a [u8]),
}

/// A desk session as stored (by the hash of its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskSessionRow {
    /// The officer.
    pub officer_id: String,
    /// Signed in at (ms).
    pub created_at: i64,
    /// Last request (ms).
    pub seen_at: i64,
}

/// A reporter who asked to hear when their case moves: the phone, readable only while the
/// case is open (the row goes when it ends, or at `STOP`), and what they were last told of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateRow {
    /// The case.
    pub doc_id: Uuid,
    /// Its organisation.
    pub org_id: i64,
    /// The phone, E.164.
    pub phone: String,
    /// Its keyed hash (a `STOP` from it finds the row).
    pub phone_hash: Vec<u8>,
    /// The provider that sends to it.
    pub provider: String,
    /// The language to write in.
    pub lang: String,
    /// A corruption report: told that it moved, never where.
    pub discreet: bool,
    /// What they were last told of (status, agency replies, escalations).
    pub told: String,
    /// The day (days since 1970) `today` counts.
    pub day: i64,
    /// Messages queued on that day.
    pub today: i64,
    /// Messages queued in all.
    pub sent: i64,
}

/// A status message to send, or sent (then without its phone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingRow {
    /// Its id (0 before it is stored).
    pub id: i64,
    /// The case.
    pub doc_id: Uuid,
    /// What happened (`forwarded`, `acknowledged`, `answered:1`, …): once per case.
    pub key: String,
    /// The provider.
    pub provider: String,
    /// The phone, until it is sent.
    pub phone: Option<String>,
    /// The language.
    pub lang: String,
    /// The case's reference.
    pub reference: String,
    /// The agency named, if any (never for a corruption report).
    pub agency: Option<String>,
    /// Queued at (ms).
    pub created_at: i64,
    /// Sent at (ms).
    pub sent_at: Option<i64>,
}

/// One transaction's reads and writes.
pub trait Tx {
    // Organisations and people.
    /// `(id, public key)` of the organisation with this name.
    fn org_by_name(&mut self, name: &str) -> Result<Option<(i64, String)>>;
    /// A new organisation (checksum of no records); its id.
    fn insert_org(&mut self, name: &str, public_key: &str) -> Result<i64>;
    /// `(name, public key)` of an organisation.
    fn org(&mut self, id: i64) -> Result<(String, String)>;
    /// Hold the organisation's row until the commit (other writers wait here).
    fn lock_org(&mut self, id: i64) -> Result<()>;
    /// The organisation's collection checksum.
    fn org_checksum(&mut self, id: i64) -> Result<Vec<u8>>;
    /// Replace it.
    fn set_org_checksum(&mut self, id: i64, checksum: &[u8; 32]) -> Result<()>;
    /// The id of the person with this name in the organisation.
    fn person_by_name(&mut self, org_id: i64, name: &str) -> Result<Option<String>>;
    /// Add a person (a name already there is left alone).
    fn insert_person(&mut self, id: &str, org_id: i64, name: &str) -> Result<()>;
    /// A person's name.
    fn person_name(&mut self, id: &str) -> Result<Option<String>>;
    /// Records of the organisation assigned to `name` with no person yet now name `person_id`.
    fn claim_assigned(&mut self, org_id: i64, name: &str, person_id: &str) -> Result<()>;

    // Enrolment codes, devices, tokens.
    /// Store a code.
    fn insert_code(&mut self, code: &NewCodeRow<'_>) -> Result<()>;
    /// The code with this secret's hash.
    fn code(&mut self, code_hash: &[u8]) -> Result<Option<CodeRow>>;
    /// Mark it used.
    fn mark_code_used(&mut self, code_hash: &[u8], at: i64) -> Result<()>;
    /// `(id, device code)` of the active device enrolled with this code, actor and credential.
    fn device_enrolled_with(
        &mut self,
        code_hash: &[u8],
        actor: &str,
        secret_hash: &[u8],
    ) -> Result<Option<(String, String)>>;
    /// Whether any device writes with this actor; `Some(person)` when it has an owner.
    fn actor_owner(&mut self, actor: &str) -> Result<Option<Option<String>>>;
    /// Whether a device has this short code.
    fn device_code_taken(&mut self, device_code: &str) -> Result<bool>;
    /// Store a device.
    fn insert_device(&mut self, device: &NewDevice<'_>) -> Result<()>;
    /// `(credential hash, revoked at)` of a device.
    fn device_secret(&mut self, id: Uuid) -> Result<Option<(Vec<u8>, Option<i64>)>>;
    /// Note when a device was last seen.
    fn touch_device(&mut self, id: &str, at: i64) -> Result<()>;
    /// Revoke a device and drop its tokens; whether it was active.
    fn revoke_device(&mut self, id: Uuid, at: i64) -> Result<bool>;
    /// Every device, oldest first.
    fn devices(&mut self) -> Result<Vec<DeviceRow>>;
    /// Store a token (its hash) and drop the device's expired ones.
    fn insert_token(
        &mut self,
        hash: &[u8],
        device_id: Uuid,
        expires_at: i64,
        now: i64,
    ) -> Result<()>;
    /// The device behind a token hash.
    fn token(&mut self, hash: &[u8]) -> Result<Option<TokenRow>>;
    /// Count one attempt under `key` (what and from where) at minute `minute`; the attempts
    /// under `key` from minute `since` on, this one included. Attempts before minute
    /// `forget_before` are forgotten.
    fn count_attempt(
        &mut self,
        key: &str,
        minute: i64,
        since: i64,
        forget_before: i64,
    ) -> Result<u32>;
    /// The attempts counted under `key` from minute `since` on (nothing is counted).
    fn attempts(&mut self, key: &str, since: i64) -> Result<u32>;
    /// Take back one attempt counted under `key` at minute `minute` (it was refused).
    fn undo_attempt(&mut self, key: &str, minute: i64) -> Result<()>;
    /// The server's own secret (keys its form tokens, receipt PINs and sender hashes): the one
    /// stored, or `candidate` stored now when there is none.
    fn site_secret(&mut self, candidate: &[u8]) -> Result<Vec<u8>>;

    // Records and the change log.
    /// Every stored copy of a shipped record: the shared one (`None`) and each organisation's
    /// own (`Some(org_id)`); none before it is first stored.
    fn shipped_copies(&mut self, id: Uuid) -> Result<Vec<(Option<i64>, Vec<u8>)>>;
    /// Store the shared copy of a shipped record: new, or the stored one merged with newer
    /// shipped data.
    fn seed_record(
        &mut self,
        id: Uuid,
        kind: RecordKind,
        snapshot: &[u8],
        heads: &[u8],
        digest: &[u8],
    ) -> Result<()>;
    /// A record as organisation `org_id` sees it, read to be changed: until the transaction
    /// ends, no other transaction may read it this way (with several writers, a backend locks
    /// the record, whether it is stored yet or not).
    fn record(&mut self, id: Uuid, org_id: i64) -> Result<Option<StoredRecord>>;
    /// Insert or update a record.
    fn put_record(&mut self, row: &RecordRow<'_>) -> Result<()>;
    /// Insert or replace an organisation's own copy of a shared reference record.
    fn put_org_copy(&mut self, org_id: i64, id: Uuid, snapshot: &[u8]) -> Result<()>;
    /// Note that a record references an attachment.
    fn link_blob(&mut self, doc_id: Uuid, sha: &str) -> Result<()>;
    /// Append changes to the log (those already logged, by hash, are skipped). Called once per
    /// transaction, last: a backend with many writers makes the log's order the commit order
    /// here.
    fn append_changes(&mut self, changes: &[NewChange]) -> Result<()>;
    /// Up to `limit` changes after `since` the viewer receives, in log order, not sent by
    /// `except_device`.
    fn changes_after(
        &mut self,
        viewer: &Viewer,
        except_device: Uuid,
        since: u64,
        limit: usize,
    ) -> Result<Vec<LogRow>>;
    /// The last position of the log (0 when empty).
    fn log_head(&mut self) -> Result<u64>;
    /// `(kind word, document)` of a record the viewer sees.
    fn visible_record(&mut self, viewer: &Viewer, id: Uuid) -> Result<Option<(String, Vec<u8>)>>;
    /// `(id, digest)` of every case and town-hall session the viewer sees.
    fn visible_digests(&mut self, viewer: &Viewer) -> Result<Vec<(Uuid, Vec<u8>)>>;
    /// Whether a record the viewer sees references the attachment.
    fn blob_visible(&mut self, viewer: &Viewer, sha: &str) -> Result<bool>;
    /// Whether a record of organisation `org_id` other than `except` references the
    /// attachment (`None`: any of its records). Another organisation's records never count.
    fn blob_linked(&mut self, org_id: i64, sha: &str, except: Option<Uuid>) -> Result<bool>;
    /// The organisations whose records reference the attachment.
    fn blob_orgs(&mut self, sha: &str) -> Result<Vec<i64>>;

    // The public face.
    /// The organisation's intake device, if it has one.
    fn intake_device(&mut self, org_id: i64) -> Result<Option<IntakeRow>>;
    /// Name a device the organisation's intake device.
    fn insert_intake_device(&mut self, org_id: i64, device_id: Uuid) -> Result<()>;
    /// The next number of the intake device's references (1, 2, …).
    fn next_intake_seq(&mut self, org_id: i64) -> Result<u64>;
    /// Note the case a receipt's reference names.
    fn insert_receipt(&mut self, org_id: i64, reference: &str, doc_id: Uuid, at: i64)
        -> Result<()>;
    /// The case a receipt's reference names.
    fn receipt(&mut self, org_id: i64, reference: &str) -> Result<Option<Uuid>>;
    /// Keep `figures` (JSON) as the organisation's published figures, replacing any before.
    fn put_figures(&mut self, org_id: i64, figures: &str, at: i64) -> Result<()>;
    /// The organisation's published figures (JSON) and when (ms), if any.
    fn figures(&mut self, org_id: i64) -> Result<Option<(String, i64)>>;
    /// Claim a provider's message id for `sender` (a keyed hash): `None` when it is new and
    /// now claimed, else the case it already made (none yet: being made by another request).
    fn claim_message(
        &mut self,
        provider: &str,
        message_id: &str,
        sender: &[u8],
        at: i64,
    ) -> Result<Option<Option<Uuid>>>;
    /// Note the case a claimed message made or joined.
    fn set_message_case(&mut self, provider: &str, message_id: &str, doc_id: Uuid) -> Result<()>;
    /// Forget who sent the messages received before `before` (their sender hashes are
    /// blanked: they only join follow-ups within a day).
    fn forget_senders(&mut self, before: i64) -> Result<()>;
    /// The case of the sender's latest message received since `since`.
    fn recent_case_from(&mut self, sender: &[u8], since: i64) -> Result<Option<Uuid>>;

    // The agency desk.
    /// Store an officer.
    fn insert_officer(&mut self, officer: &OfficerRow) -> Result<()>;
    /// An officer.
    fn officer(&mut self, key: OfficerKey<'_>) -> Result<Option<OfficerRow>>;
    /// Write an officer's secrets and sign-in state back.
    fn update_officer(&mut self, officer: &OfficerRow) -> Result<()>;
    /// Every officer, oldest first.
    fn officers(&mut self) -> Result<Vec<OfficerRow>>;
    /// Store a session (its token's hash).
    fn insert_desk_session(&mut self, hash: &[u8], officer_id: &str, at: i64) -> Result<()>;
    /// A session.
    fn desk_session(&mut self, hash: &[u8]) -> Result<Option<DeskSessionRow>>;
    /// Note a session's latest request.
    fn touch_desk_session(&mut self, hash: &[u8], at: i64) -> Result<()>;
    /// End an officer's sessions: all of them, or only the one with this hash.
    fn end_desk_sessions(&mut self, officer_id: &str, only: Option<&[u8]>) -> Result<()>;
    /// `(id, document)` of the organisation's cases forwarded to the agency.
    fn desk_cases(&mut self, org_id: i64, agency: Uuid) -> Result<Vec<(Uuid, Vec<u8>)>>;
    /// Up to `limit` `(id, document)` of cases stored before the desk existed, whose agency
    /// is not yet noted.
    fn cases_without_desk(&mut self, limit: usize) -> Result<Vec<(Uuid, Vec<u8>)>>;
    /// Note the agency a case is with (none: not forwarded).
    fn set_forwarded_to(&mut self, id: Uuid, agency: Option<Uuid>) -> Result<()>;

    // Status messages to reporters.
    /// The subscription of a case, if its reporter asked for updates.
    fn subscription(&mut self, doc_id: Uuid) -> Result<Option<UpdateRow>>;
    /// Store or replace a subscription.
    fn put_subscription(&mut self, row: &UpdateRow) -> Result<()>;
    /// The cases whose reporter's phone has this keyed hash.
    fn subscribed_cases(&mut self, phone_hash: &[u8]) -> Result<Vec<Uuid>>;
    /// Forget the subscription of a case, or every one of a phone (its keyed hash).
    fn drop_subscriptions(&mut self, doc_id: Option<Uuid>, phone_hash: Option<&[u8]>)
        -> Result<()>;
    /// Queue a message; false when one with its case and key was queued before.
    fn queue_update(&mut self, row: &OutgoingRow) -> Result<bool>;
    /// Up to `limit` messages not sent yet, oldest first, with their phones, now marked sent
    /// at `at` with their phones forgotten; rows another transaction is taking are skipped.
    fn take_updates(&mut self, limit: usize, at: i64) -> Result<Vec<OutgoingRow>>;
    /// `(provider, messages)` sent since `since` (ms).
    fn updates_sent_since(&mut self, since: i64) -> Result<Vec<(String, u64)>>;

    // Stored answers.
    /// The answer kept for a device's batch.
    fn stored_answer(&mut self, device_id: Uuid, batch_id: Uuid) -> Result<Option<Vec<u8>>>;
    /// Keep an answer (a second answer for the same batch is dropped).
    fn store_answer(
        &mut self,
        device_id: Uuid,
        batch_id: Uuid,
        answer: &[u8],
        at: i64,
    ) -> Result<()>;
    /// Forget answers kept since before `before`.
    fn prune_answers(&mut self, before: i64) -> Result<()>;
}
