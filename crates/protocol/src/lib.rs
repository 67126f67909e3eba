//! Wire types shared by devices and the sync server (protocol v1), encoded as CBOR.
//!
//! One round trip in the normal case: a device sends its local changes (`pushes`) with the
//! server checkpoint it holds (`since`); the server applies them in one transaction, answers
//! with the change-log entries the device may see after `since`, and a new checkpoint. The
//! device commits what it pulled and only then moves its checkpoint. A replayed `batch_id`
//! gets the stored answer, so retries never apply anything twice.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub mod thin;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest change data accepted for one record, by laptops and the server alike.
pub const MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;

/// Most changes in one sync batch (laptops build batches under it; the server refuses more).
pub const MAX_BATCH_CHANGES: usize = 5_000;

/// Where a coordinator's laptop publishes the organisation's public figures (a CBOR
/// `citizens_core::figures::PublicFigures`; the answer is [`FiguresTaken`]).
pub const FIGURES_PATH: &str = "/v1/figures";

/// The server took the public figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiguresTaken {
    /// The day they were counted, as published.
    pub as_of: String,
}

/// Content type of every request and response body.
pub const CONTENT_TYPE: &str = "application/cbor";

/// The kinds of record that travel as Automerge documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A grievance (case).
    Grievance,
    /// A town-hall session.
    Session,
    /// An agency in the directory (reference data).
    Agency,
    /// A civic-information article (reference data).
    Article,
    /// The organisation's routing rules and public holidays (reference data).
    Rulebook,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Grievance,
        RecordKind::Session,
        RecordKind::Agency,
        RecordKind::Article,
        RecordKind::Rulebook,
    ];

    /// The stored word.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordKind::Grievance => "grievance",
            RecordKind::Session => "session",
            RecordKind::Agency => "agency",
            RecordKind::Article => "article",
            RecordKind::Rulebook => "rulebook",
        }
    }

    /// Parse the stored word.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Reference data every device receives, whatever its role.
    pub const fn is_reference(self) -> bool {
        matches!(
            self,
            RecordKind::Agency | RecordKind::Article | RecordKind::Rulebook
        )
    }
}

/// A document's changes on their way to another replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    /// The record's id.
    pub doc_id: Uuid,
    /// Its kind.
    pub kind: RecordKind,
    /// Raw Automerge change bytes (or a saved document), in causal order; on the way up a
    /// change may be thin (its dependencies cut to prefixes, see [`thin`]).
    pub changes: Vec<ByteBuf>,
}

/// Bytes that encode as a CBOR byte string (not an array of numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ByteBuf(#[serde(with = "serde_bytes")] pub Vec<u8>);

impl std::ops::Deref for ByteBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for ByteBuf {
    fn from(bytes: Vec<u8>) -> Self {
        ByteBuf(bytes)
    }
}

/// Roles a device can be enrolled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Captures and works its own or assigned cases.
    Volunteer,
    /// Sees and works everything in the organisation.
    Coordinator,
}

impl Role {
    /// The word.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::Coordinator => "coordinator",
        }
    }

    /// Parse the word.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "volunteer" => Some(Role::Volunteer),
            "coordinator" => Some(Role::Coordinator),
            _ => None,
        }
    }
}

/// Crockford base-32, the alphabet of enrolment codes and device codes.
pub const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters of the one-time secret in an enrolment code (60 bits).
pub const CODE_SECRET_CHARS: usize = 12;
/// Characters of the organisation-key fingerprint in an enrolment code (80 bits: finding
/// another key with the same fingerprint is out of reach).
pub const CODE_FINGERPRINT_CHARS: usize = 16;

/// The fingerprint of an organisation public key (its base64 text): the first 80 bits of its
/// SHA-256, in Crockford base 32.
pub fn key_fingerprint(org_public_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(org_public_key.trim().as_bytes());
    let bits = digest[..10]
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    (0..CODE_FINGERPRINT_CHARS)
        .rev()
        .map(|i| char::from(CODE_ALPHABET[((bits >> (5 * i)) & 31) as usize]))
        .collect()
}

/// An enrolment code as a coordinator hands it out: the one-time secret the server checks,
/// then the fingerprint of the organisation key the laptop checks, so a server (or anyone on
/// the path) that answers with another key is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentCode {
    /// The one-time secret (what the server knows a hash of).
    pub secret: String,
    /// [`key_fingerprint`] of the organisation's public key.
    pub fingerprint: String,
}

