//! Commands the window calls. Each returns data or `{code, message}`: the UI switches on the
//! code and shows the message, never matching on text.

use citizens_client::{
    app_clock, sample, store_rows, write_whole, CaseView, ChartWords, Client, Code,
    CommitmentInput, Dashboard, Error, Failure, Filter, ForwardInput, GrievanceInput, InitOptions,
    OrgKey, ReplyInput, ReportFilter, RetryPolicy, RuleInput, SessionInput, Sort, SyncError,
};
use citizens_core::session::{Attendance, TownHallSession};
use serde::Serialize;
use tauri::State;
use zeroize::Zeroizing;

use crate::background::Live;
use crate::AppState;

type Result<T> = std::result::Result<T, Failure>;

fn lock<'a>(state: &'a State<'_, AppState>) -> Result<std::sync::MutexGuard<'a, Option<Client>>> {
    state
        .client
        .lock()
        .map_err(|_| Failure::new(Code::Internal, "the app is in a bad state; restart it"))
}

fn with_client<T, E: Into<Failure>>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut Client) -> std::result::Result<T, E>,
) -> Result<T> {
    let mut guard = lock(state)?;
    let client = guard
        .as_mut()
        .ok_or(Failure::new(Code::Locked, "unlock Citizens Connect first"))?;
    f(client).map_err(Into::into)
}

/// Whether an install exists and is unlocked, and whose it is.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct AppStatus {
    /// An install exists in the data folder.
    pub initialised: bool,
    /// It is unlocked.
    pub unlocked: bool,
    /// The user's name, once unlocked.
    pub user: Option<String>,
    /// The organisation, once unlocked.
    pub organisation: Option<String>,
    /// This laptop's name.
    pub device_name: Option<String>,
    /// This laptop's code in reference numbers.
    pub device_code: Option<String>,
    /// The data folder.
    pub data_dir: String,
}

#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> Result<AppStatus> {
    let guard = lock(&state)?;
    let profile = guard.as_ref().map(|c| c.profile().clone());
    Ok(AppStatus {
        initialised: state.data_dir.join("key.json").exists(),
        unlocked: profile.is_some(),
        user: profile.as_ref().map(|p| p.user.clone()),
        organisation: profile.as_ref().map(|p| p.organisation.clone()),
        device_name: profile.as_ref().map(|p| p.device_name.clone()),
        device_code: profile.map(|p| p.device_code),
        data_dir: state.data_dir.display().to_string(),
    })
}

/// Hold the unlocked client; start the background sync when this laptop is enrolled.
/// The passphrase is kept only for the sync thread to open its own connection, and wiped from
/// memory once that is done.
fn unlocked(
    state: &State<'_, AppState>,
    client: Client,
    passphrase: Zeroizing<String>,
) -> Result<()> {
    let enrolled = client.server()?.is_some();
    *lock(state)? = Some(client);
    if enrolled {
        start_sync(state, passphrase);
    }
    Ok(())
}

/// Start the background sync; its connection is opened on its own thread.
fn start_sync(state: &State<'_, AppState>, passphrase: Zeroizing<String>) {
    let dir = state.data_dir.clone();
    state
        .sync
        .start(move || Client::open(&dir, &passphrase, app_clock()));
}

#[tauri::command]
pub fn create_profile(
    state: State<'_, AppState>,
    name: String,
    organisation: String,
    passphrase: String,
    sample_cases: usize,
) -> Result<AppStatus> {
    let options = InitOptions {
        user: name,
        organisation,
        device_name: None,
        org_key: OrgKey::Later,
    };
    let passphrase = Zeroizing::new(passphrase);
    let mut client = Client::init(&state.data_dir, &passphrase, options, app_clock())?;
    if sample_cases > 0 {
        load_into(&mut client, sample_cases)?;
    }
    unlocked(&state, client, passphrase)?;
    app_status(state)
}

#[tauri::command]
pub fn unlock(state: State<'_, AppState>, passphrase: String) -> Result<AppStatus> {
    let passphrase = Zeroizing::new(passphrase);
    let client = Client::open(&state.data_dir, &passphrase, app_clock())?;
    unlocked(&state, client, passphrase)?;
    app_status(state)
}

#[tauri::command]
pub fn change_passphrase(state: State<'_, AppState>, old: String, new: String) -> Result<()> {
    Ok(citizens_client::change_passphrase(
        &state.data_dir,
        &old,
        &new,
    )?)
}

