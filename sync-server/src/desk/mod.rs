//! The agency desk over HTTP: server-rendered pages (no JavaScript, the public pages' style
//! sheet and security headers) where an agency's officers set up their account, sign in and
//! answer the cases forwarded to their agency. The session rides in an `HttpOnly`,
//! `SameSite=Strict` cookie scoped to `/desk`; every form carries the session's form token
//! and is refused from another site. Every rule is in `citizens_server_core::desk`.

pub mod pages;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use citizens_core::answers::Answer;
use citizens_protocol::ErrorCode;
use citizens_server_core::desk::{Officer, Queue};
use citizens_server_core::Error;
use citizens_words::Words;
use tower_http::limit::RequestBodyLimitLayer;
use uuid::Uuid;

use crate::public::{cross_site, html, language};
use crate::state::{blocking, client_key, client_of, field, fields, AppState};

/// Largest desk form: an answer is at most 2,000 characters.
const FORM_BYTES: usize = 32 * 1024;

/// The cookie the session rides in.
const COOKIE: &str = "desk";

/// The desk's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/desk", get(sign_in_page).post(sign_in))
        .route("/desk/setup", get(setup_page).post(setup))
        .route("/desk/setup/confirm", post(confirm))
        .route("/desk/cases", get(queue))
        .route("/desk/cases.csv", get(queue_csv))
        .route("/desk/case/{id}", get(case_page).post(answer))
        .route("/desk/sign-out", post(sign_out))
        .layer(RequestBodyLimitLayer::new(FORM_BYTES))
}

#[derive(serde::Deserialize, Default)]
struct Params {
    lang: Option<String>,
    queue: Option<String>,
    q: Option<String>,
    done: Option<String>,
}

/// The desk's words in the request's language.
fn words(lang: Option<&str>, headers: &HeaderMap) -> (Words, Option<&'static str>) {
    let (w, remember) = language(lang, headers);
    (pages::with_desk(w), remember)
}

/// The session token the request's cookie carries.
fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("desk=").map(str::to_string))
        .filter(|t| !t.is_empty())
}

/// A cookie setting the session (`None`: ending it).
fn session_cookie(state: &AppState, token: Option<&str>) -> HeaderValue {
    let secure = if state.face.url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let value = match token {
        Some(t) => format!("{COOKIE}={t}; Path=/desk; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{COOKIE}=; Path=/desk; Max-Age=0; HttpOnly; SameSite=Strict{secure}"),
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("desk="))
}

fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A refusal of the rules, in words.
fn failed(w: &Words, e: &Error) -> Response {
    let (status, key) = match e.code() {
        ErrorCode::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "desk_too_many"),
        _ => {
            tracing::warn!(code = e.code().as_str(), "desk request failed");
            (StatusCode::SERVICE_UNAVAILABLE, "desk_error")
        }
    };
    html(
        status,
        None,
        pages::message(w, "desk_error_title", &w.get(key)),
    )
}

fn refused_from_elsewhere(w: &Words) -> Response {
    html(
        StatusCode::FORBIDDEN,
        None,
        pages::message(w, "desk_error_title", &w.get("desk_cross_site")),
    )
}

/// A form posted to one of the desk's doors (sign-in, set-up): its words, its fields and the
/// key the client is counted under.
struct Door {
    w: Words,
    form: Vec<(String, String)>,
    client: String,
}

/// The door a form was posted to; refused when it comes from another site.
fn door(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Door, Box<Response>> {
    let (w, _) = words(None, headers);
    if cross_site(headers, &state.face.url) {
        return Err(Box::new(refused_from_elsewhere(&w)));
    }
    Ok(Door {
        w,
        form: fields(body),
        client: client_key(client_of(state, peer, headers)),
    })
}

/// The officer the request's session names, or the sign-in page saying it ended.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    w: &Words,
) -> Result<(Officer, String), Response> {
    let Some(token) = session_of(headers) else {
        return Err(see_other("/desk"));
    };
    let core = state.core.clone();
    match blocking(move || core.officer_of(&token)).await {
        Ok(Some(officer)) => {
            let form = state.core.desk_form_token(&officer);
            Ok((officer, form))
        }
        Ok(None) => {
            let mut page = html(
                StatusCode::UNAUTHORIZED,
                None,
                pages::sign_in(w, Some(&w.get("desk_expired")), ""),
            );
            page.headers_mut()
                .insert(header::SET_COOKIE, session_cookie(state, None));
            Err(page)
        }
        Err(e) => Err(failed(w, &e.0)),
    }
}

