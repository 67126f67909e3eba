//! Records: applying a batch (who may change what, which changes are new, what a record
//! names), answering a repeated batch with its stored answer, pulling in log order up to a
//! checkpoint, and the checksums that tell a device it holds what it may see.

use automerge::AutoCommit;
use citizens_core::agency::Agency;
use citizens_core::article::CivicArticle;
use citizens_core::document::read;
use citizens_core::grievance::Grievance;
use citizens_core::rulebook::Rulebook;
use citizens_core::session::TownHallSession;
use citizens_protocol::{
    collection_digest, decode, encode, record_digest, thin, ByteBuf, ErrorCode, Pulled, Push,
    RecordKind, Refusal, RefusedRecord, Role, SyncRequest, SyncResponse, MAX_BATCH_CHANGES,
    MAX_RECORD_BYTES, PROTOCOL_VERSION,
};
use uuid::Uuid;

use crate::persistence::{
    sees, transaction, Mode, NewChange, Persistence, RecordRow, StoredRecord, Tx, Viewer,
};
use crate::{Core, Device, Error, Result};

/// How long stored answers are kept for replays (a day: a retry comes within minutes; a replay
/// after that is harmless anyway, because changes are logged by hash).
const ANSWER_RETENTION_MS: i64 = 24 * 3600 * 1000;

pub(crate) fn kind(word: &str) -> Result<RecordKind> {
    RecordKind::parse(word).ok_or_else(|| Error::internal(format!("stored kind '{word}'")))
}

fn heads_of(doc: &mut AutoCommit) -> Vec<[u8; 32]> {
    doc.get_heads().iter().map(|h| h.0).collect()
}

/// Shipped agencies, articles and the rulebook, byte-identical to every device's copy. A
/// server upgraded to newer shipped data merges it into every copy it holds (the shared one
/// and each organisation's), so coordinators' edits stay; a copy that holds it already is left
/// alone. A copy that cannot take it (damaged, or holding a forged change under the shipped
/// writer from before such changes were refused) keeps what it has and is named in the answer,
/// `(organisation, record)`: one bad copy never stops the server.
pub(crate) fn seed(db: &dyn Persistence) -> Result<Vec<(Option<i64>, Uuid)>> {
    let shipped = |e: citizens_core::Error| Error::internal(format!("shipped data: {e}"));
    let mut docs = Vec::new();
    for a in citizens_core::seed::shipped_agencies().map_err(shipped)? {
        docs.push((a.value.id.uuid(), RecordKind::Agency, a.document));
    }
    for a in citizens_core::seed::shipped_articles().map_err(shipped)? {
        docs.push((a.value.id.uuid(), RecordKind::Article, a.document));
    }
    let rulebook = citizens_core::seed::shipped_rulebook().map_err(shipped)?;
    docs.push((Rulebook::id(), RecordKind::Rulebook, rulebook.document));
    transaction(db, Mode::Write, |tx| {
        let mut kept = Vec::new();
        for (id, kind, doc) in &docs {
            let mut shipped = doc.clone();
            let heads = shipped.get_heads();
            let put_shared = |tx: &mut dyn Tx, doc: &mut AutoCommit| {
                let heads = heads_of(doc);
                let digest = record_digest(*id, &heads);
                tx.seed_record(*id, *kind, &doc.save(), &heads.concat(), &digest)
            };
            let copies = tx.shipped_copies(*id)?;
            if copies.is_empty() {
                put_shared(tx, &mut shipped)?;
            }
            for (org, bytes) in copies {
                let Ok(mut copy) = AutoCommit::load(&bytes) else {
                    kept.push((org, *id));
                    continue;
                };
                if heads.iter().all(|h| copy.get_change_by_hash(h).is_some()) {
                    continue;
                }
                if copy.merge(&mut shipped.clone()).is_err() {
                    kept.push((org, *id));
                    continue;
                }
                match org {
                    Some(org_id) => tx.put_org_copy(org_id, *id, &copy.save())?,
                    None => put_shared(tx, &mut copy)?,
                }
            }
        }
        Ok(kept)
    })
}

