//! Attachments on this laptop: content-addressed by SHA-256, each file encrypted
//! (XChaCha20-Poly1305 under a key derived from the database key) in `blobs/` beside the
//! database. File names never become paths: only the hex digest does.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rusqlite::params;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{Error, Result, Store};

/// Largest attachment accepted.
pub const MAX_BLOB_BYTES: usize = 25 * 1024 * 1024;

/// The hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Check a digest is 64 lowercase hex characters (the only thing that becomes a file name).
pub fn valid_sha(sha: &str) -> bool {
    sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub(crate) struct BlobDir {
    dir: PathBuf,
    key: Zeroizing<[u8; 32]>,
}

impl BlobDir {
    pub(crate) fn new(data_dir: &Path, db_key: &[u8]) -> BlobDir {
        let mut hasher = Sha256::new();
        hasher.update(b"citizens-connect blob key v1");
        hasher.update(db_key);
        BlobDir {
            dir: data_dir.join("blobs"),
            key: Zeroizing::new(hasher.finalize().into()),
        }
    }
}

impl std::fmt::Debug for BlobDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobDir")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Keep an attachment (encrypted); returns its SHA-256. Storing the same bytes twice is a no-op.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<String> {
        if bytes.len() > MAX_BLOB_BYTES {
            return Err(Error::Rejected(format!(
                "the file is larger than {} MB",
                MAX_BLOB_BYTES / 1024 / 1024
            )));
        }
        let sha = sha256_hex(bytes);
        let blobs = self.blob_dir();
        let path = blobs.dir.join(&sha);
        if !path.exists() {
            fs::create_dir_all(&blobs.dir)?;
            let mut nonce = [0u8; 24];
            rand::rngs::OsRng.fill_bytes(&mut nonce);
            let sealed = XChaCha20Poly1305::new(blobs.key.as_ref().into())
                .encrypt(XNonce::from_slice(&nonce), bytes)
                .map_err(|_| Error::Damaged("could not encrypt the attachment".into()))?;
            let tmp = blobs.dir.join(format!("{sha}.tmp"));
            let mut out = fs::File::create(&tmp)?;
            out.write_all(&nonce)?;
            out.write_all(&sealed)?;
            out.sync_all()?;
            fs::rename(&tmp, &path)?;
        }
        self.conn().execute(
            "INSERT OR IGNORE INTO blobs (sha256, size) VALUES (?1, ?2)",
            params![sha, bytes.len()],
        )?;
        Ok(sha)
    }

    /// An attachment's bytes, decrypted and checked against its digest.
    pub fn get_blob(&self, sha: &str) -> Result<Vec<u8>> {
        if !valid_sha(sha) {
            return Err(Error::NotFound {
                what: "attachment",
                id: sha.to_string(),
            });
        }
        let blobs = self.blob_dir();
        let sealed = fs::read(blobs.dir.join(sha)).map_err(|_| Error::NotFound {
            what: "attachment",
            id: sha.to_string(),
        })?;
        if sealed.len() < 24 {
            return Err(Error::Damaged("attachment file".into()));
        }
        let plain = XChaCha20Poly1305::new(blobs.key.as_ref().into())
            .decrypt(XNonce::from_slice(&sealed[..24]), &sealed[24..])
            .map_err(|_| Error::Damaged("attachment file".into()))?;
        if sha256_hex(&plain) != sha {
            return Err(Error::Damaged(
                "attachment does not match its digest".into(),
            ));
        }
        Ok(plain)
    }

    /// Forget an attachment no case holds any more (replaced by a re-sealed copy).
    pub fn delete_blob(&self, sha: &str) -> Result<()> {
        if valid_sha(sha) {
            self.conn()
                .execute("DELETE FROM blobs WHERE sha256 = ?1", [sha])?;
            match fs::remove_file(self.blob_dir().dir.join(sha)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether this laptop holds the attachment.
    pub fn has_blob(&self, sha: &str) -> bool {
        valid_sha(sha) && self.blob_dir().dir.join(sha).exists()
    }

    /// Attachments not yet on the server.
    pub fn blobs_to_upload(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT sha256 FROM blobs WHERE uploaded = 0 ORDER BY rowid")?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    }

    /// Mark an attachment as held by the server.
    pub fn blob_uploaded(&self, sha: &str) -> Result<()> {
        self.conn()
            .execute("UPDATE blobs SET uploaded = 1 WHERE sha256 = ?1", [sha])?;
        Ok(())
    }

    /// Attachments referenced by cases here but missing on this laptop.
    pub fn missing_blobs(&self) -> Result<Vec<String>> {
        let mut missing = Vec::new();
        for id in self.grievance_ids()? {
            let uuid = uuid::Uuid::parse_str(&id).map_err(|_| Error::Damaged("id".into()))?;
            let g: citizens_core::grievance::Grievance = self.read(uuid)?;
            missing.extend(
                g.attachments
                    .into_iter()
                    .map(|a| a.sha256)
                    .filter(|s| valid_sha(s) && !self.has_blob(s)),
            );
        }
        missing.sort();
        missing.dedup();
        Ok(missing)
    }
}
