//! The sync server's rules, with no IO of its own: who may enrol and with what, which records a
//! device sees and may change, how a batch is applied and a repeated one answered, the
//! checkpoint and the checksums, and every secret and code made. Storage is a narrow
//! [`Persistence`] trait (SQLite and PostgreSQL implement it in `citizens-server`); time and
//! randomness are handed in, so a test can run the whole server deterministically.

pub mod desk;
mod enrolment;
mod error;
pub mod figures;
pub mod intake;
#[cfg(test)]
mod memory;
pub mod open311;
pub mod persistence;
mod records;
pub mod updates;
pub mod webhooks;

use std::sync::{Arc, Mutex};

use citizens_core::clock::Clock;
use citizens_protocol::{BucketsRequest, BucketsResponse, ErrorCode, Push, Role, PROTOCOL_VERSION};
use uuid::Uuid;

pub use enrolment::NewCode;
pub use error::{Error, Result};
use persistence::{transaction, Viewer};
pub use persistence::{DeviceRow, Mode, Persistence, Tx};

/// An authenticated device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Id.
    pub id: Uuid,
    /// Organisation.
    pub org_id: i64,
    /// Role.
    pub role: Role,
    /// The person it belongs to: the coordinator named them on its enrolment code. Owner of
    /// the records it created; cases assigned to that person's name are theirs.
    pub person_id: String,
}

impl Device {
    fn viewer(&self) -> Viewer {
        Viewer {
            org_id: self.org_id,
            person_id: self.person_id.clone(),
            everyone: self.role == Role::Coordinator,
        }
    }
}

/// Settings of the rules.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Access-token lifetime in seconds.
    pub token_ttl_secs: u64,
    /// Target size of one page of pulled changes.
    pub page_bytes: usize,
    /// Enrolment attempts allowed per client address per minute.
    pub enrol_attempts_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            token_ttl_secs: 900,
            page_bytes: 256 * 1024,
            enrol_attempts_per_minute: 10,
        }
    }
}

/// Randomness for secrets, codes and ids.
pub type SharedRng = Mutex<Box<dyn rand_core::RngCore + Send>>;

/// The server's rules over a database.
pub struct Core {
    db: Arc<dyn Persistence>,
    clock: Arc<dyn Clock>,
    rng: SharedRng,
    limits: Limits,
    /// The server's own secret (keys its form tokens, receipt PINs and sender hashes), made
    /// once and kept in the database, so every instance has the same.
    secret: [u8; 32],
    /// Where the public face files reports (none: it takes none).
    public: Option<intake::Public>,
    /// The directory as the public pages last read it.
    directory: Cached<intake::Directory>,
    /// Copies of shipped records that could not take this release's shipped data.
    seed_kept: Vec<(Option<i64>, Uuid)>,
    /// The published figures as the public pages last read them.
    figures: Cached<figures::Current>,
}

/// A value the public pages read from the database at most once in a while, and when (ms).
struct Cached<T>(Mutex<Option<(i64, T)>>);

impl<T: Clone> Cached<T> {
    fn new() -> Self {
        Cached(Mutex::new(None))
    }

    /// The value read at most `for_ms` before `now`, else `read` again.
    fn get(&self, now: i64, for_ms: i64, read: impl FnOnce() -> Result<T>) -> Result<T> {
        let kept = self.lock().clone();
        if let Some((at, value)) = kept {
            if now - at < for_ms {
                return Ok(value);
            }
        }
        let value = read()?;
        *self.lock() = Some((now, value.clone()));
        Ok(value)
    }