/// What the server keeps of a record besides its document: who it is assigned to and which
/// attachments it references.
struct Scope {
    assignee: Option<String>,
    attachments: Vec<String>,
    /// A case's agency, once forwarded to it.
    forwarded_to: Option<Uuid>,
    /// A case's entries made on the agency desk, whole.
    agency_entries: std::collections::BTreeSet<String>,
}

/// A case's entries made on the agency desk, whole (an entry changed afterwards is another).
fn agency_entries(case: &Grievance) -> std::collections::BTreeSet<String> {
    let timeline = case
        .timeline
        .iter()
        .filter(|e| e.by.agency.is_some())
        .map(|e| format!("{e:?}"));
    let history = case
        .status_history
        .iter()
        .filter(|c| c.by.agency.is_some())
        .map(|c| format!("{c:?}"));
    timeline.chain(history).collect()
}

/// The record's kind-specific checks: it hydrates as its kind, its id is its address.
fn check_record(kind: RecordKind, doc: &AutoCommit, id: Uuid) -> Result<Scope> {
    let refuse = |e: citizens_core::Error| {
        Error::refused(
            ErrorCode::InvalidRecord,
            format!("not a valid {}: {e}", kind.as_str()),
        )
    };
    let plain = |found: Uuid| {
        (
            found,
            Scope {
                assignee: None,
                attachments: Vec::new(),
                forwarded_to: None,
                agency_entries: Default::default(),
            },
        )
    };
    let (found, scope) = match kind {
        RecordKind::Grievance => {
            let g: Grievance = read(doc).map_err(refuse)?;
            let agency_entries = agency_entries(&g);
            let forwarded_to = g.forwarded_to().map(|a| a.uuid());
            let attachments = g.attachments.into_iter().map(|a| a.sha256).collect();
            (
                g.id.uuid(),
                Scope {
                    assignee: g.assignee,
                    attachments,
                    forwarded_to,
                    agency_entries,
                },
            )
        }
        RecordKind::Session => plain(read::<TownHallSession>(doc).map_err(refuse)?.id.uuid()),
        RecordKind::Agency => plain(read::<Agency>(doc).map_err(refuse)?.id.uuid()),
        RecordKind::Article => plain(read::<CivicArticle>(doc).map_err(refuse)?.id.uuid()),
        RecordKind::Rulebook => plain(read::<Rulebook>(doc).map_err(refuse)?.id),
    };
    if found != id {
        return Err(Error::refused(
            ErrorCode::InvalidRecord,
            "the record's id does not match its address",
        ));
    }
    Ok(scope)
}

/// What a batch leaves for the end of its transaction: the changes to log and each
/// organisation's checksum change. Both are written last, so the rows every push touches
/// (the log's order, the organisation's checksum) are held only from there to the commit.
struct Batch {
    log: Vec<NewChange>,
    checksums: std::collections::BTreeMap<i64, [u8; 32]>,
    /// When it is applied (ms): status messages are queued and capped by it.
    now: i64,
}

impl Batch {
    fn at(now: i64) -> Batch {
        Batch {
            log: Vec::new(),
            checksums: Default::default(),
            now,
        }
    }
}

impl Batch {
    fn finish(self, tx: &mut dyn Tx) -> Result<()> {
        for (org, delta) in self.checksums {
            tx.lock_org(org)?;
            let old: [u8; 32] = tx
                .org_checksum(org)?
                .try_into()
                .map_err(|_| Error::internal("checksum"))?;
            tx.set_org_checksum(org, &collection_digest([&old, &delta]))?;
        }
        tx.append_changes(&self.log)
    }
}

/// What became of one record of a batch.
enum Pushed {
    /// Its new changes (if any) are stored, and the device still sees it.
    Stored,
    /// Refused on its own; nothing of it was stored.
    Refused(RefusedRecord),
    /// The server holds every change the device sent of it, and the device may no longer see
    /// it (it was reassigned): the device removes its copy.
    OutOfScope,
}

