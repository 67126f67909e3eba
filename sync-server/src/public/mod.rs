//! The public face over HTTP: the report and track pages (plain HTML in the citizen's
//! language, strict security headers, a form token, a honeypot, a minimum time, rate limits
//! in the database) and the SMS and WhatsApp webhooks (checked before anything is stored;
//! a message sent again makes no second case). Pages are rendered by [`pages`] (with the style
//! sheet and the words beside it); every rule is in `citizens_server_core::intake`.

pub mod pages;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use citizens_core::capture::GrievanceInput;
use citizens_core::grievance::Intake;
use citizens_protocol::ErrorCode;
use citizens_server_core::desk::Acked;
use citizens_server_core::intake::{Delivered, Filed, NotAdded, Refused, UpdatesTo};
use citizens_server_core::webhooks::{self, Inbound, Refusal};
use citizens_server_core::Error;
use citizens_words::Words;
use tower_http::limit::RequestBodyLimitLayer;

use crate::state::{blocking, client_key, client_of, field, fields, AppState};
use pages::{Adding, CSP, STYLE};

/// Largest form or webhook body: a report is at most 5,000 characters (up to 3 bytes each,
/// escaped), and providers send less.
const FORM_BYTES: usize = 64 * 1024;

/// The public routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home))
        .route("/public.css", get(style))
        .route("/report", get(report_page).post(report_sent))
        .route("/track", get(track_page).post(track_sent))
        .route("/track/add", axum::routing::post(track_add))
        .route("/rights", get(rights))
        .route("/rights/{what}/{name}", get(rights_page))
        .route("/figures", get(figures_page))
        .route("/figures.json", get(figures_json))
        .route("/figures/{table}", get(figures_csv))
        .route("/sms/africastalking", axum::routing::post(africastalking))
        .route("/sms/twilio", axum::routing::post(twilio))
        .route("/whatsapp", get(whatsapp_verify).post(whatsapp))
        .layer(RequestBodyLimitLayer::new(FORM_BYTES))
}

/// The language of a request: `?lang=` (then remembered in a cookie), the cookie, the
/// browser's first language we have, else English. Whether to remember it.
pub(crate) fn language(query: Option<&str>, headers: &HeaderMap) -> (Words, Option<&'static str>) {
    let known = |l: &str| citizens_words::LANGUAGES.into_iter().find(|k| *k == l);
    if let Some(lang) = query.and_then(known) {
        return (pages::words(lang), Some(lang));
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix("lang="))
        .find_map(known);
    let browser = || {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter_map(|l| l.split(';').next())
            .map(|l| {
                l.trim()
                    .split('-')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
            })
            .find_map(|l| known(&l))
    };
    (pages::words(cookie.or_else(browser).unwrap_or("en")), None)
}

/// An HTML page with the headers every public page carries.
pub(crate) fn html(status: StatusCode, remember: Option<&str>, body: String) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Not `no-referrer`: with it, browsers send `Origin: null` with our own forms.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(lang) = remember {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
        )) {
            h.insert(header::SET_COOKIE, v);
        }
    }
    response
}

#[derive(serde::Deserialize, Default)]
struct Lang {
    lang: Option<String>,
    state: Option<String>,
}

async fn home(
    State(state): State<Arc<AppState>>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let (w, remember) = language(q.lang.as_deref(), &headers);
    html(StatusCode::OK, remember, pages::home(&w, &state.face.name))
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        STYLE,
    )
        .into_response()
}

/// The words for a refusal of the rules, and the status to answer with.
fn refusal_words(w: &Words, e: &Error) -> (StatusCode, String) {
    match e.code() {
        ErrorCode::RateLimited => (StatusCode::TOO_MANY_REQUESTS, w.get("pub_too_many")),
        ErrorCode::TooFast => (StatusCode::BAD_REQUEST, w.get("pub_too_fast")),
        ErrorCode::FormRefused => (StatusCode::BAD_REQUEST, w.get("pub_form_stale")),
        ErrorCode::UnknownOrg => (StatusCode::NOT_FOUND, w.get("pub_no_intake")),
        _ => {
            tracing::warn!(code = e.code().as_str(), "public request failed");
            (StatusCode::SERVICE_UNAVAILABLE, w.get("pub_error"))
        }
    }
}

