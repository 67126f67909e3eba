//! Thin desktop shell: `#[tauri::command]` wrappers over `citizens-client`, DTOs and error
//! mapping. No logic lives here that a front end would need twice.

pub mod background;
pub mod commands;
#[cfg(test)]
mod window_types;

use std::path::PathBuf;
use std::sync::Mutex;

use tauri::{Builder, Runtime};

/// What the window holds between commands: where the data lives and, once unlocked, the client.
#[derive(Debug)]
pub struct AppState {
    /// The install's folder.
    pub data_dir: PathBuf,
    /// The unlocked install.
    pub client: Mutex<Option<citizens_client::Client>>,
    /// The background sync.
    pub sync: background::Background,
}

impl AppState {
    /// The folder from `CITIZENS_DATA_DIR`, else `~/.local/share/citizens-connect`.
    pub fn from_env() -> AppState {
        let data_dir = std::env::var_os("CITIZENS_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("."));
                home.join(".local/share/citizens-connect")
            });
        AppState {
            data_dir,
            client: Mutex::new(None),
            sync: background::Background::default(),
        }
    }
}

/// Register state and commands; shared by the real app and the mock-runtime tests.
pub fn app_builder<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::create_profile,
            commands::unlock,
            commands::change_passphrase,
            commands::load_sample,
            commands::places,
            commands::home,
            commands::list_cases,
            commands::capture,
            commands::open_case,
            commands::change_status,
            commands::accept_intake,
            commands::reject_intake,
            commands::settle_status,
            commands::add_note,
            commands::ask_reporter,
            commands::share_with_agency_desk,
            commands::save_letter,
            commands::forward,
            commands::record_reply,
            commands::escalate,
            commands::assign,
            commands::call_back,
            commands::acknowledge,
            commands::forwarding_letter,
            commands::suggest_agency,
            commands::route_untriaged,
            commands::case_history,
            commands::duplicate_suggestions,
            commands::mark_duplicate,
            commands::undo_duplicate,
            commands::dismiss_duplicate,
            commands::rulebook,
            commands::add_routing_rule,
            commands::remove_routing_rule,
            commands::add_holiday,
            commands::remove_holiday,
            commands::attach,
            commands::attachment,
            commands::sessions,
            commands::unused_forms,
            commands::session,
            commands::create_session,
            commands::record_attendance,
            commands::add_representative,
            commands::add_commitment,
            commands::update_commitment,
            commands::overdue_commitments,
            commands::agencies,
            commands::agency,
            commands::articles,
            commands::article,
            commands::mark_translation_reviewed,
            commands::sync_status,
            commands::sync_now,
            commands::publish_figures_now,
            commands::enroll,
            commands::export_bundle,
            commands::export_xlsx,
            commands::save_brief,
            commands::save_kit,
            commands::dashboard,
            commands::import_bundle,
        ])
}

/// Start the app.
pub fn run() {
    let context = tauri::generate_context!();
    if let Err(e) = app_builder(tauri::Builder::default(), AppState::from_env()).run(context) {
        eprintln!("error: Citizens Connect could not start: {e}");
        std::process::exit(1);
    }
}