/// Apply one record of a batch; its new changes and checksum change go to `batch`. Bytes that are not valid record
/// data fail the whole batch (4xx, nothing stored: no real laptop sends them); a record this
/// device may not change, or whose history clashes, is refused on its own and the rest of the
/// batch goes on. Changes the server already holds are accepted before anything is judged, so
/// a laptop re-sending what it already sent (after a re-enrolment, a reassignment, a bundle)
/// is never stuck.
/// Who stores a push: a device, or the server itself (its public intake and agency desk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    Device,
    Server,
}

fn apply_push(
    tx: &mut dyn Tx,
    device: &Device,
    writer: Writer,
    push: &Push,
    batch: &mut Batch,
) -> Result<Pushed> {
    let stored = tx.record(push.doc_id, device.org_id)?;
    let shared = stored.as_ref().is_some_and(|s| s.org_id.is_none()) && push.kind.is_reference();
    let refuse = |code: Refusal, message: &str| {
        Ok(Pushed::Refused(RefusedRecord {
            doc_id: push.doc_id,
            code: code.as_str().into(),
            message: message.into(),
        }))
    };
    let viewer = device.viewer();
    let seen = |record: &StoredRecord| {
        sees(
            &viewer,
            push.kind,
            record.org_id,
            record.creator_person.as_deref(),
            record.assignee_person.as_deref(),
        )
    };
    if let Some(stored) = &stored {
        if stored.kind != push.kind.as_str() {
            return Err(Error::refused(
                ErrorCode::InvalidRecord,
                format!("record is a {}, not a {}", stored.kind, push.kind.as_str()),
            ));
        }
    }
    let size: usize = push.changes.iter().map(|c| c.len()).sum();
    if size > MAX_RECORD_BYTES {
        return Err(Error::refused(
            ErrorCode::TooLarge,
            format!("{size} bytes for one record is more than the {MAX_RECORD_BYTES} allowed; nothing was stored"),
        ));
    }
    let mut held = stored
        .as_ref()
        .map(|s| AutoCommit::load(&s.snapshot))
        .transpose()
        .map_err(Error::internal)?;
    let heads_before = held.as_mut().map(|d| d.get_heads()).unwrap_or_default();
    let whole = whole_changes(&push.changes, held.as_mut(), &heads_before)?;
    let changes: Vec<&[u8]> = whole.iter().map(|c| &c[..]).collect();
    let mut doc = match citizens_core::document::apply_untrusted(held, &changes) {
        Ok(doc) => doc,
        Err(citizens_core::document::Refused::Conflicting(why)) => {
            return refuse(
                Refusal::ConflictingHistory,
                &format!("{why}; nothing of this record was stored"),
            )
        }
        // A laptop on a newer release than this server: its edit builds on that release's
        // shipped change, which only the server's upgrade brings. It waits on the laptop (offered
        // again at every sync) and the rest of the batch goes on.
        Err(citizens_core::document::Refused::MissingDependencies)
            if push.kind.is_reference() && stored.as_ref().is_some_and(|s| is_shipped(&s.snapshot)) =>
        {
            return refuse(
                Refusal::NewerRelease,
                "this builds on directory, article or rule changes of a newer Citizens Connect than the server runs; it waits on this laptop until the server is upgraded",
            )
        }
        Err(e) => {
            return Err(Error::refused(
                ErrorCode::InvalidChanges,
                format!("{e}; nothing was stored"),
            ))
        }
    };
    let new_changes = doc.get_changes(&heads_before);
    if new_changes.is_empty() {
        return Ok(match &stored {
            Some(stored) if !seen(stored) => Pushed::OutOfScope,
            _ => Pushed::Stored,
        });
    }
    let coordinator = device.role == Role::Coordinator;
    if push.kind.is_reference() && !coordinator {
        return refuse(
            Refusal::ReferenceData,
            "only coordinators change the directory, civic articles and case rules",
        );
    }
    if let Some(stored) = &stored {
        if !seen(stored) && !written_while_theirs(tx, device, stored, &mut doc, &new_changes)? {
            return refuse(
                Refusal::NotYours,
                "this case is no longer yours to change (it was reassigned, or belongs to someone else)",
            );
        }
    }
    let shipped_writer = citizens_core::seed::actor();
    for change in &new_changes {
        // Only a release writes under the shipped data's writer: a change a device sends under
        // it could take a sequence number a later release needs, and then no copy of the
        // record could take that release.
        if change.actor_id() == &shipped_writer {
            return refuse(
                Refusal::ActorTaken,
                "these changes are written under the shipped data's writer id, which only a release of Citizens Connect writes under",
            );
        }
        let owner = tx
            .actor_owner(&change.actor_id().to_hex_string())?
            .flatten();
        if owner.is_some_and(|owner| owner != device.person_id) {
            return refuse(
                Refusal::ActorTaken,
                "these changes are written under another person's device; that device must send them itself",
            );
        }
    }
    // Nothing a device writes may rewrite the screen that shows it.
    if let Err(e) = citizens_core::document::refuse_control_text(&new_changes) {
        return refuse(Refusal::ControlCharacters, &e.to_string());
    }
    let scope = check_record(push.kind, &doc, push.doc_id)?;
    // An agency's entries are made on its desk, by the server: a device cannot write one (the
    // figures count what agencies confirmed themselves).
    if writer == Writer::Device && !scope.agency_entries.is_empty() {
        let before = match &stored {
            Some(s) => {
                let old = AutoCommit::load(&s.snapshot).map_err(Error::internal)?;
                read::<Grievance>(&old)
                    .map(|g| agency_entries(&g))
                    .unwrap_or_default()
            }
            None => Default::default(),
        };
        if !scope.agency_entries.is_subset(&before) {
            return refuse(
                Refusal::NotYours,
                "only an agency's own desk writes the agency's entries; nothing of this change was stored",
            );
        }
    }
    // Naming an attachment another record of the organisation already holds is no way in: only
    // a device that may read it already may link it to a record of its own. Another
    // organisation's attachments are not even there to name (each keeps its own files).
    for sha in &scope.attachments {
        if tx.blob_linked(device.org_id, sha, Some(push.doc_id))?
            && !tx.blob_visible(&device.viewer(), sha)?
        {
            return refuse(
                Refusal::AttachmentNotYours,
                "this case names an attachment of a case you cannot see; nothing of this change was stored",
            );
        }
    }
    // Laptops refuse a record larger than this whole: never store one they would refuse.
    let saved = doc.save();
    if saved.len() > MAX_RECORD_BYTES {
        return refuse(
            Refusal::TooLarge,
            "this record has grown larger than a record may be; nothing of this change was stored",
        );
    }
    let org_mark = shared.then_some(device.org_id);
    batch.log.extend(new_changes.iter().map(|change| NewChange {
        doc_id: push.doc_id,
        hash: change.hash().0,
        bytes: change.raw_bytes().to_vec(),
        origin_device: device.id,
        org_mark,
    }));
    if shared {
        // This organisation's edit to shipped reference data: its own copy, its devices only.
        tx.put_org_copy(device.org_id, push.doc_id, &saved)?;
        return Ok(Pushed::Stored);
    }
    let heads = heads_of(&mut doc);
    let digest = record_digest(push.doc_id, &heads);
    let (org, creator) = match &stored {
        Some(s) => (s.org_id, s.creator_person.clone()),
        None => (Some(device.org_id), Some(device.person_id.clone())),
    };
    let assignee_person = match (org, &scope.assignee) {
        (Some(org), Some(name)) => tx.person_by_name(org, name)?,
        _ => None,
    };
    tx.put_record(&RecordRow {
        id: push.doc_id,
        kind: push.kind,
        org_id: org,
        creator_device: device.id,
        creator_person: creator.as_deref(),
        assignee: scope.assignee.as_deref(),
        assignee_person: assignee_person.as_deref(),
        snapshot: &saved,
        heads: &heads.concat(),
        digest: &digest,
        forwarded_to: scope.forwarded_to,
    })?;
    for sha in &scope.attachments {
        tx.link_blob(push.doc_id, sha)?;
    }
    // A reporter who asked to hear how their case moves is told of this change.
    if push.kind == RecordKind::Grievance && tx.subscription(push.doc_id)?.is_some() {
        let case: Grievance = read(&doc).map_err(Error::internal)?;
        crate::updates::noticed(tx, push.doc_id, &case, batch.now)?;
    }
    if let (Some(org), false) = (org, push.kind.is_reference()) {
        // The checksum is the XOR of its records' digests: out with the old, in with the new.
        let old: Option<[u8; 32]> = stored.and_then(|s| s.digest.try_into().ok());
        let delta = batch.checksums.entry(org).or_default();
        let before = *delta;
        *delta = collection_digest(old.iter().chain([&before, &digest]));
    }
    let still_seen = sees(
        &viewer,
        push.kind,
        org,
        creator.as_deref(),
        assignee_person.as_deref(),
    );
    Ok(if still_seen {
        Pushed::Stored
    } else {
        Pushed::OutOfScope
    })
}