impl EnrolmentCode {
    /// Whether `secret` has the shape of a code's one-time secret (what a laptop sends).
    pub fn is_secret(secret: &str) -> bool {
        secret.len() == CODE_SECRET_CHARS && secret.bytes().all(|b| CODE_ALPHABET.contains(&b))
    }

    /// Read a typed code: groups, spaces and case do not matter; `O` reads as `0` and `I`/`L`
    /// as `1`, as Crockford base 32 allows.
    pub fn parse(text: &str) -> Option<EnrolmentCode> {
        let chars: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        // Only ASCII letters and digits are kept, so splitting by bytes is safe.
        if chars.len() != CODE_SECRET_CHARS + CODE_FINGERPRINT_CHARS {
            return None;
        }
        let (secret, fingerprint) = chars.split_at(CODE_SECRET_CHARS);
        if !EnrolmentCode::is_secret(secret)
            || !fingerprint.bytes().all(|b| CODE_ALPHABET.contains(&b))
        {
            return None;
        }
        Some(EnrolmentCode {
            secret: secret.to_string(),
            fingerprint: fingerprint.to_string(),
        })
    }
}

impl std::fmt::Display for EnrolmentCode {
    /// Groups of four: `ABCD-EFGH-JKMN-…`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let all = format!("{}{}", self.secret, self.fingerprint);
        let groups: Vec<&str> = (0..all.len())
            .step_by(4)
            .map(|i| &all[i..(i + 4).min(all.len())])
            .collect();
        f.write_str(&groups.join("-"))
    }
}

/// `POST /v1/enroll`: exchange a one-time code for a device credential. The person the device
/// belongs to is the one the coordinator named when making the code; the device cannot choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// Protocol version of the device.
    pub version: u32,
    /// The one-time secret of the code (never its fingerprint part).
    pub code: String,
    /// The device's name.
    pub device_name: String,
    /// The Automerge actor id (hex) this device writes with from now on; the server refuses
    /// new changes under it from any other person's device.
    pub actor: String,
    /// The long-lived device credential, made by the device (the server keeps only its hash).
    /// Sending the same code, actor and secret again after a lost answer gets the same device.
    pub device_secret: String,
}

/// The answer to an enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// Server-assigned device id.
    pub device_id: Uuid,
    /// Role granted.
    pub role: Role,
    /// Organisation name.
    pub organisation: String,
    /// The person this device belongs to, as the coordinator named them.
    pub user: String,
    /// That person's id on the server (ownership of records follows it across devices).
    pub person_id: Uuid,
    /// Organisation public key (base64) that reporter identities are sealed to.
    pub org_public_key: String,
    /// Unique device code for reference numbers.
    pub device_code: String,
    /// A first access token.
    pub token: TokenResponse,
}

/// `POST /v1/token`: a device credential for a short-lived access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    /// Protocol version.
    pub version: u32,
    /// Device id.
    pub device_id: Uuid,
    /// Device credential.
    pub device_secret: String,
}

/// An access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Bearer token.
    pub access_token: String,
    /// Seconds it stays valid.
    pub expires_in: u64,
}

/// `POST /v1/sync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// Protocol version of the device.
    pub version: u32,
    /// Idempotency key (UUIDv7); a replay gets the stored answer.
    pub batch_id: Uuid,
    /// The server checkpoint the device holds (0 at first).
    pub since: u64,
    /// Local changes.
    pub pushes: Vec<Push>,
}

/// A change-log entry pulled by a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pulled {
    /// Sequence number in the server's change log.
    pub seq: u64,
    /// Document.
    pub doc_id: Uuid,
    /// Kind.
    pub kind: RecordKind,
    /// Raw Automerge change.
    pub change: ByteBuf,
}

