//! The embedded SQLite backend (default): one file in `--data-dir`.

use std::path::Path;
use std::sync::Mutex;

use automerge::AutoCommit;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use citizens_core::agency::Agency;
use citizens_core::article::CivicArticle;
use citizens_core::grievance::Grievance;
use citizens_core::identity::OrgPublicKey;
use citizens_core::rulebook::Rulebook;
use citizens_core::session::TownHallSession;
use citizens_protocol::{
    collection_digest, decode, encode, key_fingerprint, record_digest, EnrollResponse,
    EnrolmentCode, Pulled, Push, RecordKind, Refusal, RefusedRecord, Role, SyncRequest,
    SyncResponse, TokenResponse, CODE_ALPHABET, CODE_SECRET_CHARS, MAX_RECORD_BYTES,
    PROTOCOL_VERSION,
};
use rand::{Rng, RngCore};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Device, DeviceRow, Enrolment, Limits, NewCode, Storage};
use crate::error::{Result, ServerError};

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
];
/// How long stored answers are kept for replays (a day: a retry comes within minutes; a replay
/// after that is harmless anyway, because changes are logged by hash).
const BATCH_RETENTION_MS: i64 = 24 * 3600 * 1000;

/// SQLite storage.
#[derive(Debug)]
pub struct Sqlite {
    conn: Mutex<Connection>,
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    B64.encode(bytes)
}

fn random_code(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect()
}

fn heads_of(doc: &mut AutoCommit) -> Vec<[u8; 32]> {
    doc.get_heads().iter().map(|h| h.0).collect()
}

impl Sqlite {
    /// Open (creating if needed) the database in `dir`, migrate it and load shipped reference data.
    pub fn open(dir: &Path) -> anyhow::Result<Sqlite> {
        std::fs::create_dir_all(dir)?;
        let mut conn = Connection::open(dir.join("server.db"))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;",
        )?;
        let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let latest = MIGRATIONS.len() as u32;
        anyhow::ensure!(
            current <= latest,
            "this server database has schema {current}, newer than this server knows ({latest}); update the server"
        );
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
        }
        seed(&mut conn)?;
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }

    fn with_tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        // A panic inside a request drops its transaction (rolled back), so the connection is
        // sound: take it back rather than answering 500 to every later request.
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Shipped agencies and articles, byte-identical to every device's copy.
fn seed(conn: &mut Connection) -> anyhow::Result<()> {
    let tx = conn.transaction()?;
    let put = |id: Uuid, kind: RecordKind, mut doc: AutoCommit| -> rusqlite::Result<()> {
        let heads = heads_of(&mut doc);
        tx.execute(
            "INSERT OR IGNORE INTO docs (id, kind, snapshot, heads, digest) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), kind.as_str(), doc.save(), heads.concat(), record_digest(id, &heads).to_vec()],
        )?;
        Ok(())
    };
    for a in citizens_core::seed::agencies()? {
        put(
            a.id.uuid(),
            RecordKind::Agency,
            citizens_core::seed::document(&a)?,
        )?;
    }
    for a in citizens_core::seed::articles()? {
        put(
            a.id.uuid(),
            RecordKind::Article,
            citizens_core::seed::document(&a)?,
        )?;
    }
    put(
        Rulebook::id(),
        RecordKind::Rulebook,
        citizens_core::seed::document(&Rulebook::shipped()?)?,
    )?;
    tx.commit()?;
    Ok(())
}

