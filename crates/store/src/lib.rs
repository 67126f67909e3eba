//! The local store: one Automerge document per record, an outbox of local changes written in
//! the same transaction, projection tables and FTS5 for lists and search — all in one
//! SQLCipher database whose key is wrapped under the user's passphrase.

pub mod blobs;
mod duplicates;
pub mod figures;
mod forms;
pub mod keyfile;
mod migrations;
mod outbox;
mod projection;
pub mod query;
mod seed;

use std::path::{Path, PathBuf};

use automerge::{ActorId, AutoCommit, ChangeHash};
use citizens_core::agency::Agency;
use citizens_core::article::CivicArticle;
use citizens_core::clock::Timestamp;
use citizens_core::grievance::Grievance;
use citizens_core::lifecycle::Actor;
use citizens_core::rulebook::Rulebook;
use citizens_core::seed::Shipped;
use citizens_core::session::TownHallSession;
use citizens_protocol::{Push, RecordKind};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

pub use duplicates::DuplicatePair;
pub use migrations::LATEST as SCHEMA_VERSION;
pub use outbox::{Applied, OutboxBatch, SetAside, PENDING_BATCH};
pub use projection::Record;

/// What can go wrong in the store, in words for the person at the keyboard.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No store in this folder yet.
    #[error("there is no Citizens Connect data in {0}; run `citizens init` first")]
    NotInitialised(PathBuf),
    /// A store already exists here.
    #[error("{0} already holds Citizens Connect data; use another folder or open it")]
    AlreadyInitialised(PathBuf),
    /// The passphrase does not unlock the key.
    #[error("wrong passphrase: the data stays locked and unchanged")]
    WrongPassphrase,
    /// Passphrase too short.
    #[error("the passphrase must have at least 8 characters")]
    WeakPassphrase,
    /// The database was written by a newer version of the app.
    #[error("this data was written by a newer version of Citizens Connect (schema {found}; this version knows up to {supported}); update the app")]
    NewerSchema {
        /// Schema found.
        found: u32,
        /// Newest schema this binary knows.
        supported: u32,
    },
    /// No such record.
    #[error("no {what} '{id}' here")]
    NotFound {
        /// Kind of record.
        what: &'static str,
        /// What was asked for.
        id: String,
    },
    /// The domain refused the change.
    #[error(transparent)]
    Domain(#[from] citizens_core::Error),
    /// Incoming data was refused; nothing was stored.
    #[error("refused incoming data: {0}; nothing was stored")]
    Rejected(String),
    /// Stored data is not what it should be.
    #[error("stored data is damaged: {0}")]
    Damaged(String),
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file system failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

/// Store result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The Automerge actor of this device install and the person using it.
#[derive(Debug, Clone)]
pub struct Author {
    /// The install's actor id (never reused by another install).
    pub actor: ActorId,
    /// Who is at the keyboard, on which device.
    pub who: Actor,
}

const DB_FILE: &str = "citizens.db";
const KEY_FILE: &str = "key.json";

/// Largest change set accepted for one document from elsewhere (the same on the server).
pub use citizens_protocol::MAX_RECORD_BYTES as MAX_PUSH_BYTES;

/// An open, unlocked store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    blobs: blobs::BlobDir,
}

impl Store {
    /// Create a new encrypted store in `dir` (created if missing).
    pub fn create(dir: &Path, passphrase: &str) -> Result<Store> {
        Store::create_with(dir, passphrase, |_| Ok(()))
    }

