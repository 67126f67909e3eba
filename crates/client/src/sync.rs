//! The sync driver: enrol with a server, then push local changes and pull what others did,
//! over slow and flaky links. Only a 2xx with a valid CBOR body counts as success; anything
//! else is retried with exponential backoff and jitter (network trouble, 5xx, 408, 429) or
//! reported in plain words (other 4xx).

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use automerge::ActorId;
use citizens_core::grievance::Grievance;
use citizens_core::identity::OrgPublicKey;
use citizens_core::lifecycle::Actor;
use citizens_protocol::{
    decode, encode, key_fingerprint, BucketsRequest, BucketsResponse, EnrollRequest,
    EnrollResponse, EnrolmentCode, ErrorBody, ErrorCode, Push, SyncRequest, SyncResponse,
    TokenRequest, TokenResponse, CONTENT_TYPE, PROTOCOL_VERSION,
};
use citizens_store::{Author, HeldBack, SetAside, PENDING_BATCH};
use rand::Rng;
use serde::Serialize;
use uuid::Uuid;

use crate::Client;
use citizens_protocol::Role;

/// Why a sync or enrolment did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached (after retries).
    #[error(
        "cannot reach the server ({0}); your work is safe on this laptop, try again when online"
    )]
    Network(String),
    /// The server refused, with its reason.
    #[error("{message}")]
    Refused {
        /// The server's code (`revoked`, `invalid_code`, `unsupported_version`, …).
        code: ErrorCode,
        /// The server's words.
        message: String,
    },
    /// The address is not `https://` (plain `http://` is allowed only to this computer).
    #[error("the server address '{0}' must start with https:// (plain http:// only reaches this computer itself): over plain http anyone on the network could read or change what is sent")]
    InsecureServer(String),
    /// Something answered that is not our server.
    #[error("the network answered with something that is not the Citizens Connect server ({0}); are you behind a Wi-Fi login page?")]
    NotOurServer(String),
    /// This install is not enrolled.
    #[error("this laptop is not enrolled with a server yet: run `citizens enroll --server URL --code CODE`")]
    NotEnrolled,
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] citizens_store::Error),
}

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per request.
    pub attempts: u32,
    /// First delay; doubles each attempt, with ±50% jitter.
    pub base_delay: Duration,
    /// Longest delay.
    pub max_delay: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl RetryPolicy {
    /// The pause before attempt `n` (1 = the first retry): exponential, capped, ±50% jitter so
    /// many laptops coming back online at once do not knock together.
    pub fn backoff(&self, n: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1 << n.min(16))
            .min(self.max_delay);
        exp.mul_f64(rand::thread_rng().gen_range(0.5..1.5))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    /// Local changes pushed.
    pub pushed: usize,
    /// Changes pulled and applied.
    pub pulled: usize,
    /// Records fetched whole (newly visible, or recovered after a checksum mismatch).
    pub fetched: usize,
    /// Bytes sent (compressed, bodies only).
    pub bytes_up: usize,
    /// Bytes received (compressed, bodies only).
    pub bytes_down: usize,
    /// HTTP round trips, retries included.
    pub round_trips: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Local and server checksums agree at the end.
    pub in_step: bool,
    /// Attachments sent to the server.
    pub attachments_uploaded: usize,
    /// Attachments received.
    pub attachments_downloaded: usize,
    /// Attachments still to move (tried again at the next sync).
    pub attachments_waiting: usize,
    /// Records whose changes the server refused, with its reason; they wait on this laptop
    /// and are offered again at the next sync.
    pub set_aside: Vec<SetAside>,
    /// Records from the server this laptop could not apply (the rest was applied).
    pub held_back: Vec<HeldBack>,
}

/// Progress events for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Sending a batch of this many changes.
    Pushing(usize),
    /// Received this many changes (more may follow).
    Pulled(usize),
    /// A request failed; retrying after a pause.
    Retrying(u32),
    /// Repairing differences found by the checksum.
    Recovering,
}

const BATCH_BYTES: usize = 512 * 1024;

