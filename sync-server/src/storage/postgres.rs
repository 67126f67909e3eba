//! The PostgreSQL backend (`--database postgres://…`): several server instances share one
//! database, so nothing shared lives in a process. Rows only: every rule is in
//! `citizens-server-core`.
//!
//! The change log's checkpoint is safe by construction: rows are appended under one advisory
//! lock held until the commit, so `seq` order is commit order and a reader paging by `seq`
//! (from one snapshot: [`Mode::Snapshot`] is REPEATABLE READ) never passes a row that is still
//! in flight. Transactions that lose a serialisation race are run again.

use std::sync::Arc;
use std::time::Duration;

use citizens_protocol::RecordKind;
use citizens_server_core::persistence::{
    visibility, CodeRow, DeskSessionRow, DeviceRow, IntakeRow, LogRow, Mode, NewChange, NewCodeRow,
    NewDevice, OfficerKey, OfficerRow, OutgoingRow, Persistence, Placeholders, RecordRow,
    StoredRecord, TokenRow, Tx, UpdateRow, Viewer,
};
use citizens_server_core::{Error, Result};
use postgres::error::SqlState;
use postgres::{IsolationLevel, NoTls, Row};
use r2d2_postgres::PostgresConnectionManager;
use uuid::Uuid;

const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        include_str!("../../../migrations/server-postgres/0001_schema.sql"),
    ),
    (
        2,
        include_str!("../../../migrations/server-postgres/0002_public_intake.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/server-postgres/0003_published_figures.sql"),
    ),
    (
        4,
        include_str!("../../../migrations/server-postgres/0004_agency_desk.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/server-postgres/0005_status_updates.sql"),
    ),
];

/// The schema version this server writes.
pub const SCHEMA: i32 = MIGRATIONS.len() as i32;

/// The advisory lock every change-log append holds to its commit.
const APPEND_LOCK: i64 = 0x4343_5359_4e43; // "CCSYNC"
/// The first key of the per-record locks (`pg_advisory_xact_lock(RECORD_LOCKS, hash of id)`).
const RECORD_LOCKS: i32 = 0x4343_5244; // "CCRD"

/// How many times a transaction that lost a serialisation race is run again.
const ATTEMPTS: u32 = 8;

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// A hook run inside each transaction that appended changes, just before its commit (tests
/// hold push transactions open with it).
pub type BeforeCommit = Arc<dyn Fn() + Send + Sync>;

/// PostgreSQL storage: a bounded pool of connections.
pub struct Postgres {
    pool: Pool,
    /// Off only in the test that shows why it is on: appends then race, and pulls paging by
    /// `seq` skip rows committed late.
    serialise_appends: bool,
    before_commit: Option<BeforeCommit>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("connections", &self.pool.state().connections)
            .finish_non_exhaustive()
    }
}

/// A database error, with PostgreSQL's own words (the driver's display says only "db error").
/// A lost serialisation race, a deadlock or a closed connection is worth trying again.
/// A case's `forwarded_to` column: the agency's id, or '' (noted: none).
fn forwarded(agency: Option<Uuid>) -> String {
    agency.map(|a| a.to_string()).unwrap_or_default()
}

const OFFICER_COLUMNS: &str = "id, org_id, agency, name, login, code_hash, code_expires_at, passphrase, totp_secret, active, totp_step, failures, locked_until, created_at, revoked_at, phone_hash";

fn officer_row(r: &Row) -> OfficerRow {
    let agency: String = r.get(2);
    OfficerRow {
        id: r.get(0),
        org_id: r.get(1),
        agency: Uuid::parse_str(&agency).unwrap_or_default(),
        name: r.get(3),
        login: r.get(4),
        code_hash: r.get(5),
        code_expires_at: r.get(6),
        passphrase: r.get(7),
        totp_secret: r.get(8),
        active: r.get(9),
        totp_step: r.get(10),
        failures: r.get(11),
        locked_until: r.get(12),
        created_at: r.get(13),
        revoked_at: r.get(14),
        phone_hash: r.get(15),
    }
}

fn db(e: postgres::Error) -> Error {
    let words = match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    };
    match e.code() {
        Some(c)
            if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            Error::Unavailable(format!("a concurrent transaction won: {words}"))
        }
        _ if e.is_closed() => {
            Error::Unavailable(format!("the database connection closed: {words}"))
        }
        _ => Error::Backend(words),
    }
}

fn pool(url: &str, size: u32) -> anyhow::Result<Pool> {
    let config: postgres::Config = url
        .parse()
        .map_err(|e| anyhow::anyhow!("'{}' is not a PostgreSQL address: {e}", redact(url)))?;
    let manager = PostgresConnectionManager::new(config, NoTls);
    Ok(r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?)
}

/// The address without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{user}:…{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

fn version(client: &mut postgres::Client) -> anyhow::Result<i32> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_opt("SELECT version FROM schema_version", &[])?
        .map_or(0, |r| r.get(0)))
}