fn load_into(client: &mut Client, count: usize) -> Result<usize> {
    let inputs =
        sample::grievances(&mut rand::thread_rng(), count.min(5_000), None).map_err(Error::from)?;
    let stored = client
        .capture_all(&inputs)
        .map_err(|report| Failure::new(Code::Invalid, report.to_string()))?;
    Ok(stored.len())
}

/// Add synthetic sample cases to explore the app.
#[tauri::command]
pub fn load_sample(state: State<'_, AppState>, count: usize) -> Result<usize> {
    with_client(&state, |c| load_into(c, count))
}

/// A state and its LGAs.
#[derive(Debug, Serialize, ts_rs::TS)]
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
pub fn home(state: State<'_, AppState>) -> Result<citizens_client::Home> {
    with_client(&state, |c| c.home())
}

#[tauri::command]
pub fn list_cases(
    state: State<'_, AppState>,
    filter: Filter,
    sort: Option<String>,
    offset: u64,
    limit: u64,
) -> Result<citizens_client::ListPage> {
    let sort = sort.as_deref().and_then(Sort::parse).unwrap_or_default();
    with_client(&state, |c| c.list(&filter, sort, offset, limit.min(500)))
}

/// A captured case, as the capture screen confirms it.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Captured {
    reference: String,
    sealed: bool,
}

#[tauri::command]
pub fn capture(state: State<'_, AppState>, input: GrievanceInput) -> Result<Captured> {
    with_client(&state, |c| {
        let g = c.capture(&input)?;
        Ok::<_, Error>(Captured {
            reference: g.reference,
            sealed: g.reporter.sealed.is_some(),
        })
    })
}

/// Run a case action and answer with the case page.
fn case_action(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut Client) -> citizens_client::Result<CaseView>,
) -> Result<CaseView> {
    with_client(state, f)
}

#[tauri::command]
pub fn open_case(state: State<'_, AppState>, reference: String) -> Result<CaseView> {
    case_action(&state, |c| c.open_case(&reference))
}

#[tauri::command]
pub fn change_status(
    state: State<'_, AppState>,
    reference: String,
    to: String,
    reason: Option<String>,
) -> Result<CaseView> {
    case_action(&state, |c| c.change_status(&reference, &to, reason))
}

/// Accept a report from the public.
#[tauri::command]
pub fn accept_intake(state: State<'_, AppState>, reference: String) -> Result<CaseView> {
    case_action(&state, |c| c.accept_intake(&reference))
}

/// Reject a report from the public as `spam` or `abuse` (kept, never deleted).
#[tauri::command]
pub fn reject_intake(
    state: State<'_, AppState>,
    reference: String,
    why: String,
) -> Result<CaseView> {
    case_action(&state, |c| {
        c.reject_intake(&reference, citizens_client::Rejection::parse(&why)?)
    })
}

/// Settle a status conflict by choosing the status that stands.
#[tauri::command]
pub fn settle_status(
    state: State<'_, AppState>,
    reference: String,
    to: String,
    reason: Option<String>,
) -> Result<CaseView> {
    case_action(&state, |c| c.settle_status(&reference, &to, reason))
}

#[tauri::command]
pub fn add_note(state: State<'_, AppState>, reference: String, text: String) -> Result<CaseView> {
    case_action(&state, |c| c.add_note(&reference, &text))
}

#[tauri::command]
pub fn share_with_agency_desk(
    state: State<'_, AppState>,
    reference: String,
    shared: bool,
) -> Result<CaseView> {
    case_action(&state, |c| c.share_with_agency_desk(&reference, shared))
}

#[tauri::command]
pub fn ask_reporter(
    state: State<'_, AppState>,
    reference: String,
    text: String,
) -> Result<CaseView> {
    case_action(&state, |c| c.ask_reporter(&reference, &text))
}

#[tauri::command]
pub fn forward(
    state: State<'_, AppState>,
    reference: String,
    input: ForwardInput,
) -> Result<CaseView> {
    case_action(&state, |c| c.forward(&reference, &input))
}

#[tauri::command]
pub fn record_reply(
    state: State<'_, AppState>,
    reference: String,
    input: ReplyInput,
) -> Result<CaseView> {
    case_action(&state, |c| c.record_reply(&reference, &input))
}

#[tauri::command]
pub fn escalate(state: State<'_, AppState>, reference: String, reason: String) -> Result<CaseView> {
    case_action(&state, |c| c.escalate(&reference, &reason))
}

