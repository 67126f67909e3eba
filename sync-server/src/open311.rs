//! Open311 GeoReport v2 over HTTP (`/open311/v2/…`): discovery, services and their
//! definitions, in XML or JSON by the path's ending, errors in the spec's body. Read-only and
//! public: no case is shown here, and any client may read it (CORS `*`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use citizens_server_core::open311::{self, Answer, Format};

use crate::http::AppState;

/// The Open311 routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/open311/v2/{name}", get(top))
        .route("/open311/v2/services/{name}", get(service))
}

fn answer(status: StatusCode, format: Format, answer: &Answer) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, format.content_type()),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        answer.render(format),
    )
        .into_response()
}

/// 404 in the spec's error body, in the format asked for (XML when none was).
fn not_found(format: Option<Format>, what: &str) -> Response {
    answer(
        StatusCode::NOT_FOUND,
        format.unwrap_or(Format::Xml),
        &open311::errors(&[(404, what)]),
    )
}

async fn top(State(state): State<Arc<AppState>>, Path(name): Path<String>) -> Response {
    match Format::split(&name) {
        Some(("discovery", format)) => {
            answer(StatusCode::OK, format, &open311::discovery(&state.site))
        }
        Some(("services", format)) => answer(StatusCode::OK, format, &open311::services()),
        Some((_, format)) => not_found(Some(format), "no such resource: try services or discovery"),
        None => not_found(None, "end the path with .xml or .json"),
    }
}

async fn service(Path(name): Path<String>) -> Response {
    match Format::split(&name) {
        Some((code, format)) => match open311::definition(code) {
            Some(definition) => answer(StatusCode::OK, format, &definition),
            None => not_found(Some(format), "no such service_code: see services"),
        },
        None => not_found(None, "end the path with .xml or .json"),
    }
}
