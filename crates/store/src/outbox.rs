//! The sync side of the store: batches of local changes to push, pulled changes to apply, the
//! checkpoint, and the collection checksum.

use std::collections::BTreeMap;

use citizens_protocol::{collection_digest, record_digest, Push, RecordKind, SyncResponse};
use rusqlite::params;
use uuid::Uuid;

use crate::{Error, Origin, Result, Store};

/// Local changes to push, oldest first, grouped by document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxBatch {
    /// One push per document.
    pub pushes: Vec<Push>,
    /// The newest outbox entry included (acknowledge up to it).
    pub last_seq: i64,
    /// Number of changes.
    pub changes: usize,
    /// Bytes of change data.
    pub bytes: usize,
}

/// `meta` key of the batch in flight: `"{batch id} {last outbox seq}"`, so a retry after a
/// crash or a cut connection resends the identical batch under the same id.
pub const PENDING_BATCH: &str = "sync.pending_batch";

/// A record whose changes the server refused; they wait in `set_aside`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct SetAside {
    /// The record.
    pub doc_id: String,
    /// Its kind.
    pub kind: String,
    /// Its reference code, for a case.
    pub reference: Option<String>,
    /// Changes waiting.
    pub changes: u64,
    /// The server's code (a `citizens_protocol::Refusal` word).
    pub code: String,
    /// The server's words.
    pub reason: String,
}

/// What applying a sync answer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Changes pulled and applied.
    pub changes: usize,
    /// Records whose pulled changes could not be applied alone (e.g. a record newly visible to
    /// this device): fetch them whole.
    pub need_whole: Vec<Uuid>,
    /// Cases removed from this laptop because they left its user's scope (reassigned).
    pub removed: usize,
}