fn issue(tx: &Transaction<'_>, device_id: Uuid, now: i64, limits: Limits) -> Result<TokenResponse> {
    let token = random_secret();
    let ttl = limits.token_ttl_secs;
    tx.execute(
        "DELETE FROM tokens WHERE device_id = ?1 AND expires_at < ?2",
        params![device_id.to_string(), now],
    )?;
    tx.execute(
        "INSERT INTO tokens (hash, device_id, expires_at) VALUES (?1, ?2, ?3)",
        params![
            hash(&token),
            device_id.to_string(),
            now + i64::try_from(ttl * 1000).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(TokenResponse {
        access_token: token,
        expires_in: ttl,
    })
}

/// What a device may see, as SQL over `docs d` with the device's id, org and user bound.
/// Which documents a device sees: reference records (every device) and its organisation's
/// records in its scope. Reference kinds are named (not "no organisation"): the planner then walks
/// the change log in order instead of sorting every organisation document for each page.
fn visible() -> String {
    let reference: Vec<String> = RecordKind::ALL
        .iter()
        .filter(|k| k.is_reference())
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    format!(
        "((d.kind IN ({}) AND (d.org_id IS NULL OR d.org_id = :org)) OR (d.org_id = :org AND (:coordinator = 1 OR d.creator_person = :person OR d.assignee_person = :person)))",
        reference.join(", ")
    )
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
        ServerError::bad(
            "invalid_record",
            format!("not a valid {}: {e}", kind.as_str()),
        )
    };
    let none = |found: Uuid| {
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
            let g: Grievance = citizens_core::document::read(doc).map_err(refuse)?;
            let attachments = g.attachments.into_iter().map(|a| a.sha256).collect();
            (
                g.id.uuid(),
                Scope {
                    assignee: g.assignee,
                    attachments,
                },
            )
        }
        RecordKind::Session => none(
            citizens_core::document::read::<TownHallSession>(doc)
                .map_err(refuse)?
                .id
                .uuid(),
        ),
        RecordKind::Agency => none(
            citizens_core::document::read::<Agency>(doc)
                .map_err(refuse)?
                .id
                .uuid(),
        ),
        RecordKind::Article => none(
            citizens_core::document::read::<CivicArticle>(doc)
                .map_err(refuse)?
                .id
                .uuid(),
        ),
        RecordKind::Rulebook => none(
            citizens_core::document::read::<Rulebook>(doc)
                .map_err(refuse)?
                .id,
        ),
    };
    if found != id {
        return Err(ServerError::bad(
            "invalid_record",
            "the record's id does not match its address",
        ));
    }
    Ok(scope)
}

