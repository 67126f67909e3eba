//! Commands the window calls. Each returns data or `{code, message}`: the UI switches on the
//! code and shows the message, never matching on text.

use std::sync::Arc;

use citizens_client::{Client, Error, Filter, GrievanceInput, InitOptions, Sort, SystemClock};
use serde::Serialize;
use tauri::State;

use crate::AppState;

/// An error for the window.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct CommandError {
    /// Stable code: `locked`, `not_initialised`, `wrong_passphrase`, `invalid`, `forbidden_transition`,
    /// `status_conflict`, `not_found`, `already_initialised`, `internal`.
    pub code: &'static str,
    /// Plain words for the person.
    pub message: String,
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::NotInitialised(_) => "not_initialised",
            Error::AlreadyInitialised(_) => "already_initialised",
            Error::WrongPassphrase => "wrong_passphrase",
            Error::WeakPassphrase => "invalid",
            Error::NotFound { .. } => "not_found",
            Error::Domain(citizens_core::Error::ForbiddenTransition { .. }) => {
                "forbidden_transition"
            }
            Error::Domain(citizens_core::Error::StatusConflict { .. }) => "status_conflict",
            Error::Domain(_) | Error::Rejected(_) => "invalid",
            _ => "internal",
        };
        CommandError {
            code,
            message: e.to_string(),
        }
    }
}

type Result<T> = std::result::Result<T, CommandError>;

fn lock<'a>(state: &'a State<'_, AppState>) -> Result<std::sync::MutexGuard<'a, Option<Client>>> {
    state.client.lock().map_err(|_| CommandError {
        code: "internal",
        message: "the app is in a bad state; restart it".into(),
    })
}

fn with_client<T>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut Client) -> citizens_client::Result<T>,
) -> Result<T> {
    let mut guard = lock(state)?;
    let client = guard.as_mut().ok_or(CommandError {
        code: "locked",
        message: "unlock Citizens Connect first".into(),
    })?;
    Ok(f(client)?)
}

/// Whether an install exists and is unlocked, and whose it is.
#[derive(Debug, Serialize)]
pub struct AppStatus {
    /// An install exists in the data folder.
    pub initialised: bool,
    /// It is unlocked.
    pub unlocked: bool,
    /// The user's name, once unlocked.
    pub user: Option<String>,
    /// The organisation, once unlocked.
    pub organisation: Option<String>,
}

#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> Result<AppStatus> {
    let guard = lock(&state)?;
    let profile = guard.as_ref().map(|c| c.profile().clone());
    Ok(AppStatus {
        initialised: state.data_dir.join("key.json").exists(),
        unlocked: profile.is_some(),
        user: profile.as_ref().map(|p| p.user.clone()),
        organisation: profile.map(|p| p.organisation),
    })
}

#[tauri::command]
pub fn create_profile(
    state: State<'_, AppState>,
    name: String,
    organisation: String,
    passphrase: String,
) -> Result<AppStatus> {
    let options = InitOptions {
        user: name,
        organisation,
        device_name: None,
        org_public_key: None,
    };
    let client = Client::init(&state.data_dir, &passphrase, options, Arc::new(SystemClock))?;
    *lock(&state)? = Some(client);
    app_status(state)
}

#[tauri::command]
pub fn unlock(state: State<'_, AppState>, passphrase: String) -> Result<AppStatus> {
    let client = Client::open(&state.data_dir, &passphrase, Arc::new(SystemClock))?;
    *lock(&state)? = Some(client);
    app_status(state)
}

/// A state and its LGAs.
#[derive(Debug, Serialize)]
pub struct StateDto {
    code: &'static str,
    name: &'static str,
    lgas: Vec<&'static str>,
}

#[tauri::command]
pub fn places() -> Vec<StateDto> {
    citizens_core::geo::states()
        .iter()
        .map(|s| StateDto {
            code: s.code,
            name: s.name,
            lgas: s.lgas.clone(),
        })
        .collect()
}

#[tauri::command]
pub fn categories() -> Vec<(&'static str, &'static str)> {
    citizens_core::taxonomy::CATEGORIES
        .iter()
        .map(|c| (c.slug, c.label))
        .collect()
}

#[tauri::command]
pub fn list_cases(
    state: State<'_, AppState>,
    query: Option<String>,
    status: Option<String>,
    offset: u64,
    limit: u64,
) -> Result<citizens_client::ListPage> {
    with_client(&state, |c| {
        match query.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => {
                let rows = c.search(q, limit.min(200))?;
                Ok(citizens_client::ListPage {
                    total: rows.len() as u64,
                    rows,
                })
            }
            None => c.list(
                &Filter {
                    status,
                    ..Filter::default()
                },
                Sort::Newest,
                offset,
                limit.min(500),
            ),
        }
    })
}

/// A captured case, as the capture screen confirms it.
#[derive(Debug, Serialize)]
pub struct Captured {
    reference: String,
    sealed: bool,
}

#[tauri::command]
pub fn capture(state: State<'_, AppState>, input: GrievanceInput) -> Result<Captured> {
    with_client(&state, |c| {
        let g = c.capture(&input)?;
        Ok(Captured {
            reference: g.reference,
            sealed: g.reporter.sealed.is_some(),
        })
    })
}

/// The case page.
#[derive(Debug, Serialize)]
pub struct CaseDto {
    case: citizens_client::CaseView,
    title: String,
    narrative: String,
    kind: String,
    category: String,
    state: String,
    lga: String,
    allowed_next: Vec<&'static str>,
}

fn case_dto(view: citizens_client::CaseView) -> CaseDto {
    let g = &view.grievance;
    let allowed_next = if view.conflict.is_empty() {
        g.status()
            .current
            .allowed_next()
            .iter()
            .map(|s| s.as_str())
            .collect()
    } else {
        Vec::new()
    };
    CaseDto {
        title: g.title.clone(),
        narrative: g.narrative.clone(),
        kind: g.kind.to_string(),
        category: g.category.clone(),
        state: g.place.state.clone(),
        lga: g.place.lga.clone(),
        allowed_next,
        case: view,
    }
}

#[tauri::command]
pub fn open_case(state: State<'_, AppState>, reference: String) -> Result<CaseDto> {
    with_client(&state, |c| c.open_case(&reference)).map(case_dto)
}

#[tauri::command]
pub fn change_status(
    state: State<'_, AppState>,
    reference: String,
    to: String,
    reason: Option<String>,
) -> Result<CaseDto> {
    with_client(&state, |c| c.change_status(&reference, &to, reason)).map(case_dto)
}

#[tauri::command]
pub fn add_note(state: State<'_, AppState>, reference: String, text: String) -> Result<CaseDto> {
    with_client(&state, |c| c.add_note(&reference, &text)).map(case_dto)
}