#[tauri::command]
pub fn assign(
    state: State<'_, AppState>,
    reference: String,
    assignee: Option<String>,
) -> Result<CaseView> {
    let assignee = assignee.filter(|a| !a.trim().is_empty());
    case_action(&state, |c| c.assign(&reference, assignee.as_deref()))
}

/// The agency the routing rules suggest for what is being captured.
#[tauri::command]
pub fn suggest_agency(
    state: State<'_, AppState>,
    kind: String,
    category: String,
    place: String,
) -> Result<Option<citizens_core::routing::Suggestion>> {
    with_client(&state, |c| c.suggest_agency(&kind, &category, &place))
}

/// Route every new case without an agency; answers how many were routed.
#[tauri::command]
pub fn route_untriaged(state: State<'_, AppState>) -> Result<usize> {
    with_client(&state, |c| c.route_untriaged())
}

/// Who changed what on a case.
#[tauri::command]
pub fn case_history(
    state: State<'_, AppState>,
    reference: String,
) -> Result<Vec<citizens_client::HistoryEntry>> {
    with_client(&state, |c| c.case_history(&reference))
}

/// Suggested duplicates to judge, for one case when given.
#[tauri::command]
pub fn duplicate_suggestions(
    state: State<'_, AppState>,
    reference: Option<String>,
) -> Result<Vec<citizens_client::DuplicatePair>> {
    with_client(&state, |c| {
        c.duplicate_suggestions(reference.as_deref(), 200)
    })
}

/// Mark `copy` as the same grievance as `original` (merged or only linked); answers with the
/// original's page.
#[tauri::command]
pub fn mark_duplicate(
    state: State<'_, AppState>,
    copy: String,
    original: String,
    merge: bool,
) -> Result<CaseView> {
    case_action(&state, |c| c.mark_duplicate(&copy, &original, merge))
}

/// Undo a merge or link; answers with the copy's page.
#[tauri::command]
pub fn undo_duplicate(state: State<'_, AppState>, reference: String) -> Result<CaseView> {
    case_action(&state, |c| c.undo_duplicate(&reference))
}

/// "Not a duplicate": stop suggesting the pair.
#[tauri::command]
pub fn dismiss_duplicate(state: State<'_, AppState>, a: String, b: String) -> Result<()> {
    with_client(&state, |c| c.dismiss_duplicate(&a, &b))
}

/// The organisation's routing rules and public holidays.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct RulebookDto {
    rules: Vec<RuleDto>,
    holidays: Vec<(String, String)>,
}

/// One routing rule with its key.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct RuleDto {
    key: String,
    #[serde(flatten)]
    rule: citizens_core::routing::Rule,
}

fn rulebook_dto(c: &Client) -> citizens_client::Result<RulebookDto> {
    let book = c.rulebook()?;
    Ok(RulebookDto {
        rules: book
            .routing
            .into_iter()
            .map(|(key, rule)| RuleDto { key, rule })
            .collect(),
        holidays: book.holidays.into_iter().collect(),
    })
}

#[tauri::command]
pub fn rulebook(state: State<'_, AppState>) -> Result<RulebookDto> {
    with_client(&state, |c| rulebook_dto(c))
}

/// Change the rulebook and answer with it as it now stands.
fn rulebook_action<T>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut Client) -> citizens_client::Result<T>,
) -> Result<RulebookDto> {
    with_client(state, |c| {
        f(c)?;
        rulebook_dto(c)
    })
}

#[tauri::command]
pub fn add_routing_rule(state: State<'_, AppState>, input: RuleInput) -> Result<RulebookDto> {
    rulebook_action(&state, |c| c.add_routing_rule(&input))
}

#[tauri::command]
pub fn remove_routing_rule(state: State<'_, AppState>, key: String) -> Result<RulebookDto> {
    rulebook_action(&state, |c| c.remove_routing_rule(&key))
}

#[tauri::command]
pub fn add_holiday(state: State<'_, AppState>, day: String, name: String) -> Result<RulebookDto> {
    rulebook_action(&state, |c| c.add_holiday(&day, &name))
}

#[tauri::command]
pub fn remove_holiday(state: State<'_, AppState>, day: String) -> Result<RulebookDto> {
    rulebook_action(&state, |c| c.remove_holiday(&day))
}

/// The agency acknowledged receipt of a forwarded case.
#[tauri::command]
pub fn acknowledge(
    state: State<'_, AppState>,
    reference: String,
    on: Option<String>,
    their_reference: Option<String>,
) -> Result<CaseView> {
    case_action(&state, |c| {
        c.acknowledge(&reference, on.as_deref(), their_reference.as_deref())
    })
}