    /// Create a new encrypted store in `dir` and run `init` in its first transaction. The key
    /// file is written last, so a store exists exactly when its key file does: a crash part
    /// way leaves a database without a key file, which the next attempt clears away. The
    /// folder is the owner's alone (0700), and so are the database and key file (0600).
    pub fn create_with(
        dir: &Path,
        passphrase: &str,
        init: impl FnOnce(&mut Writer<'_>) -> Result<()>,
    ) -> Result<Store> {
        keyfile::check_passphrase(passphrase)?;
        let key_path = dir.join(KEY_FILE);
        if key_path.exists() {
            return Err(Error::AlreadyInitialised(dir.to_path_buf()));
        }
        private_dir(dir)?;
        // Left by an init that never finished: no key can open it.
        for leftover in [DB_FILE, "citizens.db-wal", "citizens.db-shm"] {
            match std::fs::remove_file(dir.join(leftover)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        private_file(&dir.join(DB_FILE))?;
        let key = keyfile::DbKey::generate();
        let mut store = Store::connect(dir, &key)?;
        store.write(init)?;
        keyfile::write(&key_path, &key, passphrase)?;
        Ok(store)
    }

    /// Open and unlock the store in `dir`.
    pub fn open(dir: &Path, passphrase: &str) -> Result<Store> {
        let key_path = dir.join(KEY_FILE);
        if !key_path.exists() {
            return Err(Error::NotInitialised(dir.to_path_buf()));
        }
        let key = keyfile::read(&key_path, passphrase)?;
        Store::connect(dir, &key)
    }

    /// Re-wrap the database key under a new passphrase (the database itself is unchanged).
    pub fn change_passphrase(dir: &Path, old: &str, new: &str) -> Result<()> {
        let key_path = dir.join(KEY_FILE);
        if !key_path.exists() {
            return Err(Error::NotInitialised(dir.to_path_buf()));
        }
        let key = keyfile::read(&key_path, old)?;
        keyfile::write(&key_path, &key, new)
    }

    fn connect(dir: &Path, key: &keyfile::DbKey) -> Result<Store> {
        let mut conn = Connection::open(dir.join(DB_FILE))?;
        // The statement holds the key: wiped from memory once used.
        let pragma =
            zeroize::Zeroizing::new(format!("PRAGMA key = {};", key.pragma_value().as_str()));
        conn.execute_batch(&pragma)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .map_err(|_| Error::Damaged("the database does not open with its key".into()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536;",
        )?;
        migrations::run(&mut conn)?;
        let mut store = Store {
            conn,
            blobs: blobs::BlobDir::new(dir, key.bytes()),
        };
        seed::ensure(&mut store)?;
        // A migration that added projected columns asks for every case to be projected anew.
        if store.meta(REPROJECT)?.is_some() {
            store.write(|w| {
                w.reproject_cases(Reproject::All)?;
                w.delete_meta(REPROJECT)
            })?;
        }
        Ok(store)
    }

    /// A value from the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Set a `meta` value.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        put_meta(&self.conn, key, value)
    }

    /// Run writes in one transaction: all of them land, or none.
    pub fn write<R>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<R>) -> Result<R> {
        // Immediate: take the write lock before reading, so a second connection (the desktop
        // app's sync thread) waits its turn instead of failing on a stale read.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut writer = Writer { tx };
        let out = f(&mut writer)?;
        writer.tx.commit()?;
        Ok(out)
    }

    /// Read a record.
    pub fn read<T: Record>(&self, id: Uuid) -> Result<T> {
        read_record(&self.conn, id)
    }

    /// The working-day calendar (the rulebook's public holidays, as projected).
    pub fn calendar(&self) -> Result<citizens_core::calendar::Calendar> {
        projection::calendar(&self.conn)
    }

    /// A record and every change made to it, oldest first (who by Automerge actor, when, which
    /// fields), from one read of its document.
    pub fn read_with_history<T: Record>(
        &self,
        id: Uuid,
    ) -> Result<(T, Vec<citizens_core::document::ChangeSummary>)> {
        let mut doc = load(&snapshot(&self.conn, id, T::KIND)?)?;
        let value = citizens_core::document::read(&doc)?;
        Ok((value, citizens_core::document::history(&mut doc)))
    }

    /// Merge another replica's changes for one document (see [`Writer::merge`]).
    pub fn merge(&mut self, push: &Push, origin: Origin) -> Result<Merged> {
        self.write(|w| w.merge(push, origin))
    }

    /// Merge one record from the server, holding it back (noted, not failing) when it cannot
    /// be applied here (see [`Writer::merge_isolated`]).
    pub fn merge_from_server(&mut self, push: &Push) -> Result<bool> {
        self.write(|w| w.merge_isolated(push, Origin::Server))
    }

    /// Stop holding back `ids`: the server was asked for them whole and no longer shows them
    /// to this laptop (reassigned away meanwhile), so nothing of them is waiting to arrive.
    pub fn let_go_held_back(&mut self, ids: &[Uuid]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.write(|w| ids.iter().try_for_each(|id| w.let_go(*id)))
    }

    /// Ids of the cases whose reporter identity is sealed.
    pub fn sealed_grievances(&self) -> Result<Vec<Uuid>> {
        ids(
            &self.conn,
            "SELECT id FROM grievances WHERE sealed = 1 ORDER BY id",
            [],
        )
    }

    /// Ids of the cases that hold the attachment `sha`.
    pub fn cases_with_attachment(&self, sha: &str) -> Result<Vec<Uuid>> {
        ids(
            &self.conn,
            "SELECT doc_id FROM case_attachments WHERE sha256 = ?1 ORDER BY doc_id",
            [sha],
        )
    }

    /// Records from elsewhere this laptop could not apply.
    pub fn held_back(&self) -> Result<Vec<HeldBack>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT doc_id, kind, reason FROM held_back ORDER BY rowid")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(HeldBack {
                    doc_id: r.get(0)?,
                    kind: r.get(1)?,
                    reason: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Everything another replica needs to hold this document.
    pub fn export(&self, id: Uuid) -> Result<Push> {
        let (kind, snapshot): (String, Vec<u8>) = self
            .conn
            .query_row(
                "SELECT kind, snapshot FROM documents WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "record",
                id: id.to_string(),
            })?;
        let kind = RecordKind::parse(&kind)
            .ok_or_else(|| Error::Damaged(format!("unknown kind {kind}")))?;
        Ok(Push {
            doc_id: id,
            kind,
            changes: vec![snapshot.into()],
        })
    }

    /// Local changes waiting to be pushed.
    pub fn outbox_len(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }

    /// SQLite's own `integrity_check` ("ok" when healthy).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub(crate) fn blob_dir(&self) -> &blobs::BlobDir {
        &self.blobs
    }