/// Apply one record of a batch. Bytes that are not valid record data fail the whole batch
/// (4xx, nothing stored: no real laptop sends them); a record this device may not change, or
/// whose history clashes, is refused on its own and the rest of the batch goes on. Changes the
/// server already holds are accepted before anything is judged, so a laptop re-sending what it
/// already sent (after a re-enrolment, a reassignment, a bundle) is never stuck.
fn apply_push(tx: &Transaction<'_>, device: &Device, push: &Push) -> Result<Option<RefusedRecord>> {
    type Stored = (
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        Vec<u8>,
        Vec<u8>,
    );
    // A shared reference record is read as this organisation sees it: its own copy, if any.
    let stored: Option<Stored> = tx
        .query_row(
            "SELECT d.kind, d.org_id, d.creator_person, d.assignee_person, coalesce(r.snapshot, d.snapshot), d.digest
             FROM docs d LEFT JOIN org_reference r ON r.doc_id = d.id AND r.org_id = ?2 WHERE d.id = ?1",
            params![push.doc_id.to_string(), device.org_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let shared = stored.as_ref().is_some_and(|s| s.1.is_none()) && push.kind.is_reference();
    let refuse = |code: Refusal, message: &str| {
        Ok(Some(RefusedRecord {
            doc_id: push.doc_id,
            code: code.as_str().into(),
            message: message.into(),
        }))
    };
    if let Some((kind, ..)) = &stored {
        if kind != push.kind.as_str() {
            return Err(ServerError::bad(
                "invalid_record",
                format!("record is a {kind}, not a {}", push.kind.as_str()),
            ));
        }
    }
    let size: usize = push.changes.iter().map(|c| c.len()).sum();
    if size > MAX_RECORD_BYTES {
        return Err(ServerError::bad(
            "too_large",
            format!("{size} bytes for one record is more than the {MAX_RECORD_BYTES} allowed; nothing was stored"),
        ));
    }
    let changes: Vec<&[u8]> = push.changes.iter().map(|c| &c[..]).collect();
    let before = stored.as_ref().map(|s| &s.4[..]);
    let mut doc = match citizens_core::document::apply_untrusted(before, &changes) {
        Ok(doc) => doc,
        Err(citizens_core::document::Refused::Conflicting(why)) => {
            return refuse(
                Refusal::ConflictingHistory,
                &format!("{why}; nothing of this record was stored"),
            )
        }
        Err(e) => {
            return Err(ServerError::bad(
                "invalid_changes",
                format!("{e}; nothing was stored"),
            ))
        }
    };
    let heads_before = match before {
        Some(bytes) => AutoCommit::load(bytes)
            .map_err(|e| ServerError::Internal(e.to_string()))?
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
    if let Some((_, org, creator, assignee, _, _)) = &stored {
        let own = creator.as_deref() == Some(device.person_id.as_str())
            || assignee.as_deref() == Some(device.person_id.as_str());
        let same_org = org.is_none_or(|o| o == device.org_id);
        if !same_org || !(push.kind.is_reference() || coordinator || own) {
            return refuse(
                Refusal::NotYours,
                "this case is no longer yours to change (it was reassigned, or belongs to someone else)",
            );
        }
    }
    for change in &new_changes {
        let owner: Option<String> = tx
            .query_row(
                "SELECT person_id FROM devices WHERE actor = ?1",
                [change.actor_id().to_hex_string()],
                |r| r.get(0),
            )
            .optional()?
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
        if linked_out_of_scope(tx, device, sha, push.doc_id)? {
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
    let heads = heads_of(&mut doc);
    let digest = record_digest(push.doc_id, &heads);
    let (org, creator) = match &stored {
        Some((_, org, creator, _, _, _)) => (*org, creator.clone()),
        None => (Some(device.org_id), Some(device.person_id.clone())),
    };
    if shared {
        // This organisation's edit to shipped reference data: its own copy, its devices only.
        tx.execute(
            "INSERT INTO org_reference (org_id, doc_id, snapshot) VALUES (?1, ?2, ?3)
             ON CONFLICT (org_id, doc_id) DO UPDATE SET snapshot = excluded.snapshot",
            params![device.org_id, push.doc_id.to_string(), saved],
        )?;
        for change in &new_changes {
            tx.execute(
                "INSERT OR IGNORE INTO change_log (doc_id, hash, change, origin_device, org_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![push.doc_id.to_string(), change.hash().0.to_vec(), change.raw_bytes(), device.id.to_string(), device.org_id],
            )?;
        }
        return Ok(None);
    }
    tx.execute(
        "INSERT INTO docs (id, kind, org_id, creator_device, creator_person, assignee, snapshot, heads, digest, assignee_person)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                 (SELECT id FROM people WHERE org_id = ?3 AND name = ?6))
         ON CONFLICT (id) DO UPDATE SET assignee = excluded.assignee,
             assignee_person = excluded.assignee_person, snapshot = excluded.snapshot,
             heads = excluded.heads, digest = excluded.digest",
        params![
            push.doc_id.to_string(),
            push.kind.as_str(),
            org,
            device.id.to_string(),
            creator,
            scope.assignee,
            saved,
            heads.concat(),
            digest.to_vec()
        ],
    )?;
    for sha in &scope.attachments {
        tx.execute(
            "INSERT OR IGNORE INTO doc_blobs (doc_id, sha256) VALUES (?1, ?2)",
            params![push.doc_id.to_string(), sha],
        )?;
    }
    for change in &new_changes {
        tx.execute(
            "INSERT OR IGNORE INTO change_log (doc_id, hash, change, origin_device) VALUES (?1, ?2, ?3, ?4)",
            params![push.doc_id.to_string(), change.hash().0.to_vec(), change.raw_bytes(), device.id.to_string()],
        )?;
    }
    if let (Some(org), false) = (org, push.kind.is_reference()) {
        let old: Vec<u8> = tx.query_row("SELECT checksum FROM orgs WHERE id = ?1", [org], |r| {
            r.get(0)
        })?;
        let old_digest = stored.as_ref().map(|s| s.5.clone());
        let parts: Vec<[u8; 32]> = [Some(old), old_digest, Some(digest.to_vec())]
            .into_iter()
            .flatten()
            .filter_map(|v| v.try_into().ok())
            .collect();
        tx.execute(
            "UPDATE orgs SET checksum = ?1 WHERE id = ?2",
            params![collection_digest(parts.iter()).to_vec(), org],
        )?;
    }
    Ok(None)
}

/// Whether `sha` is already linked to records other than `doc`, none of which `device` sees.
fn linked_out_of_scope(
    tx: &Transaction<'_>,
    device: &Device,
    sha: &str,
    doc: Uuid,
) -> Result<bool> {
    let visible = visible();
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM doc_blobs WHERE sha256 = :sha AND doc_id != :doc)
            AND NOT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id
                            WHERE b.sha256 = :sha AND {visible})"
    );
    Ok(tx.query_row(
        &sql,
        rusqlite::named_params! {":sha": sha, ":doc": doc.to_string(), ":org": device.org_id,
        ":coordinator": device.role == Role::Coordinator, ":person": device.person_id},
        |r| r.get(0),
    )?)
}

fn pull(
    tx: &Transaction<'_>,
    device: &Device,
    since: u64,
    limits: Limits,
) -> Result<(Vec<Pulled>, u64, bool)> {
    let since = i64::try_from(since).unwrap_or(i64::MAX);
    let visible = visible();
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT c.seq, c.doc_id, d.kind, c.change FROM change_log c JOIN docs d ON d.id = c.doc_id
         WHERE c.seq > :since AND c.origin_device != :device AND {visible}
             AND (c.org_id IS NULL OR c.org_id = :org) ORDER BY c.seq"
    ))?;
    let mut rows = stmt.query(rusqlite::named_params! {
        ":since": since, ":device": device.id.to_string(), ":org": device.org_id,
        ":coordinator": device.role == Role::Coordinator, ":person": device.person_id,
    })?;
    let (mut pulls, mut bytes, mut more) = (Vec::new(), 0usize, false);
    while let Some(row) = rows.next()? {
        let change: Vec<u8> = row.get(3)?;
        if !pulls.is_empty() && bytes + change.len() > limits.page_bytes {
            more = true;
            break;
        }
        bytes += change.len();
        let seq: i64 = row.get(0)?;
        let doc_id: String = row.get(1)?;
        let kind: String = row.get(2)?;
        pulls.push(Pulled {
            seq: u64::try_from(seq).unwrap_or_default(),
            doc_id: Uuid::parse_str(&doc_id).map_err(|e| ServerError::Internal(e.to_string()))?,
            kind: RecordKind::parse(&kind).ok_or_else(|| ServerError::Internal("kind".into()))?,
            change: change.into(),
        });
    }
    let checkpoint = if more {
        pulls.last().map_or(0, |p| p.seq)
    } else {
        let top: Option<i64> = tx.query_row("SELECT max(seq) FROM change_log", [], |r| r.get(0))?;
        u64::try_from(top.unwrap_or(since).max(since)).unwrap_or_default()
    };
    Ok((pulls, checkpoint, more))
}

