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
    collection_digest, decode, encode, record_digest, ErrorCode, Pulled, Push, RecordKind, Refusal,
    RefusedRecord, Role, SyncRequest, SyncResponse, MAX_BATCH_CHANGES, MAX_RECORD_BYTES,
    PROTOCOL_VERSION,
};
use uuid::Uuid;

use crate::persistence::{transaction, Mode, NewChange, Persistence, RecordRow, Tx, Viewer};
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

/// Shipped agencies, articles and the rulebook, byte-identical to every device's copy.
pub(crate) fn seed(db: &dyn Persistence) -> Result<()> {
    let mut docs = Vec::new();
    let shipped = |e: citizens_core::Error| Error::internal(format!("shipped data: {e}"));
    for a in citizens_core::seed::agencies().map_err(shipped)? {
        docs.push((
            a.id.uuid(),
            RecordKind::Agency,
            citizens_core::seed::document(&a).map_err(shipped)?,
        ));
    }
    for a in citizens_core::seed::articles().map_err(shipped)? {
        docs.push((
            a.id.uuid(),
            RecordKind::Article,
            citizens_core::seed::document(&a).map_err(shipped)?,
        ));
    }
    let rulebook = Rulebook::shipped().map_err(shipped)?;
    docs.push((
        Rulebook::id(),
        RecordKind::Rulebook,
        citizens_core::seed::document(&rulebook).map_err(shipped)?,
    ));
    let docs: Vec<_> = docs
        .into_iter()
        .map(|(id, kind, mut doc)| {
            let heads = heads_of(&mut doc);
            (
                id,
                kind,
                doc.save(),
                heads.concat(),
                record_digest(id, &heads),
            )
        })
        .collect();
    transaction(db, Mode::Write, |tx| {
        for (id, kind, snapshot, heads, digest) in &docs {
            tx.seed_record(*id, *kind, snapshot, heads, digest)?;
        }
        Ok(())
    })
}

/// What the server keeps of a record besides its document: who it is assigned to and which
/// attachments it references.
struct Scope {
    assignee: Option<String>,
    attachments: Vec<String>,
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
            },
        )
    };
    let (found, scope) = match kind {
        RecordKind::Grievance => {
            let g: Grievance = read(doc).map_err(refuse)?;
            let attachments = g.attachments.into_iter().map(|a| a.sha256).collect();
            (
                g.id.uuid(),
                Scope {
                    assignee: g.assignee,
                    attachments,
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
#[derive(Default)]
struct Batch {
    log: Vec<NewChange>,
    checksums: std::collections::BTreeMap<i64, [u8; 32]>,
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

/// Apply one record of a batch; its new changes and checksum change go to `batch`. Bytes that are not valid record
/// data fail the whole batch (4xx, nothing stored: no real laptop sends them); a record this
/// device may not change, or whose history clashes, is refused on its own and the rest of the
/// batch goes on. Changes the server already holds are accepted before anything is judged, so
/// a laptop re-sending what it already sent (after a re-enrolment, a reassignment, a bundle)
/// is never stuck.
fn apply_push(
    tx: &mut dyn Tx,
    device: &Device,
    push: &Push,
    batch: &mut Batch,
) -> Result<Option<RefusedRecord>> {
    let stored = tx.record(push.doc_id, device.org_id)?;
    let shared = stored.as_ref().is_some_and(|s| s.org_id.is_none()) && push.kind.is_reference();
    let refuse = |code: Refusal, message: &str| {
        Ok(Some(RefusedRecord {
            doc_id: push.doc_id,
            code: code.as_str().into(),
            message: message.into(),
        }))
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
    let changes: Vec<&[u8]> = push.changes.iter().map(|c| &c[..]).collect();
    let before = stored.as_ref().map(|s| &s.snapshot[..]);
    let mut doc = match citizens_core::document::apply_untrusted(before, &changes) {
        Ok(doc) => doc,
        Err(citizens_core::document::Refused::Conflicting(why)) => {
            return refuse(
                Refusal::ConflictingHistory,
                &format!("{why}; nothing of this record was stored"),
            )
        }
        Err(e) => {
            return Err(Error::refused(
                ErrorCode::InvalidChanges,
                format!("{e}; nothing was stored"),
            ))
        }
    };
    let heads_before = match before {
        Some(bytes) => AutoCommit::load(bytes)
            .map_err(Error::internal)?
            .get_heads(),
        None => Vec::new(),
    };
    let new_changes = doc.get_changes(&heads_before);
    if new_changes.is_empty() {
        return Ok(None);
    }
    let coordinator = device.role == Role::Coordinator;
    if push.kind.is_reference() && !coordinator {
        return refuse(
            Refusal::ReferenceData,
            "only coordinators change the directory, civic articles and case rules",
        );
    }
    if let Some(stored) = &stored {
        let person = Some(device.person_id.as_str());
        let own = stored.creator_person.as_deref() == person
            || stored.assignee_person.as_deref() == person;
        let same_org = stored.org_id.is_none_or(|o| o == device.org_id);
        if !same_org || !(push.kind.is_reference() || coordinator || own) {
            return refuse(
                Refusal::NotYours,
                "this case is no longer yours to change (it was reassigned, or belongs to someone else)",
            );
        }
    }
    for change in &new_changes {
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
    let scope = check_record(push.kind, &doc, push.doc_id)?;
    // Naming an attachment another record already holds is no way in: only a device that may
    // read it already may link it to a record of its own.
    for sha in &scope.attachments {
        if tx.blob_linked(sha, Some(push.doc_id))? && !tx.blob_visible(&device.viewer(), sha)? {
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
        return Ok(None);
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
    })?;
    for sha in &scope.attachments {
        tx.link_blob(push.doc_id, sha)?;
    }
    if let (Some(org), false) = (org, push.kind.is_reference()) {
        // The checksum is the XOR of its records' digests: out with the old, in with the new.
        let old: Option<[u8; 32]> = stored.and_then(|s| s.digest.try_into().ok());
        let delta = batch.checksums.entry(org).or_default();
        let before = *delta;
        *delta = collection_digest(old.iter().chain([&before, &digest]));
    }
    Ok(None)
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
            let mut refused = Vec::new();
            let mut batch = Batch::default();
            for push in &request.pushes {
                refused.extend(apply_push(tx, device, push, &mut batch)?);
            }
            batch.finish(tx)?;
            Ok(Ok(refused))
        })?;
        let refused = match applied {
            Ok(refused) => refused,
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
