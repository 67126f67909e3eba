//! Server errors: 4xx answered quietly with a code and plain words; 5xx logged.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use citizens_protocol::{encode, ErrorBody, CONTENT_TYPE};

/// What a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The request is malformed or refused; nothing was stored.
    #[error("{message}")]
    BadRequest {
        /// Code for the device.
        code: &'static str,
        /// Words for the person.
        message: String,
    },
    /// Missing, expired or unknown credentials.
    #[error("{message}")]
    Unauthorized {
        /// Code for the device.
        code: &'static str,
        /// Words for the person.
        message: String,
    },
    /// Authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts.
    #[error("too many attempts; wait a minute and try again")]
    TooMany,
    /// Storage failed.
    #[error("server storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    /// Anything else on our side.
    #[error("server error: {0}")]
    Internal(String),
}

impl ServerError {
    /// A 400 with a code.
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        ServerError::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// A 401 with a code.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        ServerError::Unauthorized {
            code,
            message: message.into(),
        }
    }

    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ServerError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ServerError::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, code),
            ServerError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServerError::TooMany => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ServerError::Storage(_) | ServerError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error")
            }
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        let message = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "the server had a problem; nothing was lost, try again later".to_string()
        } else {
            self.to_string()
        };
        let body = encode(&ErrorBody {
            code: code.to_string(),
            message,
        });
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        response
    }
}

/// Server result.
pub type Result<T, E = ServerError> = std::result::Result<T, E>;
