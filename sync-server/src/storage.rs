//! Storage behind the server: a trait, so a PostgreSQL backend can follow the embedded SQLite one.

use citizens_protocol::{EnrollResponse, Push, Role, SyncRequest, SyncResponse, TokenResponse};
use uuid::Uuid;

use crate::error::Result;

pub mod sqlite;

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

/// A checked enrolment request.
#[derive(Debug, Clone, Copy)]
pub struct Enrolment<'a> {
    /// The code's one-time secret.
    pub code: &'a str,
    /// The device's name.
    pub device_name: &'a str,
    /// The Automerge actor (hex, lower case) the device writes with from now on.
    pub actor: &'a str,
    /// The device credential the device made.
    pub device_secret: &'a str,
}

/// What `citizens-server enroll` asks for.
#[derive(Debug, Clone, Copy)]
pub struct NewCode<'a> {
    /// Organisation name.
    pub org: &'a str,
    /// Its public key (needed the first time it is named).
    pub org_public_key: Option<&'a str>,
    /// Role granted.
    pub role: Role,
    /// The person the device will belong to.
    pub user: &'a str,
    /// Until when the code works (ms).
    pub expires_at: i64,
}

/// A line of `citizens-server devices list`.
#[derive(Debug, Clone, serde::Serialize)]
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

/// Settings the storage needs per call.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Access-token lifetime in seconds.
    pub token_ttl_secs: u64,
    /// Target size of one page of pulled changes.
    pub page_bytes: usize,
}

/// Everything the server stores.
pub trait Storage: Send + Sync + 'static {
    /// Make a one-time enrolment code for a person (creating the organisation and the person
    /// on first use); it carries the organisation key's fingerprint.
    fn create_enrolment(&self, code: &NewCode<'_>, now: i64) -> Result<String>;
    /// Exchange a code's secret for a device bound to the code's person. The same request
    /// again (same code, actor and device secret) answers with the same device.
    fn enroll(&self, request: &Enrolment<'_>, now: i64, limits: Limits) -> Result<EnrollResponse>;
    /// Exchange a device credential for an access token.
    fn issue_token(
        &self,
        device_id: Uuid,
        secret: &str,
        now: i64,
        limits: Limits,
    ) -> Result<TokenResponse>;
    /// Check a bearer token (and that its device is not revoked).
    fn authenticate(&self, token: &str, now: i64) -> Result<Device>;
    /// Apply a batch and answer it (or replay the stored answer).
    fn sync(
        &self,
        device: &Device,
        request: &SyncRequest,
        now: i64,
        limits: Limits,
    ) -> Result<SyncResponse>;
    /// Whole documents the device may see, for recovery.
    fn fetch(&self, device: &Device, ids: &[Uuid]) -> Result<Vec<Push>>;
    /// Whether the device sees a record that references this attachment.
    fn may_read_blob(&self, device: &Device, sha: &str) -> Result<bool>;
    /// Whether any record references this attachment.
    fn blob_referenced(&self, sha: &str) -> Result<bool>;
    /// `(id, digest)` of every case and session the device may see.
    fn digests(&self, device: &Device) -> Result<Vec<(Uuid, [u8; 32])>>;
    /// Every device.
    fn devices(&self) -> Result<Vec<DeviceRow>>;
    /// Revoke a device: refused from its very next request.
    fn revoke(&self, device_id: Uuid, now: i64) -> Result<bool>;
}