fn digests(tx: &Transaction<'_>, device: &Device) -> Result<Vec<(Uuid, [u8; 32])>> {
    let visible = visible();
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT d.id, d.digest FROM docs d WHERE d.kind IN ('grievance', 'session') AND {visible}"
    ))?;
    let rows = stmt
        .query_map(
            rusqlite::named_params! {":org": device.org_id,
            ":coordinator": device.role == Role::Coordinator, ":person": device.person_id},
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )?
        .filter_map(|row| {
            let (id, digest) = row.ok()?;
            Some((
                Uuid::parse_str(&id).ok()?,
                <[u8; 32]>::try_from(digest).ok()?,
            ))
        })
        .collect();
    Ok(rows)
}

fn checksum(tx: &Transaction<'_>, device: &Device) -> Result<[u8; 32]> {
    if device.role == Role::Coordinator {
        let sum: Vec<u8> = tx.query_row(
            "SELECT checksum FROM orgs WHERE id = ?1",
            [device.org_id],
            |r| r.get(0),
        )?;
        return sum
            .try_into()
            .map_err(|_| ServerError::Internal("checksum".into()));
    }
    Ok(collection_digest(
        digests(tx, device)?.iter().map(|(_, d)| d),
    ))
}

impl Storage for Sqlite {
    fn create_enrolment(&self, code: &NewCode<'_>, now: i64) -> Result<String> {
        let NewCode {
            org,
            org_public_key,
            role,
            user,
            expires_at,
        } = *code;
        self.with_tx(|tx| {
            let existing: Option<(i64, String)> = tx
                .query_row("SELECT id, public_key FROM orgs WHERE name = ?1", [org], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let (org_id, key) = match (existing, org_public_key) {
                (Some((id, stored)), None) => (id, stored),
                (Some((id, stored)), Some(key)) => {
                    if stored != key.trim() {
                        return Err(ServerError::bad("org_key_mismatch", format!("'{org}' already has a different organisation key")));
                    }
                    (id, stored)
                }
                (None, Some(key)) => {
                    OrgPublicKey::parse(key).map_err(|e| ServerError::bad("invalid_key", e.to_string()))?;
                    tx.execute("INSERT INTO orgs (name, public_key, checksum) VALUES (?1, ?2, ?3)", params![org, key.trim(), vec![0u8; 32]])?;
                    (tx.last_insert_rowid(), key.trim().to_string())
                }
                (None, None) => {
                    return Err(ServerError::bad(
                        "unknown_org",
                        format!("'{org}' is new here: give --org-public-key (a coordinator's install prints it with `citizens org key`)"),
                    ));
                }
            };
            let user = user.trim();
            if user.is_empty() || user.chars().count() > 100 {
                return Err(ServerError::bad("invalid_user", "name the person this code is for (--user), in at most 100 characters"));
            }
            tx.execute(
                "INSERT INTO people (id, org_id, name) VALUES (?1, ?2, ?3) ON CONFLICT (org_id, name) DO NOTHING",
                params![Uuid::now_v7().to_string(), org_id, user],
            )?;
            let person: String = tx.query_row("SELECT id FROM people WHERE org_id = ?1 AND name = ?2", params![org_id, user], |r| r.get(0))?;
            // Cases already assigned to this name are now this person's.
            tx.execute(
                "UPDATE docs SET assignee_person = ?1 WHERE org_id = ?2 AND assignee = ?3 AND assignee_person IS NULL",
                params![person, org_id, user],
            )?;
            let secret = random_code(&mut rand::rngs::OsRng, CODE_SECRET_CHARS);
            tx.execute(
                "INSERT INTO enrolment_codes (code_hash, org_id, role, expires_at, created_at, person_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![hash(&secret), org_id, role.as_str(), expires_at, now, person],
            )?;
            Ok(EnrolmentCode { secret, fingerprint: key_fingerprint(&key) }.to_string())
        })
    }

    fn enroll(&self, request: &Enrolment<'_>, now: i64, limits: Limits) -> Result<EnrollResponse> {
        let code_hash = hash(request.code);
        let secret_hash = hash(request.device_secret);
        self.with_tx(|tx| {
            type Found = (i64, String, i64, Option<i64>, String, String, Option<String>, Option<String>);
            let found: Option<Found> = tx
                .query_row(
                    "SELECT c.org_id, c.role, c.expires_at, c.used_at, o.name, o.public_key, c.person_id, p.name
                     FROM enrolment_codes c JOIN orgs o ON o.id = c.org_id LEFT JOIN people p ON p.id = c.person_id
                     WHERE c.code_hash = ?1",
                    [&code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
                )
                .optional()?;
            let refused = |why: &str| ServerError::unauthorized("invalid_code", format!("this enrolment code {why}; ask your coordinator for a new one"));
            let (org_id, role, expires_at, used_at, organisation, org_public_key, person, user) = found.ok_or_else(|| refused("is not known"))?;
            let (Some(person_id), Some(user)) = (person, user) else {
                return Err(refused("names no person (it was made before codes named one)"));
            };
            let role = Role::parse(&role).ok_or_else(|| ServerError::Internal("role".into()))?;
            let answer = |device_id: Uuid, device_code: String| -> Result<EnrollResponse> {
                Ok(EnrollResponse {
                    device_id,
                    role,
                    organisation: organisation.clone(),
                    user: user.clone(),
                    person_id: Uuid::parse_str(&person_id).map_err(|e| ServerError::Internal(e.to_string()))?,
                    org_public_key: org_public_key.clone(),
                    device_code,
                    token: issue(tx, device_id, now, limits)?,
                })
            };
            if used_at.is_some() {
                // The same laptop again after a lost answer: the same device, a new token.
                let again: Option<(String, String)> = tx
                    .query_row(
                        "SELECT id, device_code FROM devices WHERE code_hash = ?1 AND actor = ?2 AND secret_hash = ?3 AND revoked_at IS NULL",
                        params![code_hash, request.actor, secret_hash],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                return match again {
                    Some((id, code)) => answer(Uuid::parse_str(&id).map_err(|e| ServerError::Internal(e.to_string()))?, code),
                    None => Err(refused("was already used")),
                };
            }
            if expires_at < now {
                return Err(refused("has expired"));
            }
            let taken: bool = tx.query_row("SELECT count(*) > 0 FROM devices WHERE actor = ?1", [request.actor], |r| r.get(0))?;
            if taken {
                return Err(ServerError::bad("actor_taken", "this laptop's writer id is already in use; enrol again"));
            }
            tx.execute("UPDATE enrolment_codes SET used_at = ?1 WHERE code_hash = ?2", params![now, code_hash])?;
            let device_id = Uuid::now_v7();
            let device_code = loop {
                let candidate = random_code(&mut rand::rngs::OsRng, 3);
                let taken: bool = tx.query_row("SELECT count(*) > 0 FROM devices WHERE device_code = ?1", [&candidate], |r| r.get(0))?;
                if !taken {
                    break candidate;
                }
            };
            tx.execute(
                "INSERT INTO devices (id, org_id, role, user, name, device_code, secret_hash, created_at, person_id, actor, code_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![device_id.to_string(), org_id, role.as_str(), user, request.device_name, device_code, secret_hash, now, person_id, request.actor, code_hash],
            )?;
            answer(device_id, device_code)
        })
    }

    fn issue_token(
        &self,
        device_id: Uuid,
        secret: &str,
        now: i64,
        limits: Limits,
    ) -> Result<TokenResponse> {
        self.with_tx(|tx| {
            let found: Option<(Vec<u8>, Option<i64>)> = tx
                .query_row(
                    "SELECT secret_hash, revoked_at FROM devices WHERE id = ?1",
                    [device_id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match found {
                Some((_, Some(_))) => Err(ServerError::unauthorized(
                    "revoked",
                    "this device was revoked; ask your coordinator",
                )),
                Some((stored, None)) if stored == hash(secret) => issue(tx, device_id, now, limits),
                _ => Err(ServerError::unauthorized(
                    "invalid_credential",
                    "this device is not enrolled here; enrol it again",
                )),
            }
        })
    }

    fn authenticate(&self, token: &str, now: i64) -> Result<Device> {
        self.with_tx(|tx| {
            type Found = (String, i64, String, String, i64, Option<i64>);
            let found: Option<Found> = tx
                .query_row(
                    "SELECT d.id, d.org_id, d.role, d.person_id, t.expires_at, d.revoked_at
                     FROM tokens t JOIN devices d ON d.id = t.device_id
                     WHERE t.hash = ?1 AND d.person_id IS NOT NULL",
                    [hash(token)],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    },
                )
                .optional()?;
            let (id, org_id, role, person_id, expires_at, revoked_at) = found.ok_or_else(|| {
                ServerError::unauthorized("invalid_token", "unknown access token; sign in again")
            })?;
            if revoked_at.is_some() {
                return Err(ServerError::unauthorized(
                    "revoked",
                    "this device was revoked; ask your coordinator",
                ));
            }
            if expires_at < now {
                return Err(ServerError::unauthorized(
                    "expired_token",
                    "the access token expired; get a new one",
                ));
            }
            tx.execute(
                "UPDATE devices SET last_seen = ?1 WHERE id = ?2",
                params![now, id],
            )?;
            Ok(Device {
                id: Uuid::parse_str(&id).map_err(|e| ServerError::Internal(e.to_string()))?,
                org_id,
                role: Role::parse(&role).ok_or_else(|| ServerError::Internal("role".into()))?,
                person_id,
            })
        })
    }

    fn sync(
        &self,
        device: &Device,
        request: &SyncRequest,
        now: i64,
        limits: Limits,
    ) -> Result<SyncResponse> {
        self.with_tx(|tx| {
            let replay: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT response FROM batches WHERE device_id = ?1 AND batch_id = ?2",
                    params![device.id.to_string(), request.batch_id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(stored) = replay {
                return decode(&stored)
                    .ok_or_else(|| ServerError::Internal("stored answer".into()));
            }
            tx.execute(
                "DELETE FROM batches WHERE at < ?1",
                [now - BATCH_RETENTION_MS],
            )?;
            let mut refused = Vec::new();
            for push in &request.pushes {
                refused.extend(apply_push(tx, device, push)?);
            }
            let (pulls, checkpoint, more) = pull(tx, device, request.since, limits)?;
            let response = SyncResponse {
                version: PROTOCOL_VERSION,
                checkpoint,
                pulls,
                more,
                checksum: checksum(tx, device)?.to_vec().into(),
                refused,
            };
            // Only a batch that changed something needs its answer kept for a replay: a pull
            // repeated is simply answered afresh.
            if !request.pushes.is_empty() {
                tx.execute(
                    "INSERT INTO batches (device_id, batch_id, response, at) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        device.id.to_string(),
                        request.batch_id.to_string(),
                        encode(&response),
                        now
                    ],
                )?;
            }
            Ok(response)
        })
    }

    fn fetch(&self, device: &Device, ids: &[Uuid]) -> Result<Vec<Push>> {
        self.with_tx(|tx| {
            let visible = visible();
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT d.kind, coalesce(r.snapshot, d.snapshot) FROM docs d
                 LEFT JOIN org_reference r ON r.doc_id = d.id AND r.org_id = :org
                 WHERE d.id = :id AND {visible}"
            ))?;
            let mut out = Vec::new();
            for id in ids {
                let found: Option<(String, Vec<u8>)> = stmt
                    .query_row(
                        rusqlite::named_params! {":id": id.to_string(), ":org": device.org_id,
                            ":coordinator": device.role == Role::Coordinator, ":person": device.person_id},
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                if let Some((kind, snapshot)) = found {
                    let kind = RecordKind::parse(&kind).ok_or_else(|| ServerError::Internal("kind".into()))?;
                    out.push(Push { doc_id: *id, kind, changes: vec![snapshot.into()] });
                }
            }
            Ok(out)
        })
    }

    fn may_read_blob(&self, device: &Device, sha: &str) -> Result<bool> {
        self.with_tx(|tx| {
            let visible = visible();
            let sql = format!(
                "SELECT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id WHERE b.sha256 = :sha AND {visible})"
            );
            Ok(tx.query_row(
                &sql,
                rusqlite::named_params! {":sha": sha, ":org": device.org_id,
                    ":coordinator": device.role == Role::Coordinator, ":person": device.person_id},
                |r| r.get(0),
            )?)
        })
    }

    fn blob_referenced(&self, sha: &str) -> Result<bool> {
        self.with_tx(|tx| {
            Ok(tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM doc_blobs WHERE sha256 = ?1)",
                [sha],
                |r| r.get(0),
            )?)
        })
    }

    fn digests(&self, device: &Device) -> Result<Vec<(Uuid, [u8; 32])>> {
        self.with_tx(|tx| digests(tx, device))
    }

    fn devices(&self) -> Result<Vec<DeviceRow>> {
        self.with_tx(|tx| {
            let mut stmt = tx.prepare(
                "SELECT d.id, o.name, d.role, coalesce(p.name, d.user), d.name, d.device_code, d.last_seen, d.revoked_at
                 FROM devices d JOIN orgs o ON o.id = d.org_id LEFT JOIN people p ON p.id = d.person_id
                 ORDER BY d.created_at",
            )?;
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
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn revoke(&self, device_id: Uuid, now: i64) -> Result<bool> {
        self.with_tx(|tx| {
            let changed = tx.execute(
                "UPDATE devices SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![now, device_id.to_string()],
            )?;
            tx.execute(
                "DELETE FROM tokens WHERE device_id = ?1",
                [device_id.to_string()],
            )?;
            Ok(changed > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10 (8): a panic inside one request rolls its transaction back and leaves the
    /// storage serving every later request (it used to answer 500 until restarted).
    #[test]
    fn a_panic_inside_a_request_does_not_take_the_storage_down() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Sqlite::open(dir.path()).expect("open");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = storage.with_tx(|tx| {
                tx.execute("DELETE FROM docs", [])?;
                panic!("a bug in one request");
                #[allow(unreachable_code)]
                Ok(())
            });
        }));
        assert!(panicked.is_err());
        let docs: i64 = storage
            .with_tx(|tx| Ok(tx.query_row("SELECT count(*) FROM docs", [], |r| r.get(0))?))
            .expect("the next request is served");
        assert!(docs > 0, "the panicking request's delete was rolled back");
    }
}