/// Store `push` as `device` inside the caller's transaction, through the same rules as any
/// push; refused unless the device may store every change of it.
pub(crate) fn store_own(tx: &mut dyn Tx, device: &Device, push: &Push, now: i64) -> Result<()> {
    let mut batch = Batch::at(now);
    match apply_push(tx, device, Writer::Server, push, &mut batch)? {
        Pushed::Stored => batch.finish(tx),
        Pushed::Refused(r) => Err(Error::internal(format!(
            "own change refused: {}",
            r.message
        ))),
        Pushed::OutOfScope => Err(Error::internal("own change out of scope")),
    }
}

/// Store `push` as a device would send it, without the pull (the in-memory tests' sync).
#[cfg(test)]
pub(crate) fn push_as_device(
    tx: &mut dyn Tx,
    device: &Device,
    push: &Push,
    now: i64,
) -> Result<Option<RefusedRecord>> {
    let mut batch = Batch::at(now);
    let refused = match apply_push(tx, device, Writer::Device, push, &mut batch)? {
        Pushed::Refused(r) => Some(r),
        Pushed::Stored | Pushed::OutOfScope => None,
    };
    batch.finish(tx)?;
    Ok(refused)
}

/// A push's changes whole: a thin one (see `citizens_protocol::thin`) gets its dependencies
/// back from the record's heads and the push's earlier changes, else from the record's whole
/// history. One the server cannot rebuild fails the batch, and the laptop sends it whole.
fn whole_changes<'a>(
    changes: &'a [ByteBuf],
    mut held: Option<&mut AutoCommit>,
    heads: &[automerge::ChangeHash],
) -> Result<Vec<std::borrow::Cow<'a, [u8]>>> {
    use std::borrow::Cow;
    if !changes.iter().any(|c| thin::is_thin(c)) {
        return Ok(changes.iter().map(|c| Cow::Borrowed(&c[..])).collect());
    }
    let mut known: Vec<[u8; 32]> = heads.iter().map(|h| h.0).collect();
    let mut whole = Vec::with_capacity(changes.len());
    for change in changes {
        if !thin::is_thin(change) {
            known.extend(thin::change_hash(change));
            whole.push(Cow::Borrowed(&change[..]));
            continue;
        }
        let resolve = |known: &[[u8; 32]], prefix: &[u8; thin::PREFIX]| {
            let mut found = known.iter().filter(|h| h.starts_with(prefix));
            match (found.next(), found.next()) {
                (Some(hash), None) => Some(*hash),
                _ => None,
            }
        };
        let mut rebuilt = thin::fatten(change, |p| resolve(&known, p));
        if rebuilt.is_none() {
            // Not on the heads: the change follows an older one of the record.
            if let Some(doc) = held.take() {
                known.extend(doc.get_changes(&[]).iter().map(|c| c.hash().0));
                rebuilt = thin::fatten(change, |p| resolve(&known, p));
            }
        }
        let rebuilt = rebuilt.ok_or_else(|| {
            Error::refused(
                ErrorCode::UnknownDependency,
                "a change follows one the server does not hold; send the batch whole",
            )
        })?;
        known.extend(thin::change_hash(&rebuilt));
        whole.push(Cow::Owned(rebuilt));
    }
    Ok(whole)
}