fn failed(state: &AppState, w: &Words, e: &Error) -> Response {
    let (status, words) = refusal_words(w, e);
    html(
        status,
        None,
        pages::message(w, &state.face.name, "pub_error_title", &words),
    )
}

async fn report_page(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let (w, remember) = language(q.lang.as_deref(), &headers);
    let org = state.face.name.clone();
    let Some(st) = q.state.filter(|s| !s.trim().is_empty()) else {
        return html(StatusCode::OK, remember, pages::choose_state(&w, &org));
    };
    let client = client_key(client_of(&state, peer, &headers));
    let core = state.core.clone();
    let token = match blocking(move || core.form_token(&client)).await {
        Ok(token) => token,
        Err(e) => return failed(&state, &w, &e.0),
    };
    let report = GrievanceInput {
        state: st,
        ..GrievanceInput::default()
    };
    let updates = state.face.replier.sms_provider().map(|_| false);
    match pages::report_form(&w, &org, &report, &[], None, &token, updates) {
        Some(page) => html(StatusCode::OK, remember, page),
        None => html(StatusCode::OK, remember, pages::choose_state(&w, &org)),
    }
}

/// A form posted from another site is refused: the browser says where it came from in
/// `Sec-Fetch-Site`, or (older browsers) in `Origin`, which must then be this server as the
/// request reached it or as the public knows it. An `Origin` of `null` is refused too: our
/// pages' `Referrer-Policy: same-origin` makes a browser name our origin for our own forms,
/// and `null` is what a sandboxed frame or a `data:` page elsewhere sends. A request with
/// neither header comes from no browser (a script), which the form's token guards against.
pub(crate) fn cross_site(headers: &HeaderMap, public_url: &str) -> bool {
    let header = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match header(header::ORIGIN) {
        None => false,
        Some(origin) => {
            let host = origin.split("://").nth(1);
            host != header(header::HOST) && origin != public_url
        }
    }
}

async fn report_sent(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (w, _) = language(q.lang.as_deref(), &headers);
    let org = state.face.name.clone();
    let f = fields(&body);
    let opt = |name: &str| Some(field(&f, name).to_string()).filter(|v| !v.trim().is_empty());
    let report = GrievanceInput {
        kind: field(&f, "kind").to_string(),
        category: field(&f, "category").to_string(),
        state: field(&f, "state").to_string(),
        lga: field(&f, "lga").to_string(),
        narrative: field(&f, "narrative").to_string(),
        reporter_name: opt("name"),
        reporter_phone: opt("phone"),
        anonymous: field(&f, "anonymous") == "yes",
        consent_purpose_explained: field(&f, "consent") == "yes",
        ..GrievanceInput::default()
    };
    if cross_site(&headers, &state.face.url) || !field(&f, "website").is_empty() {
        return html(
            StatusCode::FORBIDDEN,
            None,
            pages::message(&w, &org, "pub_error_title", &w.get("pub_form_foreign")),
        );
    }
    let client = client_key(client_of(&state, peer, &headers));
    let token = field(&f, "token").to_string();
    let core = state.core.clone();
    let (sent, from) = (report.clone(), client.clone());
    let wants_updates = field(&f, "updates") == "yes";
    let provider = state.face.replier.sms_provider().filter(|_| wants_updates);
    let lang = w.lang();
    let outcome = tokio::task::spawn_blocking(move || {
        let submission = core
            .check_form_token(&token, &from)
            .map_err(Refused::Server)?;
        let updates = provider.map(|provider| UpdatesTo { provider, lang });
        core.report_to(&from, &submission, Intake::Web, &sent, updates)
    })
    .await;
    match outcome {
        Ok(Ok(Filed::New(receipt))) => {
            html(StatusCode::OK, None, pages::receipt(&w, &org, &receipt))
        }
        // Sent before: said so, without the receipt (whoever holds a used form learns nothing).
        Ok(Ok(Filed::Again)) => html(
            StatusCode::OK,
            None,
            pages::message(&w, &org, "pub_receipt_title", &w.get("pub_already_sent")),
        ),
        Ok(Err(Refused::Problems(problems))) => {
            let form = Form {
                client,
                report: &report,
                problems: &problems,
                notice: None,
                updates: wants_updates,
            };
            again(&state, &w, form, StatusCode::BAD_REQUEST).await
        }
        Ok(Err(Refused::Server(e)))
            if matches!(
                e.code(),
                ErrorCode::TooFast | ErrorCode::FormRefused | ErrorCode::RateLimited
            ) =>
        {
            // Said above the form, with everything typed kept.
            let (status, words) = refusal_words(&w, &e);
            let form = Form {
                client,
                report: &report,
                problems: &[],
                notice: Some(&words),
                updates: wants_updates,
            };
            again(&state, &w, form, status).await
        }
        Ok(Err(Refused::Server(e))) => failed(&state, &w, &e),
        Err(e) => failed(&state, &w, &Error::Backend(e.to_string())),
    }
}