impl Postgres {
    /// Connect (a pool of `connections`) and check the schema is the one this server writes;
    /// `citizens-server migrate` brings it there.
    pub fn open(url: &str, connections: u32) -> anyhow::Result<Postgres> {
        let pool = pool(url, connections)?;
        let found = version(&mut *pool.get()?)?;
        anyhow::ensure!(
            found <= SCHEMA,
            "the database {} has schema {found}, newer than this server knows ({SCHEMA}); update the server",
            redact(url)
        );
        anyhow::ensure!(
            found == SCHEMA,
            "the database {} has schema {found}; this server needs {SCHEMA}: run `citizens-server migrate --database …` first",
            redact(url)
        );
        Ok(Postgres {
            pool,
            serialise_appends: true,
            before_commit: None,
        })
    }

    /// Bring the schema up to date (one instance at a time: an advisory lock); the version
    /// it was at.
    pub fn migrate(url: &str) -> anyhow::Result<i32> {
        let pool = pool(url, 1)?;
        let mut client = pool.get()?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&(APPEND_LOCK + 1)])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
        let found: i32 = tx
            .query_opt("SELECT version FROM schema_version", &[])?
            .map_or(0, |r| r.get(0));
        anyhow::ensure!(
            found <= SCHEMA,
            "the database has schema {found}, newer than this server knows ({SCHEMA}); update the server"
        );
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
            tx.batch_execute(sql)?;
            tx.execute("DELETE FROM schema_version", &[])?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[version],
            )?;
        }
        tx.commit()?;
        Ok(found)
    }

    /// Tests only: append without the lock (to show the naive checkpoint losing changes) and
    /// run `before_commit` in every write transaction.
    #[doc(hidden)]
    pub fn for_checkpoint_test(
        mut self,
        serialise_appends: bool,
        before_commit: BeforeCommit,
    ) -> Self {
        self.serialise_appends = serialise_appends;
        self.before_commit = Some(before_commit);
        self
    }
}

impl Persistence for Postgres {
    fn run(&self, mode: Mode, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let mut client = self
                .pool
                .get()
                .map_err(|e| Error::Unavailable(format!("no database connection: {e}")))?;
            let level = match mode {
                Mode::Write => IsolationLevel::ReadCommitted,
                Mode::Snapshot => IsolationLevel::RepeatableRead,
            };
            let tx = client
                .build_transaction()
                .isolation_level(level)
                .start()
                .map_err(db)?;
            let mut tx = PgTx {
                tx,
                serialise_appends: self.serialise_appends,
                appended: false,
            };
            let outcome = f(&mut tx).and_then(|()| {
                if let (true, Some(hook)) = (tx.appended, &self.before_commit) {
                    hook();
                }
                tx.tx.commit().map_err(db)
            });
            match outcome {
                Err(Error::Unavailable(why)) => last = Some(why),
                other => return other,
            }
        }
        Err(Error::Unavailable(last.unwrap_or_default()))
    }
}

struct PgTx<'c> {
    tx: postgres::Transaction<'c>,
    serialise_appends: bool,
    /// Changes were appended (the test hook holds only such transactions open).
    appended: bool,
}

impl PgTx<'_> {
    fn opt(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Option<Row>> {
        self.tx.query_opt(sql, params).map_err(db)
    }

    fn one(&mut self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<Row> {
        self.tx.query_one(sql, params).map_err(db)
    }

    fn exec(&mut self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<u64> {
        self.tx.execute(sql, params).map_err(db)
    }
}

fn uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| Error::Backend(format!("stored id: {e}")))
}

/// The visibility rule with the viewer's organisation, whether it sees everything and its
/// person bound at `$first`, `$first + 1`, `$first + 2`.
fn visible_from(first: usize) -> (String, String) {
    let [org, everyone, person] = [first, first + 1, first + 2].map(|n| format!("${n}"));
    visibility(Placeholders {
        org: &org,
        everyone: &everyone,
        person: &person,
    })
}