/// Whether every one of `changes` to a case the device no longer sees was written on a version
/// of it assigned to the device's person: a laptop's work from before a reassignment reached
/// it (two coordinators assigning one case at once, or a reassignment while it was offline).
/// The version a change was written on is its dependencies, which the server holds and the
/// laptop cannot make up: what a coordinator assigned is what counts. And the case stays with
/// whom it was given to: changes that would assign it elsewhere are not work done on it.
fn written_while_theirs(
    tx: &mut dyn Tx,
    device: &Device,
    stored: &StoredRecord,
    doc: &mut AutoCommit,
    changes: &[automerge::Change],
) -> Result<bool> {
    if stored.org_id != Some(device.org_id) || stored.kind != RecordKind::Grievance.as_str() {
        return Ok(false);
    }
    for change in changes {
        let then = doc.fork_at(change.deps()).map_err(Error::internal)?;
        let Ok(case) = read::<Grievance>(&then) else {
            return Ok(false);
        };
        let assignee = match case.assignee {
            Some(name) => tx.person_by_name(device.org_id, &name)?,
            None => None,
        };
        if assignee.as_deref() != Some(device.person_id.as_str()) {
            return Ok(false);
        }
    }
    // Work done while it was theirs, never the case itself: the changes may not give it back
    // to them (a write to the assignee with a counter far ahead would win over the
    // reassignment).
    let now = read::<Grievance>(doc).map_err(Error::internal)?;
    let assignee = match now.assignee {
        Some(name) => tx.person_by_name(device.org_id, &name)?,
        None => None,
    };
    Ok(assignee == stored.assignee_person)
}