/// The forwarding letter to the agency holding the case.
#[tauri::command]
pub fn forwarding_letter(state: State<'_, AppState>, reference: String) -> Result<String> {
    with_client(&state, |c| c.forwarding_letter(&reference))
}

/// The call-back to the citizen after `resolved`.
#[tauri::command]
pub fn call_back(
    state: State<'_, AppState>,
    reference: String,
    confirmed: bool,
    note: String,
) -> Result<CaseView> {
    case_action(&state, |c| c.call_back(&reference, confirmed, &note))
}

fn decode_base64(field: &str, text: &str) -> Result<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| {
            Failure::new(
                Code::Invalid,
                format!("the {field} could not be read; choose the file again"),
            )
        })
}

/// Attach a file chosen in the window (sent as base64).
#[tauri::command]
pub fn attach(
    state: State<'_, AppState>,
    reference: String,
    file_name: String,
    base64: String,
) -> Result<CaseView> {
    let bytes = decode_base64("file", &base64)?;
    case_action(&state, |c| c.attach_bytes(&reference, &file_name, &bytes))
}

/// An attachment's bytes as base64, for showing a photo of a form.
#[tauri::command]
pub fn attachment(state: State<'_, AppState>, sha256: String) -> Result<String> {
    use base64::Engine as _;
    with_client(&state, |c| c.attachment(&sha256))
        .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A session page.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SessionDto {
    session: TownHallSession,
    cases: Vec<store_rows::GrievanceRow>,
}

#[tauri::command]
pub fn sessions(state: State<'_, AppState>) -> Result<Vec<store_rows::SessionRow>> {
    with_client(&state, |c| c.sessions())
}

/// Paper form numbers this laptop issued that no case names yet (paper capture offers them).
#[tauri::command]
pub fn unused_forms(state: State<'_, AppState>) -> Result<Vec<String>> {
    with_client(&state, |c| c.unused_forms())
}

#[tauri::command]
pub fn session(state: State<'_, AppState>, id: String) -> Result<SessionDto> {
    with_client(&state, |c| c.session(&id)).map(|(session, cases)| SessionDto { session, cases })
}

/// Run a session action and answer with the session page.
fn session_action(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut Client) -> citizens_client::Result<TownHallSession>,
) -> Result<SessionDto> {
    with_client(state, |c| {
        let id = f(c)?.id.to_string();
        c.session(&id)
    })
    .map(|(session, cases)| SessionDto { session, cases })
}

#[tauri::command]
pub fn create_session(state: State<'_, AppState>, input: SessionInput) -> Result<SessionDto> {
    session_action(&state, |c| c.create_session(&input))
}

#[tauri::command]
pub fn record_attendance(
    state: State<'_, AppState>,
    id: String,
    attendance: Attendance,
) -> Result<SessionDto> {
    session_action(&state, |c| c.record_attendance(&id, attendance))
}

#[tauri::command]
pub fn add_representative(
    state: State<'_, AppState>,
    id: String,
    name: String,
    office: String,
    agency: Option<String>,
) -> Result<SessionDto> {
    session_action(&state, |c| {
        c.add_representative(
            &id,
            &name,
            &office,
            agency.as_deref().filter(|a| !a.is_empty()),
        )
    })
}

#[tauri::command]
pub fn add_commitment(
    state: State<'_, AppState>,
    id: String,
    input: CommitmentInput,
) -> Result<SessionDto> {
    session_action(&state, |c| c.add_commitment(&id, &input))
}

/// Judge a commitment: kept, partly kept, broken (or open again), with its evidence.
#[tauri::command]
pub fn update_commitment(
    state: State<'_, AppState>,
    id: String,
    commitment: String,
    status: String,
    evidence: String,
) -> Result<SessionDto> {
    session_action(&state, |c| {
        c.update_commitment(&id, &commitment, &status, &evidence)
    })
}

#[tauri::command]
pub fn overdue_commitments(state: State<'_, AppState>) -> Result<Vec<store_rows::CommitmentRow>> {
    with_client(&state, |c| c.overdue_commitments())
}

#[tauri::command]
pub fn agencies(state: State<'_, AppState>) -> Result<Vec<store_rows::AgencyRow>> {
    with_client(&state, |c| c.agencies(None))
}

