//! What a rule can fail with: a refusal the device is told about (a typed code and plain
//! words), or the persistence failing underneath.

use citizens_protocol::ErrorCode;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused: the request is malformed or not allowed; nothing was stored.
    #[error("{message}")]
    Refused {
        /// Code for the device.
        code: ErrorCode,
        /// Words for the person.
        message: String,
    },
    /// The database is busy or unreachable for a moment (a pool timeout, a serialisation
    /// conflict after retries): the device retries later.
    #[error("the server's database is busy: {0}")]
    Unavailable(String),
    /// The persistence failed.
    #[error("server storage error: {0}")]
    Backend(String),
}

impl Error {
    /// A refusal.
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Refused {
            code,
            message: message.into(),
        }
    }

    /// The code the device sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Refused { code, .. } => *code,
            Error::Unavailable(_) => ErrorCode::Unavailable,
            Error::Backend(_) => ErrorCode::ServerError,
        }
    }

    /// A bug or broken data on our side.
    pub(crate) fn internal(what: impl std::fmt::Display) -> Self {
        Error::Backend(what.to_string())
    }
}

/// Result of a rule.
pub type Result<T, E = Error> = std::result::Result<T, E>;
