//! The protocol's steps as a state machine, with no network, no sleeping and no clock of its
//! own: events go in (an answer, a failure with its typed code, a pause over) and effects come
//! out (send this, wait that long, finished). It commits answers to the local store as they
//! arrive. The HTTP driver in `sync.rs` only runs it; the deterministic harness runs it over a
//! simulated network.

use std::time::Duration;

use citizens_protocol::{
    BucketsRequest, BucketsResponse, ErrorCode, Push, SyncRequest, SyncResponse, TokenRequest,
    TokenResponse, PROTOCOL_VERSION,
};
use citizens_store::PENDING_BATCH;
use rand::Rng;
use uuid::Uuid;

use super::{Progress, RetryPolicy, SyncError, BATCH_BYTES, DEVICE_ID, DEVICE_SECRET, TOKEN};
use crate::Client;

/// A request to the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `/v1/token`.
    Token(TokenRequest),
    /// `/v1/sync`.
    Sync(SyncRequest),
    /// `/v1/fetch`.
    Fetch(Vec<Uuid>),
    /// `/v1/buckets`.
    Buckets(BucketsRequest),
}

impl Request {
    /// Its path.
    pub fn path(&self) -> &'static str {
        match self {
            Request::Token(_) => "/v1/token",
            Request::Sync(_) => "/v1/sync",
            Request::Fetch(_) => "/v1/fetch",
            Request::Buckets(_) => "/v1/buckets",
        }
    }
}

/// The server's answer to a [`Request`] of the same kind.
#[derive(Debug, Clone)]
pub enum Reply {
    /// To `/v1/token`.
    Token(TokenResponse),
    /// To `/v1/sync`.
    Sync(SyncResponse),
    /// To `/v1/fetch`.
    Fetch(Vec<Push>),
    /// To `/v1/buckets`.
    Buckets(BucketsResponse),
}

/// A request and the access token to send it with.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The request.
    pub request: Request,
    /// `Authorization: Bearer` (none for `/v1/token`).
    pub token: Option<String>,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Worth trying again: no connection, a cut answer, 5xx, 408, 429.
    Transient(String),
    /// The server refused, with its code.
    Refused {
        /// Its code.
        code: ErrorCode,
        /// Its words.
        message: String,
    },
    /// Something that is not our server answered.
    NotOurServer(String),
}

/// What happened.
#[derive(Debug, Clone)]
pub enum Event {
    /// Begin.
    Start,
    /// The answer to the last request sent.
    Answered(Reply),
    /// The last request sent failed.
    Failed(Failure),
    /// The pause asked for is over.
    Waited,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send this; answer with [`Event::Answered`] or [`Event::Failed`].
    Send(Outgoing),
    /// Pause this long, then [`Event::Waited`].
    Wait(Duration),
    /// The sync is over ([`Machine::outcome`] tells how it ended).
    Done,
}

/// What a sync moved, for its report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Local changes acknowledged by the server.
    pub pushed: usize,
    /// Changes pulled and applied.
    pub pulled: usize,
    /// Records fetched whole.
    pub fetched: usize,
    /// Cases removed because they left this user's scope.
    pub removed: usize,
    /// Local and server checksums agree at the end.
    pub in_step: bool,
}

/// Retries of one request: at most `policy.attempts`, with exponential backoff and jitter.
/// One rule for the records' sync and the attachments' transfers.
#[derive(Debug, Clone)]
pub struct Retries {
    policy: RetryPolicy,
    failures: u32,
}

impl Retries {
    /// A fresh count.
    pub fn new(policy: RetryPolicy) -> Retries {
        Retries {
            policy,
            failures: 0,
        }
    }

    /// A request failed: the pause before trying again, or `None` when the attempts are spent.
    pub fn failed(&mut self, rng: &mut impl Rng) -> Option<Duration> {
        self.failures += 1;
        (self.failures < self.policy.attempts).then(|| self.policy.backoff(self.failures, rng))
    }