/// Most rows read for one page; the page is then cut at the byte target.
fn page_rows(page_bytes: usize) -> usize {
    (page_bytes / 64).clamp(100, 5_000)
}

/// A page of changes after `since` and the checkpoint to hold after it: the last change sent
/// when more wait, else the head of the log (so changes the device may not see are not
/// walked again).
fn pull(
    tx: &mut dyn Tx,
    device: &Device,
    since: u64,
    page_bytes: usize,
) -> Result<(Vec<Pulled>, u64, bool)> {
    let limit = page_rows(page_bytes);
    let rows = tx.changes_after(&device.viewer(), device.id, since, limit)?;
    let read_all = rows.len() < limit;
    let (mut pulls, mut bytes, mut cut) = (Vec::new(), 0usize, false);
    for row in rows {
        if !pulls.is_empty() && bytes + row.change.len() > page_bytes {
            cut = true;
            break;
        }
        bytes += row.change.len();
        pulls.push(Pulled {
            seq: row.seq,
            doc_id: row.doc_id,
            kind: kind(&row.kind)?,
            change: row.change.into(),
        });
    }
    let more = cut || !read_all;
    let checkpoint = if more {
        pulls.last().map_or(since, |p| p.seq)
    } else {
        tx.log_head()?.max(since)
    };
    Ok((pulls, checkpoint, more))
}

pub(crate) fn digests(tx: &mut dyn Tx, viewer: &Viewer) -> Result<Vec<(Uuid, [u8; 32])>> {
    Ok(tx
        .visible_digests(viewer)?
        .into_iter()
        .filter_map(|(id, digest)| Some((id, <[u8; 32]>::try_from(digest).ok()?)))
        .collect())
}

