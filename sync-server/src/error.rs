//! How a failed request is answered: a refusal with its typed code (its HTTP status comes from
//! the code) and plain words; a server-side failure logged and answered without detail.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use citizens_protocol::{encode, ErrorBody, ErrorCode, CONTENT_TYPE};
use citizens_server_core::Error;

/// A failed request, as the HTTP layer answers it.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    /// A refusal with a code.
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError(Error::refused(code, message))
    }

    /// A failure on our side.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        ApiError(Error::Backend(what.to_string()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.0.code();
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = match &self.0 {
            Error::Refused { message, .. } => message.clone(),
            Error::Unavailable(_) => {
                tracing::warn!(error = %self.0, "request deferred");
                "the server is busy; nothing was lost, try again in a moment".to_string()
            }
            Error::Backend(_) => {
                tracing::error!(error = %self.0, "request failed");
                "the server had a problem; nothing was lost, try again later".to_string()
            }
        };
        let mut response = (status, encode(&ErrorBody { code, message })).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        response
    }
}

/// Result of a handler.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;