struct Http {
    agent: reqwest::blocking::Client,
    base: String,
    policy: RetryPolicy,
    report: SyncReport,
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into memory cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

impl Http {
    fn new(base: &str, policy: RetryPolicy) -> Result<Http, SyncError> {
        let base = checked_server(base)?;
        let agent = reqwest::blocking::Client::builder()
            .timeout(policy.timeout)
            .build()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        Ok(Http {
            agent,
            base,
            policy,
            report: SyncReport::default(),
        })
    }

    /// Send a request built by `make`, retrying network trouble, cut answers, 5xx, 408 and 429
    /// with exponential backoff and jitter. Returns the first other answer, body decompressed.
    fn send(
        &mut self,
        make: &dyn Fn(&reqwest::blocking::Client) -> reqwest::blocking::RequestBuilder,
        bytes_up: usize,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Answer, SyncError> {
        let mut last = String::new();
        for attempt in 0..self.policy.attempts {
            if attempt > 0 {
                progress(Progress::Retrying(attempt));
                std::thread::sleep(self.policy.backoff(attempt));
            }
            self.report.round_trips += 1;
            self.report.bytes_up += bytes_up;
            let response = match make(&self.agent)
                .header(reqwest::header::ACCEPT_ENCODING, "gzip")
                .send()
            {
                Ok(r) => r,
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            };
            let status = response.status();
            let headers = response.headers().clone();
            let raw = match response.bytes() {
                Ok(b) => b,
                Err(e) => {
                    last = format!("the answer was cut off: {e}");
                    continue;
                }
            };
            self.report.bytes_down += raw.len();
            let body = if headers
                .get(reqwest::header::CONTENT_ENCODING)
                .is_some_and(|v| v.as_bytes() == b"gzip")
            {
                let mut out = Vec::new();
                if flate2::read::GzDecoder::new(&raw[..])
                    .read_to_end(&mut out)
                    .is_err()
                {
                    last = "the answer was cut off".into();
                    continue;
                }
                out
            } else {
                raw.to_vec()
            };
            if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
                last = decode::<ErrorBody>(&body)
                    .map_or_else(|| format!("server answered {status}"), |e| e.message);
                continue;
            }
            return Ok(Answer {
                status,
                headers,
                body,
            });
        }
        Err(SyncError::Network(last))
    }

