//! Attachments on the server, in an object store shared by every instance (a folder by default;
//! S3 or any S3-compatible server when configured). `HEAD` tells how much of a file is there,
//! `PUT` adds one chunk at a stated offset (a cut connection costs at most one chunk; chunks are
//! objects of their own, `parts/{org}/{sha}/{offset}`, so the next chunk may reach another
//! instance), the digest is verified when the last byte arrives and the finished file is stored
//! as `orgs/{org}/{sha}`, `GET` hands it back. Each organisation keeps its own files: one that
//! names another's digest finds nothing there (it cannot tell the file exists, fetch it, or
//! block the other's case by naming it first). Only a validated hex digest ever becomes a name.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::StatusCode;
use citizens_protocol::ErrorCode;
use citizens_server_core::Core;
use futures::TryStreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, Result};

/// Largest attachment accepted.
pub const MAX_BLOB_BYTES: u64 = 25 * 1024 * 1024;
/// Largest chunk accepted in one `PUT`.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// Where attachments live.
#[derive(Debug, Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
}

fn failed(e: impl std::fmt::Display) -> citizens_server_core::Error {
    citizens_server_core::Error::Unavailable(format!("attachment storage: {e}"))
}

impl Blobs {
    /// Attachments in a folder (created if needed).
    pub fn folder(dir: &std::path::Path) -> anyhow::Result<Blobs> {
        std::fs::create_dir_all(dir)?;
        Ok(Blobs {
            // A finished upload leaves no empty chunk folders behind.
            store: Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(dir)?
                    .with_automatic_cleanup(true),
            ),
        })
    }

    /// Attachments in an S3 bucket, `s3://bucket`: endpoint, region and keys from the usual
    /// `AWS_*` environment (`AWS_ENDPOINT`, `AWS_ALLOW_HTTP=true` for a server on loopback).
    pub fn s3(url: &str) -> anyhow::Result<Blobs> {
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()?;
        Ok(Blobs {
            store: Arc::new(store),
        })
    }

    /// How much of organisation `org`'s `sha` is stored, and whether it is complete.
    pub(crate) async fn progress(
        &self,
        org: i64,
        sha: &str,
    ) -> citizens_server_core::Result<(u64, bool)> {
        match self.store.head(&file(org, sha)).await {
            Ok(meta) => return Ok((meta.size, true)),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(failed(e)),
        }
        Ok((
            self.parts(org, sha)
                .await?
                .iter()
                .map(|(_, size)| size)
                .sum(),
            false,
        ))
    }

    /// The chunks of an unfinished upload that follow each other from offset 0.
    async fn parts(&self, org: i64, sha: &str) -> citizens_server_core::Result<Vec<(u64, u64)>> {
        let prefix = Path::from(format!("parts/{org}/{sha}"));
        let mut found: Vec<(u64, u64)> = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| {
                let offset = meta.location.filename().and_then(|name| name.parse().ok());
                (offset, meta.size)
            })
            .try_collect::<Vec<_>>()
            .await
            .map_err(failed)?
            .into_iter()
            .filter_map(|(offset, size)| Some((offset?, size)))
            .collect();
        found.sort_unstable();
        let mut next = 0;
        found.retain(|&(offset, size)| {
            let follows = offset == next;
            if follows {
                next += size;
            }
            follows
        });
        Ok(found)
    }

    /// Store one chunk; when it is the last, check the whole file against its name and keep it.
    pub(crate) async fn put_chunk(
        &self,
        org: i64,
        sha: &str,
        offset: u64,
        total: u64,
        chunk: Bytes,
    ) -> citizens_server_core::Result<(StatusCode, u64, bool)> {
        let (have, complete) = self.progress(org, sha).await?;
        if complete {
            return Ok((StatusCode::OK, total, true));
        }
        if have != offset {
            return Ok((StatusCode::CONFLICT, have, false));
        }
        let end = offset + chunk.len() as u64;
        self.store
            .put(&part(org, sha, offset), chunk.into())
            .await
            .map_err(failed)?;
        if end < total {
            return Ok((StatusCode::OK, end, false));
        }
        let mut whole = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        let parts = self.parts(org, sha).await?;
        for (offset, _) in &parts {
            let bytes = self
                .store
                .get(&part(org, sha, *offset))
                .await
                .map_err(failed)?
                .bytes()
                .await
                .map_err(failed)?;
            whole.extend_from_slice(&bytes);
        }
        let matches = hex(&Sha256::digest(&whole)) == sha;
        if matches {
            self.store
                .put(&file(org, sha), whole.into())
                .await
                .map_err(failed)?;
        }
        for (offset, _) in parts {
            let _ = self.store.delete(&part(org, sha, offset)).await;
        }
        if !matches {
            return Err(citizens_server_core::Error::refused(
                ErrorCode::DigestMismatch,
                "the file does not match its SHA-256; send it again",
            ));
        }
        Ok((StatusCode::OK, total, true))
    }

    /// A finished file of organisation `org`.
    pub(crate) async fn get(
        &self,
        org: i64,
        sha: &str,
    ) -> citizens_server_core::Result<Option<Bytes>> {
        match self.store.get(&file(org, sha)).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(failed)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    /// Give each file of the layout before organisations kept their own (`{sha}`, at the top)
    /// to every organisation whose records name it, then remove it. Run at start, before
    /// serving, so only records stored before the upgrade count: under the earlier rules no
    /// organisation could link a file another's record held. Lists the top level only. How
    /// many went.
    pub async fn adopt_legacy(&self, core: Arc<Core>) -> citizens_server_core::Result<usize> {
        let top = self.store.list_with_delimiter(None).await.map_err(failed)?;
        let mut adopted = 0;
        for meta in top.objects {
            let name = meta.location.to_string();
            if checked(&name).is_err() {
                continue;
            }
            let sha = name.clone();
            let core = core.clone();
            let orgs = tokio::task::spawn_blocking(move || core.blob_orgs(&sha))
                .await
                .map_err(failed)??;
            if orgs.is_empty() {
                // No record names it: the sweep removes it once a day old.
                continue;
            }
            let bytes = self
                .store
                .get(&meta.location)
                .await
                .map_err(failed)?
                .bytes()
                .await
                .map_err(failed)?;
            for org in orgs {
                self.store
                    .put(&file(org, &name), bytes.clone().into())
                    .await
                    .map_err(failed)?;
            }
            self.store.delete(&meta.location).await.map_err(failed)?;
            adopted += 1;
        }
        Ok(adopted)
    }

    /// Remove chunks of uploads never finished and files no record of their organisation
    /// names (and files of the earlier layout no record named), once older than a day: nobody
    /// can fill the storage with uploads that never complete. How many went.
    pub async fn sweep(&self, core: Arc<Core>) -> citizens_server_core::Result<usize> {
        let cutoff = std::time::SystemTime::now()
            .checked_sub(ABANDONED_AFTER)
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        // Walked as listed, never collected: a store of millions of objects costs no memory.
        let mut listing = self.store.list(None);
        let mut removed = 0;
        while let Some(meta) = listing.try_next().await.map_err(failed)? {
            if meta.last_modified.timestamp_millis() >= cutoff {
                continue;
            }
            let name = meta.location.to_string();
            // Chunks (and the `.part` files of the layout before chunks were objects), and the
            // files of the layout before organisations (adopted at start if a record named them).
            let abandoned = if name.starts_with("parts/") || name.ends_with(".part") {
                true
            } else if let Some((org, sha)) = org_file(&name) {
                let core = core.clone();
                !tokio::task::spawn_blocking(move || core.blob_referenced(org, &sha))
                    .await
                    .map_err(failed)??
            } else {
                checked(&name).is_ok()
            };
            if abandoned && self.store.delete(&meta.location).await.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// Where organisation `org` keeps the finished file `sha`.
fn file(org: i64, sha: &str) -> Path {
    Path::from(format!("orgs/{org}/{sha}"))
}

/// The organisation and digest of a finished file's name.
fn org_file(name: &str) -> Option<(i64, String)> {
    let (org, sha) = name.strip_prefix("orgs/")?.split_once('/')?;
    Some((org.parse().ok()?, checked(sha).ok()?))
}

fn part(org: i64, sha: &str, offset: u64) -> Path {
    Path::from(format!("parts/{org}/{sha}/{offset:020}"))
}

pub(crate) fn checked(sha: &str) -> Result<String> {
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

/// How long an unfinished upload or an attachment no record names is kept.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
