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
use axum::Router;
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
use crate::storage::{Device, Limits, Storage};

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
    });
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/enroll", post(enroll))
        .route("/v1/token", post(token))
        .route("/v1/sync", post(sync))
        .route("/v1/fetch", post(fetch))
        .route("/v1/buckets", post(buckets))
        .route(
            "/v1/blobs/{sha}",
            axum::routing::head(crate::blobs::head)
                .put(crate::blobs::put)
                .get(crate::blobs::get),
        )
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

pub async fn authenticate(state: &Arc<AppState>, headers: &HeaderMap) -> Result<Device> {
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
        let mut attempts = state
            .attempts
            .lock()
            .map_err(|_| ServerError::Internal("lock".into()))?;
        let entry = attempts.entry(peer.ip()).or_insert((Instant::now(), 0));
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
    if request.user.trim().is_empty() || request.device_name.trim().is_empty() {
        return Err(ServerError::bad(
            "invalid_request",
            "give the user's name and the device's name",
        ));
    }
    let (storage, limits) = (state.storage.clone(), state.limits);
    let response = blocking(move || {
        storage.enroll(
            &request.code,
            &request.user,
            &request.device_name,
            now_millis(),
            limits,
        )
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
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let device = authenticate(&state, &headers).await?;
    let request: SyncRequest = body(&headers, &bytes)?;
    check_version(request.version)?;
    let (storage, limits) = (state.storage.clone(), state.limits);
    let pushed = request.pushes.len();
    let (id, batch) = (device.id, request.batch_id);
    let response = blocking(move || storage.sync(&device, &request, now_millis(), limits)).await?;
    tracing::info!(device = %id, batch = %batch, pushed, pulled = response.pulls.len(), more = response.more, "sync");
    Ok(cbor(&response))
}

async fn fetch(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let device = authenticate(&state, &headers).await?;
    let ids: Vec<Uuid> = body(&headers, &bytes)?;
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
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let device = authenticate(&state, &headers).await?;
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