    /// POST a CBOR message; only a 2xx with a valid CBOR body counts as an answer.
    fn post<Q: Serialize, A: serde::de::DeserializeOwned>(
        &mut self,
        path: &str,
        token: Option<&str>,
        message: &Q,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<A, SyncError> {
        let body = gzip(&encode(message));
        let url = format!("{}{path}", self.base);
        let make = |agent: &reqwest::blocking::Client| {
            let request = agent
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
                .header(reqwest::header::CONTENT_ENCODING, "gzip")
                .body(body.clone());
            match token {
                Some(token) => request.bearer_auth(token),
                None => request,
            }
        };
        let answer = self.send(&make, body.len(), progress)?;
        if answer.status.is_success() {
            let content_type = answer
                .headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if content_type != CONTENT_TYPE {
                return Err(SyncError::NotOurServer(format!("a {content_type} page")));
            }
            return decode::<A>(&answer.body)
                .ok_or_else(|| SyncError::NotOurServer("a damaged answer".into()));
        }
        Err(match decode::<ErrorBody>(&answer.body) {
            Some(e) => SyncError::Refused {
                code: e.code,
                message: e.message,
            },
            None => SyncError::NotOurServer(format!("HTTP {}", answer.status)),
        })
    }

    /// Upload one attachment in chunks from wherever the server's copy stops.
    fn upload(
        &mut self,
        token: &str,
        sha: &str,
        bytes: &[u8],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), SyncError> {
        let url = format!("{}/v1/blobs/{sha}", self.base);
        let head = self.send(&|agent| agent.head(&url).bearer_auth(token), 0, progress)?;
        let mut offset = upload_offset(&head)?;
        if complete(&head) {
            return Ok(());
        }
        for _ in 0..(bytes.len() / CHUNK_BYTES + 8) {
            let end = (offset + CHUNK_BYTES).min(bytes.len());
            let chunk = bytes
                .get(offset..end)
                .ok_or_else(|| SyncError::NotOurServer("a wrong upload offset".into()))?
                .to_vec();
            let len = chunk.len();
            let make = |agent: &reqwest::blocking::Client| {
                agent
                    .put(&url)
                    .bearer_auth(token)
                    .header("upload-offset", offset)
                    .header("upload-length", bytes.len())
                    .body(chunk.clone())
            };
            let answer = self.send(&make, len, progress)?;
            if !(answer.status.is_success() || answer.status.as_u16() == 409) {
                return Err(match decode::<ErrorBody>(&answer.body) {
                    Some(e) => SyncError::Refused {
                        code: e.code,
                        message: e.message,
                    },
                    None => SyncError::NotOurServer(format!("HTTP {}", answer.status)),
                });
            }
            if complete(&answer) {
                return Ok(());
            }
            offset = upload_offset(&answer)?;
        }
        Err(SyncError::Network(
            "the attachment upload did not finish".into(),
        ))
    }

    fn download(
        &mut self,
        token: &str,
        sha: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Option<Vec<u8>>, SyncError> {
        let url = format!("{}/v1/blobs/{sha}", self.base);
        let answer = self.send(&|agent| agent.get(&url).bearer_auth(token), 0, progress)?;
        Ok(answer.status.is_success().then_some(answer.body))
    }
}

struct Attempt {
    actor: String,
    secret: String,
}

/// The server address, refused unless it is `https://`, or `http://` to this computer.
fn checked_server(server: &str) -> Result<String, SyncError> {
    let refuse = || SyncError::InsecureServer(server.trim().to_string());
    let url = reqwest::Url::parse(server.trim()).map_err(|_| refuse())?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(refuse()),
    }
    Ok(server.trim().trim_end_matches('/').to_string())
}

struct Answer {
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

const CHUNK_BYTES: usize = 128 * 1024;

fn upload_offset(answer: &Answer) -> Result<usize, SyncError> {
    answer
        .headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| SyncError::NotOurServer("an answer without an upload offset".into()))
}

fn complete(answer: &Answer) -> bool {
    answer
        .headers
        .get("upload-complete")
        .is_some_and(|v| v.as_bytes() == b"true")
}

/// An enrolment in progress: the code's secret, the actor and the device secret it sends.
const ENROLMENT_ATTEMPT: &str = "sync.enrolment_attempt";
const SERVER: &str = "sync.server";
const DEVICE_ID: &str = "sync.device_id";
const DEVICE_SECRET: &str = "sync.device_secret";
const ROLE: &str = "sync.role";
const TOKEN: &str = "sync.token";
const LAST_OK: &str = "sync.last_ok";
const LAST_ERROR: &str = "sync.last_error";

impl Client {
    /// This laptop was enrolled as a volunteer's (not a coordinator's).
    pub(crate) fn is_volunteer(&self) -> crate::Result<bool> {
        Ok(self.store.meta(ROLE)?.as_deref() == Some(Role::Volunteer.as_str()))
    }
}

/// Where syncing stands.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    /// The server, when enrolled.
    pub server: Option<String>,
    /// Last successful sync (ms since the epoch).
    pub last_success: Option<i64>,
    /// The last failure since then: when (ms) and why, in plain words.
    pub last_error: Option<(i64, String)>,
    /// Local changes not yet on the server.
    pub pending_changes: u64,
    /// Attachments not yet on the server.
    pub attachments_waiting: u64,
    /// Records whose changes the server refused, with its reason.
    pub set_aside: Vec<SetAside>,
    /// Records from the server this laptop could not apply, with the reason.
    pub held_back: Vec<HeldBack>,
}

impl Client {
    /// Enrol this install with a server using a one-time code. The code carries the
    /// fingerprint of the organisation key: an answer with any other key is refused (a hostile
    /// server, or someone on the path), and so is plain `http://` except to this computer. The
    /// person is the one the coordinator named on the code (this laptop cannot choose). In one
    /// transaction: the credential, a fresh writer id (actor) the server binds to this device,
    /// and identities captured before enrolment re-sealed to the organisation key, their
    /// stand-in key forgotten. Retrying with the same code after a lost answer is safe: the
    /// device secret is made here, so the server recognises the repeat.
    pub fn enroll(
        &mut self,
        server: &str,
        code: &str,
        policy: RetryPolicy,
    ) -> Result<EnrollResponse, SyncError> {
        let code = EnrolmentCode::parse(code).ok_or_else(|| SyncError::Refused {
            code: ErrorCode::InvalidCode,
            message: "this is not an enrolment code: it has 28 letters and digits in groups of four; ask your coordinator for a new one".into(),
        })?;
        let mut http = Http::new(server, policy)?;
        let pending = self.store.meta(crate::PENDING_SECRET)?;
        let attempt = self.enrolment_attempt(&code)?;
        let request = EnrollRequest {
            version: PROTOCOL_VERSION,
            code: code.secret.clone(),
            device_name: self.ctx.profile.device_name.clone(),
            actor: attempt.actor.clone(),
            device_secret: attempt.secret.clone(),
        };
        let answer: EnrollResponse = http.post("/v1/enroll", None, &request, &mut |_| {})?;
        let pinned = key_fingerprint(&answer.org_public_key) == code.fingerprint;
        let Some(key) = OrgPublicKey::parse(&answer.org_public_key)
            .ok()
            .filter(|_| pinned)
        else {
            return Err(SyncError::Refused {
                code: ErrorCode::OrgKeyMismatch,
                message: "the server answered with an organisation key that is not the one on your enrolment code: nothing was changed; tell your coordinator".into(),
            });
        };
        if pending.is_none() && answer.org_public_key != self.ctx.profile.org_public_key {
            return Err(SyncError::Refused {
                code: ErrorCode::OrgKeyMismatch,
                message: "this laptop was set up for another organisation key than this server's organisation: nothing was changed".into(),
            });
        }
        let actor = ActorId::from(
            hex::decode(&attempt.actor)
                .map_err(|_| citizens_store::Error::Damaged("actor".into()))?,
        );
        let author = Author {
            actor,
            who: Actor {
                user: answer.user.clone(),
                device: self.ctx.profile.device_name.clone(),
            },
        };
        let expires = self.ctx.clock.now().millis()
            + i64::try_from(answer.token.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX);
        let stand_in = crate::secret_key(pending.as_deref())?;
        // Files of sealed cases were sealed to the stand-in too: re-sealed copies are written
        // first, the cases point to them in the transaction below, the old copies go after.
        let mut refiled: Vec<(uuid::Uuid, String, String)> = Vec::new();
        let sealed_cases = match &stand_in {
            Some(_) => self.store.sealed_grievances()?,
            None => Vec::new(),
        };
        if let Some(stand_in) = &stand_in {
            for &id in &sealed_cases {
                let case: Grievance = self.store.read(id)?;
                for a in &case.attachments {
                    let Ok(bytes) = self.store.get_blob(&a.sha256) else {
                        continue;
                    };
                    if let Ok(plain) = stand_in.open_file(&bytes) {
                        let sealed = key
                            .seal_file(&plain, &mut self.ctx.rng)
                            .map_err(citizens_store::Error::from)?;
                        refiled.push((id, a.sha256.clone(), self.store.put_blob(&sealed)?));
                    }
                }
            }
        }
        let Client { store, ctx } = self;
        store.write(|w| {
            for (key, value) in [
                (SERVER, http.base.as_str()),
                (DEVICE_ID, &answer.device_id.to_string()),
                (DEVICE_SECRET, &attempt.secret),
                (ROLE, answer.role.as_str()),
                ("user", &answer.user),
                ("organisation", &answer.organisation),
                ("org_public_key", &answer.org_public_key),
                ("device_code", &answer.device_code),
                ("actor", &attempt.actor),
                (TOKEN, &format!("{expires} {}", answer.token.access_token)),
            ] {
                w.set_meta(key, value)?;
            }
            w.delete_meta(ENROLMENT_ATTEMPT)?;
            if let Some(stand_in) = &stand_in {
                for &id in &sealed_cases {
                    let at = ctx.clock.now();
                    w.edit(id, &author, at, |g: &mut Grievance| {
                        if let Some(sealed) = &g.reporter.sealed {
                            if let Ok(identity) = stand_in.open(sealed) {
                                g.reporter.sealed = Some(key.seal(&identity, &mut ctx.rng)?);
                            }
                        }
                        for (_, old, new) in refiled.iter().filter(|(case, ..)| *case == id) {
                            if let Some(i) = g.attachments.iter().position(|a| &a.sha256 == old) {
                                let mut moved = g.attachments.remove(i);
                                moved.sha256 = new.clone();
                                g.attachments.push(moved);
                            }
                        }
                        Ok(())
                    })?;
                }
                w.delete_meta(crate::PENDING_SECRET)?;
            }
            Ok(())
        })?;
        ctx.author = author;
        for (_, old, _) in &refiled {
            store.delete_blob(old)?;
        }
        let profile = &mut ctx.profile;
        profile.user = answer.user.clone();
        profile.organisation = answer.organisation.clone();
        profile.org_public_key = answer.org_public_key.clone();
        profile.device_code = answer.device_code.clone();
        profile.org_key_pending = false;
        Ok(answer)
    }

