//! An in-memory [`Persistence`], for the rules' unit tests only: the rows the SQLite and
//! PostgreSQL backends keep, as maps behind one lock. A transaction works on a copy of the
//! whole state and puts it back only when `f` returns `Ok`, so a failed one leaves nothing,
//! as a database's rollback does; transactions run one at a time, as on SQLite. Unique keys
//! the schema enforces are refused here too.
//!
//! The visibility rule is written once, as SQL ([`crate::persistence::visibility`]), and
//! rendered in Rust as [`sees`]; `visibility_is_one_rule` in sync-server checks the two agree
//! on both databases. Here [`Tx::visible_record`] answers with [`sees`] (the rules read a case
//! and the directory through it); the walks over many records that only the SQL renders
//! (`changes_after`, `visible_digests`, `blob_visible`) are refused: tests of sync and
//! attachments run on the real backends in sync-server.
//!
//! Beside it, what every test of the rules starts from: a clock the test moves, seeded
//! randomness, and an organisation enrolled with its first coordinator ([`Fixture`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use citizens_core::clock::{Clock, Timestamp};
use citizens_core::identity::OrgSecretKey;
use citizens_protocol::{EnrollRequest, EnrolmentCode, RecordKind, Role, PROTOCOL_VERSION};
use rand::SeedableRng;
use uuid::Uuid;

use crate::persistence::{
    sees, CodeRow, DeskSessionRow, DeviceRow, IntakeRow, LogRow, Mode, NewChange, NewCodeRow,
    NewDevice, OfficerKey, OfficerRow, OutgoingRow, Persistence, RecordRow, StoredRecord, TokenRow,
    Tx, UpdateRow, Viewer,
};
use crate::{Core, Device, Error, Limits, NewCode, Result};

/// The database, in memory.
#[derive(Debug, Default)]
pub(crate) struct Memory(Mutex<State>);

impl Memory {
    /// The ids of every case stored, in id order.
    pub(crate) fn cases(&self) -> Vec<Uuid> {
        let state = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state
            .docs
            .iter()
            .filter(|(_, d)| d.kind == RecordKind::Grievance.as_str())
            .map(|(id, _)| *id)
            .collect()
    }
}

