//! The HTTP surface: `/healthz`, `/v1/enroll`, `/v1/token`, `/v1/sync`, `/v1/fetch`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use citizens_protocol::{
    decode, encode, BucketsRequest, BucketsResponse, EnrollRequest, SyncRequest, TokenRequest,
    CONTENT_TYPE, PROTOCOL_VERSION,
};
use serde::Serialize;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use uuid::Uuid;

use crate::error::{Result, ServerError};
use crate::storage::{Device, Enrolment, Limits, Storage};

/// Shared state of the running server.
pub struct AppState {
    /// Storage backend.
    pub storage: Arc<dyn Storage>,
    /// Token lifetime and page size.
    pub limits: Limits,
    /// Where attachments live.
    pub blob_dir: std::path::PathBuf,
    /// Enrolment attempts per client address in the current minute.
    attempts: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    /// Count clients by `X-Forwarded-For` (see [`HttpConfig::behind_proxy`]).
    behind_proxy: bool,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Enrolment attempts allowed per address per minute.
const ENROL_ATTEMPTS_PER_MINUTE: u32 = 10;

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct HttpConfig {
    /// Largest request body accepted (after decompression).
    pub max_body_bytes: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// How long a connection may take to send its request headers.
    pub header_timeout: Duration,
    /// The server sits behind a proxy that appends the client's address to `X-Forwarded-For`:
    /// rate limits then count per client, not per proxy. Off, the header is ignored (anyone
    /// could write it).
    pub behind_proxy: bool,
}

/// Milliseconds since the epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Build the router.
pub fn router(
    storage: Arc<dyn Storage>,
    limits: Limits,
    http: HttpConfig,
    blob_dir: std::path::PathBuf,
) -> Router {
    let state = Arc::new(AppState {
        storage,
        limits,
        blob_dir,
        attempts: Mutex::new(HashMap::new()),
        behind_proxy: http.behind_proxy,
    });
    // Everything but enrolment and tokens needs a device: its token is checked before a byte
    // of the body is read, so nobody without one can make the server buffer anything.
    let device_routes = Router::new()
        .route("/v1/sync", post(sync))
        .route("/v1/fetch", post(fetch))
        .route("/v1/buckets", post(buckets))
        .route(
            "/v1/blobs/{sha}",
            axum::routing::head(crate::blobs::head)
                .put(crate::blobs::put)
                .get(crate::blobs::get),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_device,
        ));
    // Before authentication only small messages are accepted.
    let open_routes = Router::new()
        .route("/v1/enroll", post(enroll))
        .route("/v1/token", post(token))
        .layer(RequestBodyLimitLayer::new(OPEN_BODY_BYTES));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(open_routes)
        .merge(device_routes)
        .with_state(state)
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(http.max_body_bytes))
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            http.timeout,
        ))
}

fn cbor<T: Serialize>(value: &T) -> Response {
    let mut response = (StatusCode::OK, encode(value)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// Check the content type and decode a CBOR body; anything else is a plain 4xx.
fn body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<T> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != CONTENT_TYPE {
        return Err(ServerError::bad(
            "wrong_content_type",
            format!("send {CONTENT_TYPE}, not '{content_type}'"),
        ));
    }
    decode(bytes).ok_or_else(|| {
        ServerError::bad(
            "malformed_body",
            "the request body is not a valid message; nothing was stored",
        )
    })
}

fn check_version(version: u32) -> Result<()> {
    if version == PROTOCOL_VERSION {
        Ok(())
    } else if version > PROTOCOL_VERSION {
        Err(ServerError::bad(
            "unsupported_version",
            format!("this laptop speaks sync protocol {version} but the server only knows {PROTOCOL_VERSION}: the server needs updating"),
        ))
    } else {
        Err(ServerError::bad(
            "unsupported_version",
            format!("this laptop speaks the old sync protocol {version}; the server needs {PROTOCOL_VERSION}: update the app"),
        ))
    }
}

pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServerError::Internal(e.to_string()))?
}

/// Largest body accepted before a device is known (enrolment and token requests are tiny).
const OPEN_BODY_BYTES: usize = 16 * 1024;

