//! Wire types shared by devices and the sync server. For now: the kinds of record and the
//! unit that moves between replicas — a document's raw Automerge changes. The sans-IO sync
//! state machine joins them with the sync issue.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kinds of record that travel as Automerge documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A grievance (case).
    Grievance,
    /// A town-hall session.
    Session,
    /// An agency in the directory (reference data).
    Agency,
    /// A civic-information article (reference data).
    Article,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 4] = [
        RecordKind::Grievance,
        RecordKind::Session,
        RecordKind::Agency,
        RecordKind::Article,
    ];

    /// The stored word.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordKind::Grievance => "grievance",
            RecordKind::Session => "session",
            RecordKind::Agency => "agency",
            RecordKind::Article => "article",
        }
    }

    /// Parse the stored word.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Reference data every device receives, whatever its role.
    pub const fn is_reference(self) -> bool {
        matches!(self, RecordKind::Agency | RecordKind::Article)
    }
}

/// A document's changes on their way to another replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    /// The record's id.
    pub doc_id: Uuid,
    /// Its kind.
    pub kind: RecordKind,
    /// Raw Automerge change bytes, in causal order.
    pub changes: Vec<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_words() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(RecordKind::parse("grievances"), None);
        assert!(RecordKind::Agency.is_reference() && !RecordKind::Grievance.is_reference());
    }
}