    /// Read it again next time.
    fn forget(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(i64, T)>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("db", &self.db)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Rows as CSV, every cell a spreadsheet would run as a formula written as text.
pub(crate) fn inert_csv(rows: &[Vec<String>]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in rows {
        let row = row
            .iter()
            .map(|v| citizens_core::spreadsheet::inert(v).into_owned());
        // Writing to memory cannot fail.
        let _ = out.write_record(row);
    }
    out.into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

/// Most records one fetch may ask for.
pub const MAX_FETCH: usize = 1_000;

impl Core {
    /// The rules over `db` (shipped reference data is stored on first use), reading time from
    /// `clock` and drawing secrets from `rng` (the operating system's in production).
    pub fn new(
        db: Arc<dyn Persistence>,
        clock: Arc<dyn Clock>,
        rng: Box<dyn rand_core::RngCore + Send>,
        limits: Limits,
    ) -> Result<Core> {
        let mut rng = rng;
        let mut candidate = [0u8; 32];
        rng.fill_bytes(&mut candidate);
        let seed_kept = records::seed(db.as_ref())?;
        let secret = transaction(db.as_ref(), Mode::Write, |tx| tx.site_secret(&candidate))?
            .try_into()
            .map_err(|_| Error::internal("the stored site secret is not 32 bytes"))?;
        let core = Core {
            db,
            clock,
            rng: Mutex::new(rng),
            limits,
            secret,
            public: None,
            directory: Cached::new(),
            figures: Cached::new(),
            seed_kept,
        };
        core.note_forwarded_cases()?;
        Ok(core)
    }

    /// The stored copies of shipped records that could not take this release's shipped data
    /// when the server started, `(organisation, record)` (the shared copy: no organisation).
    pub fn shipped_data_kept_back(&self) -> &[(Option<i64>, Uuid)] {
        &self.seed_kept
    }

    /// These rules, taking reports from the public for `public`'s organisation.
    pub fn with_public(mut self, public: intake::Public) -> Core {
        self.public = Some(public);
        self
    }

    /// The settings.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn now(&self) -> i64 {
        self.clock.now().millis()
    }

    fn write<T>(&self, f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        transaction(self.db.as_ref(), Mode::Write, f)
    }

    /// Fill `bytes` from the injected randomness.
    fn random(&self, bytes: &mut [u8]) {
        self.rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .fill_bytes(bytes);
    }

    /// A fresh random id.
    fn new_id(&self) -> Uuid {
        let mut bytes = [0u8; 16];
        self.random(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// `version` is the protocol this server speaks, or a clear refusal naming who must update.
    pub fn check_version(version: u32) -> Result<()> {
        if version == PROTOCOL_VERSION {
            Ok(())
        } else if version > PROTOCOL_VERSION {
            Err(Error::refused(
                ErrorCode::UnsupportedVersion,
                format!("this laptop speaks sync protocol {version} but the server only knows {PROTOCOL_VERSION}: the server needs updating"),
            ))
        } else {
            Err(Error::refused(
                ErrorCode::UnsupportedVersion,
                format!("this laptop speaks the old sync protocol {version}; the server needs {PROTOCOL_VERSION}: update the app"),
            ))
        }
    }

    /// Whole documents the device may see, for recovery (ids repeated are answered once).
    pub fn fetch(&self, device: &Device, ids: &[Uuid]) -> Result<Vec<Push>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > MAX_FETCH {
            return Err(Error::refused(
                ErrorCode::TooMany,
                "ask for at most 1,000 records at a time",
            ));
        }
        let viewer = device.viewer();
        self.write(|tx| {
            let mut out = Vec::new();
            for id in &ids {
                if let Some((kind, snapshot)) = tx.visible_record(&viewer, *id)? {
                    out.push(Push {
                        doc_id: *id,
                        kind: records::kind(&kind)?,
                        changes: vec![snapshot.into()],
                    });
                }
            }
            Ok(out)
        })
    }

    /// The 64-bucket summary of what the device sees, or the records of the buckets asked for.
    pub fn buckets(&self, device: &Device, request: &BucketsRequest) -> Result<BucketsResponse> {
        Self::check_version(request.version)?;
        let viewer = device.viewer();
        let records = self.write(|tx| records::digests(tx, &viewer))?;
        Ok(if request.buckets.is_empty() {
            BucketsResponse {
                summary: citizens_protocol::bucket_summary(&records)
                    .into_iter()
                    .map(|d| d.to_vec().into())
                    .collect(),
                records: Vec::new(),
            }
        } else {
            BucketsResponse {
                summary: Vec::new(),
                records: records
                    .into_iter()
                    .filter(|(id, _)| {
                        request
                            .buckets
                            .contains(&(citizens_protocol::bucket_of(*id) as u8))
                    })
                    .map(|(id, d)| (id, d.to_vec().into()))
                    .collect(),
            }
        })
    }

    /// Whether the device sees a record that references this attachment.
    pub fn may_read_blob(&self, device: &Device, sha: &str) -> Result<bool> {
        let viewer = device.viewer();
        self.write(|tx| tx.blob_visible(&viewer, sha))
    }

    /// Whether a record of organisation `org_id` references this attachment.
    pub fn blob_referenced(&self, org_id: i64, sha: &str) -> Result<bool> {
        self.write(|tx| tx.blob_linked(org_id, sha, None))
    }

    /// The organisations whose records reference this attachment.
    pub fn blob_orgs(&self, sha: &str) -> Result<Vec<i64>> {
        self.write(|tx| tx.blob_orgs(sha))
    }

    /// Every device.
    pub fn devices(&self) -> Result<Vec<DeviceRow>> {
        self.write(|tx| tx.devices())
    }

    /// Revoke a device: refused from its very next request. Whether it was active.
    pub fn revoke(&self, device_id: Uuid) -> Result<bool> {
        let now = self.now();
        self.write(|tx| tx.revoke_device(device_id, now))
    }
}
