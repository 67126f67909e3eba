//! What went wrong, for the two edges people meet: the window and the command line. Every
//! failure of the client has one [`Code`] (generated into the window's TypeScript as
//! `ErrorCode`, so a code without words in every language fails `svelte-check`) and plain words;
//! the CLI's `--json` prints the same pair.

use serde::Serialize;

use crate::SyncError;

/// Why the client could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store refused or failed (locked, not found, refused data, damaged…).
    #[error(transparent)]
    Store(#[from] citizens_store::Error),
    /// A bundle file that cannot be read here; nothing was read into the store.
    #[error("refused incoming data: {0}; nothing was stored")]
    Bundle(String),
}

impl From<citizens_core::Error> for Error {
    fn from(e: citizens_core::Error) -> Self {
        Error::Store(e.into())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Store(e.into())
    }
}

/// Client result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One word per kind of failure, the same in the window and in the CLI's `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "ErrorCode")]
pub enum Code {
    /// The app is locked: unlock it first.
    Locked,
    /// No data in this folder yet.
    NotInitialised,
    /// This folder already holds data.
    AlreadyInitialised,
    /// The passphrase does not unlock the data.
    WrongPassphrase,
    /// A new passphrase too short to protect anything.
    WeakPassphrase,
    /// The data was written by a newer version of the app.
    NewerSchema,
    /// No such case or record here.
    NotFound,
    /// Input that is not valid (a field, a file, a bundle).
    Invalid,
    /// A status move the lifecycle does not allow.
    ForbiddenTransition,
    /// The case moved on since the window showed it.
    StatusConflict,
    /// Enrolling needs this laptop's passphrase again.
    NeedsPassphrase,
    /// This laptop is not enrolled with a server.
    NotEnrolled,
    /// The server cannot be reached; the work is safe here.
    Offline,
    /// The server refused, with its own words.
    Refused,
    /// Something answered that is not our server (a Wi-Fi login page).
    NotOurServer,
    /// A server address that is not `https://`.
    InsecureServer,
    /// Stored data is not what it should be.
    Damaged,
    /// Something failed inside the app (nothing was lost).
    Internal,
}

impl Error {
    /// The code the window and the CLI show this error under.
    pub fn code(&self) -> Code {
        use citizens_store::Error as Store;
        match self {
            Error::Bundle(_) => Code::Invalid,
            Error::Store(e) => match e {
                Store::NotInitialised(_) => Code::NotInitialised,
                Store::AlreadyInitialised(_) => Code::AlreadyInitialised,
                Store::WrongPassphrase => Code::WrongPassphrase,
                Store::WeakPassphrase => Code::WeakPassphrase,
                Store::NewerSchema { .. } => Code::NewerSchema,
                Store::NotFound { .. } => Code::NotFound,
                Store::Domain(citizens_core::Error::ForbiddenTransition { .. }) => {
                    Code::ForbiddenTransition
                }
                Store::Domain(citizens_core::Error::StatusConflict { .. }) => Code::StatusConflict,
                Store::Domain(_) | Store::Rejected(_) => Code::Invalid,
                Store::Damaged(_) => Code::Damaged,
                Store::Sqlite(_) | Store::Io(_) => Code::Internal,
            },
        }
    }
}

impl SyncError {
    /// The code the window and the CLI show this error under.
    pub fn code(&self) -> Code {
        match self {
            SyncError::Store(inner) => inner.code(),
            SyncError::Network(_) => Code::Offline,
            SyncError::Refused { .. } => Code::Refused,
            SyncError::NotOurServer(_) => Code::NotOurServer,
            SyncError::InsecureServer(_) => Code::InsecureServer,
            SyncError::NotEnrolled => Code::NotEnrolled,
        }
    }
}

/// A failure as the edges show it: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "Failure")]
pub struct Failure {
    /// What kind of failure, for the program.
    pub code: Code,
    /// Plain words for the person.
    pub message: String,
}

impl Failure {
    /// A failure with these words.
    pub fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

impl From<citizens_store::Error> for Failure {
    fn from(e: citizens_store::Error) -> Self {
        Error::from(e).into()
    }
}

impl From<SyncError> for Failure {
    fn from(e: SyncError) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_as_its_word() {
        let word = |c: Code| serde_json::to_value(c).expect("word");
        assert_eq!(word(Code::NeedsPassphrase), "needs_passphrase");
        assert_eq!(word(Code::NotOurServer), "not_our_server");
    }

    #[test]
    fn store_and_sync_errors_keep_their_codes() {
        let missing = Error::from(citizens_store::Error::NotFound {
            what: "case",
            id: "KN-1".into(),
        });
        assert_eq!(missing.code(), Code::NotFound);
        assert_eq!(
            Failure::from(missing),
            Failure::new(Code::NotFound, "no case 'KN-1' here")
        );
        assert_eq!(
            SyncError::from(citizens_store::Error::WrongPassphrase).code(),
            Code::WrongPassphrase
        );
        assert_eq!(SyncError::NotEnrolled.code(), Code::NotEnrolled);
        assert_eq!(
            Error::Bundle("the bundle is damaged".into()).code(),
            Code::Invalid
        );
    }
}
