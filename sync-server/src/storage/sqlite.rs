//! The embedded SQLite backend (default): one file in `--data-dir`, one connection, so
//! transactions run one at a time and the change log's order is its commit order. Rows only:
//! every rule is in `citizens-server-core`.

use std::path::Path;
use std::sync::Mutex;

use citizens_protocol::RecordKind;
use citizens_server_core::persistence::{
    visibility, CodeRow, DeskSessionRow, DeviceRow, IntakeRow, LogRow, Mode, NewChange, NewCodeRow,
    NewDevice, OfficerKey, OfficerRow, OutgoingRow, Persistence, Placeholders, RecordRow,
    StoredRecord, TokenRow, Tx, UpdateRow, Viewer,
};
use citizens_server_core::{Error, Result};
use rusqlite::{named_params, params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

const MIGRATIONS: &[(u32, &str)] = &[
    (
        1,
        include_str!("../../../migrations/server-sqlite/0001_schema.sql"),
    ),
    (
        2,
        include_str!("../../../migrations/server-sqlite/0002_blobs_and_batch_pruning.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/server-sqlite/0003_people_and_actors.sql"),
    ),
    (
        4,
        include_str!("../../../migrations/server-sqlite/0004_reference_per_organisation.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/server-sqlite/0005_enrolment_attempts.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/server-sqlite/0006_public_intake.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/server-sqlite/0007_published_figures.sql"),
    ),
    (
        8,
        include_str!("../../../migrations/server-sqlite/0008_agency_desk.sql"),
    ),
    (
        9,
        include_str!("../../../migrations/server-sqlite/0009_status_updates.sql"),
    ),
];

/// SQLite storage.
#[derive(Debug)]
pub struct Sqlite {
    conn: Mutex<Connection>,
}

/// A case's `forwarded_to` column: the agency's id, or '' (noted: none).
fn forwarded(agency: Option<Uuid>) -> String {
    agency.map(|a| a.to_string()).unwrap_or_default()
}

const OFFICER_COLUMNS: &str = "id, org_id, agency, name, login, code_hash, code_expires_at, passphrase, totp_secret, active, totp_step, failures, locked_until, created_at, revoked_at, phone_hash";

fn officer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OfficerRow> {
    Ok(OfficerRow {
        id: r.get(0)?,
        org_id: r.get(1)?,
        agency: uuid(&r.get::<_, String>(2)?)?,
        name: r.get(3)?,
        login: r.get(4)?,
        code_hash: r.get(5)?,
        code_expires_at: r.get(6)?,
        passphrase: r.get(7)?,
        totp_secret: r.get(8)?,
        active: r.get(9)?,
        totp_step: r.get(10)?,
        failures: r.get(11)?,
        locked_until: r.get(12)?,
        created_at: r.get(13)?,
        revoked_at: r.get(14)?,
        phone_hash: r.get(15)?,
    })
}

fn db(e: rusqlite::Error) -> Error {
    Error::Backend(e.to_string())
}

/// The schema version this server writes.
pub const SCHEMA: u32 = MIGRATIONS.len() as u32;

impl Sqlite {
    /// Open (creating if needed) the database `server.db` in `dir` and migrate it.
    pub fn open(dir: &Path) -> anyhow::Result<Sqlite> {
        std::fs::create_dir_all(dir)?;
        Self::with(Connection::open(dir.join("server.db"))?)
    }

    /// The schema version of the database in `dir` (0: none yet).
    pub fn version(dir: &Path) -> anyhow::Result<u32> {
        let path = dir.join("server.db");
        if !path.exists() {
            return Ok(0);
        }
        Ok(Connection::open(path)?.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// A private database in memory.
    pub fn in_memory() -> anyhow::Result<Sqlite> {
        Self::with(Connection::open_in_memory()?)
    }

    fn with(mut conn: Connection) -> anyhow::Result<Sqlite> {
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;",
        )?;
        let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        anyhow::ensure!(
            current <= SCHEMA,
            "this server database has schema {current}, newer than this server knows ({SCHEMA}); update the server"
        );
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
        }
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }
}

impl Persistence for Sqlite {
    fn run(&self, _mode: Mode, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        // A panic inside a request drops its transaction (rolled back), so the connection is
        // sound: take it back rather than answering 500 to every later request.
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut tx = SqliteTx(conn.transaction().map_err(db)?);
        f(&mut tx)?;
        tx.0.commit().map_err(db)
    }
}

struct SqliteTx<'c>(Transaction<'c>);