/// The answer to a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// Protocol version of the server.
    pub version: u32,
    /// The checkpoint to hold once the pulled changes are committed.
    pub checkpoint: u64,
    /// Changes the device may see, after `since`, up to `checkpoint`.
    pub pulls: Vec<Pulled>,
    /// More pulls wait: sync again with the new checkpoint.
    pub more: bool,
    /// Digest of (doc id, heads) of every record the device may see (see [`collection_digest`]).
    pub checksum: ByteBuf,
    /// Records of the batch the server refused (nothing of them was stored); the rest of the
    /// batch was applied.
    #[serde(default)]
    pub refused: Vec<RefusedRecord>,
    /// Records of the batch this device may no longer see (reassigned to someone else): the
    /// server holds every change of them the device sent, so the device removes its copy
    /// (keeping it while anything of it still waits to be sent).
    #[serde(default)]
    pub out_of_scope: Vec<Uuid>,
}

/// Why the server would not take one record of a batch. On the wire it is the word
/// ([`Refusal::as_str`]), so a laptop meeting a word it does not know still reads the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not this person's to change (reassigned, or someone else's).
    NotYours,
    /// Only coordinators change reference data.
    ReferenceData,
    /// Written under another person's device's writer id.
    ActorTaken,
    /// Clashes with changes the server already has.
    ConflictingHistory,
    /// Larger than a record may be.
    TooLarge,
    /// Names an attachment of a record this device cannot see.
    AttachmentNotYours,
    /// Builds on shipped reference data of a newer release than the server runs.
    NewerRelease,
    /// Writes text holding a control character (ESC, a lone carriage return…).
    ControlCharacters,
}

impl Refusal {
    /// Every reason (the window has words for each).
    pub const ALL: &'static [Refusal] = &[
        Refusal::NotYours,
        Refusal::ReferenceData,
        Refusal::ActorTaken,
        Refusal::ConflictingHistory,
        Refusal::TooLarge,
        Refusal::AttachmentNotYours,
        Refusal::NewerRelease,
        Refusal::ControlCharacters,
    ];

    /// The word on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Refusal::NotYours => "not_yours",
            Refusal::ReferenceData => "reference_data",
            Refusal::ActorTaken => "actor_taken",
            Refusal::ConflictingHistory => "conflicting_history",
            Refusal::TooLarge => "too_large",
            Refusal::AttachmentNotYours => "attachment_not_yours",
            Refusal::NewerRelease => "newer_release",
            Refusal::ControlCharacters => "control_characters",
        }
    }
}

/// A record of a batch the server would not take, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedRecord {
    /// The record.
    pub doc_id: Uuid,
    /// Machine-readable reason: a [`Refusal`] word.
    pub code: String,
    /// Plain words.
    pub message: String,
}

/// An error body: a code the device switches on and words for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `revoked`, `unsupported_version`.
    pub code: ErrorCode,
    /// Plain words.
    pub message: String,
}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $name:ident = $word:literal, $status:literal;)*) => {
        /// Why the server refused a request: one list for the server that answers and the laptop
        /// that switches on it. On the wire it is the word; a word this side does not know
        /// reads as [`ErrorCode::Other`] (a newer server's reason still shows its message).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "&'static str")]
        pub enum ErrorCode {
            $($(#[$doc])* $name,)*
            /// A word this version does not know.
            Other,
        }

        impl ErrorCode {
            /// Every known code.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name),*];

            /// The word on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $word,)*
                    ErrorCode::Other => "other",
                }
            }

            /// The HTTP status the server answers this code with.
            pub const fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$name => $status,)*
                    ErrorCode::Other => 400,
                }
            }

            /// The code for a word (unknown words are [`ErrorCode::Other`]).
            pub fn parse(word: &str) -> ErrorCode {
                match word {
                    $($word => ErrorCode::$name,)*
                    _ => ErrorCode::Other,
                }
            }
        }
    };
}

