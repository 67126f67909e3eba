//! `/v1/blobs/{sha}` over HTTP (`HEAD`, `PUT` a chunk, `GET`): each request checked against
//! what the device sees, then handed to the object store ([`crate::blobs`]).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use citizens_protocol::ErrorCode;
use citizens_server_core::Device;

use crate::blobs::{checked, MAX_BLOB_BYTES, MAX_CHUNK_BYTES};
use crate::error::{ApiError, Result};
use crate::state::{blocking, AppState};

fn offset_headers(offset: u64, complete: bool) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("upload-offset", HeaderValue::from(offset));
    headers.insert(
        "upload-complete",
        HeaderValue::from_static(if complete { "true" } else { "false" }),
    );
    headers
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ApiError::refused(
                ErrorCode::InvalidRequest,
                format!("the {name} header is missing"),
            )
        })
}

/// The device's organisation and the digest, checked, when the device sees a record that
/// references it; every attachment request goes through here, so knowing a digest reveals
/// nothing.
async fn in_scope(state: &AppState, device: Device, sha: &str) -> Result<(i64, String)> {
    let sha = checked(sha)?;
    let core = state.core.clone();
    let digest = sha.clone();
    let org = device.org_id;
    if !blocking(move || core.may_read_blob(&device, &digest)).await? {
        return Err(ApiError::refused(
            ErrorCode::Forbidden,
            "no record you can see holds this attachment",
        ));
    }
    Ok((org, sha))
}

/// `HEAD /v1/blobs/{sha}`.
pub async fn head(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    UrlPath(sha): UrlPath<String>,
) -> Result<Response> {
    let (org, sha) = in_scope(&state, device, &sha).await?;
    let (offset, complete) = state.blobs.progress(org, &sha).await?;
    Ok((StatusCode::OK, offset_headers(offset, complete)).into_response())
}

/// `PUT /v1/blobs/{sha}` with `upload-offset` and `upload-length`.
pub async fn put(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    UrlPath(sha): UrlPath<String>,
    chunk: Bytes,
) -> Result<Response> {
    let (org, sha) = in_scope(&state, device, &sha).await?;
    let offset = header_u64(&headers, "upload-offset")?;
    let total = header_u64(&headers, "upload-length")?;
    if total > MAX_BLOB_BYTES {
        return Err(ApiError::refused(
            ErrorCode::TooLarge,
            format!(
                "attachments are limited to {} MB",
                MAX_BLOB_BYTES / 1024 / 1024
            ),
        ));
    }
    if chunk.is_empty() && total > 0
        || chunk.len() > MAX_CHUNK_BYTES
        || offset + chunk.len() as u64 > total
    {
        return Err(ApiError::refused(
            ErrorCode::InvalidChunk,
            "the chunk does not fit the declared length",
        ));
    }
    let (status, offset, complete) = state
        .blobs
        .put_chunk(org, &sha, offset, total, chunk)
        .await?;
    Ok((status, offset_headers(offset, complete)).into_response())
}

/// `GET /v1/blobs/{sha}`: only for a device that sees a record referencing the attachment.
pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    UrlPath(sha): UrlPath<String>,
) -> Result<Response> {
    let (org, sha) = in_scope(&state, device, &sha).await?;
    match state.blobs.get(org, &sha).await? {
        Some(bytes) => Ok((
            StatusCode::OK,
            [("content-type", "application/octet-stream")],
            bytes,
        )
            .into_response()),
        None => Ok((StatusCode::NOT_FOUND, "no such attachment").into_response()),
    }
}