/// A report form shown again to `client`: what was typed, what is wrong, a notice above it.
struct Form<'a> {
    client: String,
    report: &'a GrievanceInput,
    problems: &'a [citizens_server_core::intake::Problem],
    notice: Option<&'a str>,
    /// The reporter asked to hear back by SMS.
    updates: bool,
}

/// The form again, with a fresh token for the client.
async fn again(state: &AppState, w: &Words, form: Form<'_>, status: StatusCode) -> Response {
    let core = state.core.clone();
    let org = &state.face.name;
    let client = form.client;
    let token = match blocking(move || core.form_token(&client)).await {
        Ok(token) => token,
        Err(e) => return failed(state, w, &e.0),
    };
    let updates = state.face.replier.sms_provider().map(|_| form.updates);
    match pages::report_form(
        w,
        org,
        form.report,
        form.problems,
        form.notice,
        &token,
        updates,
    ) {
        Some(page) => html(status, None, page),
        None => html(status, None, pages::choose_state(w, org)),
    }
}

async fn rights(
    State(state): State<Arc<AppState>>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let (w, remember) = language(q.lang.as_deref(), &headers);
    let core = state.core.clone();
    match blocking(move || core.directory()).await {
        Ok(directory) => html(
            StatusCode::OK,
            remember,
            pages::rights(&w, &state.face.name, &directory.0, &directory.1),
        ),
        Err(e) => failed(&state, &w, &e.0),
    }
}

async fn rights_page(
    State(state): State<Arc<AppState>>,
    axum::extract::Path((what, name)): axum::extract::Path<(String, String)>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let (w, remember) = language(q.lang.as_deref(), &headers);
    let core = state.core.clone();
    let directory = match blocking(move || core.directory()).await {
        Ok(found) => found,
        Err(e) => return failed(&state, &w, &e.0),
    };
    let (agencies, articles) = &*directory;
    let org = &state.face.name;
    let page = match what.as_str() {
        "agency" => agencies
            .iter()
            .find(|a| a.short_name == name)
            .map(|a| pages::agency(&w, org, a)),
        "article" => articles
            .iter()
            .find(|a| a.slug == name)
            .map(|a| pages::article(&w, org, a)),
        _ => None,
    };
    match page {
        Some(page) => html(StatusCode::OK, remember, page),
        None => html(
            StatusCode::NOT_FOUND,
            remember,
            pages::message(&w, org, "pub_error_title", &w.get("pub_not_found_page")),
        ),
    }
}