error_codes! {
    /// The body is not `application/cbor`.
    WrongContentType = "wrong_content_type", 400;
    /// The body is not a valid message.
    MalformedBody = "malformed_body", 400;
    /// The laptop and server speak different protocol versions.
    UnsupportedVersion = "unsupported_version", 400;
    /// A field of the request is not valid.
    InvalidRequest = "invalid_request", 400;
    /// The enrolment code is unknown, used or expired.
    InvalidCode = "invalid_code", 401;
    /// The organisation key given is not a key.
    InvalidKey = "invalid_key", 400;
    /// The person named on a code is not a valid name.
    InvalidUser = "invalid_user", 400;
    /// The organisation is new and no key was given.
    UnknownOrg = "unknown_org", 400;
    /// The organisation already has a different key (or the code's fingerprint differs).
    OrgKeyMismatch = "org_key_mismatch", 400;
    /// The device's writer id is used by another device.
    ActorTaken = "actor_taken", 400;
    /// No access token was sent.
    MissingToken = "missing_token", 401;
    /// The access token is not known.
    InvalidToken = "invalid_token", 401;
    /// The access token expired.
    ExpiredToken = "expired_token", 401;
    /// The device credential is not known.
    InvalidCredential = "invalid_credential", 401;
    /// The device was revoked.
    Revoked = "revoked", 401;
    /// Bytes that are not valid Automerge changes.
    InvalidChanges = "invalid_changes", 400;
    /// A thin change names a change the server does not hold: send the batch again whole.
    UnknownDependency = "unknown_dependency", 400;
    /// A record that is not valid data of its kind.
    InvalidRecord = "invalid_record", 400;
    /// More bytes than allowed.
    TooLarge = "too_large", 400;
    /// More items than allowed in one request.
    TooMany = "too_many", 400;
    /// An attachment name that is not a SHA-256.
    InvalidDigest = "invalid_digest", 400;
    /// An attachment chunk that does not fit.
    InvalidChunk = "invalid_chunk", 400;
    /// An attachment whose bytes do not match its name.
    DigestMismatch = "digest_mismatch", 400;
    /// Authenticated but not allowed.
    Forbidden = "forbidden", 403;
    /// Too many attempts from one place.
    RateLimited = "rate_limited", 429;
    /// A public form that did not come from our page, or was open too long.
    FormRefused = "form_refused", 400;
    /// A public form sent sooner than a person could have filled it.
    TooFast = "too_fast", 400;
    /// The server had a problem (nothing was lost).
    ServerError = "server_error", 500;
    /// The server is overloaded or its database is unreachable for a moment.
    Unavailable = "unavailable", 503;
}

impl From<String> for ErrorCode {
    fn from(word: String) -> ErrorCode {
        ErrorCode::parse(&word)
    }
}

impl From<ErrorCode> for &'static str {
    fn from(code: ErrorCode) -> &'static str {
        code.as_str()
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One record's contribution to the collection checksum: SHA-256 over its id and sorted heads.
pub fn record_digest(doc_id: Uuid, heads: &[[u8; 32]]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut sorted = heads.to_vec();
    sorted.sort();
    let mut hasher = Sha256::new();
    hasher.update(doc_id.as_bytes());
    for head in sorted {
        hasher.update(head);
    }
    hasher.finalize().into()
}

/// The collection checksum: XOR of record digests, so it can be kept up to date one record at
/// a time and compared by both sides without listing records.
pub fn collection_digest<'a>(digests: impl IntoIterator<Item = &'a [u8; 32]>) -> [u8; 32] {
    let mut out = [0u8; 32];
    for d in digests {
        for (o, b) in out.iter_mut().zip(d) {
            *o ^= b;
        }
    }
    out
}

/// Buckets of the anti-entropy summary.
pub const BUCKETS: usize = 64;

/// The summary bucket a record falls in (both sides agree whatever its heads).
pub fn bucket_of(doc_id: Uuid) -> usize {
    use sha2::{Digest, Sha256};
    usize::from(Sha256::digest(doc_id.as_bytes())[0]) % BUCKETS
}

/// The anti-entropy summary: the collection digest of each bucket (~2 KB for 64 buckets).
pub fn bucket_summary(records: &[(Uuid, [u8; 32])]) -> Vec<[u8; 32]> {
    let mut buckets = vec![[0u8; 32]; BUCKETS];
    for (id, digest) in records {
        let bucket = &mut buckets[bucket_of(*id)];
        *bucket = collection_digest([&*bucket, digest]);
    }
    buckets
}

/// `POST /v1/buckets`: with no buckets named, the summary; otherwise the records in those buckets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketsRequest {
    /// Protocol version.
    pub version: u32,
    /// Buckets whose records are wanted (empty: the summary).
    pub buckets: Vec<u8>,
}

/// The answer: the summary, or `(record id, record digest)` for the buckets asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketsResponse {
    /// One digest per bucket (when the summary was asked for).
    pub summary: Vec<ByteBuf>,
    /// Records of the buckets asked for.
    pub records: Vec<(Uuid, ByteBuf)>,
}

/// Encode a message as CBOR.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail for these plain types.
    let _ = ciborium::into_writer(value, &mut out);
    out
}