    /// The actor and device secret of this enrolment, kept (encrypted) until it succeeds, so
    /// that repeating the same code after a lost answer sends the same request.
    fn enrolment_attempt(&self, code: &EnrolmentCode) -> Result<Attempt, SyncError> {
        let kept = self.store.meta(ENROLMENT_ATTEMPT)?.and_then(|v| {
            let mut parts = v.splitn(3, ' ');
            let (secret, actor, device_secret) = (parts.next()?, parts.next()?, parts.next()?);
            (secret == code.secret).then(|| Attempt {
                actor: actor.to_string(),
                secret: device_secret.to_string(),
            })
        });
        if let Some(attempt) = kept {
            return Ok(attempt);
        }
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
        let attempt = Attempt {
            actor: ActorId::random().to_hex_string(),
            secret: hex::encode(secret),
        };
        self.store.set_meta(
            ENROLMENT_ATTEMPT,
            &format!("{} {} {}", code.secret, attempt.actor, attempt.secret),
        )?;
        Ok(attempt)
    }

    /// The server this install syncs with, if enrolled.
    pub fn server(&self) -> Result<Option<String>, SyncError> {
        Ok(self.store.meta(SERVER)?)
    }

    /// A valid access token: the one kept from the last sync, or (when `fresh`, or none is
    /// kept, or it is about to expire) a new one.
    fn token(
        &self,
        http: &mut Http,
        fresh: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<String, SyncError> {
        let now = self.ctx.clock.now().millis();
        if !fresh {
            let kept = self.store.meta(TOKEN)?.and_then(|t| {
                let (expires, token) = t.split_once(' ')?;
                (expires.parse::<i64>().ok()? > now + 60_000).then(|| token.to_string())
            });
            if let Some(token) = kept {
                return Ok(token);
            }
        }
        let device_id = self.store.meta(DEVICE_ID)?.ok_or(SyncError::NotEnrolled)?;
        let secret = self
            .store
            .meta(DEVICE_SECRET)?
            .ok_or(SyncError::NotEnrolled)?;
        let request = TokenRequest {
            version: PROTOCOL_VERSION,
            device_id: Uuid::parse_str(&device_id).map_err(|_| SyncError::NotEnrolled)?,
            device_secret: secret,
        };
        let answer: TokenResponse = http.post("/v1/token", None, &request, progress)?;
        let expires =
            now + i64::try_from(answer.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX);
        self.store
            .set_meta(TOKEN, &format!("{expires} {}", answer.access_token))?;
        Ok(answer.access_token)
    }

    /// Push everything local, pull everything visible, repair differences; one call does it all.
    pub fn sync(
        &mut self,
        policy: RetryPolicy,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SyncReport, SyncError> {
        let outcome = self.sync_once(policy, progress);
        let now = self.ctx.clock.now().millis().to_string();
        match &outcome {
            Ok(_) => {
                self.store.set_meta(LAST_OK, &now)?;
                self.store.write(|w| w.delete_meta(LAST_ERROR))?;
            }
            Err(e) => self.store.set_meta(LAST_ERROR, &format!("{now} {e}"))?,
        }
        outcome
    }

    /// Where syncing stands, for an always-visible indicator.
    pub fn sync_status(&self) -> Result<SyncStatus, SyncError> {
        let millis = |key: &str| -> Result<Option<i64>, SyncError> {
            Ok(self.store.meta(key)?.and_then(|v| v.parse().ok()))
        };
        let last_error = self.store.meta(LAST_ERROR)?.and_then(|v| {
            let (at, message) = v.split_once(' ')?;
            Some((at.parse().ok()?, message.to_string()))
        });
        Ok(SyncStatus {
            server: self.server()?,
            last_success: millis(LAST_OK)?,
            last_error,
            pending_changes: self.store.outbox_len()?,
            attachments_waiting: self.store.blobs_to_upload()?.len() as u64,
            set_aside: self.store.set_aside()?,
            held_back: self.store.held_back()?,
        })
    }

    fn sync_once(
        &mut self,
        policy: RetryPolicy,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SyncReport, SyncError> {
        let started = Instant::now();
        let server = self.server()?.ok_or(SyncError::NotEnrolled)?;
        let mut http = Http::new(&server, policy)?;
        let mut token = self.token(&mut http, false, progress)?;
        // What the server refused last time is offered again (a case reassigned back, changes
        // the server has meanwhile had from their own laptop); refused again, it waits again.
        self.store.retry_set_aside()?;
        let mut pushed = 0;
        let mut pulled = 0;
        let mut fetched = 0;
        let last = loop {
            let pending = self.store.meta(PENDING_BATCH)?.and_then(|p| {
                let (id, seq) = p.split_once(' ')?;
                Some((Uuid::parse_str(id).ok()?, seq.parse::<i64>().ok()?))
            });
            let batch = match pending {
                Some((_, seq)) => self.store.outbox_batch(BATCH_BYTES, Some(seq))?,
                None => self.store.outbox_batch(BATCH_BYTES, None)?,
            };
            let batch_id = match (pending, &batch) {
                (Some((id, _)), Some(_)) => id,
                (_, Some(b)) => {
                    let id = Uuid::now_v7();
                    self.store
                        .set_meta(PENDING_BATCH, &format!("{id} {}", b.last_seq))?;
                    id
                }
                (_, None) => Uuid::now_v7(),
            };
            let request = SyncRequest {
                version: PROTOCOL_VERSION,
                batch_id,
                since: self.store.checkpoint()?,
                pushes: batch.as_ref().map(|b| b.pushes.clone()).unwrap_or_default(),
            };
            if let Some(b) = &batch {
                progress(Progress::Pushing(b.changes));
            }
            let answer: SyncResponse = match http.post("/v1/sync", Some(&token), &request, progress)
            {
                // The kept token is no longer honoured (expired, server restored): get a new one.
                Err(SyncError::Refused {
                    code: ErrorCode::ExpiredToken | ErrorCode::InvalidToken,
                    ..
                }) => {
                    token = self.token(&mut http, true, progress)?;
                    http.post("/v1/sync", Some(&token), &request, progress)?
                }
                other => other?,
            };
            let applied = self.store.apply_sync(
                &answer.pulls,
                answer.checkpoint,
                batch.as_ref().map(|b| b.last_seq),
                &answer.refused,
            )?;
            pushed += batch.as_ref().map_or(0, |b| b.changes);
            pulled += applied.changes;
            progress(Progress::Pulled(pulled));
            if !applied.need_whole.is_empty() {
                fetched += self.fetch_whole(&mut http, &token, &applied.need_whole, progress)?;
            }
            if !answer.more && self.store.outbox_len()? == 0 {
                break answer;
            }
        };
        let mut in_step = self.store.collection_checksum()?[..] == last.checksum[..];
        if !in_step {
            progress(Progress::Recovering);
            fetched += self.recover(&mut http, &token, progress)?;
            let request = SyncRequest {
                version: PROTOCOL_VERSION,
                batch_id: Uuid::now_v7(),
                since: self.store.checkpoint()?,
                pushes: Vec::new(),
            };
            let answer: SyncResponse = http.post("/v1/sync", Some(&token), &request, progress)?;
            pulled += self
                .store
                .apply_sync(&answer.pulls, answer.checkpoint, None, &[])?
                .changes;
            in_step = self.store.collection_checksum()?[..] == answer.checksum[..];
        }
        let (uploaded, downloaded, attachments_waiting) =
            self.sync_attachments(&mut http, &token, progress)?;
        let mut report = std::mem::take(&mut http.report);
        report.attachments_uploaded = uploaded;
        report.attachments_downloaded = downloaded;
        report.attachments_waiting = attachments_waiting;
        report.pushed = pushed;
        report.pulled = pulled;
        report.fetched = fetched;
        report.in_step = in_step;
        report.set_aside = self.store.set_aside()?;
        report.held_back = self.store.held_back()?;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// After the records: send attachments the server lacks, fetch those this laptop lacks.
    /// Failures here never fail the sync; what is left waits for the next one.
    fn sync_attachments(
        &mut self,
        http: &mut Http,
        token: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(usize, usize, usize), SyncError> {
        let (mut up, mut down, mut waiting) = (0, 0, 0);
        for sha in self.store.blobs_to_upload()? {
            let bytes = self.store.get_blob(&sha)?;
            match http.upload(token, &sha, &bytes, progress) {
                Ok(()) => {
                    self.store.blob_uploaded(&sha)?;
                    up += 1;
                }
                Err(SyncError::Store(e)) => return Err(SyncError::Store(e)),
                Err(_) => waiting += 1,
            }
        }
        for sha in self.store.missing_blobs()? {
            match http.download(token, &sha, progress) {
                Ok(Some(bytes)) if citizens_store::blobs::sha256_hex(&bytes) == sha => {
                    self.store.put_blob(&bytes)?;
                    self.store.blob_uploaded(&sha)?;
                    down += 1;
                }
                _ => waiting += 1,
            }
        }
        Ok((up, down, waiting))
    }

    fn fetch_whole(
        &mut self,
        http: &mut Http,
        token: &str,
        ids: &[Uuid],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<usize, SyncError> {
        let mut count = 0;
        for chunk in ids.chunks(500) {
            let docs: Vec<Push> = http.post("/v1/fetch", Some(token), &chunk.to_vec(), progress)?;
            for doc in &docs {
                count += usize::from(self.store.merge_from_server(doc)?);
            }
        }
        Ok(count)
    }

    /// Checksums disagree (restored server, reinstalled laptop, scope change): compare the
    /// 64-bucket summaries (~2 KB), list only the buckets that differ, then fetch the records
    /// whose digests differ or that this laptop lacks and push whole the ones the server lacks
    /// or holds differently. Both sides keep only what they lacked.
    fn recover(
        &mut self,
        http: &mut Http,
        token: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<usize, SyncError> {
        let local = self.store.record_digests()?;
        let ours = citizens_protocol::bucket_summary(&local);
        let request = BucketsRequest {
            version: PROTOCOL_VERSION,
            buckets: Vec::new(),
        };
        let summary: BucketsResponse = http.post("/v1/buckets", Some(token), &request, progress)?;
        let differing: Vec<u8> = (0..citizens_protocol::BUCKETS)
            .filter(|&i| {
                summary
                    .summary
                    .get(i)
                    .is_none_or(|theirs| theirs[..] != ours[i][..])
            })
            .filter_map(|i| u8::try_from(i).ok())
            .collect();
        if differing.is_empty() {
            return Ok(0);
        }
        let request = BucketsRequest {
            version: PROTOCOL_VERSION,
            buckets: differing.clone(),
        };
        let listed: BucketsResponse = http.post("/v1/buckets", Some(token), &request, progress)?;
        let theirs: std::collections::HashMap<Uuid, Vec<u8>> = listed
            .records
            .into_iter()
            .map(|(id, d)| (id, d.0))
            .collect();
        let mine: std::collections::HashMap<Uuid, [u8; 32]> = local
            .into_iter()
            .filter(|(id, _)| differing.contains(&(citizens_protocol::bucket_of(*id) as u8)))
            .collect();
        let to_fetch: Vec<Uuid> = theirs
            .iter()
            .filter(|(id, d)| mine.get(id).is_none_or(|m| m[..] != d[..]))
            .map(|(id, _)| *id)
            .collect();
        let to_push: Vec<Uuid> = mine
            .iter()
            .filter(|(id, d)| theirs.get(id).is_none_or(|t| t[..] != d[..]))
            .map(|(id, _)| *id)
            .collect();
        let fetched = self.fetch_whole(http, token, &to_fetch, progress)?;
        for chunk in to_push.chunks(200) {
            let pushes = chunk
                .iter()
                .map(|id| self.store.export(*id))
                .collect::<Result<Vec<_>, _>>()?;
            let request = SyncRequest {
                version: PROTOCOL_VERSION,
                batch_id: Uuid::now_v7(),
                since: self.store.checkpoint()?,
                pushes,
            };
            let answer: SyncResponse = http.post("/v1/sync", Some(token), &request, progress)?;
            self.store
                .apply_sync(&answer.pulls, answer.checkpoint, None, &[])?;
        }
        Ok(fetched)
    }
}

/// Messages to a running sync loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nudge {
    /// Sync now (the "sync now" button, or the network came back).
    SyncNow,
    /// Finish.
    Stop,
}

/// How a sync loop paces itself.
#[derive(Debug, Clone, Copy)]
pub struct SyncLoop {
    /// Pause after a successful sync.
    pub interval: Duration,
    /// Retries inside one sync.
    pub policy: RetryPolicy,
    /// Backoff between failed syncs (offline): its `base_delay` and `max_delay` are used.
    pub offline: RetryPolicy,
}

impl Default for SyncLoop {
    fn default() -> Self {
        SyncLoop {
            interval: Duration::from_secs(300),
            policy: RetryPolicy {
                attempts: 3,
                ..RetryPolicy::default()
            },
            offline: RetryPolicy {
                base_delay: Duration::from_secs(5),
                max_delay: Duration::from_secs(300),
                ..RetryPolicy::default()
            },
        }
    }
}

impl Client {
    /// Keep this laptop in step in the background: sync at once, then every `interval`, at
    /// once when nudged, and with growing pauses while the network is away. Progress goes to
    /// `progress` and each outcome to `on_outcome` (for the sync indicator). Ends on
    /// [`Nudge::Stop`], when every sender is gone, or when the server refuses this device
    /// (revoked, not enrolled) — that error is returned, since retrying cannot help.
    pub fn run_sync_loop(
        &mut self,
        nudges: &std::sync::mpsc::Receiver<Nudge>,
        pace: SyncLoop,
        progress: &mut dyn FnMut(Progress),
        on_outcome: &mut dyn FnMut(&Result<SyncReport, SyncError>),
    ) -> Result<(), SyncError> {
        let mut failures = 0u32;
        loop {
            // What arrived is compared for duplicates after the sync, not inside it.
            let outcome = self.sync(pace.policy, progress).and_then(|report| {
                self.find_duplicates()?;
                Ok(report)
            });
            on_outcome(&outcome);
            let wait = match outcome {
                Ok(_) => {
                    failures = 0;
                    pace.interval
                }
                Err(SyncError::NotEnrolled) => return Err(SyncError::NotEnrolled),
                Err(SyncError::Refused {
                    code: code @ (ErrorCode::Revoked | ErrorCode::InvalidCredential),
                    message,
                }) => {
                    return Err(SyncError::Refused { code, message });
                }
                Err(_) => {
                    failures += 1;
                    pace.offline.backoff(failures)
                }
            };
            match nudges.recv_timeout(wait) {
                Ok(Nudge::SyncNow) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Ok(Nudge::Stop) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Ok(())
                }
            }
        }
    }
}
