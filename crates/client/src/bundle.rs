//! USB bundles: every case and session, encrypted under a bundle passphrase, carried between
//! laptops with no network. Importing merges (idempotent) and queues what was new here for the
//! server, so work carried by hand still reaches it.

use std::io::{Read, Write};

use citizens_protocol::{decode, encode, Push, RecordKind};
use citizens_store::keyfile::{open_with_passphrase, seal_with_passphrase};
use citizens_store::Origin;
use serde::{Deserialize, Serialize};

use crate::{Client, Error, Result};

const MAGIC: &[u8] = b"CCBUNDLE1\n";

/// Largest bundle read: a whole laptop of 100,000 cases fits several times over, and nothing
/// larger is ever held in memory.
pub const MAX_BUNDLE_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Bundle {
    version: u32,
    /// The organisation the records belong to (absent in bundles of earlier versions).
    #[serde(default)]
    organisation: Option<String>,
    /// Its public key, when the exporting laptop had it (not before enrolment).
    #[serde(default)]
    org_public_key: Option<String>,
    records: Vec<Push>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
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
            .collect::<citizens_store::Result<Vec<_>>>()?;
        let count = records.len();
        let sealed = seal_with_passphrase(
            passphrase,
            &encode(&Bundle {
                version: 1,
                organisation: Some(self.ctx.profile.organisation.clone()),
                org_public_key: self.org_public_key().ok().map(str::to_string),
                records,
            }),
        )?;
        let mut out = out;
        out.write_all(MAGIC)?;
        out.write_all(&sealed)?;
        out.flush()?;
        Ok(count)
    }

    /// Merge a bundle into this laptop, all records or none. Only cases and town halls of
    /// this laptop's organisation are taken; the file's size and its key-derivation settings
    /// are bounded before anything is spent on them.
    pub fn import_bundle(&mut self, input: impl Read, passphrase: &str) -> Result<BundleImport> {
        let mut bytes = Vec::new();
        input.take(MAX_BUNDLE_BYTES + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_BUNDLE_BYTES {
            return Err(Error::Bundle(format!(
                "this bundle is larger than {} MiB; export it in parts (changes since a date)",
                MAX_BUNDLE_BYTES / 1024 / 1024
            )));
        }
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| Error::Bundle("this file is not a Citizens Connect bundle".into()))?;
        let plain = open_with_passphrase(passphrase, body).map_err(|e| match e {
            citizens_store::Error::WrongPassphrase => {
                Error::Bundle("wrong bundle passphrase".into())
            }
            other => other.into(),
        })?;
        let bundle: Bundle =
            decode(&plain).ok_or_else(|| Error::Bundle("the bundle is damaged".into()))?;
        if bundle.version != 1 {
            return Err(Error::Bundle(format!(
                "bundle version {} is newer than this app; update it",
                bundle.version
            )));
        }
        let theirs = bundle.organisation.as_deref().unwrap_or_default();
        let ours = &self.ctx.profile.organisation;
        let other_key = matches!(
            (&bundle.org_public_key, self.org_public_key()),
            (Some(theirs), Ok(ours)) if theirs != ours
        );
        if !theirs.is_empty() && theirs != ours {
            return Err(Error::Bundle(format!(
                "this bundle holds records of '{theirs}', not of '{ours}'"
            )));
        }
        if other_key {
            return Err(Error::Bundle(
                "this bundle comes from another organisation of the same name (its organisation key is not yours)".into(),
            ));
        }
        if let Some(push) = bundle
            .records
            .iter()
            .find(|p| !matches!(p.kind, RecordKind::Grievance | RecordKind::Session))
        {
            return Err(Error::Bundle(format!(
                "a bundle carries cases and town halls only, and this one holds a {} record",
                push.kind.as_str()
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