    /// The connection, for the query module.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// A record from elsewhere this laptop could not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct HeldBack {
    /// The record.
    pub doc_id: String,
    /// Its kind.
    pub kind: String,
    /// Why, in plain words.
    pub reason: String,
}

/// Where merged changes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Pulled from the sync server: it already has them.
    Server,
    /// From another laptop (bundle, test replica): still to be pushed to the server.
    Peer,
}

/// Result of merging another replica's changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    /// The record was new here.
    pub created: bool,
    /// Anything changed.
    pub changed: bool,
}

/// Writes inside one transaction.
#[derive(Debug)]
pub struct Writer<'a> {
    tx: Transaction<'a>,
}

/// Set by a migration that adds columns to the projection (see `connect`).
const REPROJECT: &str = "reproject";

/// Which cases to project anew.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reproject {
    /// Those sent to an agency (their due dates are counted anew).
    Forwarded,
    /// Every case (the projection gained columns).
    All,
}

impl Writer<'_> {
    /// Store a new record created on this device: document, outbox entry, projection.
    pub fn insert<T: Record>(&mut self, mut value: T, author: &Author, at: Timestamp) -> Result<T> {
        value.note_actor(&author.actor.to_hex_string(), &author.who);
        let mut doc = citizens_core::document::create(&author.actor, &value, at)?;
        self.save(&mut doc, &value, at, true)?;
        Ok(value)
    }

    /// Change a record: `edit` gets the current value; only what it changed is recorded.
    /// If `edit` fails nothing is written.
    pub fn edit<T: Record, R>(
        &mut self,
        id: Uuid,
        author: &Author,
        at: Timestamp,
        edit: impl FnOnce(&mut T) -> citizens_core::error::Result<R>,
    ) -> Result<(T, R)> {
        let snapshot = self.snapshot(id, T::KIND)?;
        let mut doc = load(&snapshot)?.with_actor(author.actor.clone());
        let hex = author.actor.to_hex_string();
        let (value, out) = citizens_core::document::edit(&mut doc, at, |v: &mut T| {
            v.note_actor(&hex, &author.who);
            edit(v)
        })?;
        self.save(&mut doc, &value, at, true)?;
        Ok((value, out))
    }

    /// Next reference-code sequence number for `state` on this device. Counted inside the
    /// transaction, so a capture that fails does not use up a number.
    pub fn next_sequence(&mut self, state: &str) -> Result<u64> {
        let next: i64 = self.tx.query_row(
            "INSERT INTO counters (state, last) VALUES (?1, 1)
             ON CONFLICT (state) DO UPDATE SET last = last + 1 RETURNING last",
            [state],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(next).unwrap_or_default())
    }

    /// Set a `meta` value inside this transaction.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        put_meta(&self.tx, key, value)
    }

    /// Read a `meta` value inside this transaction.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Remove a `meta` value.
    pub fn delete_meta(&mut self, key: &str) -> Result<()> {
        self.tx.execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Read a record inside this transaction.
    pub fn read<T: Record>(&self, id: Uuid) -> Result<T> {
        read_record(&self.tx, id)
    }

    /// Store a shipped reference record, identical on every install (no outbox entry). A
    /// store that already holds it (an install upgraded to newer shipped data) merges the
    /// shipped changes into its own: it holds the earlier ones already, so its coordinators'
    /// edits stay. A copy that cannot take them (a forged change under the shipped writer
    /// holds their place) keeps what it has: the store still opens.
    pub(crate) fn insert_seed<T: Record>(&mut self, shipped: &Shipped<T>) -> Result<()> {
        let mut document = shipped.document.clone();
        match snapshot(&self.tx, shipped.value.doc_id(), T::KIND) {
            Ok(bytes) => {
                let mut doc = load(&bytes)?;
                if doc.merge(&mut document).is_err() {
                    return Ok(());
                }
                let Ok(merged) = citizens_core::document::read::<T>(&doc) else {
                    return Ok(());
                };
                self.save(&mut doc, &merged, Timestamp::from_millis(0), false)
            }
            Err(Error::NotFound { .. }) => self.save(
                &mut document,
                &shipped.value,
                Timestamp::from_millis(0),
                false,
            ),
            Err(e) => Err(e),
        }
    }

    /// Project again the cases whose projected columns an upgrade changed.
    pub(crate) fn reproject_cases(&mut self, which: Reproject) -> Result<()> {
        let ids = {
            let mut stmt = self.tx.prepare(match which {
                Reproject::Forwarded => "SELECT id FROM grievances WHERE agency_id IS NOT NULL",
                Reproject::All => "SELECT id FROM grievances",
            })?;
            let ids = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            ids
        };
        for id in ids {
            let id = Uuid::parse_str(&id).map_err(|_| Error::Damaged("grievance id".into()))?;
            self.read::<Grievance>(id)?.project(&self.tx)?;
        }
        Ok(())
    }

    /// Merge another replica's changes for one document. Untrusted bytes are size-capped and
    /// parsed into a scratch copy first (panics caught); stored state changes only when
    /// everything parsed and the result is a valid record of the claimed kind and id. Changes
    /// from a peer (bundle, another laptop) go to the outbox so they reach the server too.
    pub fn merge(&mut self, push: &Push, origin: Origin) -> Result<Merged> {
        let size: usize = push.changes.iter().map(|c| c.len()).sum();
        if size > MAX_PUSH_BYTES {
            return Err(Error::Rejected(format!(
                "{size} bytes for one record is more than the {MAX_PUSH_BYTES} allowed"
            )));
        }
        let stored: Option<(String, Vec<u8>)> = self
            .tx
            .query_row(
                "SELECT kind, snapshot FROM documents WHERE id = ?1",
                [push.doc_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((kind, _)) = &stored {
            if kind != push.kind.as_str() {
                return Err(Error::Rejected(format!(
                    "record is a {kind}, not a {}",
                    push.kind.as_str()
                )));
            }
        }
        let changes: Vec<&[u8]> = push.changes.iter().map(|c| &c[..]).collect();
        let mut before = stored.as_ref().map(|(_, bytes)| load(bytes)).transpose()?;
        let heads_before = before.as_mut().map(|d| d.get_heads()).unwrap_or_default();
        let mut doc = citizens_core::document::apply_untrusted(before, &changes)
            .map_err(|e| Error::Rejected(e.to_string()))?;
        if doc.get_heads() == heads_before {
            return Ok(Merged {
                created: false,
                changed: false,
            });
        }
        // From another laptop (a bundle): nothing it writes may rewrite a screen. (The server
        // refuses such text at every push, so what it sends is already checked.)
        if origin == Origin::Peer {
            citizens_core::document::refuse_control_text(&doc.get_changes(&heads_before))
                .map_err(|e| Error::Rejected(e.to_string()))?;
        }
        let id = match push.kind {
            RecordKind::Grievance => self.store_merged::<Grievance>(&mut doc)?,
            RecordKind::Session => self.store_merged::<TownHallSession>(&mut doc)?,
            RecordKind::Agency => self.store_merged::<Agency>(&mut doc)?,
            RecordKind::Article => self.store_merged::<CivicArticle>(&mut doc)?,
            RecordKind::Rulebook => self.store_merged::<Rulebook>(&mut doc)?,
        };
        if id != push.doc_id {
            return Err(Error::Rejected(
                "the record's id does not match its address".into(),
            ));
        }
        if origin == Origin::Peer {
            for change in doc.get_changes(&heads_before) {
                self.tx.execute(
                    "INSERT INTO outbox (doc_id, kind, change, created_at) VALUES (?1, ?2, ?3, 0)",
                    params![id.to_string(), push.kind.as_str(), change.raw_bytes()],
                )?;
            }
        }
        Ok(Merged {
            created: stored.is_none(),
            changed: true,
        })
    }

    /// [`Writer::merge`] one record on its own: when it cannot be applied here (invalid, or it
    /// clashes with a record here), its writes are rolled back, it is noted in `held_back` with
    /// the reason, and the rest of the transaction goes on. Only failures of the store itself
    /// (disk, I/O) fail the whole. Returns whether it was applied.
    pub fn merge_isolated(&mut self, push: &Push, origin: Origin) -> Result<bool> {
        self.tx.execute_batch("SAVEPOINT one_record")?;
        let outcome = self.merge(push, origin);
        let reason = match outcome {
            Ok(_) => {
                self.tx.execute_batch("RELEASE one_record")?;
                self.let_go(push.doc_id)?;
                return Ok(true);
            }
            Err(Error::Sqlite(rusqlite::Error::SqliteFailure(e, detail)))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                format!(
                    "it clashes with a record here ({})",
                    detail.unwrap_or_default()
                )
            }
            Err(e @ (Error::Rejected(_) | Error::Domain(_) | Error::NotFound { .. })) => {
                e.to_string()
            }
            Err(e) => return Err(e),
        };
        self.tx
            .execute_batch("ROLLBACK TO one_record; RELEASE one_record")?;
        self.tx.execute(
            "INSERT INTO held_back (doc_id, kind, reason) VALUES (?1, ?2, ?3)
             ON CONFLICT (doc_id) DO UPDATE SET reason = excluded.reason",
            params![push.doc_id.to_string(), push.kind.as_str(), reason],
        )?;
        Ok(false)
    }

    /// `id` is no longer held back.
    fn let_go(&self, id: Uuid) -> Result<()> {
        self.tx
            .execute("DELETE FROM held_back WHERE doc_id = ?1", [id.to_string()])?;
        Ok(())
    }

    fn store_merged<T: Record>(&mut self, doc: &mut AutoCommit) -> Result<Uuid> {
        let value: T = citizens_core::document::read(doc)
            .map_err(|e| Error::Rejected(format!("not a valid {}: {e}", T::KIND.as_str())))?;
        // When the newest merged change was made (Automerge keeps seconds), so that
        // "changed since" (bundle exports) also finds records that arrived from elsewhere.
        let newest = doc
            .get_heads()
            .iter()
            .filter_map(|h| doc.get_change_by_hash(h).map(|c| c.timestamp()))
            .max()
            .unwrap_or(0);
        self.save(
            doc,
            &value,
            Timestamp::from_millis(newest.saturating_mul(1000)),
            false,
        )?;
        Ok(value.doc_id())
    }

    fn snapshot(&self, id: Uuid, kind: RecordKind) -> Result<Vec<u8>> {
        snapshot(&self.tx, id, kind)
    }

    fn save<T: Record>(
        &mut self,
        doc: &mut AutoCommit,
        value: &T,
        at: Timestamp,
        local: bool,
    ) -> Result<()> {
        // Nothing written here may carry a control character: the server would refuse the
        // change, and the case could never sync again. Refused in words, nothing stored.
        if local {
            if let Some(change) = doc.get_last_local_change() {
                citizens_core::document::refuse_control_text(std::slice::from_ref(&change))?;
            }
        }
        let id = value.doc_id().to_string();
        let heads = encode_heads(&doc.get_heads());
        let updated_at = at.millis();
        self.tx.execute(
            "INSERT INTO documents (id, kind, snapshot, heads, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot, heads = excluded.heads,
                 updated_at = max(documents.updated_at, excluded.updated_at)",
            params![id, T::KIND.as_str(), doc.save(), heads, updated_at],
        )?;
        if local {
            if let Some(change) = doc.get_last_local_change() {
                self.tx.execute(
                    "INSERT INTO outbox (doc_id, kind, change, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![id, T::KIND.as_str(), change.raw_bytes(), updated_at],
                )?;
            }
        }
        value.project(&self.tx)?;
        Ok(())
    }
}

/// The ids a query lists in its first column.
fn ids(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let ids = stmt
        .query_map(params, |r| r.get::<_, String>(0))?
        .map(|id| Uuid::parse_str(&id?).map_err(|_| Error::Damaged("record id".into())))
        .collect::<Result<Vec<_>>>()?;
    Ok(ids)
}

/// Create `dir` (and parents) and make it the owner's alone.
fn private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Create an empty file only its owner may read or write (SQLite gives its journal files the
/// same mode as the database).
pub(crate) fn private_file(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    Ok(options.open(path)?)
}

fn put_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

fn load(bytes: &[u8]) -> Result<AutoCommit> {
    AutoCommit::load(bytes).map_err(|e| Error::Damaged(format!("stored document: {e}")))
}

/// A record's stored document, checked to be of `kind`.
fn snapshot(conn: &Connection, id: Uuid, kind: RecordKind) -> Result<Vec<u8>> {
    conn.query_row(
        "SELECT snapshot FROM documents WHERE id = ?1 AND kind = ?2",
        params![id.to_string(), kind.as_str()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: kind.as_str(),
        id: id.to_string(),
    })
}

fn read_record<T: Record>(conn: &Connection, id: Uuid) -> Result<T> {
    Ok(citizens_core::document::read(&load(&snapshot(
        conn,
        id,
        T::KIND,
    )?)?)?)
}

fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &str = "a long enough passphrase";

    fn coordinator() -> Author {
        Author {
            actor: ActorId::random(),
            who: Actor {
                user: "Amina Yusuf".into(),
                device: "coordinator laptop".into(),
                agency: None,
            },
        }
    }

    #[test]
    fn newer_shipped_data_keeps_the_edits_made_to_a_shipped_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::create(dir.path(), PASS).expect("create");
        let shipped = citizens_core::seed::agencies().expect("shipped");
        let kedco = shipped
            .iter()
            .find(|a| a.short_name == "KEDCO")
            .expect("KEDCO")
            .id
            .uuid();
        let author = coordinator();
        store
            .write(|w| {
                w.edit::<Agency, _>(kedco, &author, Timestamp::from_millis(5), |a| {
                    a.mandate = "Corrected by the coordinators".into();
                    Ok(())
                })
            })
            .expect("edit");
        // An install made with older shipped data, opened by this release.
        store.set_meta("seed_version", "2").expect("meta");
        drop(store);
        let store = Store::open(dir.path(), PASS).expect("open");
        assert_eq!(
            store.meta("seed_version").expect("meta").as_deref(),
            Some(citizens_core::seed::SEED_VERSION.to_string().as_str())
        );
        let kept: Agency = store.read(kedco).expect("read");
        assert_eq!(kept.mandate, "Corrected by the coordinators");
        assert_eq!(store.agencies(None).expect("agencies").len(), shipped.len());
    }

    /// An install holding the first release's articles, rulebook and FIRS, its rulebook edited
    /// by a coordinator, opened by this release: the translations, the new routing and the
    /// Nigeria Revenue Service arrive, the coordinator's rule stays.
    #[test]
    fn the_first_releases_articles_and_rulebook_take_the_later_words_and_keep_edits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::create(dir.path(), PASS).expect("create");
        let first_release = |doc: &mut AutoCommit| {
            let first = doc.get_changes(&[])[0].hash();
            doc.fork_at(&[first]).expect("fork")
        };
        let articles = citizens_core::seed::shipped_articles().expect("articles");
        let book = citizens_core::seed::shipped_rulebook().expect("rulebook");
        let firs = citizens_core::seed::shipped_agencies()
            .expect("agencies")
            .into_iter()
            .find(|a| a.value.short_name == "FIRS")
            .expect("FIRS");
        let author = coordinator();
        store
            .write(|w| {
                for a in &articles {
                    let mut doc = first_release(&mut a.document.clone());
                    let old: CivicArticle = citizens_core::document::read(&doc)?;
                    w.save(&mut doc, &old, Timestamp::from_millis(0), false)?;
                }
                let mut doc = first_release(&mut book.document.clone());
                let old: Rulebook = citizens_core::document::read(&doc)?;
                w.save(&mut doc, &old, Timestamp::from_millis(0), false)?;
                let mut doc = first_release(&mut firs.document.clone());
                let old: Agency = citizens_core::document::read(&doc)?;
                w.save(&mut doc, &old, Timestamp::from_millis(0), false)?;
                w.edit::<Rulebook, _>(Rulebook::id(), &author, Timestamp::from_millis(5), |b| {
                    b.routing.remove("shipped-19");
                    Ok(())
                })
            })
            .expect("the first release's documents");
        let passport = articles[0].value.id.uuid();
        let before: CivicArticle = store.read(passport).expect("read");
        assert!(
            !before.body.contains_key("ha"),
            "the first release had no Hausa body"
        );
        store.set_meta("seed_version", "3").expect("meta");
        drop(store);
        let store = Store::open(dir.path(), PASS).expect("open");
        let after: CivicArticle = store.read(passport).expect("read");
        assert_eq!(after, articles[0].value, "the later words arrived");
        let book: Rulebook = store.read(Rulebook::id()).expect("read");
        assert!(!book.routing.contains_key("shipped-19"), "the edit stays");
        let renamed: Agency = store.read(firs.value.id.uuid()).expect("read");
        assert_eq!(
            renamed, firs.value,
            "FIRS is the Nigeria Revenue Service now"
        );
        assert_eq!(
            book.suggest("complaint", "power", "OY").map(|s| s.agency),
            Some("IBEDC".into())
        );
    }

    #[test]
    fn a_store_written_by_a_newer_version_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(dir.path(), PASS).expect("create");
        store
            .conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
        drop(store);
        let err = Store::open(dir.path(), PASS).expect_err("newer schema refused");
        assert!(matches!(err, Error::NewerSchema { .. }), "{err}");
        assert!(err.to_string().contains("update the app"), "{err}");
    }

    /// Schema 5 added the milestone columns: a store from before it has them filled from each
    /// case's history the first time it opens (here: emptied, as an older store has them).
    #[test]
    fn cases_from_before_the_milestone_columns_get_them_when_the_store_opens() {
        use citizens_test_support::{grievance, install, FakeClock, PASSPHRASE, TOWN_HALL_DAY};
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = FakeClock::at(TOWN_HALL_DAY);
        let mut client = install(dir.path(), "Amina Bello", clock.clone());
        let mut rng: rand::rngs::StdRng = rand::SeedableRng::seed_from_u64(3);
        let case = client.capture(&grievance(&mut rng)).expect("capture");
        let forward = citizens_client::ForwardInput {
            agency: "NPF".into(),
            office: None,
            channel: "letter".into(),
            reference: None,
            on: Some("2026-11-20".into()),
        };
        client.forward(&case.reference, &forward).expect("forward");
        client
            .acknowledge(&case.reference, Some("2026-11-24"), None)
            .expect("acknowledge");
        drop(client);
        let columns = "SELECT forwarded_on, acknowledged_on, reopened FROM grievances";
        let read = |store: &Store| -> (Option<String>, Option<String>, i64) {
            store
                .conn
                .query_row(columns, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("row")
        };
        let filled = (Some("2026-11-20".into()), Some("2026-11-24".into()), 0);
        let store = Store::open(dir.path(), PASSPHRASE).expect("open");
        assert_eq!(read(&store), filled, "projected at capture");
        store
            .conn
            .execute_batch(
                "UPDATE grievances SET forwarded_on = NULL, acknowledged_on = NULL;
                 INSERT INTO meta (key, value) VALUES ('reproject', '1');",
            )
            .expect("as before schema 5");
        drop(store);
        let store = Store::open(dir.path(), PASSPHRASE).expect("reopen");
        assert_eq!(read(&store), filled, "filled from the history");
        assert_eq!(store.meta(REPROJECT).expect("meta"), None, "done once");
    }

    #[test]
    fn reference_data_is_loaded_once_however_often_the_store_opens() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(Store::create(dir.path(), PASS).expect("create"));
        let store = Store::open(dir.path(), PASS).expect("reopen");
        let count = |sql: &str| -> i64 { store.conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
        assert_eq!(count("SELECT count(*) FROM states"), 37);
        assert_eq!(count("SELECT count(*) FROM lgas"), 774);
        assert!(count("SELECT count(*) FROM agencies") >= 25);
        assert_eq!(
            count("SELECT count(*) FROM documents WHERE kind = 'agency'"),
            count("SELECT count(*) FROM agencies")
        );
        assert!(count("SELECT count(*) FROM articles") >= 3);
        assert_eq!(
            count("SELECT count(*) FROM outbox"),
            0,
            "shipped data is not pushed"
        );
    }

    #[test]
    fn shipped_records_are_byte_identical_on_every_install() {
        let (a, b) = (
            tempfile::tempdir().expect("a"),
            tempfile::tempdir().expect("b"),
        );
        let sa = Store::create(a.path(), PASS).expect("create a");
        let sb = Store::create(b.path(), PASS).expect("create b");
        let heads = |s: &Store| -> Vec<(String, Vec<u8>)> {
            let mut stmt = s
                .conn
                .prepare("SELECT id, heads FROM documents ORDER BY id")
                .expect("prepare");
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows")
        };
        assert_eq!(heads(&sa), heads(&sb));
    }

    #[test]
    fn short_passphrases_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = Store::create(dir.path(), "short").expect_err("weak");
        assert!(matches!(err, Error::WeakPassphrase));
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }
}