/// A page of the change log a viewer receives. `CROSS JOIN` keeps SQLite walking the log in
/// order from the checkpoint: left to choose, its planner starts from the organisation's
/// records (the visibility rule's index) and sorts all their changes for every page, which
/// made a first full sync of 100,000 records quadratic (53 s became 188 s).
fn changes_after_sql() -> String {
    let (docs, changes) = visibility(PLACES);
    format!(
        "SELECT c.seq, c.doc_id, d.kind, c.change FROM change_log c CROSS JOIN docs d ON d.id = c.doc_id
         WHERE c.seq > :since AND c.origin_device != :device AND {docs} AND {changes}
         ORDER BY c.seq LIMIT :limit"
    )
}

const PLACES: Placeholders<'static> = Placeholders {
    org: ":org",
    everyone: ":everyone",
    person: ":person",
};

fn uuid(text: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl SqliteTx<'_> {
    fn exists(&self, sql: &str, params: impl rusqlite::Params) -> Result<bool> {
        self.0.query_row(sql, params, |r| r.get(0)).map_err(db)
    }
}

impl Tx for SqliteTx<'_> {
    fn org_by_name(&mut self, name: &str) -> Result<Option<(i64, String)>> {
        self.0
            .query_row(
                "SELECT id, public_key FROM orgs WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)
    }

    fn insert_org(&mut self, name: &str, public_key: &str) -> Result<i64> {
        self.0
            .execute(
                "INSERT INTO orgs (name, public_key, checksum) VALUES (?1, ?2, ?3)",
                params![name, public_key, vec![0u8; 32]],
            )
            .map_err(db)?;
        Ok(self.0.last_insert_rowid())
    }

    fn org(&mut self, id: i64) -> Result<(String, String)> {
        self.0
            .query_row(
                "SELECT name, public_key FROM orgs WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db)
    }

    fn lock_org(&mut self, _id: i64) -> Result<()> {
        // One connection: transactions already run one at a time.
        Ok(())
    }

    fn org_checksum(&mut self, id: i64) -> Result<Vec<u8>> {
        self.0
            .query_row("SELECT checksum FROM orgs WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(db)
    }

    fn set_org_checksum(&mut self, id: i64, checksum: &[u8; 32]) -> Result<()> {
        self.0
            .execute(
                "UPDATE orgs SET checksum = ?1 WHERE id = ?2",
                params![&checksum[..], id],
            )
            .map_err(db)?;
        Ok(())
    }

    fn person_by_name(&mut self, org_id: i64, name: &str) -> Result<Option<String>> {
        self.0
            .query_row(
                "SELECT id FROM people WHERE org_id = ?1 AND name = ?2",
                params![org_id, name],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
    }

    fn insert_person(&mut self, id: &str, org_id: i64, name: &str) -> Result<()> {
        self.0
            .execute("INSERT INTO people (id, org_id, name) VALUES (?1, ?2, ?3) ON CONFLICT (org_id, name) DO NOTHING", params![id, org_id, name])
            .map_err(db)?;
        Ok(())
    }

    fn person_name(&mut self, id: &str) -> Result<Option<String>> {
        self.0
            .query_row("SELECT name FROM people WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(db)
    }

    fn claim_assigned(&mut self, org_id: i64, name: &str, person_id: &str) -> Result<()> {
        self.0
            .execute(
                "UPDATE docs SET assignee_person = ?1 WHERE org_id = ?2 AND assignee = ?3 AND assignee_person IS NULL",
                params![person_id, org_id, name],
            )
            .map_err(db)?;
        Ok(())
    }

    fn insert_code(&mut self, c: &NewCodeRow<'_>) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO enrolment_codes (code_hash, org_id, role, expires_at, created_at, person_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![c.code_hash, c.org_id, c.role, c.expires_at, c.created_at, c.person_id],
            )
            .map_err(db)?;
        Ok(())
    }

    fn code(&mut self, code_hash: &[u8]) -> Result<Option<CodeRow>> {
        self.0
            .query_row(
                "SELECT org_id, role, expires_at, used_at, person_id FROM enrolment_codes WHERE code_hash = ?1",
                [code_hash],
                |r| Ok(CodeRow { org_id: r.get(0)?, role: r.get(1)?, expires_at: r.get(2)?, used_at: r.get(3)?, person_id: r.get(4)? }),
            )
            .optional()
            .map_err(db)
    }

    fn mark_code_used(&mut self, code_hash: &[u8], at: i64) -> Result<()> {
        self.0
            .execute(
                "UPDATE enrolment_codes SET used_at = ?1 WHERE code_hash = ?2",
                params![at, code_hash],
            )
            .map_err(db)?;
        Ok(())
    }

    fn device_enrolled_with(
        &mut self,
        code_hash: &[u8],
        actor: &str,
        secret_hash: &[u8],
    ) -> Result<Option<(String, String)>> {
        self.0
            .query_row(
                "SELECT id, device_code FROM devices WHERE code_hash = ?1 AND actor = ?2 AND secret_hash = ?3 AND revoked_at IS NULL",
                params![code_hash, actor, secret_hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)
    }

    fn actor_owner(&mut self, actor: &str) -> Result<Option<Option<String>>> {
        self.0
            .query_row(
                "SELECT person_id FROM devices WHERE actor = ?1",
                [actor],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
    }

    fn device_code_taken(&mut self, device_code: &str) -> Result<bool> {
        self.exists(
            "SELECT count(*) > 0 FROM devices WHERE device_code = ?1",
            [device_code],
        )
    }

    fn insert_device(&mut self, d: &NewDevice<'_>) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO devices (id, org_id, role, user, name, device_code, secret_hash, created_at, person_id, actor, code_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![d.id.to_string(), d.org_id, d.role, d.user, d.name, d.device_code, d.secret_hash, d.created_at, d.person_id, d.actor, d.code_hash],
            )
            .map_err(db)?;
        Ok(())
    }

    fn device_secret(&mut self, id: Uuid) -> Result<Option<(Vec<u8>, Option<i64>)>> {
        self.0
            .query_row(
                "SELECT secret_hash, revoked_at FROM devices WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)
    }

    fn touch_device(&mut self, id: &str, at: i64) -> Result<()> {
        self.0
            .execute(
                "UPDATE devices SET last_seen = ?1 WHERE id = ?2",
                params![at, id],
            )
            .map_err(db)?;
        Ok(())
    }

    fn revoke_device(&mut self, id: Uuid, at: i64) -> Result<bool> {
        let changed = self
            .0
            .execute(
                "UPDATE devices SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![at, id.to_string()],
            )
            .map_err(db)?;
        self.0
            .execute("DELETE FROM tokens WHERE device_id = ?1", [id.to_string()])
            .map_err(db)?;
        Ok(changed > 0)
    }

    fn devices(&mut self) -> Result<Vec<DeviceRow>> {
        let mut stmt = self
            .0
            .prepare(
                "SELECT d.id, o.name, d.role, coalesce(p.name, d.user), d.name, d.device_code, d.last_seen, d.revoked_at
                 FROM devices d JOIN orgs o ON o.id = d.org_id LEFT JOIN people p ON p.id = d.person_id
                 ORDER BY d.created_at, d.id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DeviceRow {
                    id: r.get(0)?,
                    organisation: r.get(1)?,
                    role: r.get(2)?,
                    user: r.get(3)?,
                    name: r.get(4)?,
                    device_code: r.get(5)?,
                    last_seen: r.get(6)?,
                    revoked_at: r.get(7)?,
                })
            })
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn insert_token(
        &mut self,
        hash: &[u8],
        device_id: Uuid,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        self.0
            .execute(
                "DELETE FROM tokens WHERE device_id = ?1 AND expires_at < ?2",
                params![device_id.to_string(), now],
            )
            .map_err(db)?;
        self.0
            .execute(
                "INSERT INTO tokens (hash, device_id, expires_at) VALUES (?1, ?2, ?3)",
                params![hash, device_id.to_string(), expires_at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn token(&mut self, hash: &[u8]) -> Result<Option<TokenRow>> {
        self.0
            .query_row(
                "SELECT d.id, d.org_id, d.role, d.person_id, t.expires_at, d.revoked_at
                 FROM tokens t JOIN devices d ON d.id = t.device_id
                 WHERE t.hash = ?1 AND d.person_id IS NOT NULL",
                [hash],
                |r| {
                    Ok(TokenRow {
                        device_id: r.get(0)?,
                        org_id: r.get(1)?,
                        role: r.get(2)?,
                        person_id: r.get(3)?,
                        expires_at: r.get(4)?,
                        revoked_at: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn count_attempt(
        &mut self,
        key: &str,
        minute: i64,
        since: i64,
        forget_before: i64,
    ) -> Result<u32> {
        self.0
            .execute("DELETE FROM attempts WHERE minute < ?1", [forget_before])
            .map_err(db)?;
        self.0
            .execute(
                "INSERT INTO attempts (client, minute, count) VALUES (?1, ?2, 1)
                 ON CONFLICT (client, minute) DO UPDATE SET count = count + 1",
                params![key, minute],
            )
            .map_err(db)?;
        self.0
            .query_row(
                "SELECT sum(count) FROM attempts WHERE client = ?1 AND minute >= ?2",
                params![key, since],
                |r| r.get(0),
            )
            .map_err(db)
    }

    fn attempts(&mut self, key: &str, since: i64) -> Result<u32> {
        self.0
            .query_row(
                "SELECT coalesce(sum(count), 0) FROM attempts WHERE client = ?1 AND minute >= ?2",
                params![key, since],
                |r| r.get(0),
            )
            .map_err(db)
    }

    fn undo_attempt(&mut self, key: &str, minute: i64) -> Result<()> {
        self.0
            .execute(
                "UPDATE attempts SET count = count - 1 WHERE client = ?1 AND minute = ?2",
                params![key, minute],
            )
            .map_err(db)?;
        Ok(())
    }

    fn site_secret(&mut self, candidate: &[u8]) -> Result<Vec<u8>> {
        self.0
            .execute(
                "INSERT OR IGNORE INTO site_secret (id, secret) VALUES (1, ?1)",
                [candidate],
            )
            .map_err(db)?;
        self.0
            .query_row("SELECT secret FROM site_secret WHERE id = 1", [], |r| {
                r.get(0)
            })
            .map_err(db)
    }

    fn shipped_copies(&mut self, id: Uuid) -> Result<Vec<(Option<i64>, Vec<u8>)>> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT NULL, snapshot FROM docs WHERE id = ?1
                 UNION ALL SELECT org_id, snapshot FROM org_reference WHERE doc_id = ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn seed_record(
        &mut self,
        id: Uuid,
        kind: RecordKind,
        snapshot: &[u8],
        heads: &[u8],
        digest: &[u8],
    ) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO docs (id, kind, snapshot, heads, digest) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot,
                     heads = excluded.heads, digest = excluded.digest",
                params![id.to_string(), kind.as_str(), snapshot, heads, digest],
            )
            .map_err(db)?;
        Ok(())
    }

    fn record(&mut self, id: Uuid, org_id: i64) -> Result<Option<StoredRecord>> {
        self.0
            .query_row(
                "SELECT d.kind, d.org_id, d.creator_person, d.assignee_person, coalesce(r.snapshot, d.snapshot), d.digest
                 FROM docs d LEFT JOIN org_reference r ON r.doc_id = d.id AND r.org_id = ?2 WHERE d.id = ?1",
                params![id.to_string(), org_id],
                |r| {
                    Ok(StoredRecord {
                        kind: r.get(0)?,
                        org_id: r.get(1)?,
                        creator_person: r.get(2)?,
                        assignee_person: r.get(3)?,
                        snapshot: r.get(4)?,
                        digest: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn put_record(&mut self, row: &RecordRow<'_>) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO docs (id, kind, org_id, creator_device, creator_person, assignee, snapshot, heads, digest, assignee_person, forwarded_to)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET assignee = excluded.assignee,
                     assignee_person = excluded.assignee_person, snapshot = excluded.snapshot,
                     heads = excluded.heads, digest = excluded.digest,
                     forwarded_to = excluded.forwarded_to",
                params![
                    row.id.to_string(),
                    row.kind.as_str(),
                    row.org_id,
                    row.creator_device.to_string(),
                    row.creator_person,
                    row.assignee,
                    row.snapshot,
                    row.heads,
                    row.digest,
                    row.assignee_person,
                    forwarded(row.forwarded_to)
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn put_org_copy(&mut self, org_id: i64, id: Uuid, snapshot: &[u8]) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO org_reference (org_id, doc_id, snapshot) VALUES (?1, ?2, ?3)
                 ON CONFLICT (org_id, doc_id) DO UPDATE SET snapshot = excluded.snapshot",
                params![org_id, id.to_string(), snapshot],
            )
            .map_err(db)?;
        Ok(())
    }

    fn link_blob(&mut self, doc_id: Uuid, sha: &str) -> Result<()> {
        self.0
            .execute(
                "INSERT OR IGNORE INTO doc_blobs (doc_id, sha256) VALUES (?1, ?2)",
                params![doc_id.to_string(), sha],
            )
            .map_err(db)?;
        Ok(())
    }

    fn append_changes(&mut self, changes: &[NewChange]) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached("INSERT OR IGNORE INTO change_log (doc_id, hash, change, origin_device, org_id) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(db)?;
        for c in changes {
            stmt.execute(params![
                c.doc_id.to_string(),
                &c.hash[..],
                c.bytes,
                c.origin_device.to_string(),
                c.org_mark
            ])
            .map_err(db)?;
        }
        Ok(())
    }

    fn changes_after(
        &mut self,
        viewer: &Viewer,
        except_device: Uuid,
        since: u64,
        limit: usize,
    ) -> Result<Vec<LogRow>> {
        let mut stmt = self.0.prepare_cached(&changes_after_sql()).map_err(db)?;
        let rows = stmt
            .query_map(
                named_params! {
                    ":since": i64::try_from(since).unwrap_or(i64::MAX), ":device": except_device.to_string(),
                    ":org": viewer.org_id, ":everyone": viewer.everyone, ":person": viewer.person_id,
                    ":limit": i64::try_from(limit).unwrap_or(i64::MAX),
                },
                |r| {
                    Ok(LogRow {
                        seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or_default(),
                        doc_id: uuid(&r.get::<_, String>(1)?)?,
                        kind: r.get(2)?,
                        change: r.get(3)?,
                    })
                },
            )
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn log_head(&mut self) -> Result<u64> {
        let top: Option<i64> = self
            .0
            .query_row("SELECT max(seq) FROM change_log", [], |r| r.get(0))
            .map_err(db)?;
        Ok(u64::try_from(top.unwrap_or(0)).unwrap_or_default())
    }

    fn visible_record(&mut self, viewer: &Viewer, id: Uuid) -> Result<Option<(String, Vec<u8>)>> {
        let (docs, _) = visibility(PLACES);
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT d.kind, coalesce(r.snapshot, d.snapshot) FROM docs d
                 LEFT JOIN org_reference r ON r.doc_id = d.id AND r.org_id = :org
                 WHERE d.id = :id AND {docs}"
            ))
            .map_err(db)?;
        stmt.query_row(
            named_params! {":id": id.to_string(), ":org": viewer.org_id, ":everyone": viewer.everyone, ":person": viewer.person_id},
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db)
    }

    fn visible_digests(&mut self, viewer: &Viewer) -> Result<Vec<(Uuid, Vec<u8>)>> {
        let (docs, _) = visibility(PLACES);
        let mut stmt = self
            .0
            .prepare_cached(&format!("SELECT d.id, d.digest FROM docs d WHERE d.kind IN ('grievance', 'session') AND {docs}"))
            .map_err(db)?;
        let rows = stmt
            .query_map(named_params! {":org": viewer.org_id, ":everyone": viewer.everyone, ":person": viewer.person_id}, |r| {
                Ok((uuid(&r.get::<_, String>(0)?)?, r.get(1)?))
            })
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn blob_visible(&mut self, viewer: &Viewer, sha: &str) -> Result<bool> {
        let (docs, _) = visibility(PLACES);
        self.exists(
            &format!("SELECT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id WHERE b.sha256 = :sha AND {docs})"),
            named_params! {":sha": sha, ":org": viewer.org_id, ":everyone": viewer.everyone, ":person": viewer.person_id},
        )
    }

    fn blob_linked(&mut self, org_id: i64, sha: &str, except: Option<Uuid>) -> Result<bool> {
        self.exists(
            "SELECT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id \
             WHERE b.sha256 = ?1 AND b.doc_id IS NOT ?2 AND d.org_id = ?3)",
            params![sha, except.map(|id| id.to_string()), org_id],
        )
    }

    fn blob_orgs(&mut self, sha: &str) -> Result<Vec<i64>> {
        let mut statement = self
            .0
            .prepare(
                "SELECT DISTINCT d.org_id FROM doc_blobs b JOIN docs d ON d.id = b.doc_id \
                 WHERE b.sha256 = ?1 AND d.org_id IS NOT NULL ORDER BY d.org_id",
            )
            .map_err(db)?;
        let orgs = statement
            .query_map([sha], |r| r.get(0))
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<i64>>>()
            .map_err(db)?;
        Ok(orgs)
    }

    fn insert_officer(&mut self, o: &OfficerRow) -> Result<()> {
        self.0
            .execute(
                &format!("INSERT INTO desk_officers ({OFFICER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
                params![
                    o.id,
                    o.org_id,
                    o.agency.to_string(),
                    o.name,
                    o.login,
                    o.code_hash,
                    o.code_expires_at,
                    o.passphrase,
                    o.totp_secret,
                    o.active,
                    o.totp_step,
                    o.failures,
                    o.locked_until,
                    o.created_at,
                    o.revoked_at,
                    o.phone_hash
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn officer(&mut self, key: OfficerKey<'_>) -> Result<Option<OfficerRow>> {
        let (column, value): (&str, rusqlite::types::Value) = match key {
            OfficerKey::Id(id) => ("id", id.to_string().into()),
            OfficerKey::Login(login) => ("login", login.to_string().into()),
            OfficerKey::Code(hash) => ("code_hash", hash.to_vec().into()),
            OfficerKey::Phone(hash) => ("phone_hash", hash.to_vec().into()),
        };
        self.0
            .query_row(
                &format!("SELECT {OFFICER_COLUMNS} FROM desk_officers WHERE {column} = ?1"),
                [value],
                officer_row,
            )
            .optional()
            .map_err(db)
    }

    fn update_officer(&mut self, o: &OfficerRow) -> Result<()> {
        self.0
            .execute(
                "UPDATE desk_officers SET code_expires_at = ?2, passphrase = ?3, totp_secret = ?4,
                     active = ?5, totp_step = ?6, failures = ?7, locked_until = ?8, revoked_at = ?9
                 WHERE id = ?1",
                params![
                    o.id,
                    o.code_expires_at,
                    o.passphrase,
                    o.totp_secret,
                    o.active,
                    o.totp_step,
                    o.failures,
                    o.locked_until,
                    o.revoked_at
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn officers(&mut self) -> Result<Vec<OfficerRow>> {
        let mut stmt = self
            .0
            .prepare(&format!(
                "SELECT {OFFICER_COLUMNS} FROM desk_officers ORDER BY created_at, id"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map([], officer_row)
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn insert_desk_session(&mut self, hash: &[u8], officer_id: &str, at: i64) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO desk_sessions (hash, officer_id, created_at, seen_at) VALUES (?1, ?2, ?3, ?3)",
                params![hash, officer_id, at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn desk_session(&mut self, hash: &[u8]) -> Result<Option<DeskSessionRow>> {
        self.0
            .query_row(
                "SELECT officer_id, created_at, seen_at FROM desk_sessions WHERE hash = ?1",
                params![hash],
                |r| {
                    Ok(DeskSessionRow {
                        officer_id: r.get(0)?,
                        created_at: r.get(1)?,
                        seen_at: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn touch_desk_session(&mut self, hash: &[u8], at: i64) -> Result<()> {
        self.0
            .execute(
                "UPDATE desk_sessions SET seen_at = ?2 WHERE hash = ?1",
                params![hash, at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn end_desk_sessions(&mut self, officer_id: &str, only: Option<&[u8]>) -> Result<()> {
        match only {
            Some(hash) => self.0.execute(
                "DELETE FROM desk_sessions WHERE officer_id = ?1 AND hash = ?2",
                params![officer_id, hash],
            ),
            None => self.0.execute(
                "DELETE FROM desk_sessions WHERE officer_id = ?1",
                params![officer_id],
            ),
        }
        .map_err(db)?;
        Ok(())
    }

    fn desk_cases(&mut self, org_id: i64, agency: Uuid) -> Result<Vec<(Uuid, Vec<u8>)>> {
        let mut stmt = self
            .0
            .prepare(
                "SELECT id, snapshot FROM docs WHERE org_id = ?1 AND forwarded_to = ?2 AND kind = 'grievance'",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![org_id, agency.to_string()], |r| {
                Ok((uuid(&r.get::<_, String>(0)?)?, r.get(1)?))
            })
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn cases_without_desk(&mut self, limit: usize) -> Result<Vec<(Uuid, Vec<u8>)>> {
        let mut stmt = self
            .0
            .prepare(
                "SELECT id, snapshot FROM docs WHERE kind = 'grievance' AND forwarded_to IS NULL LIMIT ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((uuid(&r.get::<_, String>(0)?)?, r.get(1)?))
            })
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn set_forwarded_to(&mut self, id: Uuid, agency: Option<Uuid>) -> Result<()> {
        self.0
            .execute(
                "UPDATE docs SET forwarded_to = ?2 WHERE id = ?1",
                params![id.to_string(), forwarded(agency)],
            )
            .map_err(db)?;
        Ok(())
    }

    fn subscription(&mut self, doc_id: Uuid) -> Result<Option<UpdateRow>> {
        self.0
            .query_row(
                "SELECT doc_id, org_id, phone, phone_hash, provider, lang, discreet, told, day, today, sent
                 FROM update_subscriptions WHERE doc_id = ?1",
                params![doc_id.to_string()],
                |r| {
                    Ok(UpdateRow {
                        doc_id: uuid(&r.get::<_, String>(0)?)?,
                        org_id: r.get(1)?,
                        phone: r.get(2)?,
                        phone_hash: r.get(3)?,
                        provider: r.get(4)?,
                        lang: r.get(5)?,
                        discreet: r.get(6)?,
                        told: r.get(7)?,
                        day: r.get(8)?,
                        today: r.get(9)?,
                        sent: r.get(10)?,
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn put_subscription(&mut self, s: &UpdateRow) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO update_subscriptions (doc_id, org_id, phone, phone_hash, provider, lang, discreet, told, day, today, sent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (doc_id) DO UPDATE SET told = excluded.told, day = excluded.day,
                     today = excluded.today, sent = excluded.sent",
                params![
                    s.doc_id.to_string(),
                    s.org_id,
                    s.phone,
                    s.phone_hash,
                    s.provider,
                    s.lang,
                    s.discreet,
                    s.told,
                    s.day,
                    s.today,
                    s.sent
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn subscribed_cases(&mut self, phone_hash: &[u8]) -> Result<Vec<Uuid>> {
        let mut stmt = self
            .0
            .prepare(
                "SELECT doc_id FROM update_subscriptions WHERE phone_hash = ?1 ORDER BY doc_id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![phone_hash], |r| uuid(&r.get::<_, String>(0)?))
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn drop_subscriptions(
        &mut self,
        doc_id: Option<Uuid>,
        phone_hash: Option<&[u8]>,
    ) -> Result<()> {
        if let Some(id) = doc_id {
            self.0
                .execute(
                    "DELETE FROM update_subscriptions WHERE doc_id = ?1",
                    params![id.to_string()],
                )
                .map_err(db)?;
        }
        if let Some(hash) = phone_hash {
            self.0
                .execute(
                    "DELETE FROM update_subscriptions WHERE phone_hash = ?1",
                    params![hash],
                )
                .map_err(db)?;
        }
        Ok(())
    }

    fn queue_update(&mut self, o: &OutgoingRow) -> Result<bool> {
        let added = self
            .0
            .execute(
                "INSERT INTO update_messages (doc_id, key, provider, phone, lang, reference, agency, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (doc_id, key) DO NOTHING",
                params![
                    o.doc_id.to_string(),
                    o.key,
                    o.provider,
                    o.phone,
                    o.lang,
                    o.reference,
                    o.agency,
                    o.created_at
                ],
            )
            .map_err(db)?;
        Ok(added > 0)
    }

    fn take_updates(&mut self, limit: usize, at: i64) -> Result<Vec<OutgoingRow>> {
        let mut stmt = self
            .0
            .prepare(
                "SELECT id, doc_id, key, provider, phone, lang, reference, agency, created_at
                 FROM update_messages WHERE sent_at IS NULL ORDER BY id LIMIT ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok(OutgoingRow {
                    id: r.get(0)?,
                    doc_id: uuid(&r.get::<_, String>(1)?)?,
                    key: r.get(2)?,
                    provider: r.get(3)?,
                    phone: r.get(4)?,
                    lang: r.get(5)?,
                    reference: r.get(6)?,
                    agency: r.get(7)?,
                    created_at: r.get(8)?,
                    sent_at: Some(at),
                })
            })
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        drop(stmt);
        for row in &rows {
            self.0
                .execute(
                    "UPDATE update_messages SET sent_at = ?2, phone = NULL WHERE id = ?1",
                    params![row.id, at],
                )
                .map_err(db)?;
        }
        Ok(rows)
    }

    fn updates_sent_since(&mut self, since: i64) -> Result<Vec<(String, u64)>> {
        let mut stmt = self
            .0
            .prepare(
                "SELECT provider, count(*) FROM update_messages WHERE sent_at >= ?1
                 GROUP BY provider ORDER BY provider",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![since], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn stored_answer(&mut self, device_id: Uuid, batch_id: Uuid) -> Result<Option<Vec<u8>>> {
        self.0
            .query_row(
                "SELECT response FROM batches WHERE device_id = ?1 AND batch_id = ?2",
                params![device_id.to_string(), batch_id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
    }

    fn store_answer(
        &mut self,
        device_id: Uuid,
        batch_id: Uuid,
        answer: &[u8],
        at: i64,
    ) -> Result<()> {
        self.0
            .execute(
                "INSERT OR IGNORE INTO batches (device_id, batch_id, response, at) VALUES (?1, ?2, ?3, ?4)",
                params![device_id.to_string(), batch_id.to_string(), answer, at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn prune_answers(&mut self, before: i64) -> Result<()> {
        self.0
            .execute("DELETE FROM batches WHERE at < ?1", [before])
            .map_err(db)?;
        Ok(())
    }

    fn intake_device(&mut self, org_id: i64) -> Result<Option<IntakeRow>> {
        self.0
            .query_row(
                "SELECT d.id, d.device_code, d.person_id, d.actor FROM intake_devices i
                 JOIN devices d ON d.id = i.device_id WHERE i.org_id = ?1",
                [org_id],
                |r| {
                    Ok(IntakeRow {
                        device_id: r.get(0)?,
                        device_code: r.get(1)?,
                        person_id: r.get(2)?,
                        actor: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn insert_intake_device(&mut self, org_id: i64, device_id: Uuid) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO intake_devices (org_id, device_id) VALUES (?1, ?2)",
                params![org_id, device_id.to_string()],
            )
            .map_err(db)?;
        Ok(())
    }

    fn next_intake_seq(&mut self, org_id: i64) -> Result<u64> {
        self.0
            .query_row(
                "UPDATE intake_devices SET next_seq = next_seq + 1 WHERE org_id = ?1 RETURNING next_seq",
                [org_id],
                |r| r.get(0),
            )
            .map_err(db)
    }

    fn insert_receipt(
        &mut self,
        org_id: i64,
        reference: &str,
        doc_id: Uuid,
        at: i64,
    ) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO receipts (org_id, reference, doc_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![org_id, reference, doc_id.to_string(), at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn receipt(&mut self, org_id: i64, reference: &str) -> Result<Option<Uuid>> {
        self.0
            .query_row(
                "SELECT doc_id FROM receipts WHERE org_id = ?1 AND reference = ?2",
                params![org_id, reference],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(db)?
            .map(|id| uuid(&id))
            .transpose()
            .map_err(db)
    }

    fn put_figures(&mut self, org_id: i64, figures: &str, at: i64) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO published_figures (org_id, figures, published_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (org_id) DO UPDATE SET figures = excluded.figures,
                 published_at = excluded.published_at",
                params![org_id, figures, at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn figures(&mut self, org_id: i64) -> Result<Option<(String, i64)>> {
        self.0
            .query_row(
                "SELECT figures, published_at FROM published_figures WHERE org_id = ?1",
                params![org_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)
    }

    fn claim_message(
        &mut self,
        provider: &str,
        message_id: &str,
        sender: &[u8],
        at: i64,
    ) -> Result<Option<Option<Uuid>>> {
        let claimed = self
            .0
            .execute(
                "INSERT INTO inbound_messages (provider, message_id, sender, received_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (provider, message_id) DO NOTHING",
                params![provider, message_id, sender, at],
            )
            .map_err(db)?;
        if claimed == 1 {
            return Ok(None);
        }
        let doc: Option<String> = self
            .0
            .query_row(
                "SELECT doc_id FROM inbound_messages WHERE provider = ?1 AND message_id = ?2",
                params![provider, message_id],
                |r| r.get(0),
            )
            .map_err(db)?;
        Ok(Some(doc.map(|d| uuid(&d)).transpose().map_err(db)?))
    }

    fn set_message_case(&mut self, provider: &str, message_id: &str, doc_id: Uuid) -> Result<()> {
        self.0
            .execute(
                "UPDATE inbound_messages SET doc_id = ?3 WHERE provider = ?1 AND message_id = ?2",
                params![provider, message_id, doc_id.to_string()],
            )
            .map_err(db)?;
        Ok(())
    }

    fn forget_senders(&mut self, before: i64) -> Result<()> {
        self.0
            .execute(
                "UPDATE inbound_messages SET sender = x'' WHERE received_at < ?1 AND sender <> x''",
                [before],
            )
            .map_err(db)?;
        Ok(())
    }

    fn recent_case_from(&mut self, sender: &[u8], since: i64) -> Result<Option<Uuid>> {
        self.0
            .query_row(
                "SELECT doc_id FROM inbound_messages
                 WHERE sender = ?1 AND sender <> x'' AND received_at >= ?2 AND doc_id IS NOT NULL
                 ORDER BY received_at DESC LIMIT 1",
                params![sender, since],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(db)?
            .map(|id| uuid(&id))
            .transpose()
            .map_err(db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pull walks the change log from the checkpoint by its key, and never sorts: sorting
    /// every record of the organisation for each page made a first full sync quadratic.
    #[test]
    fn a_pull_walks_the_change_log_in_order_without_sorting() {
        let storage = Sqlite::in_memory().expect("open");
        let conn = storage.conn.lock().expect("connection");
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", changes_after_sql()))
            .expect("plan");
        let plan: Vec<String> = stmt
            .query_map(
                named_params! {
                    ":since": 0, ":device": "d", ":org": 1, ":everyone": true,
                    ":person": "p", ":limit": 100,
                },
                |r| r.get::<_, String>(3),
            )
            .expect("plan")
            .collect::<rusqlite::Result<_>>()
            .expect("plan");
        assert_eq!(
            plan,
            [
                "SEARCH c USING INTEGER PRIMARY KEY (rowid>?)",
                "SEARCH d USING INDEX sqlite_autoindex_docs_1 (id=?)"
            ],
            "{plan:#?}"
        );
    }

    /// Issue 10 (8): a panic inside one request rolls its transaction back and leaves the
    /// storage serving every later request (it used to answer 500 until restarted).
    #[test]
    fn a_panic_inside_a_request_does_not_take_the_storage_down() {
        let storage = Sqlite::in_memory().expect("open");
        storage
            .run(Mode::Write, &mut |tx| {
                tx.insert_org("Org", "key").map(|_| ())
            })
            .expect("an organisation");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = storage.run(Mode::Write, &mut |tx| {
                tx.set_org_checksum(1, &[7; 32])?;
                panic!("a bug in one request");
            });
        }));
        assert!(panicked.is_err());
        let mut checksum = Vec::new();
        storage
            .run(Mode::Write, &mut |tx| {
                checksum = tx.org_checksum(1)?;
                Ok(())
            })
            .expect("the next request is served");
        assert_eq!(
            checksum,
            vec![0u8; 32],
            "the panicking request's change was rolled back"
        );
    }
}
