//! Errors a volunteer can read: each names what is wrong and what would be right.

/// A value or an action the domain refuses.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// A field did not hold what it should; the message says what was expected.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field, as the volunteer sees it (e.g. "LGA", "phone").
        field: &'static str,
        /// What is wrong, in plain words.
        problem: String,
    },
    /// The lifecycle does not allow this status change.
    #[error("a case that is {from} cannot be moved to {to}; allowed next: {allowed}")]
    ForbiddenTransition {
        /// Current status.
        from: String,
        /// Requested status.
        to: String,
        /// The statuses allowed from here, comma separated.
        allowed: String,
    },
    /// Two devices changed the status at the same time; a coordinator must settle it first.
    #[error("two devices changed this case's status at the same time ({statuses}); settle the conflict first")]
    StatusConflict {
        /// The competing statuses.
        statuses: String,
    },
    /// The stored document does not have the shape of this record.
    #[error("the stored record is damaged: {0}")]
    Document(String),
    /// A sealed identity could not be opened with the key given.
    #[error("this key cannot open the reporter's sealed identity")]
    CannotUnseal,
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            problem: problem.into(),
        }
    }
}

/// Result with the domain error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