impl Persistence for Memory {
    fn run(&self, _mode: Mode, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        // A panic inside `f` leaves the state as it was: only a finished copy is put back.
        let mut state = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut tx = MemoryTx(state.clone());
        f(&mut tx)?;
        *state = tx.0;
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Org {
    name: String,
    public_key: String,
    checksum: Vec<u8>,
}

#[derive(Debug, Clone)]
struct DeviceRec {
    id: String,
    org_id: i64,
    role: String,
    user: String,
    name: String,
    device_code: String,
    secret_hash: Vec<u8>,
    created_at: i64,
    person_id: String,
    actor: String,
    code_hash: Vec<u8>,
    last_seen: Option<i64>,
    revoked_at: Option<i64>,
}

#[derive(Debug, Clone)]
struct Doc {
    kind: String,
    org_id: Option<i64>,
    creator_person: Option<String>,
    assignee: Option<String>,
    assignee_person: Option<String>,
    snapshot: Vec<u8>,
    digest: Vec<u8>,
    forwarded_to: Option<Uuid>,
}

#[derive(Debug, Clone)]
struct Inbound {
    sender: Vec<u8>,
    doc_id: Option<Uuid>,
    received_at: i64,
}

/// Every table, as the SQL schema has it (`org_copies` is `org_reference`).
#[derive(Debug, Clone, Default)]
struct State {
    orgs: BTreeMap<i64, Org>,
    /// id → (organisation, name)
    people: BTreeMap<String, (i64, String)>,
    codes: BTreeMap<Vec<u8>, CodeRow>,
    devices: Vec<DeviceRec>,
    /// hash → (device id, expires at)
    tokens: BTreeMap<Vec<u8>, (String, i64)>,
    attempts: BTreeMap<(String, i64), u32>,
    secret: Option<Vec<u8>>,
    docs: BTreeMap<Uuid, Doc>,
    org_copies: BTreeMap<(i64, Uuid), Vec<u8>>,
    /// (sha-256, record)
    blobs: BTreeSet<(String, Uuid)>,
    /// The change log: each change's hash, in log order.
    log: Vec<[u8; 32]>,
    /// organisation → (device id, last sequence number given)
    intake: BTreeMap<i64, (String, u64)>,
    receipts: BTreeMap<(i64, String), Uuid>,
    figures: BTreeMap<i64, (String, i64)>,
    messages: BTreeMap<(String, String), Inbound>,
    answers: BTreeMap<(Uuid, Uuid), (Vec<u8>, i64)>,
    officers: Vec<OfficerRow>,
    subscriptions: BTreeMap<Uuid, UpdateRow>,
    outgoing: Vec<OutgoingRow>,
    desk_sessions: BTreeMap<Vec<u8>, DeskSessionRow>,
}

struct MemoryTx(State);

fn taken(what: &str) -> Error {
    Error::internal(format!("memory: {what} is already there (a unique key)"))
}

fn missing(what: &str) -> Error {
    Error::internal(format!("memory: no {what}"))
}

fn sql_only() -> Error {
    Error::internal(
        "memory: this query is kept only by the SQL backends: visibility is tested on both of them in sync-server",
    )
}

impl MemoryTx {
    fn device(&self, id: &str) -> Option<&DeviceRec> {
        self.0.devices.iter().find(|d| d.id == id)
    }
}

impl Tx for MemoryTx {
    fn org_by_name(&mut self, name: &str) -> Result<Option<(i64, String)>> {
        Ok(self
            .0
            .orgs
            .iter()
            .find(|(_, o)| o.name == name)
            .map(|(id, o)| (*id, o.public_key.clone())))
    }

    fn insert_org(&mut self, name: &str, public_key: &str) -> Result<i64> {
        if self.org_by_name(name)?.is_some() {
            return Err(taken("an organisation of that name"));
        }
        let id = self.0.orgs.keys().last().map_or(1, |last| last + 1);
        let org = Org {
            name: name.into(),
            public_key: public_key.into(),
            checksum: vec![0; 32],
        };
        self.0.orgs.insert(id, org);
        Ok(id)
    }

    fn org(&mut self, id: i64) -> Result<(String, String)> {
        let org = self
            .0
            .orgs
            .get(&id)
            .ok_or_else(|| missing("organisation"))?;
        Ok((org.name.clone(), org.public_key.clone()))
    }

    fn lock_org(&mut self, _id: i64) -> Result<()> {
        // One lock for the whole state: transactions already run one at a time.
        Ok(())
    }

    fn org_checksum(&mut self, id: i64) -> Result<Vec<u8>> {
        let org = self
            .0
            .orgs
            .get(&id)
            .ok_or_else(|| missing("organisation"))?;
        Ok(org.checksum.clone())
    }

    fn set_org_checksum(&mut self, id: i64, checksum: &[u8; 32]) -> Result<()> {
        if let Some(org) = self.0.orgs.get_mut(&id) {
            org.checksum = checksum.to_vec();
        }
        Ok(())
    }

    fn person_by_name(&mut self, org_id: i64, name: &str) -> Result<Option<String>> {
        Ok(self
            .0
            .people
            .iter()
            .find(|(_, (org, n))| *org == org_id && n == name)
            .map(|(id, _)| id.clone()))
    }

    fn insert_person(&mut self, id: &str, org_id: i64, name: &str) -> Result<()> {
        if self.person_by_name(org_id, name)?.is_some() {
            return Ok(());
        }
        if self.0.people.contains_key(id) {
            return Err(taken("a person with that id"));
        }
        self.0.people.insert(id.into(), (org_id, name.into()));
        Ok(())
    }

    fn person_name(&mut self, id: &str) -> Result<Option<String>> {
        Ok(self.0.people.get(id).map(|(_, name)| name.clone()))
    }

    fn claim_assigned(&mut self, org_id: i64, name: &str, person_id: &str) -> Result<()> {
        for doc in self.0.docs.values_mut() {
            if doc.org_id == Some(org_id)
                && doc.assignee.as_deref() == Some(name)
                && doc.assignee_person.is_none()
            {
                doc.assignee_person = Some(person_id.into());
            }
        }
        Ok(())
    }

    fn insert_code(&mut self, code: &NewCodeRow<'_>) -> Result<()> {
        if self.0.codes.contains_key(code.code_hash) {
            return Err(taken("an enrolment code"));
        }
        let row = CodeRow {
            org_id: code.org_id,
            role: code.role.into(),
            expires_at: code.expires_at,
            used_at: None,
            person_id: Some(code.person_id.into()),
        };
        self.0.codes.insert(code.code_hash.to_vec(), row);
        Ok(())
    }

    fn code(&mut self, code_hash: &[u8]) -> Result<Option<CodeRow>> {
        Ok(self.0.codes.get(code_hash).cloned())
    }

    fn mark_code_used(&mut self, code_hash: &[u8], at: i64) -> Result<()> {
        if let Some(code) = self.0.codes.get_mut(code_hash) {
            code.used_at = Some(at);
        }
        Ok(())
    }

    fn device_enrolled_with(
        &mut self,
        code_hash: &[u8],
        actor: &str,
        secret_hash: &[u8],
    ) -> Result<Option<(String, String)>> {
        Ok(self
            .0
            .devices
            .iter()
            .find(|d| {
                d.code_hash == code_hash
                    && d.actor == actor
                    && d.secret_hash == secret_hash
                    && d.revoked_at.is_none()
            })
            .map(|d| (d.id.clone(), d.device_code.clone())))
    }

    fn actor_owner(&mut self, actor: &str) -> Result<Option<Option<String>>> {
        Ok(self
            .0
            .devices
            .iter()
            .find(|d| d.actor == actor)
            .map(|d| Some(d.person_id.clone())))
    }

    fn device_code_taken(&mut self, device_code: &str) -> Result<bool> {
        Ok(self.0.devices.iter().any(|d| d.device_code == device_code))
    }

    fn insert_device(&mut self, d: &NewDevice<'_>) -> Result<()> {
        let id = d.id.to_string();
        if self
            .0
            .devices
            .iter()
            .any(|o| o.id == id || o.device_code == d.device_code || o.actor == d.actor)
        {
            return Err(taken("a device with that id, code or actor"));
        }
        self.0.devices.push(DeviceRec {
            id,
            org_id: d.org_id,
            role: d.role.into(),
            user: d.user.into(),
            name: d.name.into(),
            device_code: d.device_code.into(),
            secret_hash: d.secret_hash.to_vec(),
            created_at: d.created_at,
            person_id: d.person_id.into(),
            actor: d.actor.into(),
            code_hash: d.code_hash.to_vec(),
            last_seen: None,
            revoked_at: None,
        });
        Ok(())
    }

    fn device_secret(&mut self, id: Uuid) -> Result<Option<(Vec<u8>, Option<i64>)>> {
        Ok(self
            .device(&id.to_string())
            .map(|d| (d.secret_hash.clone(), d.revoked_at)))
    }

    fn touch_device(&mut self, id: &str, at: i64) -> Result<()> {
        if let Some(d) = self.0.devices.iter_mut().find(|d| d.id == id) {
            d.last_seen = Some(at);
        }
        Ok(())
    }

    fn revoke_device(&mut self, id: Uuid, at: i64) -> Result<bool> {
        let id = id.to_string();
        let mut changed = false;
        if let Some(d) = self.0.devices.iter_mut().find(|d| d.id == id) {
            if d.revoked_at.is_none() {
                d.revoked_at = Some(at);
                changed = true;
            }
        }
        self.0.tokens.retain(|_, (device, _)| *device != id);
        Ok(changed)
    }

    fn devices(&mut self) -> Result<Vec<DeviceRow>> {
        let mut devices = self.0.devices.clone();
        devices.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        devices
            .into_iter()
            .map(|d| {
                Ok(DeviceRow {
                    organisation: self.org(d.org_id)?.0,
                    user: self.person_name(&d.person_id)?.unwrap_or(d.user),
                    id: d.id,
                    role: d.role,
                    name: d.name,
                    device_code: d.device_code,
                    last_seen: d.last_seen,
                    revoked_at: d.revoked_at,
                })
            })
            .collect()
    }

    fn insert_token(
        &mut self,
        hash: &[u8],
        device_id: Uuid,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        let device = device_id.to_string();
        self.0
            .tokens
            .retain(|_, (d, expires)| !(*d == device && *expires < now));
        if self.0.tokens.contains_key(hash) {
            return Err(taken("a token"));
        }
        self.0.tokens.insert(hash.to_vec(), (device, expires_at));
        Ok(())
    }

    fn token(&mut self, hash: &[u8]) -> Result<Option<TokenRow>> {
        let Some((device_id, expires_at)) = self.0.tokens.get(hash) else {
            return Ok(None);
        };
        Ok(self.device(device_id).map(|d| TokenRow {
            device_id: d.id.clone(),
            org_id: d.org_id,
            role: d.role.clone(),
            person_id: d.person_id.clone(),
            expires_at: *expires_at,
            revoked_at: d.revoked_at,
        }))
    }

    fn count_attempt(
        &mut self,
        key: &str,
        minute: i64,
        since: i64,
        forget_before: i64,
    ) -> Result<u32> {
        self.0.attempts.retain(|(_, m), _| *m >= forget_before);
        *self.0.attempts.entry((key.into(), minute)).or_default() += 1;
        self.attempts(key, since)
    }

    fn attempts(&mut self, key: &str, since: i64) -> Result<u32> {
        Ok(self
            .0
            .attempts
            .iter()
            .filter(|((k, m), _)| k == key && *m >= since)
            .map(|(_, n)| n)
            .sum())
    }

    fn undo_attempt(&mut self, key: &str, minute: i64) -> Result<()> {
        if let Some(n) = self.0.attempts.get_mut(&(key.to_string(), minute)) {
            *n = n.saturating_sub(1);
        }
        Ok(())
    }

    fn site_secret(&mut self, candidate: &[u8]) -> Result<Vec<u8>> {
        Ok(self
            .0
            .secret
            .get_or_insert_with(|| candidate.to_vec())
            .clone())
    }

    fn shipped_copies(&mut self, id: Uuid) -> Result<Vec<(Option<i64>, Vec<u8>)>> {
        let shared = self.0.docs.get(&id).map(|d| (None, d.snapshot.clone()));
        let own = self
            .0
            .org_copies
            .iter()
            .filter(|((_, doc), _)| *doc == id)
            .map(|((org, _), snapshot)| (Some(*org), snapshot.clone()));
        Ok(shared.into_iter().chain(own).collect())
    }

    fn seed_record(
        &mut self,
        id: Uuid,
        kind: RecordKind,
        snapshot: &[u8],
        _heads: &[u8],
        digest: &[u8],
    ) -> Result<()> {
        let doc = self.0.docs.entry(id).or_insert_with(|| Doc {
            kind: kind.as_str().into(),
            org_id: None,
            creator_person: None,
            assignee: None,
            assignee_person: None,
            snapshot: Vec::new(),
            digest: Vec::new(),
            forwarded_to: None,
        });
        doc.snapshot = snapshot.to_vec();
        doc.digest = digest.to_vec();
        Ok(())
    }

    fn record(&mut self, id: Uuid, org_id: i64) -> Result<Option<StoredRecord>> {
        let copy = self.0.org_copies.get(&(org_id, id));
        Ok(self.0.docs.get(&id).map(|d| StoredRecord {
            kind: d.kind.clone(),
            org_id: d.org_id,
            creator_person: d.creator_person.clone(),
            assignee_person: d.assignee_person.clone(),
            snapshot: copy.unwrap_or(&d.snapshot).clone(),
            digest: d.digest.clone(),
        }))
    }

    fn put_record(&mut self, row: &RecordRow<'_>) -> Result<()> {
        let doc = self.0.docs.entry(row.id).or_insert_with(|| Doc {
            kind: row.kind.as_str().into(),
            org_id: row.org_id,
            creator_person: row.creator_person.map(Into::into),
            assignee: None,
            assignee_person: None,
            snapshot: Vec::new(),
            digest: Vec::new(),
            forwarded_to: None,
        });
        doc.forwarded_to = row.forwarded_to;
        doc.assignee = row.assignee.map(Into::into);
        doc.assignee_person = row.assignee_person.map(Into::into);
        doc.snapshot = row.snapshot.to_vec();
        doc.digest = row.digest.to_vec();
        Ok(())
    }

    fn put_org_copy(&mut self, org_id: i64, id: Uuid, snapshot: &[u8]) -> Result<()> {
        self.0.org_copies.insert((org_id, id), snapshot.to_vec());
        Ok(())
    }

    fn link_blob(&mut self, doc_id: Uuid, sha: &str) -> Result<()> {
        self.0.blobs.insert((sha.into(), doc_id));
        Ok(())
    }

    fn append_changes(&mut self, changes: &[NewChange]) -> Result<()> {
        for c in changes {
            if !self.0.log.contains(&c.hash) {
                self.0.log.push(c.hash);
            }
        }
        Ok(())
    }

    fn changes_after(&mut self, _: &Viewer, _: Uuid, _: u64, _: usize) -> Result<Vec<LogRow>> {
        Err(sql_only())
    }

    fn log_head(&mut self) -> Result<u64> {
        Ok(self.0.log.len() as u64)
    }

    fn visible_record(&mut self, viewer: &Viewer, id: Uuid) -> Result<Option<(String, Vec<u8>)>> {
        let Some(d) = self.0.docs.get(&id) else {
            return Ok(None);
        };
        let seen = RecordKind::parse(&d.kind).is_some_and(|kind| {
            sees(
                viewer,
                kind,
                d.org_id,
                d.creator_person.as_deref(),
                d.assignee_person.as_deref(),
            )
        });
        let copy = self.0.org_copies.get(&(viewer.org_id, id));
        Ok(seen.then(|| (d.kind.clone(), copy.unwrap_or(&d.snapshot).clone())))
    }

    fn visible_digests(&mut self, _: &Viewer) -> Result<Vec<(Uuid, Vec<u8>)>> {
        Err(sql_only())
    }

    fn blob_visible(&mut self, _: &Viewer, _: &str) -> Result<bool> {
        Err(sql_only())
    }

    fn blob_linked(&mut self, org_id: i64, sha: &str, except: Option<Uuid>) -> Result<bool> {
        Ok(self.0.blobs.iter().any(|(s, doc)| {
            s == sha
                && Some(*doc) != except
                && self
                    .0
                    .docs
                    .get(doc)
                    .is_some_and(|d| d.org_id == Some(org_id))
        }))
    }

    fn blob_orgs(&mut self, sha: &str) -> Result<Vec<i64>> {
        let orgs: BTreeSet<i64> = self
            .0
            .blobs
            .iter()
            .filter(|(s, _)| s == sha)
            .filter_map(|(_, doc)| self.0.docs.get(doc)?.org_id)
            .collect();
        Ok(orgs.into_iter().collect())
    }

    fn intake_device(&mut self, org_id: i64) -> Result<Option<IntakeRow>> {
        let Some((device_id, _)) = self.0.intake.get(&org_id) else {
            return Ok(None);
        };
        Ok(self.device(device_id).map(|d| IntakeRow {
            device_id: d.id.clone(),
            device_code: d.device_code.clone(),
            person_id: d.person_id.clone(),
            actor: d.actor.clone(),
        }))
    }

    fn insert_intake_device(&mut self, org_id: i64, device_id: Uuid) -> Result<()> {
        if self.0.intake.contains_key(&org_id) {
            return Err(taken("an intake device of the organisation"));
        }
        self.0.intake.insert(org_id, (device_id.to_string(), 0));
        Ok(())
    }

    fn next_intake_seq(&mut self, org_id: i64) -> Result<u64> {
        let (_, seq) = self
            .0
            .intake
            .get_mut(&org_id)
            .ok_or_else(|| missing("intake device"))?;
        *seq += 1;
        Ok(*seq)
    }

    fn insert_receipt(
        &mut self,
        org_id: i64,
        reference: &str,
        doc_id: Uuid,
        _at: i64,
    ) -> Result<()> {
        let key = (org_id, reference.to_string());
        if self.0.receipts.contains_key(&key) {
            return Err(taken("a receipt with that reference"));
        }
        self.0.receipts.insert(key, doc_id);
        Ok(())
    }

    fn receipt(&mut self, org_id: i64, reference: &str) -> Result<Option<Uuid>> {
        Ok(self
            .0
            .receipts
            .get(&(org_id, reference.to_string()))
            .copied())
    }

    fn put_figures(&mut self, org_id: i64, figures: &str, at: i64) -> Result<()> {
        self.0.figures.insert(org_id, (figures.into(), at));
        Ok(())
    }

    fn figures(&mut self, org_id: i64) -> Result<Option<(String, i64)>> {
        Ok(self.0.figures.get(&org_id).cloned())
    }

    fn claim_message(
        &mut self,
        provider: &str,
        message_id: &str,
        sender: &[u8],
        at: i64,
    ) -> Result<Option<Option<Uuid>>> {
        let key = (provider.to_string(), message_id.to_string());
        if let Some(known) = self.0.messages.get(&key) {
            return Ok(Some(known.doc_id));
        }
        let inbound = Inbound {
            sender: sender.to_vec(),
            doc_id: None,
            received_at: at,
        };
        self.0.messages.insert(key, inbound);
        Ok(None)
    }

    fn set_message_case(&mut self, provider: &str, message_id: &str, doc_id: Uuid) -> Result<()> {
        let key = (provider.to_string(), message_id.to_string());
        if let Some(m) = self.0.messages.get_mut(&key) {
            m.doc_id = Some(doc_id);
        }
        Ok(())
    }

    fn forget_senders(&mut self, before: i64) -> Result<()> {
        for m in self.0.messages.values_mut() {
            if m.received_at < before {
                m.sender.clear();
            }
        }
        Ok(())
    }

    fn recent_case_from(&mut self, sender: &[u8], since: i64) -> Result<Option<Uuid>> {
        Ok(self
            .0
            .messages
            .values()
            .filter(|m| !m.sender.is_empty() && m.sender == sender && m.received_at >= since)
            .filter_map(|m| Some((m.received_at, m.doc_id?)))
            .max_by_key(|(at, _)| *at)
            .map(|(_, doc)| doc))
    }

    fn insert_officer(&mut self, officer: &OfficerRow) -> Result<()> {
        if self.0.officers.iter().any(|o| {
            o.id == officer.id
                || o.login == officer.login
                || o.code_hash == officer.code_hash
                || (o.phone_hash.is_some() && o.phone_hash == officer.phone_hash)
        }) {
            return Err(Error::internal("UNIQUE constraint failed: desk_officers"));
        }
        self.0.officers.push(officer.clone());
        Ok(())
    }

    fn officer(&mut self, key: OfficerKey<'_>) -> Result<Option<OfficerRow>> {
        Ok(self
            .0
            .officers
            .iter()
            .find(|o| match key {
                OfficerKey::Id(id) => o.id == id,
                OfficerKey::Login(login) => o.login == login,
                OfficerKey::Code(hash) => o.code_hash == hash,
                OfficerKey::Phone(hash) => o.phone_hash.as_deref() == Some(hash),
            })
            .cloned())
    }

    fn update_officer(&mut self, officer: &OfficerRow) -> Result<()> {
        if let Some(o) = self.0.officers.iter_mut().find(|o| o.id == officer.id) {
            *o = officer.clone();
        }
        Ok(())
    }

    fn officers(&mut self) -> Result<Vec<OfficerRow>> {
        Ok(self.0.officers.clone())
    }

    fn insert_desk_session(&mut self, hash: &[u8], officer_id: &str, at: i64) -> Result<()> {
        self.0.desk_sessions.insert(
            hash.to_vec(),
            DeskSessionRow {
                officer_id: officer_id.into(),
                created_at: at,
                seen_at: at,
            },
        );
        Ok(())
    }

    fn desk_session(&mut self, hash: &[u8]) -> Result<Option<DeskSessionRow>> {
        Ok(self.0.desk_sessions.get(hash).cloned())
    }

    fn touch_desk_session(&mut self, hash: &[u8], at: i64) -> Result<()> {
        if let Some(s) = self.0.desk_sessions.get_mut(hash) {
            s.seen_at = at;
        }
        Ok(())
    }

    fn end_desk_sessions(&mut self, officer_id: &str, only: Option<&[u8]>) -> Result<()> {
        self.0
            .desk_sessions
            .retain(|hash, s| s.officer_id != officer_id || only.is_some_and(|o| o != hash));
        Ok(())
    }

    fn desk_cases(&mut self, org_id: i64, agency: Uuid) -> Result<Vec<(Uuid, Vec<u8>)>> {
        Ok(self
            .0
            .docs
            .iter()
            .filter(|(_, d)| d.org_id == Some(org_id) && d.forwarded_to == Some(agency))
            .map(|(id, d)| (*id, d.snapshot.clone()))
            .collect())
    }

    fn cases_without_desk(&mut self, _limit: usize) -> Result<Vec<(Uuid, Vec<u8>)>> {
        // Every case here was stored with its agency noted.
        Ok(Vec::new())
    }

    fn set_forwarded_to(&mut self, id: Uuid, agency: Option<Uuid>) -> Result<()> {
        if let Some(d) = self.0.docs.get_mut(&id) {
            d.forwarded_to = agency;
        }
        Ok(())
    }

    fn subscription(&mut self, doc_id: Uuid) -> Result<Option<UpdateRow>> {
        Ok(self.0.subscriptions.get(&doc_id).cloned())
    }

    fn put_subscription(&mut self, row: &UpdateRow) -> Result<()> {
        self.0.subscriptions.insert(row.doc_id, row.clone());
        Ok(())
    }

    fn subscribed_cases(&mut self, phone_hash: &[u8]) -> Result<Vec<Uuid>> {
        Ok(self
            .0
            .subscriptions
            .values()
            .filter(|s| s.phone_hash == phone_hash)
            .map(|s| s.doc_id)
            .collect())
    }

    fn drop_subscriptions(
        &mut self,
        doc_id: Option<Uuid>,
        phone_hash: Option<&[u8]>,
    ) -> Result<()> {
        self.0.subscriptions.retain(|id, s| {
            let by_case = doc_id == Some(*id);
            let by_phone = phone_hash.is_some_and(|h| h == s.phone_hash.as_slice());
            !(by_case || by_phone)
        });
        Ok(())
    }

    fn queue_update(&mut self, row: &OutgoingRow) -> Result<bool> {
        if self
            .0
            .outgoing
            .iter()
            .any(|o| o.doc_id == row.doc_id && o.key == row.key)
        {
            return Ok(false);
        }
        let id = i64::try_from(self.0.outgoing.len()).unwrap_or(i64::MAX) + 1;
        self.0.outgoing.push(OutgoingRow { id, ..row.clone() });
        Ok(true)
    }

    fn take_updates(&mut self, limit: usize, at: i64) -> Result<Vec<OutgoingRow>> {
        let mut taken = Vec::new();
        for o in self
            .0
            .outgoing
            .iter_mut()
            .filter(|o| o.sent_at.is_none())
            .take(limit)
        {
            taken.push(o.clone());
            o.sent_at = Some(at);
            o.phone = None;
        }
        Ok(taken)
    }

    fn updates_sent_since(&mut self, since: i64) -> Result<Vec<(String, u64)>> {
        let mut by: BTreeMap<String, u64> = BTreeMap::new();
        for o in &self.0.outgoing {
            if o.sent_at.is_some_and(|at| at >= since) {
                *by.entry(o.provider.clone()).or_default() += 1;
            }
        }
        Ok(by.into_iter().collect())
    }

    fn stored_answer(&mut self, device_id: Uuid, batch_id: Uuid) -> Result<Option<Vec<u8>>> {
        Ok(self
            .0
            .answers
            .get(&(device_id, batch_id))
            .map(|(answer, _)| answer.clone()))
    }

    fn store_answer(
        &mut self,
        device_id: Uuid,
        batch_id: Uuid,
        answer: &[u8],
        at: i64,
    ) -> Result<()> {
        self.0
            .answers
            .entry((device_id, batch_id))
            .or_insert_with(|| (answer.to_vec(), at));
        Ok(())
    }

    fn prune_answers(&mut self, before: i64) -> Result<()> {
        self.0.answers.retain(|_, (_, at)| *at >= before);
        Ok(())
    }
}

/// A clock that stands still until the test moves it.
#[derive(Debug)]
pub(crate) struct TestClock(AtomicI64);

impl TestClock {
    /// Move it on by `ms`.
    pub(crate) fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::SeqCst))
    }
}