async fn figures_page(
    State(state): State<Arc<AppState>>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let (w, remember) = language(q.lang.as_deref(), &headers);
    let core = state.core.clone();
    match blocking(move || core.public_figures()).await {
        Ok(shown) => html(
            StatusCode::OK,
            remember,
            pages::figures(&w, &state.face.name, shown.as_deref()),
        ),
        Err(e) => failed(&state, &w, &e.0),
    }
}

/// Open data: anyone may read and reuse it, from any site.
fn open_data(content_type: &'static str, file: Option<String>, body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    if let Some(v) =
        file.and_then(|f| HeaderValue::from_str(&format!("attachment; filename=\"{f}\"")).ok())
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// An answer in plain words, for the open data's readers.
fn plain(status: StatusCode, words: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        words,
    )
        .into_response()
}

/// The open data's answer when it has none to give: none published yet, or a failure to
/// read them.
fn no_open_data(failure: Option<crate::error::ApiError>) -> Response {
    match failure {
        None => plain(StatusCode::NOT_FOUND, "no figures have been published yet"),
        Some(e) => {
            tracing::warn!(code = e.0.code().as_str(), "open data not read");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the figures cannot be read just now; try again in a few minutes",
            )
        }
    }
}

async fn figures_json(State(state): State<Arc<AppState>>) -> Response {
    let core = state.core.clone();
    match blocking(move || core.public_figures()).await {
        Ok(Some(shown)) => open_data(
            "application/json",
            None,
            citizens_server_core::figures::open_json(&state.face.name, &shown),
        ),
        Ok(None) => no_open_data(None),
        Err(e) => no_open_data(Some(e)),
    }
}

async fn figures_csv(
    State(state): State<Arc<AppState>>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let Some(table) = file
        .strip_suffix(".csv")
        .and_then(citizens_server_core::figures::Table::named)
    else {
        return plain(
            StatusCode::NOT_FOUND,
            "there is no such table: agencies.csv, months.csv, categories.csv and states.csv are",
        );
    };
    let core = state.core.clone();
    match blocking(move || core.public_figures()).await {
        Ok(Some(shown)) => open_data(
            "text/csv; charset=utf-8",
            Some(format!("{}.csv", table.name())),
            table.csv(&shown.figures),
        ),
        Ok(None) => no_open_data(None),
        Err(e) => no_open_data(Some(e)),
    }
}

async fn track_page(
    State(state): State<Arc<AppState>>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let (w, remember) = language(q.lang.as_deref(), &headers);
    html(
        StatusCode::OK,
        remember,
        pages::track(&w, &state.face.name, "", None),
    )
}

async fn track_sent(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (w, _) = language(q.lang.as_deref(), &headers);
    let org = state.face.name.clone();
    if cross_site(&headers, &state.face.url) {
        return html(
            StatusCode::FORBIDDEN,
            None,
            pages::track(&w, &org, "", None),
        );
    }
    let f = fields(&body);
    let reference = field(&f, "reference").to_string();
    let pin = field(&f, "pin").to_string();
    let client = client_key(client_of(&state, peer, &headers));
    let core = state.core.clone();
    let (asked, receipt_pin) = (reference.clone(), pin.clone());
    match blocking(move || core.track(&client, &asked, &pin)).await {
        Ok(Some(tracked)) => html(
            StatusCode::OK,
            None,
            pages::tracked(&w, &org, &tracked, &receipt_pin, Adding::Empty),
        ),
        Ok(None) => not_tracked(&w, &org, &reference, None),
        Err(e) => not_tracked(&w, &org, &reference, Some(&e.0)),
    }
}

/// The track page again, for a receipt that opens nothing (an unknown reference and a wrong
/// PIN alike) or a refusal (too many tries), with what was typed as the reference.
fn not_tracked(w: &Words, org: &str, reference: &str, refused: Option<&Error>) -> Response {
    let (status, words) = match refused {
        Some(e) => refusal_words(w, e),
        None => (StatusCode::OK, w.get("pub_not_found")),
    };
    html(status, None, pages::track(w, org, reference, Some(&words)))
}