#[tauri::command]
pub fn agency(
    state: State<'_, AppState>,
    short_name: String,
) -> Result<citizens_core::agency::Agency> {
    with_client(&state, |c| c.agency(&short_name))
}

/// A civic article in the reader's language, and whether that text is a translation awaiting
/// review.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ArticleDto {
    slug: String,
    title: String,
    body: String,
    agencies: Vec<String>,
    translation: citizens_core::article::Translation,
}

impl ArticleDto {
    fn new(a: &citizens_core::article::CivicArticle, language: &str) -> Self {
        let (title, body) = a.localized(language);
        ArticleDto {
            title: title.to_string(),
            body: body.to_string(),
            slug: a.slug.clone(),
            agencies: a.agencies.clone(),
            translation: a.translation(language),
        }
    }
}

/// The civic articles: `(slug, title in the reader's language)`.
#[tauri::command]
pub fn articles(state: State<'_, AppState>, language: String) -> Result<Vec<(String, String)>> {
    with_client(&state, |c| {
        c.articles()?
            .into_iter()
            .map(|(slug, _)| {
                let title = c.article(&slug)?.localized(&language).0.to_string();
                Ok::<_, citizens_client::Error>((slug, title))
            })
            .collect()
    })
}

#[tauri::command]
pub fn article(state: State<'_, AppState>, slug: String, language: String) -> Result<ArticleDto> {
    with_client(&state, |c| c.article(&slug)).map(|a| ArticleDto::new(&a, &language))
}

/// A coordinator marks the article's translation into `language` checked by a native speaker.
#[tauri::command]
pub fn mark_translation_reviewed(
    state: State<'_, AppState>,
    slug: String,
    language: String,
) -> Result<ArticleDto> {
    with_client(&state, |c| c.mark_translation_reviewed(&slug, &language))
        .map(|a| ArticleDto::new(&a, &language))
}

/// The sync indicator: what is stored and what the background thread is doing.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SyncView {
    #[serde(flatten)]
    stored: citizens_client::SyncStatus,
    live: Live,
}

#[tauri::command]
pub fn sync_status(state: State<'_, AppState>) -> Result<SyncView> {
    let stored = with_client(&state, |c| c.sync_status())?;
    Ok(SyncView {
        stored,
        live: state.sync.live(),
    })
}

/// Sync now: nudge the background thread, or start it (it needs the passphrase again when it
/// stopped, e.g. after the laptop was enrolled anew).
#[tauri::command]
pub fn sync_now(state: State<'_, AppState>, passphrase: Option<String>) -> Result<SyncView> {
    if !state.sync.nudge() {
        if with_client(&state, |c| c.server())?.is_none() {
            return Err(SyncError::NotEnrolled.into());
        }
        let passphrase = Zeroizing::new(passphrase.ok_or(Failure::new(
            Code::NeedsPassphrase,
            "type your passphrase to start syncing",
        ))?);
        // Opened here so a wrong passphrase is said at once; the thread then uses it.
        let client = Client::open(&state.data_dir, &passphrase, app_clock())?;
        state.sync.start(move || Ok(client));
    }
    sync_status(state)
}

/// A coordinator's "publish now": the public figures go at this sync, however recently they
/// were published (otherwise at most once a day).
#[tauri::command]
pub fn publish_figures_now(
    state: State<'_, AppState>,
    passphrase: Option<String>,
) -> Result<SyncView> {
    with_client(&state, |c| c.publish_figures_at_next_sync())?;
    sync_now(state, passphrase)
}

/// Enrol this laptop with a server using a one-time code, then start syncing.
#[tauri::command]
pub async fn enroll(
    state: State<'_, AppState>,
    server: String,
    code: String,
    passphrase: String,
) -> Result<SyncView> {
    let passphrase = Zeroizing::new(passphrase);
    // The HTTP client blocks (with its own runtime): run it where blocking is allowed.
    tokio::task::block_in_place(|| {
        // Checked before the one-time code is spent; the sync thread opens its connection
        // after enrolment, so it starts with the enrolled profile.
        Client::open(&state.data_dir, &passphrase, app_clock())?;
        with_client(&state, |c| c.enroll(&server, &code, RetryPolicy::default()))?;
        start_sync(&state, passphrase);
        sync_status(state)
    })
}

/// Write an encrypted bundle of every case and session to `path`.
#[tauri::command]
pub fn export_bundle(
    state: State<'_, AppState>,
    path: String,
    passphrase: String,
) -> Result<Saved> {
    let path = output_path(&path, "ccbundle")?;
    let count = with_client(&state, |c| {
        write_whole(&path, |sink| c.export_bundle(sink, &passphrase, None))
    })?;
    Ok(Saved::new(&path, count))
}

