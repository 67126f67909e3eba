//! Open311 GeoReport v2 over HTTP (`/open311/v2/…`): discovery, services and their
//! definitions, requests (POST with an integration's `api_key` files an intake case; GET
//! answers where requests stand, by their ids, which are their receipts), an agency's
//! `servicerequestupdates` onto its cases' timelines; XML or JSON by the path's ending, errors
//! in the spec's body (403 for a bad key). Any client may read it (CORS `*`); no answer holds
//! what a report says or who sent it.

use std::sync::Arc;

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use citizens_core::grievance::Intake;
use citizens_protocol::ErrorCode;
use citizens_server_core::intake::{Filed, Refused};
use citizens_server_core::open311::{self, Answer, Format};

use crate::state::{blocking, client_key, client_of, field, fields, AppState};

/// The Open311 routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/open311/v2/{name}", get(top).post(posted))
        .route("/open311/v2/services/{name}", get(service))
        .route("/open311/v2/requests/{name}", get(one_request))
        .route("/open311/v2/tokens/{name}", get(token))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(64 * 1024))
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

async fn top(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<RequestsQuery>,
    Path(name): Path<String>,
) -> Response {
    match Format::split(&name) {
        Some(("requests", format)) => {
            let client = client_key(client_of(&state, peer, &headers));
            requests(&state, client, format, q.service_request_id).await
        }
        Some(("discovery", format)) => {
            answer(StatusCode::OK, format, &open311::discovery(&state.site))
        }
        Some(("services", format)) => answer(StatusCode::OK, format, &open311::services()),
        Some((_, format)) => not_found(Some(format), "no such resource: try services or discovery"),
        None => not_found(None, "end the path with .xml or .json"),
    }
}

fn error(status: StatusCode, format: Format, what: &str) -> Response {
    answer(status, format, &open311::errors(&[(status.as_u16(), what)]))
}

/// A refusal of the rules in the spec's body.
fn refused(format: Format, e: &citizens_server_core::Error) -> Response {
    let status = match e.code() {
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::InvalidRequest => StatusCode::BAD_REQUEST,
        ErrorCode::UnknownOrg => StatusCode::NOT_FOUND,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    let words = match e {
        citizens_server_core::Error::Refused { message, .. } => message.clone(),
        _ => "the server could not answer just now; nothing was lost, try again".into(),
    };
    error(status, format, &words)
}

#[derive(serde::Deserialize, Default)]
struct RequestsQuery {
    service_request_id: Option<String>,
}

/// Where requests stand, by their ids (at most 50 at a time). Without ids the answer is an
/// empty list: requests are not browsable, because a report's existence can itself be a
/// secret.
async fn requests(
    state: &AppState,
    client: String,
    format: Format,
    ids: Option<String>,
) -> Response {
    let ids: Vec<String> = ids
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .take(50)
        .collect();
    let core = state.core.clone();
    let found = blocking(move || {
        let mut found = Vec::new();
        for id in ids {
            if let Some((reference, pin)) = open311::split_request_id(&id) {
                if let Some(t) = core.track(&client, reference, pin)? {
                    found.push((id.clone(), t));
                }
            }
        }
        Ok(found)
    })
    .await;
    match found {
        Ok(found) => answer(StatusCode::OK, format, &open311::requests(&found)),
        Err(e) => refused(format, &e.0),
    }
}

async fn one_request(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    match Format::split(&name) {
        Some((id, format)) => {
            let client = client_key(client_of(&state, peer, &headers));
            requests(&state, client, format, Some(id.to_string())).await
        }
        None => not_found(None, "end the path with .xml or .json"),
    }
}

/// Requests are filed at once: there is never a token to look up.
async fn token(Path(name): Path<String>) -> Response {
    not_found(
        Format::split(&name).map(|(_, f)| f),
        "no such token: requests here are given their id at once",
    )
}

async fn posted(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let Some((what, format)) = Format::split(&name) else {
        return not_found(None, "end the path with .xml or .json");
    };
    let f = fields(&body);
    let Some(integration) = state.face.integration(field(&f, "api_key")).cloned() else {
        return error(
            StatusCode::FORBIDDEN,
            format,
            "api_key is missing or not known here",
        );
    };
    let client = format!("open311:{}", integration.name);
    match what {
        "requests" => {
            let report = open311::report_of(&f);
            // One submission per integration and body: a resend files once. The body's hash
            // keeps nothing of it readable (not the device_id, not the words).
            let submission = format!("{}:{:x}", integration.name, sha2_of(&body));
            let core = state.core.clone();
            let filed = tokio::task::spawn_blocking(move || {
                core.report(&client, &submission, Intake::Open311, &report)
            })
            .await;
            match filed {
                Ok(Ok(Filed::New(receipt))) => {
                    answer(StatusCode::OK, format, &open311::created(&receipt))
                }
                // The same body again: filed once, and its id is not given twice.
                Ok(Ok(Filed::Again)) => error(
                    StatusCode::CONFLICT,
                    format,
                    "this request was posted before and filed then; its service_request_id was in that answer",
                ),
                Ok(Err(Refused::Problems(problems))) => {
                    let described: Vec<String> = problems.iter().map(ToString::to_string).collect();
                    let list: Vec<(u16, &str)> =
                        described.iter().map(|d| (400, d.as_str())).collect();
                    answer(StatusCode::BAD_REQUEST, format, &open311::errors(&list))
                }
                Ok(Err(Refused::Server(e))) => refused(format, &e),
                Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, format, "try again"),
            }
        }
        "servicerequestupdates" => {
            let Some(agency) = integration.agency.clone() else {
                return error(
                    StatusCode::FORBIDDEN,
                    format,
                    "this api_key speaks for no agency",
                );
            };
            let Some((reference, pin)) = open311::split_request_id(field(&f, "service_request_id"))
            else {
                return error(
                    StatusCode::BAD_REQUEST,
                    format,
                    "give the service_request_id",
                );
            };
            let (reference, pin, update_id) = (
                reference.to_string(),
                pin.to_string(),
                field(&f, "update_id").to_string(),
            );
            let (status, description) = (
                field(&f, "status").to_string(),
                field(&f, "description").to_string(),
            );
            let core = state.core.clone();
            let id = update_id.clone();
            match blocking(move || {
                core.agency_update(&agency, (&reference, &pin), &id, &status, &description)
            })
            .await
            {
                Ok(_) => answer(StatusCode::OK, format, &open311::update_taken(&update_id)),
                Err(e) => refused(format, &e.0),
            }
        }
        _ => not_found(
            Some(format),
            "no such resource: post requests or servicerequestupdates",
        ),
    }
}

fn sha2_of(body: &[u8]) -> u128 {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(body);
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
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
