//! `citizens`: the coordinators' and admins' command line over the client use-case API.
//! Every command takes `--json`; errors are one line on stderr and a non-zero exit.

mod output;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context as _, Result};
use citizens_client::{
    app_clock, sample, Client, Code, CommitmentInput, Failure, Filter, ForwardInput,
    GrievanceInput, InitOptions, OrgKey, Progress, ReplyInput, ReportFilter, RetryPolicy,
    RuleInput, SessionInput, Sort, SyncError, SyncLoop,
};
use citizens_core::session::Attendance;
use clap::{Args, Parser, Subcommand};
use zeroize::Zeroizing;

use crate::output::Out;

#[derive(Parser, Debug)]
#[command(
    name = "citizens",
    version,
    about = "Citizens Connect: capture and work citizens' grievances, offline"
)]
struct Cli {
    /// Folder holding this install's encrypted data.
    #[arg(long, global = true, env = "CITIZENS_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Set up a new encrypted install.
    Init {
        /// Your name.
        #[arg(long)]
        name: String,
        /// Your organisation.
        #[arg(long)]
        org: String,
        /// A name for this laptop.
        #[arg(long)]
        device: Option<String>,
        /// The organisation's public key (from a coordinator). Without it (and without
        /// --new-organisation) identities captured before enrolment are sealed to a stand-in
        /// key and handed to the organisation's key at enrolment: this laptop never opens them.
        #[arg(long, conflicts_with = "new_organisation")]
        org_public_key: Option<String>,
        /// Found a new organisation: make its key pair and keep the secret in this install (the
        /// coordinator who sets the organisation up; only this install can open sealed
        /// identities).
        #[arg(long)]
        new_organisation: bool,
    },
    /// Home: counts by status, my queue, overdue, conflicts.
    Home,
    /// Work with grievances (cases).
    #[command(subcommand)]
    Grievance(GrievanceCmd),
    /// Town-hall sessions.
    #[command(subcommand)]
    Session(SessionCmd),
    /// The agency directory.
    #[command(subcommand)]
    Agency(AgencyCmd),
    /// Civic-information articles.
    #[command(subcommand)]
    Article(ArticleCmd),
    /// Routing rules: which agency a grievance goes to (coordinators edit them; they sync).
    #[command(subcommand)]
    Rules(RulesCmd),
    /// Public holidays: days that do not count towards an office's time to answer.
    #[command(subcommand)]
    Holidays(HolidaysCmd),
    /// Figures that hold agencies to account (`--json`: as they may leave the laptop, counts
    /// under 5 withheld).
    #[command(subcommand)]
    Report(ReportCmd),
    /// Export every case (no names or phones).
    Export {
        /// json or csv (every case, for the organisation), or xlsx (the performance table and
        /// monthly trends as rounded figures that may leave the laptop, no case list; needs
        /// --out).
        #[arg(value_parser = ["json", "csv", "xlsx"])]
        format: String,
        #[command(flatten)]
        filter: ReportArgs,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print a brief as PDF: for a meeting with one agency, or for the media (every agency
    /// ranked). Figures from fewer than 5 cases read "fewer than 5"; no reporter is named.
    #[command(subcommand)]
    Brief(BriefCmd),
    /// Print the town-hall kit as PDF: the agenda sheet, an attendance tally and blank
    /// complaint forms numbered for the session (paper capture then offers those numbers).
    Kit {
        /// Session id (see `citizens session list`).
        session: String,
        /// Write the PDF here.
        #[arg(long)]
        out: PathBuf,
        /// How many blank complaint forms.
        #[arg(long, default_value_t = citizens_paper::KIT_FORMS)]
        forms: u32,
        /// en, ha, yo, ig or pcm.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Import cases.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Change the passphrase that unlocks this install.
    Passphrase,
    /// Enrol this laptop with a sync server using a one-time code from a coordinator.
    Enroll {
        /// The server, e.g. https://sync.example.org
        #[arg(long)]
        server: String,
        /// The one-time code.
        #[arg(long)]
        code: String,
    },
    /// Send local work to the server and receive what others did.
    Sync {
        /// Keep syncing in the foreground: every few minutes, and with growing pauses while
        /// offline (Ctrl-C to stop).
        #[arg(long)]
        watch: bool,
        /// Minutes between syncs with --watch.
        #[arg(long, default_value_t = 5)]
        every: u64,
        /// Publish the public figures now (a coordinator's laptop; otherwise at most once a
        /// day, so that one sync does not show what one case changed).
        #[arg(long)]
        publish_figures: bool,
    },
    /// Carry cases between laptops on a USB stick, encrypted (passphrase from
    /// CITIZENS_BUNDLE_PASSPHRASE or a prompt).
    #[command(subcommand)]
    Bundle(BundleCmd),
    /// The organisation's keys.
    #[command(subcommand)]
    Org(OrgCmd),
    /// Add synthetic sample cases to explore or train with (never on an install with real cases).
    Sample {
        /// How many.
        #[arg(long, default_value_t = 50)]
        count: usize,
        /// Only in this state (name or code).
        #[arg(long)]
        state: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum ReportCmd {
    /// Every agency's performance: received, forwarded, acknowledged, answered, resolved and
    /// how fast, overdue, escalated, reopened.
    Agencies(ReportArgs),
    /// Cases per month by status and category, by state, who reports, commitments kept.
    Trends(ReportArgs),
    /// One agency's performance (short name, e.g. KEDCO).
    Agency {
        name: String,
        #[command(flatten)]
        filter: ReportArgs,
    },
}

#[derive(Subcommand, Debug)]
enum BriefCmd {
    /// For a meeting with one agency (short name, e.g. KEDCO): its figures against the average
    /// of its level, its overdue cases, its town-hall promises, its charts.
    Agency {
        name: String,
        #[command(flatten)]
        paper: PaperArgs,
    },
    /// For the media: every agency, ranked by the share of cases resolved.
    Media {
        #[command(flatten)]
        paper: PaperArgs,
    },
}

/// Where a printed paper goes, in which language, over which cases.
#[derive(Args, Debug)]
struct PaperArgs {
    /// Write the PDF here.
    #[arg(long)]
    out: PathBuf,
    /// en, ha, yo, ig or pcm.
    #[arg(long, default_value = "en")]
    lang: String,
    #[command(flatten)]
    filter: ReportArgs,
}

/// What a report covers.
#[derive(Args, Debug, Default)]
struct ReportArgs {
    /// Cases captured on or after this day (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Cases captured on or before this day (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    /// State name or code.
    #[arg(long)]
    state: Option<String>,
    #[arg(long)]
    lga: Option<String>,
    #[arg(long)]
    category: Option<String>,
    /// complaint, corruption_report, feedback, inquiry, commendation.
    #[arg(long)]
    kind: Option<String>,
}

impl ReportArgs {
    fn filter(&self, agency: Option<&str>) -> ReportFilter {
        ReportFilter {
            from: self.from.clone(),
            to: self.to.clone(),
            state: self.state.clone(),
            lga: self.lga.clone(),
            category: self.category.clone(),
            kind: self.kind.clone(),
            agency: agency.map(str::to_string),
        }
    }
}

#[derive(Args, Debug, Default)]
struct AddArgs {
    #[command(flatten)]
    input: GrievanceInput,
    /// Where it happened: latitude and longitude in degrees, e.g. `--gps 12.0022,8.5920`.
    #[arg(long, value_parser = parse_gps, allow_hyphen_values = true)]
    gps: Option<(f64, f64)>,
}

#[derive(Subcommand, Debug)]
enum GrievanceCmd {
    /// Capture a grievance.
    Add(Box<AddArgs>),
    /// List cases with filters.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        category: Option<String>,
        /// Agency short name.
        #[arg(long)]
        agency: Option<String>,
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        lga: Option<String>,
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long)]
        session: Option<String>,
        /// Only cases past their due date.
        #[arg(long)]
        overdue: bool,
        /// Only cases where devices changed the status concurrently.
        #[arg(long)]
        conflicts: bool,
        /// Only the triage queue: the public's reports nobody has looked at yet.
        #[arg(long)]
        triage: bool,
        /// newest, oldest, due, priority, reference.
        #[arg(long, default_value = "newest")]
        sort: String,
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[arg(long, default_value_t = 0)]
        offset: u64,
    },
    /// Full-text search.
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
    /// Show one case with its timeline.
    Show {
        /// Reference code or id.
        case: String,
        /// Open the sealed name and phone (coordinators' installs only).
        #[arg(long)]
        reveal: bool,
    },
    /// Change the status.
    Status {
        case: String,
        /// new, triaged, forwarded, acknowledged, in_progress, resolved, closed, not_actionable, duplicate, withdrawn.
        to: String,
        #[arg(long)]
        reason: Option<String>,
        /// Settle a conflict between devices.
        #[arg(long)]
        settle: bool,
    },
    /// Accept a report from the public (it leaves the triage queue; route it next).
    Accept { case: String },
    /// Reject a report from the public: kept, never deleted.
    Reject {
        case: String,
        /// spam or abuse.
        #[arg(long)]
        why: String,
    },
    /// Add a note.
    Note { case: String, text: String },
    /// Ask the reporter a question they read and answer on the public tracking page with
    /// their receipt (reports from the public face only).
    Ask { case: String, text: String },
    /// Keep a case off its agency's desk (the agency learns of it only by letter), or with
    /// --share put it back.
    Withhold {
        case: String,
        /// Put it back on the agency's desk.
        #[arg(long)]
        share: bool,
    },
    /// Forward to an agency.
    Forward {
        case: String,
        #[arg(long)]
        agency: String,
        /// letter, email, visit, phone, portal.
        #[arg(long)]
        channel: String,
        #[arg(long)]
        office: Option<String>,
        #[arg(long)]
        reference: Option<String>,
        /// YYYY-MM-DD (default today).
        #[arg(long)]
        on: Option<String>,
    },
    /// Record the agency's reply.
    Reply {
        case: String,
        #[arg(long)]
        summary: String,
        #[arg(long)]
        reference: Option<String>,
        #[arg(long)]
        on: Option<String>,
    },
    /// Escalate to the next office on the agency's ladder.
    Escalate {
        case: String,
        #[arg(long)]
        reason: String,
    },
    /// Assign to a case worker (omit the name to unassign).
    Assign { case: String, user: Option<String> },
    /// Route every new case without an agency by the routing rules (each becomes triaged).
    RouteAll,
    /// Who changed what on a case: every change from every laptop, from the record's history.
    History { case: String },
    /// Suggested duplicates to judge (for one case when given), most alike first.
    Duplicates { case: Option<String> },
    /// Fold COPY into ORIGINAL: COPY becomes a duplicate, ORIGINAL shows its reporter and
    /// timeline.
    Merge { copy: String, original: String },
    /// Mark COPY as a duplicate of ORIGINAL without folding it in (both stay open).
    Link { copy: String, original: String },
    /// Undo a merge or link (the copy gets back its status).
    Unlink { copy: String },
    /// The two cases are not duplicates: stop suggesting them.
    NotDuplicate { a: String, b: String },
    /// Record the agency's acknowledgement of a forwarded case.
    Ack {
        case: String,
        /// The agency's reference.
        #[arg(long)]
        reference: Option<String>,
        /// Day of the acknowledgement (default: today), YYYY-MM-DD.
        #[arg(long)]
        on: Option<String>,
    },
    /// The forwarding letter to the agency holding the case (to print or email): text, or a
    /// PDF with a QR code of the agency desk when --out ends in .pdf.
    Letter {
        case: String,
        /// Write it to this file instead of the screen (`.pdf`: as a PDF).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Record the call-back to the citizen after `resolved`: confirmed closes the case,
    /// `--not-resolved` reopens it.
    Callback {
        case: String,
        /// The citizen says the problem is not solved.
        #[arg(long)]
        not_resolved: bool,
        /// What the citizen said.
        #[arg(long)]
        note: String,
    },
    /// Attach a file: a photo of the paper form, a document, a recording.
    Attach { case: String, file: PathBuf },
    /// Save an attachment to a file.
    Attachment {
        /// Its SHA-256 (shown by `grievance show`).
        sha256: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum SessionCmd {
    /// Start a town-hall session.
    Add {
        #[arg(long)]
        title: String,
        #[arg(long)]
        venue: String,
        #[arg(long)]
        state: String,
        #[arg(long)]
        lga: String,
        /// YYYY-MM-DD (default today).
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        ward: Option<String>,
        #[arg(long)]
        organisers: Option<String>,
        #[arg(long)]
        agenda: Option<String>,
    },
    /// List sessions.
    List,
    /// Show a session, its officials, commitments and cases.
    Show { session: String },
    /// Record attendance.
    Attend {
        session: String,
        #[arg(long)]
        total: u64,
        #[arg(long, default_value_t = 0)]
        women: u64,
        #[arg(long, default_value_t = 0)]
        men: u64,
        #[arg(long, default_value_t = 0)]
        pwd: u64,
    },
    /// Add a Government representative present.
    Rep {
        session: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        office: String,
        #[arg(long)]
        agency: Option<String>,
    },
    /// Record a commitment an official made.
    Commit {
        session: String,
        #[arg(long)]
        official: String,
        #[arg(long)]
        office: String,
        #[arg(long)]
        promise: String,
        #[arg(long)]
        agency: Option<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
    },
    /// Link a case to the session.
    Link { session: String, case: String },
    /// Judge a commitment made there: kept, partly_kept, broken (or open again).
    Judge {
        session: String,
        /// The commitment's id (shown by `session show`).
        commitment: String,
        #[arg(long)]
        status: String,
        /// What shows it: a visit, a photo, a letter.
        #[arg(long)]
        evidence: String,
    },
    /// Open commitments past their due day, by agency.
    Overdue,
    /// Issue numbered paper complaint forms to print: the numbers are this laptop's own (two
    /// laptops never issue the same) and paper capture offers those no case names yet.
    Forms {
        /// How many (at most 500).
        #[arg(long, default_value_t = 50)]
        count: u32,
        /// For this session (its id, shown by `session list`).
        #[arg(long)]
        session: Option<String>,
    },
    /// Form numbers issued here that no case names yet.
    UnusedForms,
}

#[derive(Subcommand, Debug)]
enum AgencyCmd {
    /// List agencies.
    List {
        /// federal, state, lga.
        #[arg(long)]
        level: Option<String>,
    },
    /// Show an agency's services, fees, contacts and escalation ladder.
    Show { short_name: String },
}

#[derive(Subcommand, Debug)]
enum RulesCmd {
    /// List the rules.
    List,
    /// Add a rule; a newer rule beats an older one that is just as specific.
    Add {
        /// complaint, corruption_report, feedback, inquiry, commendation (any when absent).
        #[arg(long)]
        kind: Option<String>,
        /// Category (any when absent).
        #[arg(long)]
        category: Option<String>,
        /// State code or name (repeatable; any state when absent).
        #[arg(long = "state")]
        states: Vec<String>,
        /// The agency's short name.
        #[arg(long)]
        agency: String,
    },
    /// Remove a rule by its key (see `rules list`).
    Remove { key: String },
}

#[derive(Subcommand, Debug)]
enum HolidaysCmd {
    /// List the public holidays.
    List,
    /// Add (or rename) a public holiday.
    Add {
        /// YYYY-MM-DD.
        day: String,
        /// Its name, e.g. "Eid al-Fitr".
        name: String,
    },
    /// Remove a public holiday.
    Remove {
        /// YYYY-MM-DD.
        day: String,
    },
}

#[derive(Subcommand, Debug)]
enum BundleCmd {
    /// Write every case and session (or those changed since a day) to FILE.
    Export {
        file: PathBuf,
        /// YYYY-MM-DD: only records changed since that day.
        #[arg(long)]
        since: Option<String>,
    },
    /// Merge a bundle into this laptop (safe to repeat).
    Import { file: PathBuf },
}

#[derive(Subcommand, Debug)]
enum OrgCmd {
    /// Print the organisation public key (give it to the server admin and to volunteers).
    Key,
}

#[derive(Subcommand, Debug)]
enum ArticleCmd {
    /// List articles.
    List,
    /// Print an article, ready to read out or print for a town hall.
    Show {
        slug: String,
        /// Language: en, ha, yo, ig, pcm (falls back to English).
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Mark an article's translation checked by a native speaker (coordinators): the public
    /// page stops saying it awaits review after the next sync.
    Reviewed {
        slug: String,
        /// Language: ha, yo, ig or pcm.
        #[arg(long)]
        lang: String,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCmd {
    /// Import cases from a CSV file; all rows or none.
    Csv {
        file: PathBuf,
        /// Rename a column: `--map "Complaint=narrative"` (repeatable).
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
    },
}

fn rules(cli: &Cli, out: &Out, cmd: &RulesCmd) -> Result<()> {
    let mut client = open(cli)?;
    match cmd {
        RulesCmd::List => out.rules(&client.rulebook()?),
        RulesCmd::Add {
            kind,
            category,
            states,
            agency,
        } => {
            let key = client.add_routing_rule(&RuleInput {
                kind: kind.clone(),
                category: category.clone(),
                states: states.clone(),
                agency: agency.clone(),
            })?;
            out.message(&format!("Rule {key} added"))
        }
        RulesCmd::Remove { key } => {
            let rule = client.remove_routing_rule(key)?;
            out.message(&format!(
                "Rule {key} removed (it sent cases to {})",
                rule.agency
            ))
        }
    }
}

fn holidays(cli: &Cli, out: &Out, cmd: &HolidaysCmd) -> Result<()> {
    let mut client = open(cli)?;
    match cmd {
        HolidaysCmd::List => out.holidays(&client.rulebook()?),
        HolidaysCmd::Add { day, name } => {
            client.add_holiday(day, name)?;
            out.message(&format!(
                "{} is a public holiday: {}",
                day.trim(),
                name.trim()
            ))
        }
        HolidaysCmd::Remove { day } => {
            let name = client.remove_holiday(day)?;
            out.message(&format!("{} ({name}) is a working day again", day.trim()))
        }
    }
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(dir) = &cli.data_dir {
        return Ok(dir.clone());
    }
    let home = std::env::var_os("HOME").ok_or_else(|| anyhow!("set --data-dir or HOME"))?;
    Ok(PathBuf::from(home).join(".local/share/citizens-connect"))
}

/// Passphrases are wiped from memory when dropped.
fn passphrase(confirm: bool) -> Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var("CITIZENS_PASSPHRASE") {
        return Ok(Zeroizing::new(p));
    }
    let first = Zeroizing::new(
        rpassword::prompt_password("Passphrase: ").context("cannot read the passphrase")?,
    );
    if confirm {
        let again = Zeroizing::new(
            rpassword::prompt_password("Passphrase again: ")
                .context("cannot read the passphrase")?,
        );
        if again != first {
            bail!("the two passphrases differ");
        }
    }
    Ok(first)
}

fn bundle_passphrase(confirm: bool) -> Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var("CITIZENS_BUNDLE_PASSPHRASE") {
        return Ok(Zeroizing::new(p));
    }
    let first = Zeroizing::new(
        rpassword::prompt_password("Bundle passphrase: ").context("cannot read the passphrase")?,
    );
    if confirm
        && *Zeroizing::new(rpassword::prompt_password("Bundle passphrase again: ")?) != *first
    {
        bail!("the two passphrases differ");
    }
    Ok(first)
}

fn open(cli: &Cli) -> Result<Client> {
    Ok(Client::open(
        &data_dir(cli)?,
        &passphrase(false)?,
        app_clock(),
    )?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if cli.json => {
            output::error_json(&failure(&e));
            ExitCode::FAILURE
        }
        Err(e) => {
            let message = output::on_terminal(&format!("{e:#}"));
            let mut lines = message.lines();
            eprintln!("error: {}", lines.next().unwrap_or("unknown error"));
            for line in lines {
                eprintln!("{line}");
            }
            ExitCode::FAILURE
        }
    }
}

/// The failure as the window would show it: the client's code where the error is the client's
/// (or the sync's, or a paper's), `invalid` for what the command line itself refused.
fn failure(e: &anyhow::Error) -> Failure {
    let message = format!("{e:#}");
    let code = e
        .chain()
        .find_map(|cause| {
            let client = cause
                .downcast_ref::<citizens_client::Error>()
                .map(|e| e.code());
            let sync = || cause.downcast_ref::<SyncError>().map(|e| e.code());
            let paper = || {
                cause
                    .downcast_ref::<citizens_paper::Error>()
                    .map(|e| e.code())
            };
            client.or_else(sync).or_else(paper)
        })
        .unwrap_or(Code::Invalid);
    Failure::new(code, message)
}

fn run(cli: &Cli) -> Result<()> {
    let out = Out { json: cli.json };
    match &cli.command {
        Command::Init {
            name,
            org,
            device,
            org_public_key,
            new_organisation,
        } => {
            let dir = data_dir(cli)?;
            let client = Client::init(
                &dir,
                &passphrase(true)?,
                InitOptions {
                    user: name.clone(),
                    organisation: org.clone(),
                    device_name: device.clone(),
                    org_key: match (org_public_key, new_organisation) {
                        (Some(key), _) => OrgKey::Known(key.clone()),
                        (None, true) => OrgKey::Create,
                        (None, false) => OrgKey::Later,
                    },
                },
                app_clock(),
            )?;
            out.profile(client.profile(), &dir)
        }
        Command::Home => out.home(&open(cli)?),
        Command::Grievance(cmd) => grievance(cli, &out, cmd),
        Command::Session(cmd) => session(cli, &out, cmd),
        Command::Agency(AgencyCmd::List { level }) => {
            out.agencies(&open(cli)?.agencies(level.as_deref())?)
        }
        Command::Agency(AgencyCmd::Show { short_name }) => {
            out.agency(&open(cli)?.agency(short_name)?)
        }
        Command::Rules(cmd) => rules(cli, &out, cmd),
        Command::Holidays(cmd) => holidays(cli, &out, cmd),
        Command::Article(ArticleCmd::List) => out.articles(&open(cli)?.articles()?),
        Command::Article(ArticleCmd::Show { slug, lang }) => {
            out.article(&open(cli)?.article(slug)?, lang)
        }
        Command::Article(ArticleCmd::Reviewed { slug, lang }) => {
            out.article(&open(cli)?.mark_translation_reviewed(slug, lang)?, lang)
        }
        Command::Report(cmd) => {
            let client = open(cli)?;
            match cmd {
                ReportCmd::Agencies(args) => {
                    let filter = client.report_filter(&args.filter(None))?;
                    out.performance(
                        &client.performance(&filter)?,
                        &client.report_disclosure(&filter),
                    )
                }
                ReportCmd::Agency { name, filter } => {
                    let filter = client.report_filter(&filter.filter(Some(name)))?;
                    out.performance(
                        &client.performance(&filter)?,
                        &client.report_disclosure(&filter),
                    )
                }
                ReportCmd::Trends(args) => {
                    let filter = client.report_filter(&args.filter(None))?;
                    out.trends(&client.trends(&filter)?, &client.report_disclosure(&filter))
                }
            }
        }
        Command::Brief(cmd) => {
            let client = open(cli)?;
            let (paper, pdf) = match cmd {
                BriefCmd::Agency { name, paper } => (
                    paper,
                    citizens_paper::agency_brief(
                        &client,
                        name,
                        &paper.filter.filter(None),
                        &paper.lang,
                    )?,
                ),
                BriefCmd::Media { paper } => (
                    paper,
                    citizens_paper::media_brief(&client, &paper.filter.filter(None), &paper.lang)?,
                ),
            };
            let written = save_pdf(&paper.out, &pdf)?;
            out.message(&written)
        }
        Command::Kit {
            session,
            out: file,
            forms,
            lang,
        } => {
            let mut client = open(cli)?;
            let written = citizens_paper::kit(&mut client, session, *forms, lang, |pdf| {
                save_pdf(file, pdf)
            })?;
            out.message(&format!("{written} with {forms} numbered form(s)"))
        }
        Command::Export {
            format,
            out: file,
            filter,
        } => {
            let client = open(cli)?;
            if format == "xlsx" {
                let path = file
                    .as_ref()
                    .ok_or_else(|| anyhow!("give the workbook a file: --out figures.xlsx"))?;
                let filter = client.report_filter(&filter.filter(None))?;
                let count =
                    citizens_client::write_whole(path, |sink| client.export_xlsx(&filter, sink))?;
                eprintln!("wrote {} with {count} case(s)", path.display());
                return Ok(());
            }
            let mut sink: Box<dyn Write> = match file {
                Some(path) => Box::new(BufWriter::new(
                    File::create(path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            let count = if format == "json" {
                client.export_json(&mut sink)?
            } else {
                client.export_csv(&mut sink)?
            };
            sink.flush()?;
            if file.is_some() {
                eprintln!("exported {count} case(s)");
            }
            Ok(())
        }
        Command::Import(ImportCmd::Csv { file, map }) => {
            let mapping = map
                .iter()
                .map(|m| {
                    m.split_once('=')
                        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                        .ok_or_else(|| anyhow!("--map '{m}' must look like COLUMN=FIELD"))
                })
                .collect::<Result<Vec<_>>>()?;
            let input =
                File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut client = open(cli)?;
            let stored = client
                .import_csv(input, &mapping)
                .map_err(|report| anyhow!("{report}"))?;
            out.imported(&stored)
        }
        Command::Sample { count, state } => {
            let mut client = open(cli)?;
            let inputs = sample::grievances(&mut rand::thread_rng(), *count, state.as_deref())?;
            let stored = client
                .capture_all(&inputs)
                .map_err(|report| anyhow!("{report}"))?;
            out.imported(&stored)
        }
        Command::Enroll { server, code } => {
            let mut client = open(cli)?;
            let answer = client.enroll(server, code, RetryPolicy::default())?;
            out.enrolled(&answer)
        }
        Command::Sync {
            watch,
            every,
            publish_figures,
        } => {
            let mut client = open(cli)?;
            if *publish_figures {
                client.publish_figures_at_next_sync()?;
            }
            if *watch {
                let (_keep_open, nudges) = std::sync::mpsc::channel();
                let pace = SyncLoop {
                    interval: std::time::Duration::from_secs(every * 60),
                    ..SyncLoop::default()
                };
                client.run_sync_loop(&nudges, pace, &mut |_| {}, &mut |outcome| match outcome {
                    Ok(report) => {
                        let _ = out.synced(report);
                    }
                    Err(e) => eprintln!("not synced: {}", output::on_terminal(&e.to_string())),
                })?;
                return Ok(());
            }
            let mut progress = |p: Progress| match p {
                Progress::Pushing(n) => eprintln!("sending {n} change(s)…"),
                Progress::Pulled(n) => eprintln!("received {n} change(s)"),
                Progress::Retrying(attempt) => eprintln!(
                    "connection trouble; trying again (attempt {})…",
                    attempt + 1
                ),
                Progress::Recovering => eprintln!("checking every record with the server…"),
            };
            let report = client.sync(RetryPolicy::default(), &mut progress)?;
            client.find_duplicates()?;
            out.synced(&report)
        }
        Command::Bundle(BundleCmd::Export { file, since }) => {
            let client = open(cli)?;
            let since = since
                .as_deref()
                .map(|d| {
                    citizens_core::clock::Day::parse("since", d)
                        .map(|d| citizens_core::clock::Timestamp::start_of(d.date()).millis())
                })
                .transpose()?;
            let passphrase = bundle_passphrase(true)?;
            let count = citizens_client::write_whole(file, |sink| {
                client.export_bundle(sink, &passphrase, since)
            })?;
            out.message(&format!("wrote {count} record(s) to {}", file.display()))
        }
        Command::Bundle(BundleCmd::Import { file }) => {
            let mut client = open(cli)?;
            let input =
                File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
            let report =
                client.import_bundle(std::io::BufReader::new(input), &bundle_passphrase(false)?)?;
            out.bundle_imported(&report)
        }
        Command::Org(OrgCmd::Key) => out.message(open(cli)?.org_public_key()?),
        Command::Passphrase => {
            let dir = data_dir(cli)?;
            let old = Zeroizing::new(rpassword::prompt_password("Current passphrase: ")?);
            let new = passphrase(true)?;
            citizens_client::change_passphrase(&dir, &old, &new)?;
            out.message("passphrase changed")
        }
    }
}

/// `LAT,LON` in degrees; the range is checked where every capture is (citizens_core).
fn parse_gps(text: &str) -> std::result::Result<(f64, f64), String> {
    let wrong =
        || format!("'{text}' is not a position: give latitude,longitude, e.g. 12.0022,8.5920");
    let (lat, lon) = text.split_once(',').ok_or_else(wrong)?;
    let number = |t: &str| t.trim().parse::<f64>().map_err(|_| wrong());
    Ok((number(lat)?, number(lon)?))
}

fn grievance(cli: &Cli, out: &Out, cmd: &GrievanceCmd) -> Result<()> {
    let mut client = open(cli)?;
    match cmd {
        GrievanceCmd::Add(a) => {
            let input = GrievanceInput {
                lat: a.gps.map(|(lat, _)| lat),
                lon: a.gps.map(|(_, lon)| lon),
                ..a.input.clone()
            };
            let g = client.capture(&input)?;
            out.captured(&g)
        }
        GrievanceCmd::List {
            status,
            kind,
            category,
            agency,
            state,
            lga,
            assignee,
            session,
            overdue,
            conflicts,
            triage,
            sort,
            limit,
            offset,
        } => {
            let agency_id = agency
                .as_deref()
                .map(|a| client.agency(a).map(|a| a.id.to_string()))
                .transpose()?;
            let state = state
                .as_deref()
                .map(|s| citizens_core::geo::state(s).map(|s| s.code.to_string()))
                .transpose()?;
            let filter = Filter {
                status: status.clone(),
                kind: kind.clone(),
                category: category.clone(),
                agency_id,
                state,
                lga: lga.clone(),
                assignee: assignee.clone(),
                session_id: session.clone(),
                due_before: overdue.then(|| client.today_string()),
                conflicts_only: *conflicts,
                triage: *triage,
                ..Filter::default()
            };
            let sort = Sort::parse(sort).ok_or_else(|| {
                anyhow!("--sort must be newest, oldest, due, priority or reference")
            })?;
            out.page(&client.list(&filter, sort, *offset, *limit)?)
        }
        GrievanceCmd::Search { query, limit } => out.rows(&client.search(query, *limit)?),
        GrievanceCmd::Show { case, reveal } => {
            let view = client.open_case(case)?;
            let identity = if *reveal {
                Some(client.reveal_identity(case)?)
            } else {
                None
            };
            out.case(&view, identity.as_ref())
        }
        GrievanceCmd::Status {
            case,
            to,
            reason,
            settle,
        } => {
            let view = if *settle {
                client.settle_status(case, to, reason.clone())?
            } else {
                client.change_status(case, to, reason.clone())?
            };
            out.case(&view, None)
        }
        GrievanceCmd::Accept { case } => out.case(&client.accept_intake(case)?, None),
        GrievanceCmd::Reject { case, why } => out.case(
            &client.reject_intake(case, citizens_client::Rejection::parse(why)?)?,
            None,
        ),
        GrievanceCmd::Note { case, text } => out.case(&client.add_note(case, text)?, None),
        GrievanceCmd::Ask { case, text } => out.case(&client.ask_reporter(case, text)?, None),
        GrievanceCmd::Withhold { case, share } => {
            out.case(&client.share_with_agency_desk(case, *share)?, None)
        }
        GrievanceCmd::Forward {
            case,
            agency,
            channel,
            office,
            reference,
            on,
        } => {
            let input = ForwardInput {
                agency: agency.clone(),
                office: office.clone(),
                channel: channel.clone(),
                reference: reference.clone(),
                on: on.clone(),
            };
            out.case(&client.forward(case, &input)?, None)
        }
        GrievanceCmd::Reply {
            case,
            summary,
            reference,
            on,
        } => {
            let input = ReplyInput {
                summary: summary.clone(),
                reference: reference.clone(),
                on: on.clone(),
            };
            out.case(&client.record_reply(case, &input)?, None)
        }
        GrievanceCmd::Escalate { case, reason } => out.case(&client.escalate(case, reason)?, None),
        GrievanceCmd::Assign { case, user } => {
            out.case(&client.assign(case, user.as_deref())?, None)
        }
        GrievanceCmd::Letter { case, out: file }
            if file
                .as_ref()
                .is_some_and(|f| f.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"))) =>
        {
            let file = file.as_ref().context("a file")?;
            let pdf = citizens_paper::forwarding_letter(&client, case)?;
            std::fs::write(file, pdf)
                .with_context(|| format!("cannot write {}", file.display()))?;
            out.message(&format!("letter saved to {}", file.display()))
        }
        GrievanceCmd::Letter { case, out: file } => {
            let letter = client.forwarding_letter(case)?;
            match file {
                Some(file) => {
                    std::fs::write(file, letter)
                        .with_context(|| format!("cannot write {}", file.display()))?;
                    out.message(&format!("letter saved to {}", file.display()))
                }
                None => out.message(&letter),
            }
        }
        GrievanceCmd::Ack {
            case,
            reference,
            on,
        } => out.case(
            &client.acknowledge(case, on.as_deref(), reference.as_deref())?,
            None,
        ),
        GrievanceCmd::RouteAll => {
            let routed = client.route_untriaged()?;
            out.message(&format!(
                "{routed} case(s) routed to the agency responsible"
            ))
        }
        GrievanceCmd::Callback {
            case,
            not_resolved,
            note,
        } => out.case(&client.call_back(case, !*not_resolved, note)?, None),
        GrievanceCmd::History { case } => out.history(&client.case_history(case)?),
        GrievanceCmd::Duplicates { case } => {
            out.duplicates(&client.duplicate_suggestions(case.as_deref(), 200)?)
        }
        GrievanceCmd::Merge { copy, original } => {
            out.case(&client.mark_duplicate(copy, original, true)?, None)
        }
        GrievanceCmd::Link { copy, original } => {
            out.case(&client.mark_duplicate(copy, original, false)?, None)
        }
        GrievanceCmd::Unlink { copy } => out.case(&client.undo_duplicate(copy)?, None),
        GrievanceCmd::NotDuplicate { a, b } => {
            client.dismiss_duplicate(a, b)?;
            out.message(&format!(
                "{a} and {b} will not be suggested as duplicates again"
            ))
        }
        GrievanceCmd::Attach { case, file } => out.case(&client.attach(case, file)?, None),
        GrievanceCmd::Attachment { sha256, out: file } => {
            std::fs::write(file, client.attachment(sha256)?)
                .with_context(|| format!("cannot write {}", file.display()))?;
            out.message(&format!("saved to {}", file.display()))
        }
    }
}

/// Write a paper whole (never half a file); says where it went.
fn save_pdf(path: &std::path::Path, pdf: &[u8]) -> citizens_client::Result<String> {
    citizens_client::write_bytes(path, pdf)?;
    Ok(format!(
        "wrote {} ({} KB)",
        path.display(),
        pdf.len().div_ceil(1024)
    ))
}

fn session(cli: &Cli, out: &Out, cmd: &SessionCmd) -> Result<()> {
    let mut client = open(cli)?;
    let show = |client: &Client, id: &str| -> Result<()> {
        let (session, rows) = client.session(id)?;
        out.session(&session, &rows)
    };
    match cmd {
        SessionCmd::Add {
            title,
            venue,
            state,
            lga,
            date,
            ward,
            organisers,
            agenda,
        } => {
            let input = SessionInput {
                title: title.clone(),
                date: date.clone(),
                venue: venue.clone(),
                state: state.clone(),
                lga: lga.clone(),
                ward: ward.clone(),
                organisers: organisers.clone(),
                agenda: agenda.clone(),
            };
            let session = client.create_session(&input)?;
            show(&client, &session.id.to_string())
        }
        SessionCmd::List => out.sessions(&client.sessions()?),
        SessionCmd::Show { session } => show(&client, session),
        SessionCmd::Attend {
            session,
            total,
            women,
            men,
            pwd,
        } => {
            client.record_attendance(
                session,
                Attendance {
                    total: *total,
                    women: *women,
                    men: *men,
                    pwd: *pwd,
                },
            )?;
            show(&client, session)
        }
        SessionCmd::Rep {
            session,
            name,
            office,
            agency,
        } => {
            client.add_representative(session, name, office, agency.as_deref())?;
            show(&client, session)
        }
        SessionCmd::Commit {
            session,
            official,
            office,
            promise,
            agency,
            due,
        } => {
            let input = CommitmentInput {
                official: official.clone(),
                office: office.clone(),
                agency: agency.clone(),
                promise: promise.clone(),
                due: due.clone(),
            };
            client.add_commitment(session, &input)?;
            show(&client, session)
        }
        SessionCmd::Judge {
            session,
            commitment,
            status,
            evidence,
        } => {
            client.update_commitment(session, commitment, status, evidence)?;
            show(&client, session)
        }
        SessionCmd::Overdue => out.commitments(&client.overdue_commitments()?),
        SessionCmd::Link { session, case } => {
            client.link_grievance(session, case)?;
            show(&client, session)
        }
        SessionCmd::Forms { count, session } => {
            let numbers = client.issue_forms(*count, session.as_deref())?;
            out.form_numbers(&numbers)
        }
        SessionCmd::UnusedForms => out.form_numbers(&client.unused_forms()?),
    }
}