    /// How many attempts failed so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// An answer came: the next request starts afresh.
    pub fn answered(&mut self) {
        self.failures = 0;
    }
}

#[derive(Debug, Clone)]
enum Phase {
    /// Waiting for a token; the request it interrupted, if any, goes again after.
    Token(Option<Box<(Phase, Outgoing)>>),
    /// Waiting for the answer to a batch (`acknowledged`: its last outbox entry).
    Batch { acknowledged: Option<i64> },
    /// Waiting for records fetched whole; `rest` still to ask for, then `then`.
    Fetch { rest: Vec<Uuid>, then: After },
    /// Waiting for the 64-bucket summary.
    Summary,
    /// Waiting for the records of the differing buckets.
    Listing { differing: Vec<u8> },
    /// Waiting for the answer to records pushed whole; `rest` still to push.
    PushWhole { rest: Vec<Uuid> },
    /// Waiting for the last pull after a repair.
    Final,
    /// Over.
    Finished,
}

#[derive(Debug, Clone)]
enum After {
    /// More batches, or the checksum check.
    Batches,
    /// Push whole the records the server lacks.
    Push(Vec<Uuid>),
}

/// One sync of one laptop.
#[derive(Debug)]
pub struct Machine {
    phase: Phase,
    retries: Retries,
    in_flight: Option<Outgoing>,
    token: Option<String>,
    /// Tokens fetched since the last answer that was not a token, for a refusal of a token that
    /// by this laptop's clock was still good: a server that refuses every fresh token (its clock
    /// far ahead) ends the sync instead of looping. A token that has run out here too (the
    /// laptop slept, the link stalled for its whole life) is renewed whatever the count: time
    /// passing bounds that.
    renewals: u32,
    last: Option<(bool, Vec<u8>)>,
    pending_changes: usize,
    /// Send changes whole, not thin (the server could not rebuild a thin one).
    whole: bool,
    counts: Counts,
    failure: Option<SyncError>,
}

const FETCH_CHUNK: usize = 500;
/// Fresh tokens tried in a row before giving up.
const MAX_RENEWALS: u32 = 3;
const PUSH_CHUNK: usize = 200;

impl Machine {
    /// A sync that will try each request as `policy` says.
    pub fn new(policy: RetryPolicy) -> Machine {
        Machine {
            phase: Phase::Finished,
            retries: Retries::new(policy),
            in_flight: None,
            token: None,
            renewals: 0,
            last: None,
            pending_changes: 0,
            whole: false,
            counts: Counts::default(),
            failure: None,
        }
    }

    /// How it ended: `Ok` or why not (once [`Effect::Done`] came out).
    pub fn outcome(&mut self) -> Result<Counts, SyncError> {
        match self.failure.take() {
            Some(e) => Err(e),
            None => Ok(self.counts),
        }
    }

    /// The access token in use (for the attachments after the records).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Feed an event; get the next effect.
    pub fn step(
        &mut self,
        client: &mut Client,
        event: Event,
        progress: &mut dyn FnMut(Progress),
    ) -> Effect {
        match self.advance(client, event, progress) {
            Ok(effect) => effect,
            Err(e) => {
                self.failure = Some(e);
                self.phase = Phase::Finished;
                self.in_flight = None;
                Effect::Done
            }
        }
    }

    fn send(&mut self, phase: Phase, request: Request) -> Result<Effect, SyncError> {
        let token = match request {
            Request::Token(_) => None,
            _ => self.token.clone(),
        };
        let outgoing = Outgoing { request, token };
        self.phase = phase;
        self.in_flight = Some(outgoing.clone());
        Ok(Effect::Send(outgoing))
    }

