//! Attachments on the server: `HEAD` tells how much of a file is here, `PUT` appends one chunk
//! at a stated offset (a cut connection costs at most one chunk), the digest is verified when
//! the last byte arrives, `GET` hands a file back. Only a validated hex digest ever becomes a
//! path.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use sha2::{Digest, Sha256};

use citizens_protocol::ErrorCode;
use citizens_server_core::{Core, Device};

use crate::error::{ApiError, Result};
use crate::http::{blocking, AppState};

/// Largest attachment accepted.
pub const MAX_BLOB_BYTES: u64 = 25 * 1024 * 1024;
/// Largest chunk accepted in one `PUT`.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

fn checked(sha: &str) -> Result<String> {
    if sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(sha.to_string())
    } else {
        Err(ApiError::refused(
            ErrorCode::InvalidDigest,
            "an attachment is named by its SHA-256 in lowercase hex",
        ))
    }
}

fn paths(dir: &Path, sha: &str) -> (PathBuf, PathBuf) {
    (dir.join(sha), dir.join(format!("{sha}.part")))
}

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

/// The digest, checked, when the device sees a record that references it; every attachment
/// request goes through here, so knowing a digest reveals nothing.
async fn in_scope(state: &AppState, device: Device, sha: &str) -> Result<String> {
    let sha = checked(sha)?;
    let core = state.core.clone();
    let digest = sha.clone();
    if !blocking(move || core.may_read_blob(&device, &digest)).await? {
        return Err(ApiError::refused(
            ErrorCode::Forbidden,
            "no record you can see holds this attachment",
        ));
    }
    Ok(sha)
}

/// `HEAD /v1/blobs/{sha}`.
pub async fn head(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    UrlPath(sha): UrlPath<String>,
) -> Result<Response> {
    let sha = in_scope(&state, device, &sha).await?;
    let (done, part) = paths(&state.blob_dir, &sha);
    let (offset, complete) = match (std::fs::metadata(&done), std::fs::metadata(&part)) {
        (Ok(m), _) => (m.len(), true),
        (_, Ok(m)) => (m.len(), false),
        _ => (0, false),
    };
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
    let sha = in_scope(&state, device, &sha).await?;
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
    if chunk.len() > MAX_CHUNK_BYTES || offset + chunk.len() as u64 > total {
        return Err(ApiError::refused(
            ErrorCode::InvalidChunk,
            "the chunk does not fit the declared length",
        ));
    }
    let dir = state.blob_dir.clone();
    blocking(move || {
        std::fs::create_dir_all(&dir).map_err(internal)?;
        let (done, part) = paths(&dir, &sha);
        if done.exists() {
            return Ok((StatusCode::OK, offset_headers(total, true)).into_response());
        }
        let have = std::fs::metadata(&part).map_or(0, |m| m.len());
        if have != offset {
            return Ok((StatusCode::CONFLICT, offset_headers(have, false)).into_response());
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&part)
            .map_err(internal)?;
        file.write_all(&chunk)
            .and_then(|()| file.sync_all())
            .map_err(internal)?;
        let now = offset + chunk.len() as u64;
        if now < total {
            return Ok((StatusCode::OK, offset_headers(now, false)).into_response());
        }
        let bytes = std::fs::read(&part).map_err(internal)?;
        if hex(&Sha256::digest(&bytes)) != sha {
            let _ = std::fs::remove_file(&part);
            return Err(citizens_server_core::Error::refused(
                ErrorCode::DigestMismatch,
                "the file does not match its SHA-256; send it again",
            ));
        }
        std::fs::rename(&part, &done).map_err(internal)?;
        Ok((StatusCode::OK, offset_headers(total, true)).into_response())
    })
    .await
}

/// `GET /v1/blobs/{sha}`: only for a device that sees a record referencing the attachment.
pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    UrlPath(sha): UrlPath<String>,
) -> Result<Response> {
    let sha = in_scope(&state, device, &sha).await?;
    let (done, _) = paths(&state.blob_dir, &sha);
    match tokio::fs::read(&done).await {
        Ok(bytes) => Ok((
            StatusCode::OK,
            [("content-type", "application/octet-stream")],
            bytes,
        )
            .into_response()),
        Err(_) => Ok((StatusCode::NOT_FOUND, "no such attachment").into_response()),
    }
}

/// How long an unfinished upload or an attachment no record names is kept.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Remove uploads left unfinished and attachments no record names, once older than a day:
/// nobody can fill the disk with uploads that never complete. Returns how many files went.
pub fn sweep(dir: &Path, core: &Core) -> citizens_server_core::Result<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > ABANDONED_AFTER);
        if !old {
            continue;
        }
        let abandoned = match name.strip_suffix(".part") {
            Some(_) => true,
            None => checked(&name).is_ok() && !core.blob_referenced(&name)?,
        };
        if abandoned && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

fn internal(e: std::io::Error) -> citizens_server_core::Error {
    citizens_server_core::Error::Backend(e.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