/// 2026-11-28, 09:00 in Lagos.
pub(crate) const START: i64 = 1_795_852_800_000;
/// The organisation every test enrols.
pub(crate) const ORG: &str = "Kano Civic Forum";

/// The rules over a fresh in-memory database, at [`START`], with `ORG` enrolled and its
/// first coordinator's device.
pub(crate) struct Fixture {
    pub(crate) db: Arc<Memory>,
    pub(crate) clock: Arc<TestClock>,
    pub(crate) core: Core,
    pub(crate) coordinator: Device,
}

/// An organisation's secret key (its coordinators' laptops hold it), the same for every run.
pub(crate) fn org_secret(seed: u8) -> OrgSecretKey {
    OrgSecretKey::from_bytes(&[seed; 32]).expect("a secret key")
}

/// Its public key, as the server holds it.
pub(crate) fn org_key(seed: u8) -> String {
    org_secret(seed).public_key().to_base64()
}

impl Fixture {
    /// The rules taking the public's reports for `public` (none: no public face).
    pub(crate) fn new(public: Option<crate::intake::Public>) -> Fixture {
        let db = Arc::new(Memory::default());
        let clock = Arc::new(TestClock(AtomicI64::new(START)));
        let rng = Box::new(rand::rngs::StdRng::seed_from_u64(27));
        let core = Core::new(db.clone(), clock.clone(), rng, Limits::default()).expect("rules");
        let core = match public {
            Some(public) => core.with_public(public),
            None => core,
        };
        let mut fixture = Fixture {
            db,
            clock,
            core,
            coordinator: Device {
                id: Uuid::nil(),
                org_id: 0,
                role: Role::Coordinator,
                person_id: String::new(),
            },
        };
        fixture.coordinator = fixture.enrol(ORG, &org_key(1), Role::Coordinator, "Ngozi Eze");
        fixture
    }