/// A file the window asked to write: a full path whose name ends in `.{extension}` (added
/// when the name has none), so a typed name neither lands in the app's working folder nor
/// replaces a file of another kind (the store itself).
fn output_path(text: &str, extension: &str) -> Result<std::path::PathBuf> {
    let path = std::path::PathBuf::from(text.trim());
    let refuse = |message: String| Failure::new(Code::Invalid, message);
    if !path.is_absolute() || path.is_dir() {
        return Err(refuse(format!(
            "give a file name with its full path, e.g. /home/you/figures.{extension}"
        )));
    }
    match path.extension() {
        None => Ok(path.with_extension(extension)),
        Some(e) if e.eq_ignore_ascii_case(extension) => Ok(path),
        Some(_) => Err(refuse(format!("the file's name must end in .{extension}"))),
    }
}

/// A file written for the person: where it is, and how many records it holds.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Saved {
    path: String,
    count: usize,
}

impl Saved {
    fn new(path: &std::path::Path, count: usize) -> Saved {
        Saved {
            path: path.display().to_string(),
            count,
        }
    }
}

/// The dashboard over the cases the filter selects: the performance table, trends and charts
/// drawn with the window's words.
#[tauri::command]
pub fn dashboard(
    state: State<'_, AppState>,
    filter: ReportFilter,
    words: ChartWords,
) -> Result<Dashboard> {
    with_client(&state, |c| {
        let filter = c.report_filter(&filter)?;
        c.dashboard(&filter, &words)
    })
}

/// Write the figures workbook (no personal data, small counts withheld) to `path`.
#[tauri::command]
pub fn export_xlsx(
    state: State<'_, AppState>,
    filter: ReportFilter,
    path: String,
) -> Result<Saved> {
    let path = output_path(&path, "xlsx")?;
    let count = with_client(&state, |c| {
        let filter = c.report_filter(&filter)?;
        write_whole(&path, |sink| c.export_xlsx(&filter, sink))
    })?;
    Ok(Saved::new(&path, count))
}

/// Print the forwarding letter of case `reference` to `path` (PDF, with a QR code of the
/// agency desk once this laptop is enrolled).
#[tauri::command]
pub fn save_letter(state: State<'_, AppState>, reference: String, path: String) -> Result<Saved> {
    let path = output_path(&path, "pdf")?;
    let pdf = with_client(&state, |c| citizens_paper::forwarding_letter(c, &reference))?;
    citizens_client::write_bytes(&path, &pdf)?;
    Ok(Saved::new(&path, 1))
}

/// Print a brief to `path` (PDF) in `lang`: for a meeting with `agency` (its short name), or
/// the media brief (every agency) when none is given.
#[tauri::command]
pub fn save_brief(
    state: State<'_, AppState>,
    agency: Option<String>,
    filter: ReportFilter,
    lang: String,
    path: String,
) -> Result<Saved> {
    let path = output_path(&path, "pdf")?;
    let pdf = with_client(&state, |c| match agency.as_deref() {
        Some(agency) => citizens_paper::agency_brief(c, agency, &filter, &lang),
        None => citizens_paper::media_brief(c, &filter, &lang),
    })?;
    citizens_client::write_bytes(&path, &pdf)?;
    Ok(Saved::new(&path, 1))
}

/// Print the town-hall kit of `session` to `path` (PDF) in `lang`, with `forms` blank
/// complaint forms numbered for it.
#[tauri::command]
pub fn save_kit(
    state: State<'_, AppState>,
    session: String,
    forms: u32,
    lang: String,
    path: String,
) -> Result<Saved> {
    let path = output_path(&path, "pdf")?;
    with_client(&state, |c| {
        citizens_paper::kit(c, &session, forms, &lang, |pdf| {
            citizens_client::write_bytes(&path, pdf)?;
            Ok(Saved::new(&path, forms as usize))
        })
    })
}

/// Merge a bundle chosen in the window (sent as base64).
#[tauri::command]
pub fn import_bundle(
    state: State<'_, AppState>,
    base64: String,
    passphrase: String,
) -> Result<citizens_client::BundleImport> {
    let bytes = decode_base64("bundle", &base64)?;
    with_client(&state, |c| c.import_bundle(bytes.as_slice(), &passphrase))
}