/// Add to a report from its track page: the receipt rides in the form. An unknown reference
/// or a wrong PIN is answered as on the track page; what is typed is kept when it is refused.
async fn track_add(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (w, _) = language(q.lang.as_deref(), &headers);
    let org = state.face.name.clone();
    if cross_site(&headers, &state.face.url) {
        return html(
            StatusCode::FORBIDDEN,
            None,
            pages::message(&w, &org, "pub_error_title", &w.get("pub_form_foreign")),
        );
    }
    let f = fields(&body);
    let (reference, pin, text) = (
        field(&f, "reference").to_string(),
        field(&f, "pin").to_string(),
        field(&f, "text").to_string(),
    );
    let client = client_key(client_of(&state, peer, &headers));
    let core = state.core.clone();
    let (r, p, t) = (reference.clone(), pin.clone(), text.clone());
    match blocking(move || core.add(&client, (&r, &p), &t)).await {
        Ok(Some((tracked, None))) => html(
            StatusCode::OK,
            None,
            pages::tracked(&w, &org, &tracked, &pin, Adding::Added),
        ),
        Ok(Some((tracked, Some(why)))) => {
            let why = match why {
                NotAdded::Problem(problem) => w.get(pages::problem_key(problem)),
                NotAdded::Full => w.get("pub_case_full"),
            };
            html(
                StatusCode::BAD_REQUEST,
                None,
                pages::tracked(&w, &org, &tracked, &pin, Adding::Refused(&text, &why)),
            )
        }
        Ok(None) => not_tracked(&w, &org, &reference, None),
        Err(e) => not_tracked(&w, &org, &reference, Some(&e.0)),
    }
}

/// A webhook refused: 403 for a bad key or signature, 404 for a provider not set up, 400
/// for a body no provider sends. Nothing was stored.
fn refused(refusal: Refusal) -> Response {
    let status = match refusal {
        Refusal::NotConfigured => StatusCode::NOT_FOUND,
        Refusal::BadSignature => StatusCode::FORBIDDEN,
        Refusal::Malformed => StatusCode::BAD_REQUEST,
    };
    tracing::warn!(why = %refusal, "webhook refused");
    (status, refusal.to_string()).into_response()
}

