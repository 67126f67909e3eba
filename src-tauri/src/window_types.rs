//! The window's TypeScript types and closed vocabularies, generated from the Rust types it
//! exchanges with the app (ts-rs), so the two cannot drift: `ui/src/lib/types.generated.ts` is
//! committed, and this test fails when it differs from what the Rust types say.
//! `CITIZENS_WRITE_TYPES=1 cargo nextest run --workspace -E 'test(window_types)'` rewrites it.

use std::fmt::Write as _;

use citizens_client::{figures, store_rows};
use citizens_core::{
    agency, article, duplicates, grievance, lifecycle, routing, session, taxonomy,
};
use ts_rs::{Config, TS};

use crate::{background, commands};

/// Every type a command takes or returns, dependencies before use.
fn declarations(cfg: &Config) -> Vec<String> {
    macro_rules! decls {
        ($($t:ty),+ $(,)?) => { vec![$(<$t as TS>::decl(cfg)),+] };
    }
    decls![
        session::CommitmentStatus,
        agency::Level,
        lifecycle::Actor,
        grievance::Attachment,
        grievance::Gps,
        grievance::Place,
        agency::LadderStep,
        agency::Service,
        agency::Contact,
        agency::Agency,
        routing::Suggestion,
        session::Attendance,
        session::CommitmentUpdate,
        session::Commitment,
        session::Representative,
        session::TownHallSession,
        store_rows::GrievanceRow,
        store_rows::ListPage,
        store_rows::Filter,
        store_rows::SessionRow,
        store_rows::CommitmentRow,
        store_rows::AgencyRow,
        store_rows::Workload,
        citizens_client::DuplicatePair,
        citizens_client::SetAside,
        citizens_client::HeldBack,
        figures::Days,
        figures::AgencyPerformance,
        figures::Count,
        figures::Trends,
        citizens_client::TimelineEntry,
        citizens_client::MergedCase,
        citizens_client::HistoryEntry,
        citizens_client::CaseRow,
        citizens_client::CaseView,
        citizens_client::GrievanceInput,
        citizens_client::ForwardInput,
        citizens_client::ReplyInput,
        citizens_client::Home,
        citizens_client::RuleInput,
        citizens_client::SessionInput,
        citizens_client::CommitmentInput,
        citizens_client::BundleImport,
        citizens_client::SyncStatus,
        citizens_client::ReportFilter,
        citizens_client::ChartWords,
        citizens_client::Month,
        citizens_client::Charts,
        citizens_client::Dashboard,
        background::Live,
        citizens_client::Code,
        citizens_client::Failure,
        commands::AppStatus,
        commands::StateDto,
        commands::Captured,
        commands::RuleDto,
        commands::RulebookDto,
        commands::SessionDto,
        article::Translation,
        commands::ArticleDto,
        commands::SyncView,
        commands::Saved,
    ]
}

/// The closed vocabularies the window lists (menus, filters), as the core stores them.
fn vocabularies() -> Vec<(&'static str, Vec<&'static str>)> {
    fn words<T: Copy>(all: &[T], word: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().copied().map(word).collect()
    }
    vec![
        (
            "statuses",
            words(lifecycle::Status::ALL, lifecycle::Status::as_str),
        ),
        (
            "kinds",
            words(grievance::Kind::ALL, grievance::Kind::as_str),
        ),
        (
            "channels",
            words(grievance::Channel::ALL, grievance::Channel::as_str),
        ),
        (
            "forwardChannels",
            words(
                grievance::ForwardChannel::ALL,
                grievance::ForwardChannel::as_str,
            ),
        ),
        (
            "priorities",
            words(grievance::Priority::ALL, grievance::Priority::as_str),
        ),
        (
            "genders",
            words(grievance::Gender::ALL, grievance::Gender::as_str),
        ),
        (
            "ageBands",
            words(grievance::AgeBand::ALL, grievance::AgeBand::as_str),
        ),
        (
            "commitmentStatuses",
            words(
                session::CommitmentStatus::ALL,
                session::CommitmentStatus::as_str,
            ),
        ),
        (
            "duplicateReasons",
            words(duplicates::Reason::ALL, duplicates::Reason::as_str),
        ),
        (
            "categories",
            taxonomy::CATEGORIES.iter().map(|c| c.slug).collect(),
        ),
        ("disabilityAnswers", figures::DISABILITY_ANSWERS.to_vec()),
        (
            "refusals",
            words(
                citizens_client::Refusal::ALL,
                citizens_client::Refusal::as_str,
            ),
        ),
    ]
}

fn generated() -> String {
    // Milliseconds and counts are JSON numbers, well inside a double's exact range.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/window_types.rs: do not edit.\n\
         // CITIZENS_WRITE_TYPES=1 cargo nextest run --workspace -E 'test(window_types)' rewrites it.\n\n",
    );
    for decl in declarations(&cfg) {
        let _ = writeln!(out, "export {decl}\n");
    }
    for (name, words) in vocabularies() {
        let list: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
        let _ = writeln!(out, "export const {name} = [{}] as const;", list.join(", "));
    }
    out
}

#[test]
fn window_types_match_the_rust_types() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/types.generated.ts");
    let wanted = generated();
    if std::env::var_os("CITIZENS_WRITE_TYPES").is_some() {
        std::fs::write(&path, &wanted).expect("write the window's types");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == wanted,
        "{} is out of date with the Rust types: run CITIZENS_WRITE_TYPES=1 cargo nextest run --workspace -E 'test(window_types)', then npm run check in ui/",
        path.display()
    );
}
