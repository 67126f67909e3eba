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
    decode, encode, key_fingerprint, EnrollRequest, EnrollResponse, EnrolmentCode, ErrorBody,
    ErrorCode, FiguresTaken, CONTENT_TYPE, FIGURES_PATH, PROTOCOL_VERSION,
};
use citizens_store::{Author, HeldBack, SetAside};
use rand::Rng;
use serde::Serialize;

use crate::Client;
use citizens_protocol::Role;

pub mod machine;

use machine::{Effect, Event, Failure, Machine, Outgoing, Reply, Request, Retries};

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
    Store(#[from] crate::Error),
}

impl From<citizens_store::Error> for SyncError {
    fn from(e: citizens_store::Error) -> Self {
        SyncError::Store(e.into())
    }
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
    pub fn backoff(&self, n: u32, rng: &mut impl Rng) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1 << n.min(16))
            .min(self.max_delay);
        exp.mul_f64(rng.gen_range(0.5..1.5))
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
    /// Cases removed from this laptop: they were reassigned and left this user's scope (the
    /// server holds everything of them this laptop had).
    pub removed: usize,
    /// Local and server checksums agree at the end.
    pub in_step: bool,
    /// Attachments sent to the server.
    pub attachments_uploaded: usize,
    /// Attachments received.
    pub attachments_downloaded: usize,
    /// Attachments still to move (tried again at the next sync).
    pub attachments_waiting: usize,
    /// This coordinator's laptop published new public figures (the transparency page).
    pub figures_published: bool,
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
        // A server never redirects a laptop: a 307 from https:// to http:// (or to another
        // host) would resend the body, tokens and changes included, where it points.
        let agent = reqwest::blocking::Client::builder()
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        Ok(Http {
            agent,
            base,
            policy,
            report: SyncReport::default(),
        })
    }

    /// Send a request built by `make` once. Network trouble, cut answers, 5xx, 408 and 429
    /// are [`Failure::Transient`]; any other answer is returned, body decompressed.
    fn once(
        &mut self,
        make: &dyn Fn(&reqwest::blocking::Client) -> reqwest::blocking::RequestBuilder,
        bytes_up: usize,
    ) -> Result<Answer, Failure> {
        self.report.round_trips += 1;
        self.report.bytes_up += bytes_up;
        let response = make(&self.agent)
            .header(reqwest::header::ACCEPT_ENCODING, "gzip")
            .send()
            .map_err(|e| Failure::Transient(e.to_string()))?;
        let status = response.status();
        let headers = response.headers().clone();
        let raw = response
            .bytes()
            .map_err(|e| Failure::Transient(format!("the answer was cut off: {e}")))?;
        self.report.bytes_down += raw.len();
        let gzip = headers
            .get(reqwest::header::CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes() == b"gzip");
        // An empty body (a HEAD's, a refusal's) is empty whatever its encoding says; a refusal
        // whose body does not inflate is still a refusal (final), never "connection trouble".
        let body = if gzip && !raw.is_empty() {
            let mut out = Vec::new();
            match flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out) {
                Ok(_) => out,
                Err(_) if status.is_client_error() => Vec::new(),
                Err(_) => return Err(Failure::Transient("the answer was cut off".into())),
            }
        } else {
            raw.to_vec()
        };
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            return Err(Failure::Transient(decode::<ErrorBody>(&body).map_or_else(
                || format!("server answered {status}"),
                |e| e.message,
            )));
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// `attempt` tried again after transient failures as `policy` says (attachments and
    /// enrolment; the records' sync retries in its state machine by the same rule).
    fn retrying<T>(
        &mut self,
        rng: &mut impl Rng,
        progress: &mut dyn FnMut(Progress),
        mut attempt: impl FnMut(&mut Http) -> Result<T, Failure>,
    ) -> Result<T, SyncError> {
        let mut retries = Retries::new(self.policy);
        loop {
            match attempt(self) {
                Ok(answer) => return Ok(answer),
                Err(Failure::Transient(why)) => match retries.failed(rng) {
                    Some(pause) => {
                        progress(Progress::Retrying(retries.failures()));
                        std::thread::sleep(pause);
                    }
                    None => return Err(SyncError::Network(why)),
                },
                Err(other) => return Err(other.into()),
            }
        }
    }

    /// [`Http::once`], tried again after transient failures.
    fn send(
        &mut self,
        make: &dyn Fn(&reqwest::blocking::Client) -> reqwest::blocking::RequestBuilder,
        bytes_up: usize,
        rng: &mut impl Rng,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Answer, SyncError> {
        self.retrying(rng, progress, |http| http.once(make, bytes_up))
    }

    /// One exchange of the state machine's: the request encoded, the answer decoded as the
    /// reply of its kind.
    fn exchange(&mut self, outgoing: &Outgoing) -> Result<Reply, Failure> {
        let token = outgoing.token.as_deref();
        Ok(match &outgoing.request {
            Request::Token(r) => Reply::Token(self.post(outgoing.request.path(), token, r)?),
            Request::Sync(r) => Reply::Sync(self.post(outgoing.request.path(), token, r)?),
            Request::Fetch(r) => Reply::Fetch(self.post(outgoing.request.path(), token, r)?),
            Request::Buckets(r) => Reply::Buckets(self.post(outgoing.request.path(), token, r)?),
        })
    }

    /// POST a CBOR message once; only a 2xx with a valid CBOR body counts as an answer.
    fn post<Q: Serialize, A: serde::de::DeserializeOwned>(
        &mut self,
        path: &str,
        token: Option<&str>,
        message: &Q,
    ) -> Result<A, Failure> {
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
        let answer = self.once(&make, body.len())?;
        if answer.status.is_success() {
            let content_type = answer
                .headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if content_type != CONTENT_TYPE {
                return Err(Failure::NotOurServer(format!("a {content_type} page")));
            }
            return decode::<A>(&answer.body)
                .ok_or_else(|| Failure::NotOurServer("a damaged answer".into()));
        }
        Err(refusal(&answer))
    }

    /// Upload one attachment in chunks from wherever the server's copy stops.
    fn upload(
        &mut self,
        token: &str,
        sha: &str,
        bytes: &[u8],
        rng: &mut impl Rng,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), SyncError> {
        let url = format!("{}/v1/blobs/{sha}", self.base);
        let head = self.send(
            &|agent| agent.head(&url).bearer_auth(token),
            0,
            rng,
            progress,
        )?;
        if !head.status.is_success() {
            return Err(refusal(&head).into());
        }
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
            let answer = self.send(&make, len, rng, progress)?;
            if !(answer.status.is_success() || answer.status.as_u16() == 409) {
                return Err(refusal(&answer).into());
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
        rng: &mut impl Rng,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Option<Vec<u8>>, SyncError> {
        let url = format!("{}/v1/blobs/{sha}", self.base);
        let answer = self.send(
            &|agent| agent.get(&url).bearer_auth(token),
            0,
            rng,
            progress,
        )?;
        Ok(answer.status.is_success().then_some(answer.body))
    }
}

/// The server's refusal in an answer, or what answered instead.
fn refusal(answer: &Answer) -> Failure {
    match decode::<ErrorBody>(&answer.body) {
        Some(e) => Failure::Refused {
            code: e.code,
            message: e.message,
        },
        None => Failure::NotOurServer(format!("HTTP {}", answer.status)),
    }
}

impl From<Failure> for SyncError {
    fn from(failure: Failure) -> SyncError {
        match failure {
            Failure::Transient(why) => SyncError::Network(why),
            Failure::Refused { code, message } => SyncError::Refused { code, message },
            Failure::NotOurServer(what) => SyncError::NotOurServer(what),
        }
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
/// The digest of the public figures the server last took from this laptop.
const FIGURES_SENT: &str = "sync.figures_sent";
/// When the server last took this laptop's public figures (ms).
const FIGURES_AT: &str = "sync.figures_at";
/// When and why the server last refused them (`{ms} {words}`), until it takes them again.
const FIGURES_REFUSED: &str = "sync.figures_refused";
/// A coordinator asked to publish the figures at the next sync, whenever they were last.
const FIGURES_NOW: &str = "sync.figures_now";
/// The public figures are published at most once in this long (ms), unless asked: so that the
/// page read before and after one sync does not show what one case changed.
pub const FIGURES_EVERY_MS: i64 = 24 * 60 * 60 * 1000;

impl Client {
    /// Refused, as `field: problem`, on a laptop enrolled as a volunteer's: coordinators' work.
    /// (An install not enrolled yet is its founding coordinator's; the server checks again.)
    pub(crate) fn coordinators_only(
        &self,
        field: &'static str,
        problem: &'static str,
    ) -> crate::Result<()> {
        if self.store.meta(ROLE)?.as_deref() == Some(Role::Volunteer.as_str()) {
            return Err(crate::Error::from(citizens_core::Error::invalid(
                field, problem,
            )));
        }
        Ok(())
    }
}

/// Where syncing stands.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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
    /// When the server last took this coordinator's laptop's public figures (ms; never: none).
    pub figures_published: Option<i64>,
    /// When and why the server refused the figures since (ms, its words); none once taken.
    pub figures_refused: Option<(i64, String)>,
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
        let answer: EnrollResponse = http.retrying(&mut self.ctx.rng, &mut |_| {}, |http| {
            http.post("/v1/enroll", None, &request)
        })?;
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
                agency: None,
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
        let dated = |key: &str| -> Result<Option<(i64, String)>, citizens_store::Error> {
            Ok(self.store.meta(key)?.and_then(|v| {
                let (at, message) = v.split_once(' ')?;
                Some((at.parse().ok()?, message.to_string()))
            }))
        };
        let last_error = dated(LAST_ERROR)?;
        Ok(SyncStatus {
            server: self.server()?,
            last_success: millis(LAST_OK)?,
            last_error,
            pending_changes: self.store.outbox_len()?,
            attachments_waiting: self.store.blobs_to_upload()?.len() as u64,
            set_aside: self.store.set_aside()?,
            held_back: self.store.held_back()?,
            figures_published: millis(FIGURES_AT)?,
            figures_refused: dated(FIGURES_REFUSED)?,
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
        let mut machine = Machine::new(policy);
        let mut event = Event::Start;
        loop {
            event = match machine.step(self, event, progress) {
                Effect::Send(outgoing) => match http.exchange(&outgoing) {
                    Ok(reply) => Event::Answered(reply),
                    Err(failure) => Event::Failed(failure),
                },
                Effect::Wait(pause) => {
                    std::thread::sleep(pause);
                    Event::Waited
                }
                Effect::Done => break,
            };
        }
        let counts = machine.outcome()?;
        let token = machine.token().ok_or(SyncError::NotEnrolled)?.to_string();
        let (uploaded, downloaded, attachments_waiting) =
            self.sync_attachments(&mut http, &token, progress)?;
        let mut report = std::mem::take(&mut http.report);
        report.attachments_uploaded = uploaded;
        report.attachments_downloaded = downloaded;
        report.attachments_waiting = attachments_waiting;
        report.figures_published = self.publish_figures(&mut http, &token)?;
        report.pushed = counts.pushed;
        report.pulled = counts.pulled;
        report.fetched = counts.fetched;
        report.removed = counts.removed;
        report.in_step = counts.in_step;
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
            match http.upload(token, &sha, &bytes, &mut self.ctx.rng, progress) {
                Ok(()) => {
                    self.store.blob_uploaded(&sha)?;
                    up += 1;
                }
                Err(SyncError::Store(e)) => return Err(SyncError::Store(e)),
                Err(_) => waiting += 1,
            }
        }
        for sha in self.store.missing_blobs()? {
            match http.download(token, &sha, &mut self.ctx.rng, progress) {
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
}

impl Client {
    /// After the records, on a coordinator's laptop: publish the organisation's public
    /// figures (the transparency page) when they differ from those last published. Whether
    /// they were taken; the server refusing them (kept, with its words, for the Sync screen)
    /// or not answering never fails the sync (the next one tries again).
    fn publish_figures(&mut self, http: &mut Http, token: &str) -> Result<bool, SyncError> {
        if self.store.meta(ROLE)?.as_deref() != Some(Role::Coordinator.as_str()) {
            return Ok(false);
        }
        let now = self.ctx.clock.now().millis();
        let asked = self.store.meta(FIGURES_NOW)?.is_some();
        let last: Option<i64> = self.store.meta(FIGURES_AT)?.and_then(|v| v.parse().ok());
        if !asked && last.is_some_and(|at| now - at < FIGURES_EVERY_MS) {
            return Ok(false);
        }
        let figures = self.public_figures()?;
        let digest = citizens_store::blobs::sha256_hex(&encode(&figures));
        if self.store.meta(FIGURES_SENT)?.as_deref() == Some(digest.as_str()) {
            // The server holds these: a refusal of others since is no longer the news.
            self.forget_figures_refusal()?;
            return Ok(false);
        }
        match http.post::<_, FiguresTaken>(FIGURES_PATH, Some(token), &figures) {
            Ok(_) => {
                self.store.set_meta(FIGURES_SENT, &digest)?;
                self.store.set_meta(FIGURES_AT, &now.to_string())?;
                self.forget_figures_refusal()?;
                Ok(true)
            }
            // Not reached: the next sync tries again.
            Err(Failure::Transient(_)) => Ok(false),
            // Refused: the coordinator is told why (the Sync screen, `citizens home`).
            Err(refused) => {
                let why = SyncError::from(refused).to_string();
                self.store
                    .set_meta(FIGURES_REFUSED, &format!("{now} {why}"))?;
                Ok(false)
            }
        }
    }

    /// The server took, holds or refused the figures: an ask to publish them is answered, and
    /// a refusal of others since is no longer the news (unless this is one).
    fn forget_figures_refusal(&mut self) -> Result<(), SyncError> {
        for key in [FIGURES_REFUSED, FIGURES_NOW] {
            if self.store.meta(key)?.is_some() {
                self.store.write(|w| w.delete_meta(key))?;
            }
        }
        Ok(())
    }

    /// A coordinator's "publish now": the next sync publishes the public figures, however
    /// recently they were published (otherwise at most once a day).
    pub fn publish_figures_at_next_sync(&mut self) -> Result<(), SyncError> {
        self.coordinators_only(
            "figures",
            "only a coordinator's laptop publishes the figures",
        )?;
        self.store.set_meta(FIGURES_NOW, "1")?;
        Ok(())
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
                    pace.offline.backoff(failures, &mut self.ctx.rng)
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