impl Tx for PgTx<'_> {
    fn org_by_name(&mut self, name: &str) -> Result<Option<(i64, String)>> {
        Ok(self
            .opt("SELECT id, public_key FROM orgs WHERE name = $1", &[&name])?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn insert_org(&mut self, name: &str, public_key: &str) -> Result<i64> {
        Ok(self
            .one(
                "INSERT INTO orgs (name, public_key, checksum) VALUES ($1, $2, $3) RETURNING id",
                &[&name, &public_key, &vec![0u8; 32]],
            )?
            .get(0))
    }

    fn org(&mut self, id: i64) -> Result<(String, String)> {
        let r = self.one("SELECT name, public_key FROM orgs WHERE id = $1", &[&id])?;
        Ok((r.get(0), r.get(1)))
    }

    fn lock_org(&mut self, id: i64) -> Result<()> {
        // Not FOR UPDATE: the records this transaction inserted hold key-share locks on the
        // row (their foreign key), and two such transactions upgrading would deadlock.
        self.opt("SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE", &[&id])?;
        Ok(())
    }

    fn org_checksum(&mut self, id: i64) -> Result<Vec<u8>> {
        Ok(self
            .one("SELECT checksum FROM orgs WHERE id = $1", &[&id])?
            .get(0))
    }

    fn set_org_checksum(&mut self, id: i64, checksum: &[u8; 32]) -> Result<()> {
        self.exec(
            "UPDATE orgs SET checksum = $1 WHERE id = $2",
            &[&&checksum[..], &id],
        )?;
        Ok(())
    }

    fn person_by_name(&mut self, org_id: i64, name: &str) -> Result<Option<String>> {
        Ok(self
            .opt(
                "SELECT id FROM people WHERE org_id = $1 AND name = $2",
                &[&org_id, &name],
            )?
            .map(|r| r.get(0)))
    }

    fn insert_person(&mut self, id: &str, org_id: i64, name: &str) -> Result<()> {
        self.exec(
            "INSERT INTO people (id, org_id, name) VALUES ($1, $2, $3) ON CONFLICT (org_id, name) DO NOTHING",
            &[&id, &org_id, &name],
        )?;
        Ok(())
    }

    fn person_name(&mut self, id: &str) -> Result<Option<String>> {
        Ok(self
            .opt("SELECT name FROM people WHERE id = $1", &[&id])?
            .map(|r| r.get(0)))
    }

    fn claim_assigned(&mut self, org_id: i64, name: &str, person_id: &str) -> Result<()> {
        self.exec(
            "UPDATE docs SET assignee_person = $1 WHERE org_id = $2 AND assignee = $3 AND assignee_person IS NULL",
            &[&person_id, &org_id, &name],
        )?;
        Ok(())
    }

    fn insert_code(&mut self, c: &NewCodeRow<'_>) -> Result<()> {
        self.exec(
            "INSERT INTO enrolment_codes (code_hash, org_id, role, expires_at, created_at, person_id) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&c.code_hash, &c.org_id, &c.role, &c.expires_at, &c.created_at, &c.person_id],
        )?;
        Ok(())
    }

    fn code(&mut self, code_hash: &[u8]) -> Result<Option<CodeRow>> {
        Ok(self
            .opt(
                "SELECT org_id, role, expires_at, used_at, person_id FROM enrolment_codes WHERE code_hash = $1",
                &[&code_hash],
            )?
            .map(|r| CodeRow {
                org_id: r.get(0),
                role: r.get(1),
                expires_at: r.get(2),
                used_at: r.get(3),
                person_id: r.get(4),
            }))
    }

    fn mark_code_used(&mut self, code_hash: &[u8], at: i64) -> Result<()> {
        self.exec(
            "UPDATE enrolment_codes SET used_at = $1 WHERE code_hash = $2",
            &[&at, &code_hash],
        )?;
        Ok(())
    }

    fn device_enrolled_with(
        &mut self,
        code_hash: &[u8],
        actor: &str,
        secret_hash: &[u8],
    ) -> Result<Option<(String, String)>> {
        Ok(self
            .opt(
                "SELECT id, device_code FROM devices WHERE code_hash = $1 AND actor = $2 AND secret_hash = $3 AND revoked_at IS NULL",
                &[&code_hash, &actor, &secret_hash],
            )?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn actor_owner(&mut self, actor: &str) -> Result<Option<Option<String>>> {
        Ok(self
            .opt("SELECT person_id FROM devices WHERE actor = $1", &[&actor])?
            .map(|r| r.get(0)))
    }

    fn device_code_taken(&mut self, device_code: &str) -> Result<bool> {
        Ok(self
            .one(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE device_code = $1)",
                &[&device_code],
            )?
            .get(0))
    }

    fn insert_device(&mut self, d: &NewDevice<'_>) -> Result<()> {
        self.exec(
            "INSERT INTO devices (id, org_id, role, \"user\", name, device_code, secret_hash, created_at, person_id, actor, code_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[&d.id.to_string(), &d.org_id, &d.role, &d.user, &d.name, &d.device_code, &d.secret_hash, &d.created_at, &d.person_id, &d.actor, &d.code_hash],
        )?;
        Ok(())
    }

    fn device_secret(&mut self, id: Uuid) -> Result<Option<(Vec<u8>, Option<i64>)>> {
        Ok(self
            .opt(
                "SELECT secret_hash, revoked_at FROM devices WHERE id = $1",
                &[&id.to_string()],
            )?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn touch_device(&mut self, id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE devices SET last_seen = $1 WHERE id = $2",
            &[&at, &id],
        )?;
        Ok(())
    }

    fn revoke_device(&mut self, id: Uuid, at: i64) -> Result<bool> {
        let id = id.to_string();
        let changed = self.exec(
            "UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            &[&at, &id],
        )?;
        self.exec("DELETE FROM tokens WHERE device_id = $1", &[&id])?;
        Ok(changed > 0)
    }

    fn devices(&mut self) -> Result<Vec<DeviceRow>> {
        let rows = self
            .tx
            .query(
                "SELECT d.id, o.name, d.role, coalesce(p.name, d.\"user\"), d.name, d.device_code, d.last_seen, d.revoked_at
                 FROM devices d JOIN orgs o ON o.id = d.org_id LEFT JOIN people p ON p.id = d.person_id
                 ORDER BY d.created_at, d.id",
                &[],
            )
            .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| DeviceRow {
                id: r.get(0),
                organisation: r.get(1),
                role: r.get(2),
                user: r.get(3),
                name: r.get(4),
                device_code: r.get(5),
                last_seen: r.get(6),
                revoked_at: r.get(7),
            })
            .collect())
    }

    fn insert_token(
        &mut self,
        hash: &[u8],
        device_id: Uuid,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        let device = device_id.to_string();
        self.exec(
            "DELETE FROM tokens WHERE device_id = $1 AND expires_at < $2",
            &[&device, &now],
        )?;
        self.exec(
            "INSERT INTO tokens (hash, device_id, expires_at) VALUES ($1, $2, $3)",
            &[&hash, &device, &expires_at],
        )?;
        Ok(())
    }

    fn token(&mut self, hash: &[u8]) -> Result<Option<TokenRow>> {
        Ok(self
            .opt(
                "SELECT d.id, d.org_id, d.role, d.person_id, t.expires_at, d.revoked_at
                 FROM tokens t JOIN devices d ON d.id = t.device_id
                 WHERE t.hash = $1 AND d.person_id IS NOT NULL",
                &[&hash],
            )?
            .map(|r| TokenRow {
                device_id: r.get(0),
                org_id: r.get(1),
                role: r.get(2),
                person_id: r.get(3),
                expires_at: r.get(4),
                revoked_at: r.get(5),
            }))
    }

    fn count_attempt(
        &mut self,
        key: &str,
        minute: i64,
        since: i64,
        forget_before: i64,
    ) -> Result<u32> {
        self.exec("DELETE FROM attempts WHERE minute < $1", &[&forget_before])?;
        self.exec(
            "INSERT INTO attempts (client, minute, count) VALUES ($1, $2, 1)
             ON CONFLICT (client, minute) DO UPDATE SET count = attempts.count + 1",
            &[&key, &minute],
        )?;
        let count: i64 = self
            .one(
                "SELECT sum(count)::bigint FROM attempts WHERE client = $1 AND minute >= $2",
                &[&key, &since],
            )?
            .get(0);
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    fn attempts(&mut self, key: &str, since: i64) -> Result<u32> {
        let count: i64 = self
            .one(
                "SELECT coalesce(sum(count), 0)::bigint FROM attempts WHERE client = $1 AND minute >= $2",
                &[&key, &since],
            )?
            .get(0);
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    fn undo_attempt(&mut self, key: &str, minute: i64) -> Result<()> {
        self.exec(
            "UPDATE attempts SET count = count - 1 WHERE client = $1 AND minute = $2",
            &[&key, &minute],
        )?;
        Ok(())
    }

    fn site_secret(&mut self, candidate: &[u8]) -> Result<Vec<u8>> {
        self.exec(
            "INSERT INTO site_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            &[&candidate],
        )?;
        Ok(self
            .one("SELECT secret FROM site_secret WHERE id = 1", &[])?
            .get(0))
    }

    fn shipped_copies(&mut self, id: Uuid) -> Result<Vec<(Option<i64>, Vec<u8>)>> {
        // Merged and written back: locked as a push to the record is.
        self.exec(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&RECORD_LOCKS, &id.to_string()],
        )?;
        let rows = self
            .tx
            .query(
                "SELECT NULL::bigint, snapshot FROM docs WHERE id = $1
                 UNION ALL SELECT org_id, snapshot FROM org_reference WHERE doc_id = $1",
                &[&id.to_string()],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn seed_record(
        &mut self,
        id: Uuid,
        kind: RecordKind,
        snapshot: &[u8],
        heads: &[u8],
        digest: &[u8],
    ) -> Result<()> {
        self.exec(
            "INSERT INTO docs (id, kind, snapshot, heads, digest) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot,
                 heads = excluded.heads, digest = excluded.digest",
            &[&id.to_string(), &kind.as_str(), &snapshot, &heads, &digest],
        )?;
        Ok(())
    }

    fn record(&mut self, id: Uuid, org_id: i64) -> Result<Option<StoredRecord>> {
        // Read to be changed: whoever else changes this record waits for this transaction to
        // end (a row lock would not cover a record not yet stored), so no push writes its
        // document over another's it never saw. The two-key form never meets `APPEND_LOCK`.
        self.exec(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&RECORD_LOCKS, &id.to_string()],
        )?;
        Ok(self
            .opt(
                "SELECT d.kind, d.org_id, d.creator_person, d.assignee_person, coalesce(r.snapshot, d.snapshot), d.digest
                 FROM docs d LEFT JOIN org_reference r ON r.doc_id = d.id AND r.org_id = $2 WHERE d.id = $1",
                &[&id.to_string(), &org_id],
            )?
            .map(|r| StoredRecord {
                kind: r.get(0),
                org_id: r.get(1),
                creator_person: r.get(2),
                assignee_person: r.get(3),
                snapshot: r.get(4),
                digest: r.get(5),
            }))
    }

    fn put_record(&mut self, row: &RecordRow<'_>) -> Result<()> {
        self.exec(
            "INSERT INTO docs (id, kind, org_id, creator_device, creator_person, assignee, snapshot, heads, digest, assignee_person, forwarded_to)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (id) DO UPDATE SET assignee = excluded.assignee,
                 assignee_person = excluded.assignee_person, snapshot = excluded.snapshot,
                 heads = excluded.heads, digest = excluded.digest,
                 forwarded_to = excluded.forwarded_to",
            &[
                &row.id.to_string(),
                &row.kind.as_str(),
                &row.org_id,
                &row.creator_device.to_string(),
                &row.creator_person,
                &row.assignee,
                &row.snapshot,
                &row.heads,
                &row.digest,
                &row.assignee_person,
                &forwarded(row.forwarded_to),
            ],
        )?;
        Ok(())
    }

    fn put_org_copy(&mut self, org_id: i64, id: Uuid, snapshot: &[u8]) -> Result<()> {
        self.exec(
            "INSERT INTO org_reference (org_id, doc_id, snapshot) VALUES ($1, $2, $3)
             ON CONFLICT (org_id, doc_id) DO UPDATE SET snapshot = excluded.snapshot",
            &[&org_id, &id.to_string(), &snapshot],
        )?;
        Ok(())
    }

    fn link_blob(&mut self, doc_id: Uuid, sha: &str) -> Result<()> {
        self.exec(
            "INSERT INTO doc_blobs (doc_id, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&doc_id.to_string(), &sha],
        )?;
        Ok(())
    }

    fn append_changes(&mut self, changes: &[NewChange]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        self.appended = true;
        if self.serialise_appends {
            self.exec("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])?;
        }
        let statement = self
            .tx
            .prepare(
                "INSERT INTO change_log (doc_id, hash, change, origin_device, org_id) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (hash) DO NOTHING",
            )
            .map_err(db)?;
        for c in changes {
            self.tx
                .execute(
                    &statement,
                    &[
                        &c.doc_id.to_string(),
                        &&c.hash[..],
                        &c.bytes,
                        &c.origin_device.to_string(),
                        &c.org_mark,
                    ],
                )
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
        let (docs, changes) = visible_from(3);
        let rows = self
            .tx
            .query(
                &format!(
                    "SELECT c.seq, c.doc_id, d.kind, c.change FROM change_log c JOIN docs d ON d.id = c.doc_id
                     WHERE c.seq > $1 AND c.origin_device != $2 AND {docs} AND {changes}
                     ORDER BY c.seq LIMIT $6"
                ),
                &[
                    &i64::try_from(since).unwrap_or(i64::MAX),
                    &except_device.to_string(),
                    &viewer.org_id,
                    &viewer.everyone,
                    &viewer.person_id,
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                ],
            )
            .map_err(db)?;
        rows.into_iter()
            .map(|r| {
                Ok(LogRow {
                    seq: u64::try_from(r.get::<_, i64>(0)).unwrap_or_default(),
                    doc_id: uuid(r.get(1))?,
                    kind: r.get(2),
                    change: r.get(3),
                })
            })
            .collect()
    }

    fn log_head(&mut self) -> Result<u64> {
        let top: Option<i64> = self.one("SELECT max(seq) FROM change_log", &[])?.get(0);
        Ok(u64::try_from(top.unwrap_or(0)).unwrap_or_default())
    }

    fn visible_record(&mut self, viewer: &Viewer, id: Uuid) -> Result<Option<(String, Vec<u8>)>> {
        let (docs, _) = visible_from(2);
        Ok(self
            .opt(
                &format!(
                    "SELECT d.kind, coalesce(r.snapshot, d.snapshot) FROM docs d
                     LEFT JOIN org_reference r ON r.doc_id = d.id AND r.org_id = $2
                     WHERE d.id = $1 AND {docs}"
                ),
                &[
                    &id.to_string(),
                    &viewer.org_id,
                    &viewer.everyone,
                    &viewer.person_id,
                ],
            )?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn visible_digests(&mut self, viewer: &Viewer) -> Result<Vec<(Uuid, Vec<u8>)>> {
        let (docs, _) = visible_from(1);
        let rows = self
            .tx
            .query(
                &format!("SELECT d.id, d.digest FROM docs d WHERE d.kind IN ('grievance', 'session') AND {docs}"),
                &[&viewer.org_id, &viewer.everyone, &viewer.person_id],
            )
            .map_err(db)?;
        rows.into_iter()
            .map(|r| Ok((uuid(r.get(0))?, r.get(1))))
            .collect()
    }

    fn blob_visible(&mut self, viewer: &Viewer, sha: &str) -> Result<bool> {
        let (docs, _) = visible_from(2);
        Ok(self
            .one(
                &format!("SELECT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id WHERE b.sha256 = $1 AND {docs})"),
                &[&sha, &viewer.org_id, &viewer.everyone, &viewer.person_id],
            )?
            .get(0))
    }

    fn blob_linked(&mut self, org_id: i64, sha: &str, except: Option<Uuid>) -> Result<bool> {
        Ok(self
            .one(
                "SELECT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id \
                 WHERE b.sha256 = $1 AND b.doc_id IS DISTINCT FROM $2 AND d.org_id = $3)",
                &[&sha, &except.map(|id| id.to_string()), &org_id],
            )?
            .get(0))
    }

    fn blob_orgs(&mut self, sha: &str) -> Result<Vec<i64>> {
        let rows = self
            .tx
            .query(
                "SELECT DISTINCT d.org_id FROM doc_blobs b JOIN docs d ON d.id = b.doc_id \
                 WHERE b.sha256 = $1 AND d.org_id IS NOT NULL ORDER BY d.org_id",
                &[&sha],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn insert_officer(&mut self, o: &OfficerRow) -> Result<()> {
        self.exec(
            &format!("INSERT INTO desk_officers ({OFFICER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"),
            &[
                &o.id,
                &o.org_id,
                &o.agency.to_string(),
                &o.name,
                &o.login,
                &o.code_hash,
                &o.code_expires_at,
                &o.passphrase,
                &o.totp_secret,
                &o.active,
                &o.totp_step,
                &o.failures,
                &o.locked_until,
                &o.created_at,
                &o.revoked_at,
                &o.phone_hash,
            ],
        )?;
        Ok(())
    }

    fn officer(&mut self, key: OfficerKey<'_>) -> Result<Option<OfficerRow>> {
        let row = match key {
            OfficerKey::Id(id) => self.opt(
                &format!("SELECT {OFFICER_COLUMNS} FROM desk_officers WHERE id = $1"),
                &[&id],
            )?,
            OfficerKey::Login(login) => self.opt(
                &format!("SELECT {OFFICER_COLUMNS} FROM desk_officers WHERE login = $1"),
                &[&login],
            )?,
            OfficerKey::Code(hash) => self.opt(
                &format!("SELECT {OFFICER_COLUMNS} FROM desk_officers WHERE code_hash = $1"),
                &[&hash],
            )?,
            OfficerKey::Phone(hash) => self.opt(
                &format!("SELECT {OFFICER_COLUMNS} FROM desk_officers WHERE phone_hash = $1"),
                &[&hash],
            )?,
        };
        Ok(row.as_ref().map(officer_row))
    }

    fn update_officer(&mut self, o: &OfficerRow) -> Result<()> {
        self.exec(
            "UPDATE desk_officers SET code_expires_at = $2, passphrase = $3, totp_secret = $4,
                 active = $5, totp_step = $6, failures = $7, locked_until = $8, revoked_at = $9
             WHERE id = $1",
            &[
                &o.id,
                &o.code_expires_at,
                &o.passphrase,
                &o.totp_secret,
                &o.active,
                &o.totp_step,
                &o.failures,
                &o.locked_until,
                &o.revoked_at,
            ],
        )?;
        Ok(())
    }

    fn officers(&mut self) -> Result<Vec<OfficerRow>> {
        let rows = self
            .tx
            .query(
                &format!("SELECT {OFFICER_COLUMNS} FROM desk_officers ORDER BY created_at, id"),
                &[],
            )
            .map_err(db)?;
        Ok(rows.iter().map(officer_row).collect())
    }

    fn insert_desk_session(&mut self, hash: &[u8], officer_id: &str, at: i64) -> Result<()> {
        self.exec(
            "INSERT INTO desk_sessions (hash, officer_id, created_at, seen_at) VALUES ($1, $2, $3, $3)",
            &[&hash, &officer_id, &at],
        )?;
        Ok(())
    }

    fn desk_session(&mut self, hash: &[u8]) -> Result<Option<DeskSessionRow>> {
        Ok(self
            .opt(
                "SELECT officer_id, created_at, seen_at FROM desk_sessions WHERE hash = $1",
                &[&hash],
            )?
            .map(|r| DeskSessionRow {
                officer_id: r.get(0),
                created_at: r.get(1),
                seen_at: r.get(2),
            }))
    }

    fn touch_desk_session(&mut self, hash: &[u8], at: i64) -> Result<()> {
        self.exec(
            "UPDATE desk_sessions SET seen_at = $2 WHERE hash = $1",
            &[&hash, &at],
        )?;
        Ok(())
    }

    fn end_desk_sessions(&mut self, officer_id: &str, only: Option<&[u8]>) -> Result<()> {
        match only {
            Some(hash) => self.exec(
                "DELETE FROM desk_sessions WHERE officer_id = $1 AND hash = $2",
                &[&officer_id, &hash],
            )?,
            None => self.exec(
                "DELETE FROM desk_sessions WHERE officer_id = $1",
                &[&officer_id],
            )?,
        };
        Ok(())
    }

    fn desk_cases(&mut self, org_id: i64, agency: Uuid) -> Result<Vec<(Uuid, Vec<u8>)>> {
        let rows = self
            .tx
            .query(
                "SELECT id, snapshot FROM docs WHERE org_id = $1 AND forwarded_to = $2 AND kind = 'grievance'",
                &[&org_id, &agency.to_string()],
            )
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                let id: String = r.get(0);
                Ok((uuid(&id)?, r.get(1)))
            })
            .collect()
    }

    fn cases_without_desk(&mut self, limit: usize) -> Result<Vec<(Uuid, Vec<u8>)>> {
        let rows = self
            .tx
            .query(
                "SELECT id, snapshot FROM docs WHERE kind = 'grievance' AND forwarded_to IS NULL LIMIT $1",
                &[&i64::try_from(limit).unwrap_or(i64::MAX)],
            )
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                let id: String = r.get(0);
                Ok((uuid(&id)?, r.get(1)))
            })
            .collect()
    }

    fn set_forwarded_to(&mut self, id: Uuid, agency: Option<Uuid>) -> Result<()> {
        self.exec(
            "UPDATE docs SET forwarded_to = $2 WHERE id = $1",
            &[&id.to_string(), &forwarded(agency)],
        )?;
        Ok(())
    }

    fn subscription(&mut self, doc_id: Uuid) -> Result<Option<UpdateRow>> {
        let Some(r) = self.opt(
            "SELECT doc_id, org_id, phone, phone_hash, provider, lang, discreet, told, day, today, sent
             FROM update_subscriptions WHERE doc_id = $1",
            &[&doc_id.to_string()],
        )?
        else {
            return Ok(None);
        };
        Ok(Some(UpdateRow {
            doc_id: uuid(&r.get::<_, String>(0))?,
            org_id: r.get(1),
            phone: r.get(2),
            phone_hash: r.get(3),
            provider: r.get(4),
            lang: r.get(5),
            discreet: r.get(6),
            told: r.get(7),
            day: r.get(8),
            today: r.get(9),
            sent: r.get(10),
        }))
    }

    fn put_subscription(&mut self, s: &UpdateRow) -> Result<()> {
        self.exec(
            "INSERT INTO update_subscriptions (doc_id, org_id, phone, phone_hash, provider, lang, discreet, told, day, today, sent)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (doc_id) DO UPDATE SET told = excluded.told, day = excluded.day,
                 today = excluded.today, sent = excluded.sent",
            &[
                &s.doc_id.to_string(),
                &s.org_id,
                &s.phone,
                &s.phone_hash,
                &s.provider,
                &s.lang,
                &s.discreet,
                &s.told,
                &s.day,
                &s.today,
                &s.sent,
            ],
        )?;
        Ok(())
    }

    fn subscribed_cases(&mut self, phone_hash: &[u8]) -> Result<Vec<Uuid>> {
        let rows = self
            .tx
            .query(
                "SELECT doc_id FROM update_subscriptions WHERE phone_hash = $1 ORDER BY doc_id",
                &[&phone_hash],
            )
            .map_err(db)?;
        rows.iter().map(|r| uuid(&r.get::<_, String>(0))).collect()
    }

    fn drop_subscriptions(
        &mut self,
        doc_id: Option<Uuid>,
        phone_hash: Option<&[u8]>,
    ) -> Result<()> {
        if let Some(id) = doc_id {
            self.exec(
                "DELETE FROM update_subscriptions WHERE doc_id = $1",
                &[&id.to_string()],
            )?;
        }
        if let Some(hash) = phone_hash {
            self.exec(
                "DELETE FROM update_subscriptions WHERE phone_hash = $1",
                &[&hash],
            )?;
        }
        Ok(())
    }

    fn queue_update(&mut self, o: &OutgoingRow) -> Result<bool> {
        let added = self.exec(
            "INSERT INTO update_messages (doc_id, key, provider, phone, lang, reference, agency, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (doc_id, key) DO NOTHING",
            &[
                &o.doc_id.to_string(),
                &o.key,
                &o.provider,
                &o.phone,
                &o.lang,
                &o.reference,
                &o.agency,
                &o.created_at,
            ],
        )?;
        Ok(added > 0)
    }

    fn take_updates(&mut self, limit: usize, at: i64) -> Result<Vec<OutgoingRow>> {
        // Rows another instance is taking are skipped: each message is taken once.
        let rows = self
            .tx
            .query(
                "WITH picked AS (
                     SELECT id, phone FROM update_messages WHERE sent_at IS NULL
                     ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
                 UPDATE update_messages u SET sent_at = $2, phone = NULL FROM picked
                 WHERE u.id = picked.id
                 RETURNING u.id, u.doc_id, u.key, u.provider, picked.phone, u.lang, u.reference,
                     u.agency, u.created_at",
                &[&i64::try_from(limit).unwrap_or(i64::MAX), &at],
            )
            .map_err(db)?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(OutgoingRow {
                    id: r.get(0),
                    doc_id: uuid(&r.get::<_, String>(1))?,
                    key: r.get(2),
                    provider: r.get(3),
                    phone: r.get(4),
                    lang: r.get(5),
                    reference: r.get(6),
                    agency: r.get(7),
                    created_at: r.get(8),
                    sent_at: Some(at),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|o| o.id);
        Ok(out)
    }

    fn updates_sent_since(&mut self, since: i64) -> Result<Vec<(String, u64)>> {
        let rows = self
            .tx
            .query(
                "SELECT provider, count(*) FROM update_messages WHERE sent_at >= $1
                 GROUP BY provider ORDER BY provider",
                &[&since],
            )
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(0)))
            .collect())
    }

    fn stored_answer(&mut self, device_id: Uuid, batch_id: Uuid) -> Result<Option<Vec<u8>>> {
        Ok(self
            .opt(
                "SELECT response FROM batches WHERE device_id = $1 AND batch_id = $2",
                &[&device_id.to_string(), &batch_id.to_string()],
            )?
            .map(|r| r.get(0)))
    }

    fn store_answer(
        &mut self,
        device_id: Uuid,
        batch_id: Uuid,
        answer: &[u8],
        at: i64,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO batches (device_id, batch_id, response, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&device_id.to_string(), &batch_id.to_string(), &answer, &at],
        )?;
        Ok(())
    }

    fn prune_answers(&mut self, before: i64) -> Result<()> {
        self.exec("DELETE FROM batches WHERE at < $1", &[&before])?;
        Ok(())
    }

    fn intake_device(&mut self, org_id: i64) -> Result<Option<IntakeRow>> {
        Ok(self
            .opt(
                "SELECT d.id, d.device_code, d.person_id, d.actor FROM intake_devices i
                 JOIN devices d ON d.id = i.device_id WHERE i.org_id = $1",
                &[&org_id],
            )?
            .map(|r| IntakeRow {
                device_id: r.get(0),
                device_code: r.get(1),
                person_id: r.get(2),
                actor: r.get(3),
            }))
    }

    fn insert_intake_device(&mut self, org_id: i64, device_id: Uuid) -> Result<()> {
        self.exec(
            "INSERT INTO intake_devices (org_id, device_id) VALUES ($1, $2)",
            &[&org_id, &device_id.to_string()],
        )?;
        Ok(())
    }

    fn next_intake_seq(&mut self, org_id: i64) -> Result<u64> {
        let seq: i64 = self
            .one(
                "UPDATE intake_devices SET next_seq = next_seq + 1 WHERE org_id = $1 RETURNING next_seq",
                &[&org_id],
            )?
            .get(0);
        u64::try_from(seq).map_err(|_| Error::Backend("negative intake sequence".into()))
    }

    fn insert_receipt(
        &mut self,
        org_id: i64,
        reference: &str,
        doc_id: Uuid,
        at: i64,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO receipts (org_id, reference, doc_id, created_at) VALUES ($1, $2, $3, $4)",
            &[&org_id, &reference, &doc_id.to_string(), &at],
        )?;
        Ok(())
    }

    fn receipt(&mut self, org_id: i64, reference: &str) -> Result<Option<Uuid>> {
        self.opt(
            "SELECT doc_id FROM receipts WHERE org_id = $1 AND reference = $2",
            &[&org_id, &reference],
        )?
        .map(|r| uuid(r.get(0)))
        .transpose()
    }

    fn put_figures(&mut self, org_id: i64, figures: &str, at: i64) -> Result<()> {
        self.exec(
            "INSERT INTO published_figures (org_id, figures, published_at) VALUES ($1, $2, $3)
             ON CONFLICT (org_id) DO UPDATE SET figures = excluded.figures,
             published_at = excluded.published_at",
            &[&org_id, &figures, &at],
        )?;
        Ok(())
    }

    fn figures(&mut self, org_id: i64) -> Result<Option<(String, i64)>> {
        Ok(self
            .opt(
                "SELECT figures, published_at FROM published_figures WHERE org_id = $1",
                &[&org_id],
            )?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn claim_message(
        &mut self,
        provider: &str,
        message_id: &str,
        sender: &[u8],
        at: i64,
    ) -> Result<Option<Option<Uuid>>> {
        let claimed = self.exec(
            "INSERT INTO inbound_messages (provider, message_id, sender, received_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (provider, message_id) DO NOTHING",
            &[&provider, &message_id, &sender, &at],
        )?;
        if claimed == 1 {
            return Ok(None);
        }
        let doc: Option<String> = self
            .one(
                "SELECT doc_id FROM inbound_messages WHERE provider = $1 AND message_id = $2",
                &[&provider, &message_id],
            )?
            .get(0);
        Ok(Some(doc.as_deref().map(uuid).transpose()?))
    }

    fn set_message_case(&mut self, provider: &str, message_id: &str, doc_id: Uuid) -> Result<()> {
        self.exec(
            "UPDATE inbound_messages SET doc_id = $3 WHERE provider = $1 AND message_id = $2",
            &[&provider, &message_id, &doc_id.to_string()],
        )?;
        Ok(())
    }

    fn forget_senders(&mut self, before: i64) -> Result<()> {
        self.exec(
            "UPDATE inbound_messages SET sender = ''::bytea WHERE received_at < $1 AND sender <> ''::bytea",
            &[&before],
        )?;
        Ok(())
    }

    fn recent_case_from(&mut self, sender: &[u8], since: i64) -> Result<Option<Uuid>> {
        self.opt(
            "SELECT doc_id FROM inbound_messages
             WHERE sender = $1 AND sender <> ''::bytea AND received_at >= $2 AND doc_id IS NOT NULL
             ORDER BY received_at DESC LIMIT 1",
            &[&sender, &since],
        )?
        .map(|r| uuid(r.get(0)))
        .transpose()
    }
}