/// Authenticate the bearer token and hand the device to the handler, before the body is read.
async fn require_device(
    State(state): State<Arc<AppState>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<Response> {
    let device = authenticate(&state, request.headers()).await?;
    request.extensions_mut().insert(device);
    Ok(next.run(request).await)
}

async fn authenticate(state: &Arc<AppState>, headers: &HeaderMap) -> Result<Device> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ServerError::unauthorized("missing_token", "sign in first: no access token was sent")
        })?
        .to_string();
    let storage = state.storage.clone();
    blocking(move || storage.authenticate(&token, now_millis())).await
}

async fn enroll(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    {
        // Behind a proxy, the client is the last address the proxy appended.
        let client = state
            .behind_proxy
            .then(|| {
                headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.rsplit(',').next())
                    .and_then(|v| v.trim().parse::<IpAddr>().ok())
            })
            .flatten()
            .unwrap_or(peer.ip());
        let mut attempts = state
            .attempts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = attempts.entry(client).or_insert((Instant::now(), 0));
        if entry.0.elapsed() > Duration::from_secs(60) {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
        if entry.1 > ENROL_ATTEMPTS_PER_MINUTE {
            return Err(ServerError::TooMany);
        }
    }
    let request: EnrollRequest = body(&headers, &bytes)?;
    check_version(request.version)?;
    let device_name = request.device_name.trim().to_string();
    if device_name.is_empty() || device_name.chars().count() > 100 {
        return Err(ServerError::bad(
            "invalid_request",
            "give the device's name, in at most 100 characters",
        ));
    }
    if !citizens_protocol::EnrolmentCode::is_secret(&request.code) {
        return Err(ServerError::unauthorized(
            "invalid_code",
            "this enrolment code is not known; ask your coordinator for a new one",
        ));
    }
    let actor = request.actor.to_ascii_lowercase();
    if actor.is_empty()
        || actor.len() > 64
        || !actor.len().is_multiple_of(2)
        || !actor.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ServerError::bad(
            "invalid_request",
            "the device's writer id is not valid",
        ));
    }
    if !(32..=128).contains(&request.device_secret.len()) {
        return Err(ServerError::bad(
            "invalid_request",
            "the device credential is not valid",
        ));
    }
    let (storage, limits) = (state.storage.clone(), state.limits);
    let response = blocking(move || {
        let enrolment = Enrolment {
            code: &request.code,
            device_name: &device_name,
            actor: &actor,
            device_secret: &request.device_secret,
        };
        storage.enroll(&enrolment, now_millis(), limits)
    })
    .await?;
    tracing::info!(device = %response.device_id, role = response.role.as_str(), "device enrolled");
    Ok(cbor(&response))
}

async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let request: TokenRequest = body(&headers, &bytes)?;
    check_version(request.version)?;
    let (storage, limits) = (state.storage.clone(), state.limits);
    let response = blocking(move || {
        storage.issue_token(
            request.device_id,
            &request.device_secret,
            now_millis(),
            limits,
        )
    })
    .await?;
    Ok(cbor(&response))
}

async fn sync(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let request: SyncRequest = body(&headers, &bytes)?;
    check_version(request.version)?;
    let changes: usize = request.pushes.iter().map(|p| p.changes.len()).sum();
    if changes > citizens_protocol::MAX_BATCH_CHANGES {
        return Err(ServerError::bad(
            "too_many",
            format!(
                "send at most {} changes at a time; nothing was stored",
                citizens_protocol::MAX_BATCH_CHANGES
            ),
        ));
    }
    let (storage, limits) = (state.storage.clone(), state.limits);
    let pushed = request.pushes.len();
    let (id, batch) = (device.id, request.batch_id);
    let response = blocking(move || storage.sync(&device, &request, now_millis(), limits)).await?;
    tracing::info!(device = %id, batch = %batch, pushed, pulled = response.pulls.len(), more = response.more, "sync");
    Ok(cbor(&response))
}

async fn fetch(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let mut ids: Vec<Uuid> = body(&headers, &bytes)?;
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > 1_000 {
        return Err(ServerError::bad(
            "too_many",
            "ask for at most 1,000 records at a time",
        ));
    }
    let storage = state.storage.clone();
    let docs = blocking(move || storage.fetch(&device, &ids)).await?;
    Ok(cbor(&docs))
}

async fn buckets(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let request: BucketsRequest = body(&headers, &bytes)?;
    check_version(request.version)?;
    let storage = state.storage.clone();
    let records = blocking(move || storage.digests(&device)).await?;
    let response = if request.buckets.is_empty() {
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
    };
    Ok(cbor(&response))
}