async fn sign_in_page(
    State(state): State<Arc<AppState>>,
    Query(p): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let (w, remember) = words(p.lang.as_deref(), &headers);
    if let Some(token) = session_of(&headers) {
        let core = state.core.clone();
        if let Ok(Some(_)) = blocking(move || core.officer_of(&token)).await {
            return see_other("/desk/cases");
        }
    }
    html(StatusCode::OK, remember, pages::sign_in(&w, None, ""))
}

/// Answer a sign-in or set-up that opened a session: the cookie, and on to the queue.
fn opened(state: &AppState, token: &str) -> Response {
    let mut response = see_other("/desk/cases");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(state, Some(token)));
    response
}

async fn sign_in(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Door { w, form, client } = match door(&state, peer, &headers, &body) {
        Ok(door) => door,
        Err(refused) => return *refused,
    };
    let login = field(&form, "login").to_string();
    let passphrase = field(&form, "passphrase").to_string();
    let code = field(&form, "code").to_string();
    let core = state.core.clone();
    let typed = login.clone();
    match blocking(move || core.sign_in_officer(&client, &login, &passphrase, &code)).await {
        Ok(Ok(token)) => opened(&state, &token),
        Ok(Err(why)) => html(
            StatusCode::UNAUTHORIZED,
            None,
            pages::sign_in(&w, Some(&pages::refusal(&w, why)), &typed),
        ),
        Err(e) => failed(&w, &e.0),
    }
}

async fn setup_page(Query(p): Query<Params>, headers: HeaderMap) -> Response {
    let (w, remember) = words(p.lang.as_deref(), &headers);
    html(StatusCode::OK, remember, pages::setup(&w, None, ""))
}

async fn setup(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Door { w, form, client } = match door(&state, peer, &headers, &body) {
        Ok(door) => door,
        Err(refused) => return *refused,
    };
    let code = field(&form, "code").to_string();
    let passphrase = field(&form, "passphrase").to_string();
    let again = field(&form, "again").to_string();
    let core = state.core.clone();
    let typed = code.clone();
    match blocking(move || core.set_up_officer(&client, &code, &passphrase, &again)).await {
        Ok(Ok(factor)) => html(
            StatusCode::OK,
            None,
            pages::factor(&w, &factor, &typed, None),
        ),
        Ok(Err(why)) => html(
            StatusCode::BAD_REQUEST,
            None,
            pages::setup(&w, Some(&pages::refusal(&w, why)), &typed),
        ),
        Err(e) => failed(&w, &e.0),
    }
}

async fn confirm(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Door { w, form, client } = match door(&state, peer, &headers, &body) {
        Ok(door) => door,
        Err(refused) => return *refused,
    };
    let code = field(&form, "code").to_string();
    let typed = field(&form, "totp").to_string();
    let core = state.core.clone();
    let setup_code = code.clone();
    match blocking(move || core.confirm_officer(&client, &code, &typed)).await {
        Ok(Ok(token)) => opened(&state, &token),
        // The secret is not shown again: a wrong code starts the set-up over from the code.
        Ok(Err(why)) => html(
            StatusCode::BAD_REQUEST,
            None,
            pages::setup(&w, Some(&pages::refusal(&w, why)), &setup_code),
        ),
        Err(e) => failed(&w, &e.0),
    }
}

async fn queue(
    State(state): State<Arc<AppState>>,
    Query(p): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let (w, remember) = words(p.lang.as_deref(), &headers);
    let (officer, form) = match signed_in(&state, &headers, &w).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let which = p
        .queue
        .as_deref()
        .and_then(Queue::parse)
        .unwrap_or(Queue::All);
    let search = p.q.unwrap_or_default();
    let core = state.core.clone();
    let me = officer.clone();
    let cases = match blocking(move || core.desk_queue(&me)).await {
        Ok(cases) => cases,
        Err(e) => return failed(&w, &e.0),
    };
    let counts: Vec<(Queue, usize)> = Queue::ALL
        .iter()
        .map(|q| (*q, cases.iter().filter(|c| pages::in_queue(c, *q)).count()))
        .collect();
    let shown: Vec<_> = cases
        .into_iter()
        .filter(|c| pages::in_queue(c, which) && pages::matches(c, &search))
        .collect();
    html(
        StatusCode::OK,
        remember,
        pages::queue(&w, &officer, &form, which, &search, &counts, &shown),
    )
}

