//! USB bundles: every case and session, encrypted under a bundle passphrase, carried between
//! laptops with no network. Importing merges (idempotent) and queues what was new here for the
//! server, so work carried by hand still reaches it.

use std::io::{Read, Write};

use citizens_protocol::{decode, encode, Push};
use citizens_store::keyfile::{open_with_passphrase, seal_with_passphrase};
use citizens_store::Origin;
use serde::{Deserialize, Serialize};

use crate::{Client, Error, Result};

const MAGIC: &[u8] = b"CCBUNDLE1\n";

#[derive(Serialize, Deserialize)]
struct Bundle {
    version: u32,
    records: Vec<Push>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BundleImport {
    /// Records in the bundle.
    pub records: usize,
    /// Records new to this laptop.
    pub created: usize,
    /// Records that gained changes.
    pub updated: usize,
}

impl Client {
    /// Write every case and session (changed since `since_millis`, if given) to `out`,
    /// encrypted under `passphrase`. Returns how many records were written.
    pub fn export_bundle(
        &self,
        out: impl Write,
        passphrase: &str,
        since_millis: Option<i64>,
    ) -> Result<usize> {
        citizens_store::keyfile::check_passphrase(passphrase)?;
        let records = self
            .store
            .record_ids_since(since_millis)?
            .into_iter()
            .map(|id| self.store.export(id))
            .collect::<Result<Vec<_>>>()?;
        let count = records.len();
        let sealed = seal_with_passphrase(
            passphrase,
            &encode(&Bundle {
                version: 1,
                records,
            }),
        )?;
        let mut out = out;
        out.write_all(MAGIC)?;
        out.write_all(&sealed)?;
        out.flush()?;
        Ok(count)
    }

    /// Merge a bundle into this laptop, all records or none.
    pub fn import_bundle(&mut self, input: impl Read, passphrase: &str) -> Result<BundleImport> {
        let mut bytes = Vec::new();
        input.take(1 << 31).read_to_end(&mut bytes)?;
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| Error::Rejected("this file is not a Citizens Connect bundle".into()))?;
        let plain = open_with_passphrase(passphrase, body).map_err(|e| match e {
            Error::WrongPassphrase => Error::Rejected("wrong bundle passphrase".into()),
            other => other,
        })?;
        let bundle: Bundle =
            decode(&plain).ok_or_else(|| Error::Rejected("the bundle is damaged".into()))?;
        if bundle.version != 1 {
            return Err(Error::Rejected(format!(
                "bundle version {} is newer than this app; update it",
                bundle.version
            )));
        }
        let report = self.store.write(|w| {
            let mut report = BundleImport {
                records: bundle.records.len(),
                ..BundleImport::default()
            };
            for push in &bundle.records {
                let merged = w.merge(push, Origin::Peer)?;
                report.created += usize::from(merged.created);
                report.updated += usize::from(merged.changed && !merged.created);
            }
            Ok(report)
        })?;
        self.find_duplicates()?;
        Ok(report)
    }
}