/// A coordinator's checksum is kept per organisation as records change; anyone else's is
/// computed from the records they see.
fn checksum(tx: &mut dyn Tx, device: &Device) -> Result<[u8; 32]> {
    if device.role == Role::Coordinator {
        return tx
            .org_checksum(device.org_id)?
            .try_into()
            .map_err(|_| Error::internal("checksum"));
    }
    Ok(collection_digest(
        digests(tx, &device.viewer())?.iter().map(|(_, d)| d),
    ))
}

impl Core {
    /// Apply a batch and answer it: the pushes in one transaction, then the pull and the
    /// checksum from one snapshot. A batch seen before gets its stored answer.
    pub fn sync(&self, device: &Device, request: &SyncRequest) -> Result<SyncResponse> {
        Self::check_version(request.version)?;
        let changes: usize = request.pushes.iter().map(|p| p.changes.len()).sum();
        if changes > MAX_BATCH_CHANGES {
            return Err(Error::refused(
                ErrorCode::TooMany,
                format!("send at most {MAX_BATCH_CHANGES} changes at a time; nothing was stored"),
            ));
        }
        let now = self.now();
        let applied = self.write(|tx| {
            if let Some(stored) = tx.stored_answer(device.id, request.batch_id)? {
                return Ok(Err(stored));
            }
            if !request.pushes.is_empty() {
                tx.prune_answers(now - ANSWER_RETENTION_MS)?;
            }
            let (mut refused, mut out_of_scope) = (Vec::new(), Vec::new());
            let mut batch = Batch::at(now);
            // Records are locked as they are read: in id order, two batches never wait for
            // each other in a circle.
            let mut pushes: Vec<&Push> = request.pushes.iter().collect();
            pushes.sort_by_key(|p| p.doc_id);
            for push in pushes {
                match apply_push(tx, device, Writer::Device, push, &mut batch)? {
                    Pushed::Stored => {}
                    Pushed::Refused(r) => refused.push(r),
                    Pushed::OutOfScope => out_of_scope.push(push.doc_id),
                }
            }
            let reference: std::collections::HashSet<Uuid> = request
                .pushes
                .iter()
                .filter(|p| p.kind.is_reference())
                .map(|p| p.doc_id)
                .collect();
            let reference_changed = batch.log.iter().any(|c| reference.contains(&c.doc_id));
            batch.finish(tx)?;
            Ok(Ok((refused, out_of_scope, reference_changed)))
        })?;
        let (refused, out_of_scope) = match applied {
            Ok((refused, out_of_scope, reference_changed)) => {
                // The public pages show the directory and articles: read them afresh once a
                // coordinator's change to them is stored (not for a push that changed nothing).
                if reference_changed {
                    self.directory.forget();
                }
                (refused, out_of_scope)
            }
            Err(stored) => {
                return decode(&stored).ok_or_else(|| Error::internal("stored answer"));
            }
        };
        let page_bytes = self.limits.page_bytes;
        transaction(self.db.as_ref(), Mode::Snapshot, |tx| {
            let (pulls, checkpoint, more) = pull(tx, device, request.since, page_bytes)?;
            let response = SyncResponse {
                version: PROTOCOL_VERSION,
                checkpoint,
                pulls,
                more,
                checksum: checksum(tx, device)?.to_vec().into(),
                refused: refused.clone(),
                out_of_scope: out_of_scope.clone(),
            };
            // Only a batch that changed something needs its answer kept for a replay: a pull
            // repeated is simply answered afresh.
            if !request.pushes.is_empty() {
                tx.store_answer(device.id, request.batch_id, &encode(&response), now)?;
            }
            Ok(response)
        })
    }
}

/// A record the releases ship: its first change is the shipped data's writer's.
fn is_shipped(snapshot: &[u8]) -> bool {
    AutoCommit::load(snapshot).is_ok_and(|mut doc| {
        doc.get_changes(&[])
            .first()
            .is_some_and(|c| c.actor_id() == &citizens_core::seed::actor())
    })
}