async fn queue_csv(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let (w, _) = words(None, &headers);
    let (officer, _) = match signed_in(&state, &headers, &w).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let core = state.core.clone();
    match blocking(move || core.desk_queue(&officer)).await {
        Ok(cases) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"cases.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            citizens_server_core::desk::desk_csv(&cases),
        )
            .into_response(),
        Err(e) => failed(&w, &e.0),
    }
}

async fn case_page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let (w, remember) = words(p.lang.as_deref(), &headers);
    let (officer, form) = match signed_in(&state, &headers, &w).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let said = p.done.is_some().then_some(pages::Said::Done);
    show_case(
        &state,
        &w,
        remember,
        officer,
        &form,
        &id,
        said,
        StatusCode::OK,
    )
    .await
}

/// The case page, or "not found" for any case that is not the officer's.
#[allow(clippy::too_many_arguments)]
async fn show_case(
    state: &AppState,
    w: &Words,
    remember: Option<&str>,
    officer: Officer,
    form: &str,
    id: &str,
    said: Option<pages::Said<'_>>,
    status: StatusCode,
) -> Response {
    let not_found = || {
        html(
            StatusCode::NOT_FOUND,
            None,
            pages::message(w, "desk_error_title", &w.get("desk_not_found")),
        )
    };
    let Ok(id) = Uuid::parse_str(id) else {
        return not_found();
    };
    let core = state.core.clone();
    let me = officer.clone();
    match blocking(move || core.desk_case(&me, id)).await {
        Ok(Some(case)) => html(
            status,
            remember,
            pages::case(w, &officer, form, &case, said),
        ),
        Ok(None) => not_found(),
        Err(e) => failed(w, &e.0),
    }
}

async fn answer(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (w, _) = words(None, &headers);
    if cross_site(&headers, &state.face.url) {
        return refused_from_elsewhere(&w);
    }
    let (officer, form_token) = match signed_in(&state, &headers, &w).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = fields(&body);
    if !state.core.desk_form_ok(&officer, field(&form, "form")) {
        return refused_from_elsewhere(&w);
    }
    let text = field(&form, "text").to_string();
    let answer = match field(&form, "action") {
        "acknowledge" => Answer::Acknowledge {
            reference: Some(field(&form, "reference").to_string()),
        },
        "reply" => Answer::Reply { text: text.clone() },
        "ask" => Answer::Ask { text: text.clone() },
        "resolve" => Answer::Resolve { text: text.clone() },
        "decline" => Answer::Decline {
            reason: text.clone(),
            suggested: Some(field(&form, "suggested").to_string()),
        },
        _ => return StatusCode::BAD_REQUEST.into_response(),
    };
    let Ok(uuid) = Uuid::parse_str(&id) else {
        return show_case(
            &state,
            &w,
            None,
            officer,
            &form_token,
            &id,
            None,
            StatusCode::OK,
        )
        .await;
    };
    let core = state.core.clone();
    let me = officer.clone();
    match blocking(move || core.desk_answer(&me, uuid, &answer)).await {
        // Done: back to the page by GET, so a reload sends nothing again.
        Ok(Some(Ok(()))) => see_other(&format!("/desk/case/{uuid}?done=1")),
        Ok(Some(Err(why))) => {
            let typed = pages::Said::Refused(field(&form, "action"), &text, why);
            show_case(
                &state,
                &w,
                None,
                officer,
                &form_token,
                &id,
                Some(typed),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Ok(None) => {
            show_case(
                &state,
                &w,
                None,
                officer,
                &form_token,
                &id,
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(e) => failed(&w, &e.0),
    }
}

async fn sign_out(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let (w, _) = words(None, &headers);
    if cross_site(&headers, &state.face.url) {
        return refused_from_elsewhere(&w);
    }
    let (officer, _) = match signed_in(&state, &headers, &w).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = fields(&body);
    if !state.core.desk_form_ok(&officer, field(&form, "form")) {
        return refused_from_elsewhere(&w);
    }
    let everywhere = field(&form, "everywhere") == "1";
    let core = state.core.clone();
    if let Err(e) = blocking(move || core.sign_out_officer(&officer, everywhere)).await {
        return failed(&w, &e.0);
    }
    let mut page = html(
        StatusCode::OK,
        None,
        pages::sign_in(&w, Some(&w.get("desk_signed_out")), ""),
    );
    page.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, None));
    page
}
