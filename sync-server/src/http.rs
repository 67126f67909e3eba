//! The router of the HTTP surface: `/healthz`, `/v1/enroll`, `/v1/token`, `/v1/sync`, `/v1/fetch`,
//! `/v1/buckets`, `/v1/figures`, `/v1/blobs/{sha}` (and the public face's routes). It
//! decodes, hands the request to the rules (`citizens-server-core`) off the async workers,
//! and encodes the answer.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use citizens_protocol::{
    decode, encode, BucketsRequest, EnrollRequest, ErrorCode, SyncRequest, TokenRequest,
    CONTENT_TYPE,
};
use citizens_server_core::{Core, Device};
use serde::Serialize;
use tower_http::compression::predicate::{DefaultPredicate, Predicate as _};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use uuid::Uuid;

use crate::error::{ApiError, Result};
use crate::state::{blocking, client_key, client_of, AppState, Face, HttpConfig};

/// Build the router.
pub fn router(
    core: Arc<Core>,
    http: HttpConfig,
    blobs: crate::blobs::Blobs,
    site: citizens_server_core::open311::Site,
    face: Face,
) -> Router {
    let state = Arc::new(AppState {
        core,
        blobs,
        behind_proxy: http.behind_proxy,
        site,
        face,
    });
    // Everything but enrolment and tokens needs a device: its token is checked before a byte
    // of the body is read, so nobody without one can make the server buffer anything.
    let device_routes = Router::new()
        .route("/v1/sync", post(sync))
        .route("/v1/fetch", post(fetch))
        .route("/v1/buckets", post(buckets))
        .route(citizens_protocol::FIGURES_PATH, post(figures))
        .route(
            "/v1/blobs/{sha}",
            axum::routing::head(crate::blobs_http::head)
                .put(crate::blobs_http::put)
                .get(crate::blobs_http::get),
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
        .merge(crate::open311::routes())
        .merge(crate::desk::routes())
        .merge(crate::public::routes())
        .with_state(state)
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(http.max_body_bytes))
        .layer(RequestDecompressionLayer::new())
        // Only answers that carry something are compressed: a refusal's few bytes gain
        // nothing, and to a `HEAD` its body is dropped on the way out while a gzip header
        // would stay, which a client reads as an answer cut off.
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                |status: StatusCode, _: Version, _: &HeaderMap, _: &Extensions| status.is_success(),
            )),
        )
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
        return Err(ApiError::refused(
            ErrorCode::WrongContentType,
            format!("send {CONTENT_TYPE}, not '{content_type}'"),
        ));
    }
    decode(bytes).ok_or_else(|| {
        ApiError::refused(
            ErrorCode::MalformedBody,
            "the request body is not a valid message; nothing was stored",
        )
    })
}

/// Largest body accepted before a device is known (enrolment and token requests are tiny).
const OPEN_BODY_BYTES: usize = 16 * 1024;

/// Authenticate the bearer token and hand the device to the handler, before the body is read.
async fn require_device(
    State(state): State<Arc<AppState>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<Response> {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::refused(
                ErrorCode::MissingToken,
                "sign in first: no access token was sent",
            )
        })?
        .to_string();
    let core = state.core.clone();
    let device = blocking(move || core.authenticate(&token)).await?;
    request.extensions_mut().insert(device);
    Ok(next.run(request).await)
}

async fn enroll(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let client = client_key(client_of(&state, peer, &headers));
    let request: EnrollRequest = body(&headers, &bytes)?;
    let core = state.core.clone();
    let response = blocking(move || core.enroll(&client, &request)).await?;
    tracing::info!(device = %response.device_id, role = response.role.as_str(), "device enrolled");
    Ok(cbor(&response))
}

async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let request: TokenRequest = body(&headers, &bytes)?;
    let core = state.core.clone();
    Ok(cbor(&blocking(move || core.issue_token(&request)).await?))
}

async fn sync(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let request: SyncRequest = body(&headers, &bytes)?;
    let core = state.core.clone();
    let pushed = request.pushes.len();
    let (id, batch) = (device.id, request.batch_id);
    let response = blocking(move || core.sync(&device, &request)).await?;
    tracing::info!(device = %id, batch = %batch, pushed, pulled = response.pulls.len(), more = response.more, "sync");
    Ok(cbor(&response))
}

async fn fetch(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let ids: Vec<Uuid> = body(&headers, &bytes)?;
    let core = state.core.clone();
    Ok(cbor(&blocking(move || core.fetch(&device, &ids)).await?))
}

async fn buckets(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let request: BucketsRequest = body(&headers, &bytes)?;
    let core = state.core.clone();
    Ok(cbor(
        &blocking(move || core.buckets(&device, &request)).await?,
    ))
}

/// A coordinator's laptop publishes its organisation's public figures.
async fn figures(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response> {
    let figures: citizens_core::figures::PublicFigures = body(&headers, &bytes)?;
    let core = state.core.clone();
    let id = device.id;
    let taken = blocking(move || core.publish_figures(&device, &figures)).await?;
    tracing::info!(device = %id, as_of = %taken.as_of, "public figures published");
    Ok(cbor(&taken))
}