    fn advance(
        &mut self,
        client: &mut Client,
        event: Event,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Effect, SyncError> {
        match event {
            Event::Start => {
                *self = Machine::new(self.retries.policy);
                // What the server refused last time is offered again (a case reassigned back,
                // changes the server has meanwhile had from their own laptop).
                client.store.retry_set_aside()?;
                self.token = kept_token(client, 60_000)?;
                match self.token {
                    Some(_) => self.next_batch(client, progress),
                    None => self.send(Phase::Token(None), token_request(client)?),
                }
            }
            Event::Waited => {
                let outgoing = self
                    .in_flight
                    .clone()
                    .ok_or_else(|| SyncError::Network("nothing to send again".into()))?;
                Ok(Effect::Send(outgoing))
            }
            Event::Failed(Failure::Transient(why)) => {
                match self.retries.failed(&mut client.ctx.rng) {
                    Some(pause) => {
                        progress(Progress::Retrying(self.retries.failures()));
                        Ok(Effect::Wait(pause))
                    }
                    None => Err(SyncError::Network(why)),
                }
            }
            Event::Failed(Failure::Refused {
                code: ErrorCode::ExpiredToken | ErrorCode::InvalidToken,
                ..
            }) if !matches!(self.phase, Phase::Token(_))
                && (self.renewals < MAX_RENEWALS || !token_good_here(client)?) =>
            {
                // The kept token is no longer honoured (expired, server restored): get a new
                // one, then send the same request again.
                if token_good_here(client)? {
                    self.renewals += 1;
                }
                let interrupted = self
                    .in_flight
                    .take()
                    .map(|o| Box::new((self.phase.clone(), o)));
                self.send(Phase::Token(interrupted), token_request(client)?)
            }
            Event::Failed(Failure::Refused {
                code: ErrorCode::UnknownDependency,
                ..
            }) if !self.whole && matches!(self.phase, Phase::Batch { .. }) => {
                // A thin change followed one the server does not hold: the same batch, whole.
                self.whole = true;
                self.next_batch(client, progress)
            }
            Event::Failed(Failure::Refused { code, message }) => {
                Err(SyncError::Refused { code, message })
            }
            Event::Failed(Failure::NotOurServer(what)) => Err(SyncError::NotOurServer(what)),
            Event::Answered(reply) => {
                self.retries.answered();
                // A token that served a request may expire later in a long sync (a first full
                // sync over 2G outlasts it): it may be renewed again then.
                if !matches!(reply, Reply::Token(_)) {
                    self.renewals = 0;
                }
                self.answered(client, reply, progress)
            }
        }
    }

    fn answered(
        &mut self,
        client: &mut Client,
        reply: Reply,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Effect, SyncError> {
        let wrong = || SyncError::NotOurServer("an answer to another question".into());
        match (std::mem::replace(&mut self.phase, Phase::Finished), reply) {
            (Phase::Token(interrupted), Reply::Token(answer)) => {
                let now = client.ctx.clock.now().millis();
                let expires =
                    now + i64::try_from(answer.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX);
                client
                    .store
                    .set_meta(TOKEN, &format!("{expires} {}", answer.access_token))?;
                self.token = Some(answer.access_token);
                match interrupted {
                    Some(resume) => {
                        let (phase, outgoing) = *resume;
                        self.send(phase, outgoing.request)
                    }
                    None => self.next_batch(client, progress),
                }
            }
            (Phase::Batch { acknowledged }, Reply::Sync(answer)) => {
                let applied = client.store.apply_sync(&answer, acknowledged)?;
                self.counts.removed += applied.removed;
                if acknowledged.is_some() {
                    self.counts.pushed += self.pending_changes;
                }
                self.counts.pulled += applied.changes;
                progress(Progress::Pulled(self.counts.pulled));
                self.last = Some((answer.more, answer.checksum.to_vec()));
                self.fetch(client, applied.need_whole, After::Batches, progress)
            }
            (Phase::Fetch { rest, then }, Reply::Fetch(docs)) => {
                for doc in &docs {
                    self.counts.fetched += usize::from(client.store.merge_from_server(doc)?);
                }
                // What the server did not send back it no longer shows this laptop.
                if let Some(Request::Fetch(asked)) = self.in_flight.as_ref().map(|o| &o.request) {
                    let sent: std::collections::HashSet<Uuid> =
                        docs.iter().map(|d| d.doc_id).collect();
                    let unsent: Vec<Uuid> = asked
                        .iter()
                        .filter(|id| !sent.contains(id))
                        .copied()
                        .collect();
                    client.store.let_go_held_back(&unsent)?;
                }
                self.fetch(client, rest, then, progress)
            }
            (Phase::Summary, Reply::Buckets(summary)) => {
                let ours = citizens_protocol::bucket_summary(&client.store.record_digests()?);
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
                    return self.final_pull(client);
                }
                let request = BucketsRequest {
                    version: PROTOCOL_VERSION,
                    buckets: differing.clone(),
                };
                self.send(Phase::Listing { differing }, Request::Buckets(request))
            }
            (Phase::Listing { differing }, Reply::Buckets(listed)) => {
                let theirs: std::collections::HashMap<Uuid, Vec<u8>> = listed
                    .records
                    .into_iter()
                    .map(|(id, d)| (id, d.0))
                    .collect();
                let mine: std::collections::HashMap<Uuid, [u8; 32]> = client
                    .store
                    .record_digests()?
                    .into_iter()
                    .filter(|(id, _)| {
                        differing.contains(&(citizens_protocol::bucket_of(*id) as u8))
                    })
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
                self.fetch(client, to_fetch, After::Push(to_push), progress)
            }
            (Phase::PushWhole { rest }, Reply::Sync(answer)) => {
                self.counts.removed += client.store.apply_sync(&answer, None)?.removed;
                self.push_whole(client, rest)
            }
            (Phase::Final, Reply::Sync(answer)) => {
                let applied = client.store.apply_sync(&answer, None)?;
                self.counts.pulled += applied.changes;
                self.counts.removed += applied.removed;
                self.counts.in_step =
                    client.store.collection_checksum()?[..] == answer.checksum[..];
                self.in_flight = None;
                Ok(Effect::Done)
            }
            _ => Err(wrong()),
        }
    }

    /// Fetch `ids` whole, a chunk at a time, then go on with `then`.
    fn fetch(
        &mut self,
        client: &mut Client,
        mut ids: Vec<Uuid>,
        then: After,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Effect, SyncError> {
        if !ids.is_empty() {
            let rest = ids.split_off(ids.len().min(FETCH_CHUNK));
            return self.send(Phase::Fetch { rest, then }, Request::Fetch(ids));
        }
        match then {
            After::Push(to_push) => self.push_whole(client, to_push),
            After::Batches => {
                let more = self.last.as_ref().is_some_and(|(more, _)| *more);
                if more || client.store.outbox_len()? > 0 {
                    return self.next_batch(client, progress);
                }
                let checksum = self
                    .last
                    .as_ref()
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default();
                if client.store.collection_checksum()?[..] == checksum[..] {
                    self.counts.in_step = true;
                    self.in_flight = None;
                    return Ok(Effect::Done);
                }
                progress(Progress::Recovering);
                let request = BucketsRequest {
                    version: PROTOCOL_VERSION,
                    buckets: Vec::new(),
                };
                self.send(Phase::Summary, Request::Buckets(request))
            }
        }
    }

    /// Push whole, a chunk at a time, the records the server lacks or holds differently.
    fn push_whole(&mut self, client: &mut Client, mut ids: Vec<Uuid>) -> Result<Effect, SyncError> {
        if ids.is_empty() {
            return self.final_pull(client);
        }
        let rest = ids.split_off(ids.len().min(PUSH_CHUNK));
        let pushes = ids
            .iter()
            .map(|id| client.store.export(*id))
            .collect::<Result<Vec<_>, _>>()?;
        let request = SyncRequest {
            version: PROTOCOL_VERSION,
            batch_id: new_batch_id(client),
            since: client.store.checkpoint()?,
            pushes,
        };
        self.send(Phase::PushWhole { rest }, Request::Sync(request))
    }

    fn final_pull(&mut self, client: &mut Client) -> Result<Effect, SyncError> {
        let request = SyncRequest {
            version: PROTOCOL_VERSION,
            batch_id: new_batch_id(client),
            since: client.store.checkpoint()?,
            pushes: Vec::new(),
        };
        self.send(Phase::Final, Request::Sync(request))
    }

    /// The next batch of the outbox (the batch in flight again, unchanged, after a failure:
    /// the server answers a batch it has seen with its stored answer).
    fn next_batch(
        &mut self,
        client: &mut Client,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Effect, SyncError> {
        let store = &client.store;
        let pending = store.meta(PENDING_BATCH)?.and_then(|p| {
            let (id, seq) = p.split_once(' ')?;
            Some((Uuid::parse_str(id).ok()?, seq.parse::<i64>().ok()?))
        });
        let batch = store.outbox_batch(BATCH_BYTES, pending.map(|(_, seq)| seq))?;
        let batch_id = match (pending, &batch) {
            (Some((id, _)), Some(_)) => id,
            (_, Some(b)) => {
                let id = new_batch_id(client);
                client
                    .store
                    .set_meta(PENDING_BATCH, &format!("{id} {}", b.last_seq))?;
                id
            }
            (_, None) => new_batch_id(client),
        };
        self.pending_changes = batch.as_ref().map_or(0, |b| b.changes);
        if let Some(b) = &batch {
            progress(Progress::Pushing(b.changes));
        }
        let mut pushes = batch.as_ref().map(|b| b.pushes.clone()).unwrap_or_default();
        if !self.whole {
            // The server holds what these changes follow (or they follow each other): their
            // dependencies go as prefixes.
            for change in pushes.iter_mut().flat_map(|p| p.changes.iter_mut()) {
                if let Some(thin) = citizens_protocol::thin::thin(change) {
                    *change = thin.into();
                }
            }
        }
        let request = SyncRequest {
            version: PROTOCOL_VERSION,
            batch_id,
            since: client.store.checkpoint()?,
            pushes,
        };
        let acknowledged = batch.map(|b| b.last_seq);
        self.send(Phase::Batch { acknowledged }, Request::Sync(request))
    }
}

fn new_batch_id(client: &mut Client) -> Uuid {
    uuid::Builder::from_random_bytes(client.ctx.rng.gen()).into_uuid()
}

/// The token kept from the last sync, unless it expires within `margin_ms` by this laptop's
/// clock.
fn kept_token(client: &Client, margin_ms: i64) -> Result<Option<String>, SyncError> {
    let now = client.ctx.clock.now().millis();
    Ok(client.store.meta(TOKEN)?.and_then(|t| {
        let (expires, token) = t.split_once(' ')?;
        (expires.parse::<i64>().ok()? > now + margin_ms).then(|| token.to_string())
    }))
}

/// Whether the kept token is still good by this laptop's clock.
fn token_good_here(client: &Client) -> Result<bool, SyncError> {
    Ok(kept_token(client, 0)?.is_some())
}

fn token_request(client: &Client) -> Result<Request, SyncError> {
    let device_id = client
        .store
        .meta(DEVICE_ID)?
        .ok_or(SyncError::NotEnrolled)?;
    let secret = client
        .store
        .meta(DEVICE_SECRET)?
        .ok_or(SyncError::NotEnrolled)?;
    Ok(Request::Token(TokenRequest {
        version: PROTOCOL_VERSION,
        device_id: Uuid::parse_str(&device_id).map_err(|_| SyncError::NotEnrolled)?,
        device_secret: secret,
    }))
}