    /// A device of `user` in `org` (made with `key` on first use), signed in.
    pub(crate) fn enrol(&self, org: &str, key: &str, role: Role, user: &str) -> Device {
        let code = self
            .core
            .create_enrolment(&NewCode {
                org,
                org_public_key: Some(key),
                role,
                user,
                valid_for: std::time::Duration::from_secs(3600),
            })
            .expect("a code");
        let secret = EnrolmentCode::parse(&code).expect("a code").secret;
        let devices = self.core.devices().expect("devices").len();
        let enrolled = self
            .core
            .enroll(
                "192.0.2.1",
                &EnrollRequest {
                    version: PROTOCOL_VERSION,
                    code: secret,
                    device_name: format!("{user}'s laptop"),
                    actor: format!("{:032x}", devices + 1),
                    device_secret: format!("{user} keeps this secret on the laptop"),
                },
            )
            .expect("enrolled");
        self.core
            .authenticate(&enrolled.token.access_token)
            .expect("signed in")
    }
}

mod tests {
    use super::*;
    use crate::persistence::transaction;

    #[test]
    fn a_failed_transaction_leaves_nothing_and_a_finished_one_everything() {
        let db = Memory::default();
        let failed: Result<()> = transaction(&db, Mode::Write, |tx| {
            tx.insert_org("Lagos Accountability Lab", "key")?;
            tx.put_figures(1, "{}", 1)?;
            Err(Error::internal("the rule refused after writing"))
        });
        assert!(matches!(failed, Err(Error::Backend(m)) if m == "the rule refused after writing"));
        let kept = transaction(&db, Mode::Write, |tx| {
            Ok((tx.org_by_name("Lagos Accountability Lab")?, tx.figures(1)?))
        })
        .expect("read");
        assert_eq!(kept, (None, None), "nothing of the failed transaction");
        let id = transaction(&db, Mode::Write, |tx| {
            tx.insert_org("Lagos Accountability Lab", "key")
        })
        .expect("stored");
        let kept = transaction(&db, Mode::Snapshot, |tx| {
            tx.org_by_name("Lagos Accountability Lab")
        })
        .expect("read");
        assert_eq!(kept, Some((id, "key".to_string())));
        let again = transaction(&db, Mode::Write, |tx| {
            tx.insert_org("Lagos Accountability Lab", "other")
        });
        assert!(matches!(again, Err(Error::Backend(_))), "a unique name");
    }