/// File a provider's message; the reply to send the sender, if any (none for a message sent
/// again: its receipt is given once).
async fn deliver(state: &AppState, inbound: &Inbound) -> Result<Option<String>, Response> {
    let core = state.core.clone();
    let message = inbound.clone();
    let delivered = blocking(move || core.message(&message.message()))
        .await
        .map_err(|e| {
            tracing::warn!(code = e.0.code().as_str(), "a message could not be filed");
            (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response()
        })?;
    let w = pages::words("en");
    let url = format!("{}/track", state.face.url);
    let receipt = |r: &citizens_server_core::intake::Receipt| {
        w.fill(
            "pub_sms_receipt",
            &[("reference", &r.reference), ("pin", &r.pin), ("url", &url)],
        )
    };
    Ok(match delivered {
        // Where a provider can send to them, they will hear how it moves.
        Delivered::New(r) if inbound.provider != webhooks::TWILIO => {
            Some(format!("{} {}", receipt(&r), w.get("pub_sms_updates")))
        }
        Delivered::New(r) => Some(receipt(&r)),
        Delivered::FollowUp(r) => Some(w.fill("pub_sms_follow_up", &[("reference", &r.reference)])),
        Delivered::Unreadable => Some(w.get("pub_sms_controls")),
        Delivered::Stopped => Some(w.get("pub_sms_stopped")),
        Delivered::Answered {
            confirmed,
            reference,
        } => Some(w.fill(
            if confirmed {
                "pub_sms_solved"
            } else {
                "pub_sms_not_solved"
            },
            &[("reference", &reference)],
        )),
        Delivered::Acked(Acked::Done(reference)) => {
            Some(w.fill("pub_sms_ack_done", &[("reference", &reference)]))
        }
        Delivered::Acked(Acked::Unknown(code)) => {
            Some(w.fill("pub_sms_ack_unknown", &[("code", &code)]))
        }
        Delivered::Again | Delivered::Ignored => None,
    })
}

/// A status message's words, in the reporter's language: what happened to their report (a
/// corruption report: only that it moved), and how to stop them.
pub(crate) fn update_text(row: &citizens_server_core::persistence::OutgoingRow) -> String {
    let w = pages::words(&row.lang);
    let what = row.key.split(':').next().unwrap_or("moved");
    let key = match &row.agency {
        Some(_) => format!("pub_update_{what}"),
        None if what == "resolved" || what == "closed" || what == "not_actionable" => {
            format!("pub_update_{what}")
        }
        None => "pub_update_moved".to_string(),
    };
    let agency = row.agency.clone().unwrap_or_default();
    format!(
        "{} {}",
        w.fill(&key, &[("reference", &row.reference), ("agency", &agency)]),
        w.get("pub_update_stop")
    )
}

/// File a message that comes through a provider whose reply goes by its send API: the reply
/// is sent once, not again for the same message resent.
async fn deliver_and_reply(state: &AppState, inbound: Inbound) -> Result<(), Response> {
    if let Some(reply) = deliver(state, &inbound).await? {
        state
            .face
            .replier
            .send(inbound.provider, inbound.from, reply);
    }
    Ok(())
}

#[derive(serde::Deserialize, Default)]
struct Key {
    key: Option<String>,
}

async fn africastalking(
    State(state): State<Arc<AppState>>,
    Query(q): Query<Key>,
    body: Bytes,
) -> Response {
    let f = fields(&body);
    let expected = state.face.providers.africastalking_key.as_deref();
    match webhooks::africas_talking(q.key.as_deref().unwrap_or(""), expected, &f) {
        Err(refusal) => refused(refusal),
        Ok(None) => StatusCode::OK.into_response(),
        // Africa's Talking ignores the answer's body: the reply goes by its SMS API.
        Ok(Some(inbound)) => match deliver_and_reply(&state, inbound).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(response) => response,
        },
    }
}

async fn twilio(
    State(state): State<Arc<AppState>>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = fields(&body);
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Twilio signs the address it called: the public one.
    let url = format!(
        "{}{}",
        state.face.url,
        uri.path_and_query().map_or("/sms/twilio", |p| p.as_str())
    );
    let token = state.face.providers.twilio_auth_token.as_deref();
    match webhooks::twilio(signature, token, &url, &f) {
        Err(refusal) => refused(refusal),
        Ok(inbound) => match deliver(&state, &inbound).await {
            Ok(reply) => (
                [(header::CONTENT_TYPE, "application/xml")],
                webhooks::twiml(reply.as_deref()),
            )
                .into_response(),
            Err(response) => response,
        },
    }
}

#[derive(serde::Deserialize, Default)]
struct Verify {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

async fn whatsapp_verify(State(state): State<Arc<AppState>>, Query(q): Query<Verify>) -> Response {
    let expected = state.face.providers.whatsapp_verify_token.as_deref();
    match webhooks::whatsapp_verify(
        q.mode.as_deref(),
        q.token.as_deref(),
        q.challenge.as_deref(),
        expected,
    ) {
        Ok(challenge) => (
            [(header::CONTENT_TYPE, "text/plain")],
            challenge.to_string(),
        )
            .into_response(),
        Err(refusal) => refused(refusal),
    }
}

async fn whatsapp(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let secret = state.face.providers.whatsapp_app_secret.as_deref();
    match webhooks::whatsapp(signature, secret, &body) {
        Err(refusal) => refused(refusal),
        Ok(messages) => {
            for inbound in messages {
                if let Err(response) = deliver_and_reply(&state, inbound).await {
                    return response;
                }
            }
            StatusCode::OK.into_response()
        }
    }
}