/// The directory as organisation `org_id` keeps it: each shipped agency, as its own copy when
/// it corrected one.
pub(crate) fn org_agencies(tx: &mut dyn Tx, org_id: i64) -> Result<Vec<Agency>> {
    let shipped = citizens_core::seed::agencies()
        .map_err(|e| Error::internal(format!("shipped data: {e}")))?;
    shipped
        .into_iter()
        .map(|a| Ok(org_record(tx, org_id, a.id.uuid())?.unwrap_or(a)))
        .collect()
}

/// A record as organisation `org_id` sees it (its own copy of a shipped one), read as `T`.
pub(crate) fn org_record<T: autosurgeon::Hydrate>(
    tx: &mut dyn Tx,
    org_id: i64,
    id: Uuid,
) -> Result<Option<T>> {
    let viewer = Viewer {
        org_id,
        person_id: String::new(),
        everyone: true,
    };
    match tx.visible_record(&viewer, id)? {
        Some((_, snapshot)) => {
            let doc = AutoCommit::load(&snapshot).map_err(Error::internal)?;
            Ok(read(&doc).ok())
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use automerge::transaction::Transactable as _;
    use automerge::{AutoCommit, ROOT};
    use citizens_protocol::{thin, ByteBuf, ErrorCode};

    use super::whole_changes;
    use crate::Error;

    /// A record the server holds after its first change, and a laptop's next two (raw bytes).
    fn record() -> (Vec<u8>, Vec<Vec<u8>>) {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "note", "first").expect("put");
        doc.commit();
        let held = doc.save();
        let mut changes = Vec::new();
        for note in ["second", "third"] {
            doc.put(ROOT, "note", note).expect("put");
            let hash = doc.commit().expect("a change");
            let change = doc.get_change_by_hash(&hash).expect("change");
            assert_eq!(thin::change_hash(change.raw_bytes()), Some(hash.0));
            changes.push(change.raw_bytes().to_vec());
        }
        (held, changes)
    }

    #[test]
    fn thin_changes_are_rebuilt_from_the_record_and_the_push() {
        let (held, changes) = record();
        let mut held = AutoCommit::load(&held).expect("load");
        let heads = held.get_heads();
        let sent: Vec<ByteBuf> = changes
            .iter()
            .map(|c| thin::thin(c).expect("thin").into())
            .collect();
        for (thin, whole) in sent.iter().zip(&changes) {
            assert!(
                thin.len() + 28 < whole.len(),
                "a 32-byte hash became 4 bytes"
            );
        }
        let rebuilt = whole_changes(&sent, Some(&mut held), &heads).expect("rebuilt");
        let expected: Vec<Cow<[u8]>> = changes.iter().map(|c| Cow::from(c.as_slice())).collect();
        assert_eq!(rebuilt, expected);
    }

    #[test]
    fn a_thin_change_following_an_older_change_than_the_heads_is_rebuilt_from_history() {
        let mut server = AutoCommit::new();
        server.put(ROOT, "note", "first").expect("put");
        server.commit();
        let mut laptop = server.fork();
        server.put(ROOT, "status", "forwarded").expect("put");
        server.commit();
        laptop.put(ROOT, "note", "concurrent").expect("put");
        let hash = laptop.commit().expect("a change");
        let change = laptop
            .get_change_by_hash(&hash)
            .expect("change")
            .raw_bytes()
            .to_vec();
        let heads = server.get_heads();
        let sent: Vec<ByteBuf> = vec![thin::thin(&change).expect("thin").into()];
        let rebuilt = whole_changes(&sent, Some(&mut server), &heads).expect("rebuilt");
        assert_eq!(rebuilt, vec![Cow::from(change.as_slice())]);
    }

    #[test]
    fn a_thin_change_following_an_unknown_one_fails_the_batch_for_a_whole_resend() {
        let (_, changes) = record();
        let sent: Vec<ByteBuf> = vec![thin::thin(&changes[1]).expect("thin").into()];
        match whole_changes(&sent, None, &[]) {
            Err(Error::Refused { code, .. }) => assert_eq!(code, ErrorCode::UnknownDependency),
            other => panic!("{other:?}"),
        }
    }
}