    #[test]
    fn a_panic_inside_a_transaction_leaves_nothing_and_the_next_one_runs() {
        let db = Memory::default();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = transaction(&db, Mode::Write, |tx| -> Result<()> {
                tx.insert_org("Lagos Accountability Lab", "key")?;
                panic!("a bug in one request");
            });
        }));
        assert!(panicked.is_err());
        let kept = transaction(&db, Mode::Write, |tx| {
            tx.org_by_name("Lagos Accountability Lab")
        })
        .expect("the next transaction runs");
        assert_eq!(kept, None);
    }

    #[test]
    fn the_walks_only_sql_renders_are_refused_in_words() {
        let db = Memory::default();
        let viewer = Viewer {
            org_id: 1,
            person_id: "p1".into(),
            everyone: true,
        };
        let refusals = transaction(&db, Mode::Write, |tx| {
            Ok([
                tx.visible_digests(&viewer).err(),
                tx.blob_visible(&viewer, "ab").err(),
                tx.changes_after(&viewer, Uuid::nil(), 0, 10).err(),
            ])
        })
        .expect("ran");
        for refusal in refusals {
            match refusal {
                Some(Error::Backend(m)) => assert!(
                    m.contains("kept only by the SQL backends: visibility is tested on both"),
                    "{m}"
                ),
                other => panic!("{other:?}"),
            }
        }
    }
}