impl Store {
    /// The oldest local changes, up to about `max_bytes` (at least one change), or `None`
    /// when nothing waits. With `up_to`, exactly the entries up to that sequence number (to
    /// resend a batch unchanged).
    pub fn outbox_batch(
        &self,
        max_bytes: usize,
        up_to: Option<i64>,
    ) -> Result<Option<OutboxBatch>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, doc_id, kind, change FROM outbox WHERE ?1 IS NULL OR seq <= ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([up_to])?;
        let mut order: Vec<Uuid> = Vec::new();
        let mut by_doc: BTreeMap<Uuid, Push> = BTreeMap::new();
        let (mut last_seq, mut changes, mut bytes) = (None, 0, 0);
        while let Some(row) = rows.next()? {
            let change: Vec<u8> = row.get(3)?;
            if up_to.is_none()
                && changes > 0
                && (bytes + change.len() > max_bytes
                    || changes >= citizens_protocol::MAX_BATCH_CHANGES)
            {
                break;
            }
            let seq: i64 = row.get(0)?;
            let doc_id: String = row.get(1)?;
            let kind: String = row.get(2)?;
            let doc_id = Uuid::parse_str(&doc_id)
                .map_err(|_| Error::Damaged("outbox document id".into()))?;
            let kind =
                RecordKind::parse(&kind).ok_or_else(|| Error::Damaged("outbox kind".into()))?;
            bytes += change.len();
            changes += 1;
            last_seq = Some(seq);
            by_doc
                .entry(doc_id)
                .or_insert_with(|| {
                    order.push(doc_id);
                    Push {
                        doc_id,
                        kind,
                        changes: Vec::new(),
                    }
                })
                .changes
                .push(change.into());
        }
        Ok(last_seq.map(|last_seq| OutboxBatch {
            pushes: order.iter().filter_map(|id| by_doc.remove(id)).collect(),
            last_seq,
            changes,
            bytes,
        }))
    }

    /// In one transaction: apply pulled changes, drop the acknowledged outbox entries, forget
    /// the batch in flight, move the checkpoint. A crash before the commit leaves everything as it was, so the sync repeats.
    /// Records the server refused (`refused`) leave the outbox for `set_aside` with its reason.
    pub fn apply_sync(
        &mut self,
        answer: &SyncResponse,
        acknowledged: Option<i64>,
    ) -> Result<Applied> {
        let (applied, unheld) = self.write(|w| {
            let mut applied = Applied::default();
            let mut grouped: Vec<Push> = Vec::new();
            for p in &answer.pulls {
                match grouped.last_mut() {
                    Some(last) if last.doc_id == p.doc_id => last.changes.push(p.change.clone()),
                    _ => grouped.push(Push {
                        doc_id: p.doc_id,
                        kind: p.kind,
                        changes: vec![p.change.clone()],
                    }),
                }
            }
            for push in &grouped {
                // Changes that do not apply alone (a record newly visible here) are fetched
                // whole; a record that cannot be applied at all is held back, never failing the
                // sync of everything else.
                if w.merge_isolated(push, Origin::Server)? {
                    applied.changes += push.changes.len();
                } else {
                    applied.need_whole.push(push.doc_id);
                }
            }
            if let Some(seq) = acknowledged {
                for r in &answer.refused {
                    w.tx.execute(
                        "INSERT INTO set_aside (doc_id, kind, change, created_at, code, reason)
                         SELECT doc_id, kind, change, created_at, ?1, ?2 FROM outbox
                         WHERE seq <= ?3 AND doc_id = ?4 ORDER BY seq",
                        params![r.code, r.message, seq, r.doc_id.to_string()],
                    )?;
                }
                w.tx.execute("DELETE FROM outbox WHERE seq <= ?1", [seq])?;
            }
            // The batch in flight, if any, is answered: forget it in the same transaction.
            w.delete_meta(PENDING_BATCH)?;
            w.tx.execute(
                "INSERT INTO meta (key, value) VALUES ('sync.checkpoint', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![answer.checkpoint.to_string()],
            )?;
            let mut unheld = Vec::new();
            for id in &answer.out_of_scope {
                if let Some(attachments) = forget(&w.tx, &id.to_string())? {
                    applied.removed += 1;
                    unheld.extend(attachments);
                }
            }
            Ok((applied, unheld))
        })?;
        for sha in unheld {
            self.delete_blob(&sha)?;
        }
        Ok(applied)
    }

    /// Offer the set-aside changes to the server once more: back into the outbox, in order.
    pub fn retry_set_aside(&mut self) -> Result<()> {
        let any: bool =
            self.conn()
                .query_row("SELECT EXISTS (SELECT 1 FROM set_aside)", [], |r| r.get(0))?;
        if !any {
            return Ok(());
        }
        self.write(|w| {
            w.tx.execute(
                "INSERT INTO outbox (doc_id, kind, change, created_at)
                 SELECT doc_id, kind, change, created_at FROM set_aside ORDER BY seq",
                [],
            )?;
            w.tx.execute("DELETE FROM set_aside", [])?;
            Ok(())
        })
    }

    /// Records with changes the server refused, each with its reason (newest reason).
    pub fn set_aside(&self) -> Result<Vec<SetAside>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT s.doc_id, s.kind, g.reference, count(*), max(s.code), max(s.reason)
             FROM set_aside s LEFT JOIN grievances g ON g.id = s.doc_id
             GROUP BY s.doc_id ORDER BY min(s.seq)",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SetAside {
                    doc_id: r.get(0)?,
                    kind: r.get(1)?,
                    reference: r.get(2)?,
                    changes: r.get(3)?,
                    code: r.get(4)?,
                    reason: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The server checkpoint this device holds.
    pub fn checkpoint(&self) -> Result<u64> {
        Ok(self
            .meta("sync.checkpoint")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// `(id, digest of id and heads)` of every case and session here (reference data excluded).
    pub fn record_digests(&self) -> Result<Vec<(Uuid, [u8; 32])>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, heads FROM documents WHERE kind IN ('grievance', 'session')",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .map(|row| {
                let (id, heads) = row?;
                let id = Uuid::parse_str(&id).map_err(|_| Error::Damaged("document id".into()))?;
                let heads: Vec<[u8; 32]> = heads
                    .chunks_exact(32)
                    .filter_map(|c| c.try_into().ok())
                    .collect();
                Ok((id, record_digest(id, &heads)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The collection checksum over this device's cases and sessions, comparable with the
    /// server's [`citizens_protocol::SyncResponse::checksum`].
    pub fn collection_checksum(&self) -> Result<[u8; 32]> {
        Ok(collection_digest(
            self.record_digests()?.iter().map(|(_, d)| d),
        ))
    }

    /// Ids of cases and sessions changed since `since_millis` (all of them without it).
    pub fn record_ids_since(&self, since_millis: Option<i64>) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id FROM documents WHERE kind IN ('grievance', 'session') AND (?1 IS NULL OR updated_at >= ?1) ORDER BY id",
        )?;
        let ids = stmt
            .query_map([since_millis], |r| r.get::<_, String>(0))?
            .map(|id| Uuid::parse_str(&id?).map_err(|_| Error::Damaged("document id".into())))
            .collect::<Result<Vec<_>>>()?;
        Ok(ids)
    }
}

/// Remove a case this laptop's user may no longer see, unless something of it still waits to
/// be sent (then it stays, and goes when the server holds it all). Returns the attachments no
/// other case here holds, to delete once the transaction commits; `None` if it stayed.
fn forget(tx: &rusqlite::Transaction<'_>, id: &str) -> Result<Option<Vec<String>>> {
    let waiting: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE doc_id = ?1)
             OR EXISTS (SELECT 1 FROM set_aside WHERE doc_id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    if waiting {
        return Ok(None);
    }
    let mut stmt = tx.prepare_cached(
        "SELECT sha256 FROM case_attachments a WHERE doc_id = ?1
         AND NOT EXISTS (SELECT 1 FROM case_attachments o WHERE o.sha256 = a.sha256 AND o.doc_id <> ?1)",
    )?;
    let unheld = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    tx.execute(
        "DELETE FROM grievance_fts WHERE rowid = (SELECT rowid FROM grievances WHERE id = ?1)",
        [id],
    )?;
    for sql in [
        "DELETE FROM grievances WHERE id = ?1",
        "DELETE FROM case_attachments WHERE doc_id = ?1",
        "DELETE FROM fingerprints WHERE id = ?1",
        "DELETE FROM duplicate_queue WHERE id = ?1",
        "DELETE FROM duplicate_suggestions WHERE case_id = ?1 OR other_id = ?1",
        "DELETE FROM held_back WHERE doc_id = ?1",
        "DELETE FROM documents WHERE id = ?1",
    ] {
        tx.execute(sql, [id])?;
    }
    Ok(Some(unheld))
}
