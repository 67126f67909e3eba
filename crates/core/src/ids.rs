//! Record and entry identifiers: UUIDv7, made from the injected clock and a caller's rng.

use autosurgeon::{Hydrate, Reconcile};
use rand::RngCore;
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::error::{Error, Result};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        // Stored as the hyphenated text, readable in any Automerge tool.
        impl Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.0.hyphenated().to_string())
            }
        }

        impl Hydrate for $name {
            fn hydrate_string(s: &str) -> Result<Self, autosurgeon::HydrateError> {
                Uuid::parse_str(s)
                    .map($name)
                    .map_err(|_| autosurgeon::HydrateError::unexpected($what, s.to_string()))
            }
        }

        impl $name {
            /// A new time-ordered id (UUIDv7).
            pub fn generate(now: Timestamp, rng: &mut impl RngCore) -> Self {
                $name(new_v7(now, rng))
            }

            /// Parse the hyphenated form.
            pub fn parse(text: &str) -> Result<Self> {
                Uuid::parse_str(text.trim())
                    .map($name)
                    .map_err(|_| Error::invalid($what, format!("'{text}' is not a record id")))
            }

            /// Wrap an existing UUID (e.g. a deterministic seed id).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                $name(uuid)
            }

            /// The UUID.
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0.hyphenated())
            }
        }
    };
}

id_type!(
    /// A grievance (case).
    GrievanceId,
    "grievance id"
);
id_type!(
    /// A town-hall session.
    SessionId,
    "session id"
);
id_type!(
    /// An agency in the directory.
    AgencyId,
    "agency id"
);
id_type!(
    /// A civic-information article.
    ArticleId,
    "article id"
);
id_type!(
    /// An entry in an append-only list (history, timeline, attachments, commitments).
    EntryId,
    "entry id"
);

fn new_v7(now: Timestamp, rng: &mut impl RngCore) -> Uuid {
    let mut random = [0u8; 10];
    rng.fill_bytes(&mut random);
    let millis = u64::try_from(now.millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// Namespace for ids of records shipped as reference data, so every install derives the same id.
const SEED_NAMESPACE: Uuid = Uuid::from_u128(0x5c1e_7a2b_c0de_4e11_9a7e_0c17_12e2_c0de);

/// A deterministic id for a shipped reference record (the same on every device).
pub fn seed_uuid(kind: &str, slug: &str) -> Uuid {
    Uuid::new_v5(&SEED_NAMESPACE, format!("{kind}/{slug}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ids_are_v7_and_ordered_by_time() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let a = GrievanceId::generate(Timestamp::from_millis(1_000), &mut rng);
        let b = GrievanceId::generate(Timestamp::from_millis(2_000), &mut rng);
        assert_eq!(a.uuid().get_version_num(), 7);
        assert!(a < b);
        assert_eq!(GrievanceId::parse(&a.to_string()), Ok(a));
        assert!(GrievanceId::parse("KN-7QK-0042").is_err());
    }

    #[test]
    fn seed_ids_are_stable() {
        assert_eq!(seed_uuid("agency", "nis"), seed_uuid("agency", "nis"));
        assert_ne!(seed_uuid("agency", "nis"), seed_uuid("agency", "npf"));
    }
}