/// Decode a CBOR message; `None` when the bytes are not one.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    ciborium::from_reader(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_words() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(RecordKind::parse("grievances"), None);
        assert!(RecordKind::Agency.is_reference() && !RecordKind::Grievance.is_reference());
    }

    #[test]
    fn messages_round_trip_and_bytes_stay_compact() {
        let request = SyncRequest {
            version: PROTOCOL_VERSION,
            batch_id: Uuid::from_u128(7),
            since: 42,
            pushes: vec![Push {
                doc_id: Uuid::from_u128(9),
                kind: RecordKind::Grievance,
                changes: vec![vec![0xAB; 1000].into()],
            }],
        };
        let bytes = encode(&request);
        assert!(
            bytes.len() < 1200,
            "byte strings, not arrays of numbers: {}",
            bytes.len()
        );
        assert_eq!(decode::<SyncRequest>(&bytes), Some(request));
        assert_eq!(decode::<SyncRequest>(&bytes[..bytes.len() / 2]), None);
    }

    #[test]
    fn the_summary_isolates_the_bucket_that_differs() {
        let records: Vec<(Uuid, [u8; 32])> = (0..200u128)
            .map(|i| {
                (
                    Uuid::from_u128(i),
                    record_digest(Uuid::from_u128(i), &[[i as u8; 32]]),
                )
            })
            .collect();
        let mut changed = records.clone();
        changed[17].1 = record_digest(changed[17].0, &[[0xEE; 32]]);
        let (a, b) = (bucket_summary(&records), bucket_summary(&changed));
        let differing: Vec<usize> = (0..BUCKETS).filter(|i| a[*i] != b[*i]).collect();
        assert_eq!(differing, [bucket_of(records[17].0)]);
        assert_eq!(
            collection_digest(a.iter()),
            collection_digest(records.iter().map(|(_, d)| d))
        );
    }

    #[test]
    fn enrolment_codes_carry_the_key_fingerprint_and_read_forgivingly() {
        let fingerprint = key_fingerprint("c2VjcmV0IGtleSBmb3IgYSB0ZXN0IG9yZ2FuaXNhdGlvbg==");
        assert_eq!(fingerprint.len(), CODE_FINGERPRINT_CHARS);
        assert_ne!(fingerprint, key_fingerprint("another key"));
        let code = EnrolmentCode {
            secret: "ABCD0123EFGH".into(),
            fingerprint: fingerprint.clone(),
        };
        let typed = code.to_string();
        assert_eq!(typed.len(), 28 + 6);
        assert_eq!(EnrolmentCode::parse(&typed), Some(code.clone()));
        let sloppy = typed.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(EnrolmentCode::parse(&sloppy), Some(code));
        assert_eq!(
            EnrolmentCode::parse("ABCD-0123-EFGH"),
            None,
            "no fingerprint"
        );
        assert_eq!(EnrolmentCode::parse(&"U".repeat(28)), None, "not base 32");
    }

    #[test]
    fn the_checksum_does_not_depend_on_order() {
        let a = record_digest(Uuid::from_u128(1), &[[1; 32], [2; 32]]);
        let b = record_digest(Uuid::from_u128(1), &[[2; 32], [1; 32]]);
        assert_eq!(a, b);
        let c = record_digest(Uuid::from_u128(2), &[[3; 32]]);
        assert_eq!(collection_digest([&a, &c]), collection_digest([&c, &a]));
        assert_ne!(collection_digest([&a]), collection_digest([&a, &c]));
    }

    #[test]
    fn error_codes_travel_as_their_words_and_unknown_words_still_read() {
        for &code in ErrorCode::ALL {
            let body = ErrorBody {
                code,
                message: "m".into(),
            };
            let back: ErrorBody = decode(&encode(&body)).expect("decodes");
            assert_eq!(back.code, code);
            assert_eq!(ErrorCode::parse(code.as_str()), code);
        }
        #[derive(Serialize)]
        struct Newer {
            code: &'static str,
            message: &'static str,
        }
        let newer = encode(&Newer {
            code: "a_reason_from_a_newer_server",
            message: "words",
        });
        let read: ErrorBody = decode(&newer).expect("still an error body");
        assert_eq!(
            (read.code, read.message.as_str()),
            (ErrorCode::Other, "words")
        );
    }
}
