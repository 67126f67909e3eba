//! The use-case API every front end calls (CLI now, the desktop app next): capture, list,
//! search, open and work cases; town-hall sessions; the agency directory; export and import.
//! Inputs arrive as text and are checked here; the store does the rest in one transaction.

mod bundle;
mod cases;
mod directory;
mod duplicates;
mod error;
mod exchange;
mod files;
mod reports;
mod rulebook;
pub mod sample;
mod sessions;
mod sync;
mod xlsx;

use citizens_store::Error as StoreError;
use std::path::Path;
use std::sync::Arc;

use automerge::ActorId;
use citizens_core::clock::{Clock, Timestamp};
use citizens_core::grievance::Stamp;
use citizens_core::identity::{OrgPublicKey, OrgSecretKey};
use citizens_core::ids::EntryId;
use citizens_core::lifecycle::{Actor, Status};
use citizens_core::reference::DeviceCode;
use citizens_store::{Author, Store, Writer};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;

pub use bundle::{BundleImport, MAX_BUNDLE_BYTES};
pub use cases::{
    CaseRow, CaseView, ForwardInput, HistoryEntry, MergedCase, Rejection, ReplyInput, TimelineEntry,
};
pub use citizens_core::capture::GrievanceInput;
pub use citizens_core::charts::{ChartWords, Charts};
pub use citizens_protocol::Refusal;
/// Directory and session lines.
pub use citizens_store::figures;
pub use citizens_store::query as store_rows;
pub use citizens_store::query::{Filter, GrievanceRow, ListPage, Sort};
pub use citizens_store::DuplicatePair;
pub use citizens_store::{HeldBack, Origin, SetAside};
pub use error::{Code, Error, Failure, Result};
pub use exchange::{ImportError, ImportReport};
pub use files::{write_bytes, write_whole};
pub use reports::{
    charts, months, shown_months, Audience, Dashboard, Month, OverdueCase, ReportFilter,
};
pub use rulebook::RuleInput;
pub use sessions::{CommitmentInput, SessionInput};
pub use sync::{
    machine, Nudge, Progress, RetryPolicy, SyncError, SyncLoop, SyncReport, SyncStatus,
};

pub use citizens_core::clock::SystemClock;

/// The system clock moved on by a whole number of days: training and tests that need to see a
/// case go overdue without waiting (`CITIZENS_CLOCK_SHIFT_DAYS`).
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    days: i64,
}

impl Clock for ShiftedClock {
    fn now(&self) -> Timestamp {
        let now = SystemClock.now().millis();
        Timestamp::from_millis(now.saturating_add(self.days.saturating_mul(86_400_000)))
    }
}

/// The clock front ends run on: the system clock, shifted by `CITIZENS_CLOCK_SHIFT_DAYS` days
/// when that is set to a whole number.
pub fn app_clock() -> Arc<dyn Clock> {
    match std::env::var("CITIZENS_CLOCK_SHIFT_DAYS")
        .ok()
        .and_then(|d| d.trim().parse::<i64>().ok())
    {
        Some(days) if days != 0 => Arc::new(ShiftedClock { days }),
        _ => Arc::new(SystemClock),
    }
}

/// Who and where this install is.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// The user's name.
    pub user: String,
    /// Their organisation.
    pub organisation: String,
    /// This device's name.
    pub device_name: String,
    /// This device's reference-code part.
    pub device_code: String,
    /// Organisation public key (base64) that identities are sealed to; before enrolment on a
    /// laptop set up without one, a stand-in this laptop re-seals to the real key at enrolment.
    pub org_public_key: String,
    /// Whether this install holds the organisation's secret key (can open sealed identities).
    pub holds_org_secret: bool,
    /// The organisation key is not known yet (set up without one, not enrolled): identities
    /// are sealed to a stand-in and handed over at enrolment.
    pub org_key_pending: bool,
}

/// Where a new install's organisation key comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum OrgKey {
    /// Not known yet (a volunteer's laptop before enrolment): identities are sealed to a
    /// stand-in key, re-sealed to the organisation's key at enrolment and the stand-in
    /// forgotten, so this laptop never opens them.
    #[default]
    Later,
    /// The organisation's public key (base64), from a coordinator.
    Known(String),
    /// Found a new organisation: make its key pair and keep the secret in this encrypted store
    /// (the coordinator who sets the organisation up, and only them).
    Create,
}

/// Setting up a new install.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// The user's name.
    pub user: String,
    /// Their organisation.
    pub organisation: String,
    /// A name for this device (default: the device code).
    pub device_name: Option<String>,
    /// Where the organisation key comes from.
    pub org_key: OrgKey,
}

/// An unlocked install, ready for use cases.
#[derive(Debug)]
pub struct Client {
    store: Store,
    ctx: Context,
}

/// Everything a write needs besides the store: time, identity, randomness.
#[derive(Debug)]
struct Context {
    clock: Arc<dyn Clock>,
    profile: Profile,
    author: Author,
    rng: StdRng,
}

impl Context {
    fn stamp(&mut self) -> Stamp {
        let at = self.clock.now();
        Stamp {
            id: EntryId::generate(at, &mut self.rng),
            at,
            by: self.author.who.clone(),
        }
    }
}

/// The organisation's secret key (coordinators who founded the organisation only).
const ORG_SECRET: &str = "org_secret_key";
/// The stand-in key identities are sealed to before enrolment; deleted at enrolment.
pub(crate) const PENDING_SECRET: &str = "org_key_pending_secret";

const META_KEYS: [&str; 6] = [
    "user",
    "organisation",
    "device_name",
    "device_code",
    "actor",
    "org_public_key",
];

impl Client {
    /// Create a new encrypted install in `dir`: the profile is written in the store's first
    /// transaction, so an install either exists whole or not at all.
    pub fn init(
        dir: &Path,
        passphrase: &str,
        options: InitOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Client> {
        let user = citizens_core::grievance::required_text("your name", &options.user, 100)?;
        let organisation =
            citizens_core::grievance::required_text("organisation", &options.organisation, 200)?;
        let mut rng = StdRng::from_entropy();
        let (public, secret) = match &options.org_key {
            OrgKey::Known(key) => (OrgPublicKey::parse(key)?, None),
            OrgKey::Create => {
                let secret = OrgSecretKey::generate(&mut rng);
                (secret.public_key(), Some((ORG_SECRET, secret)))
            }
            OrgKey::Later => {
                let secret = OrgSecretKey::generate(&mut rng);
                (secret.public_key(), Some((PENDING_SECRET, secret)))
            }
        };
        let device_code = DeviceCode::generate(&mut rng);
        let device_name = options
            .device_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("device-{}", device_code.as_str()));
        let values = [
            user,
            organisation,
            device_name,
            device_code.as_str().to_string(),
            ActorId::random().to_hex_string(),
            public.to_base64(),
        ];
        let store = Store::create_with(dir, passphrase, |w| {
            if let Some((key, secret)) = &secret {
                w.set_meta(key, &base64_encode(&secret.to_bytes()))?;
            }
            for (key, value) in META_KEYS.iter().zip(&values) {
                w.set_meta(key, value)?;
            }
            Ok(())
        })?;
        Client::from_store(store, clock)
    }

    /// Unlock an existing install.
    pub fn open(dir: &Path, passphrase: &str, clock: Arc<dyn Clock>) -> Result<Client> {
        Client::from_store(Store::open(dir, passphrase)?, clock)
    }

    fn from_store(store: Store, clock: Arc<dyn Clock>) -> Result<Client> {
        let mut values = Vec::with_capacity(META_KEYS.len());
        for key in META_KEYS {
            values.push(
                store
                    .meta(key)?
                    .ok_or_else(|| StoreError::Damaged(format!("profile has no {key}")))?,
            );
        }
        let [user, organisation, device_name, device_code, actor, org_public_key] =
            <[String; 6]>::try_from(values).map_err(|_| StoreError::Damaged("profile".into()))?;
        let actor = ActorId::from(
            hex::decode(&actor).map_err(|_| StoreError::Damaged("profile actor id".into()))?,
        );
        let holds_org_secret = store.meta(ORG_SECRET)?.is_some();
        let org_key_pending = store.meta(PENDING_SECRET)?.is_some();
        let author = Author {
            actor,
            who: Actor {
                user: user.clone(),
                device: device_name.clone(),
                agency: None,
            },
        };
        Ok(Client {
            store,
            ctx: Context {
                clock,
                profile: Profile {
                    user,
                    organisation,
                    device_name,
                    device_code,
                    org_public_key,
                    holds_org_secret,
                    org_key_pending,
                },
                author,
                rng: StdRng::from_entropy(),
            },
        })
    }

    /// This install's profile.
    pub fn profile(&self) -> &Profile {
        &self.ctx.profile
    }

    /// The organisation public key to hand out; refused before enrolment on a laptop set up
    /// without one (its key then is only a stand-in).
    pub fn org_public_key(&self) -> Result<&str> {
        if self.ctx.profile.org_key_pending {
            return Err(Error::from(citizens_core::Error::invalid(
                "organisation key",
                "this laptop has no organisation key yet: it receives it at enrolment",
            )));
        }
        Ok(&self.ctx.profile.org_public_key)
    }

    /// The store underneath (for sync and tests).
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Run writes in one transaction with the write context at hand.
    fn with_writer<R>(
        &mut self,
        f: impl FnOnce(&mut Context, &mut Writer<'_>) -> citizens_store::Result<R>,
    ) -> Result<R> {
        let Client { store, ctx } = self;
        Ok(store.write(|w| f(ctx, w))?)
    }

    /// Today in Nigeria, by the injected clock.
    pub fn today(&self) -> citizens_core::clock::Day {
        citizens_core::clock::Day::from_date(self.ctx.clock.now().date())
    }

    fn org_secret(&self) -> Result<OrgSecretKey> {
        secret_key(self.store.meta(ORG_SECRET)?.as_deref())?.ok_or_else(|| {
            Error::from(citizens_core::Error::invalid(
                "sealed identity",
                "only your organisation's coordinators can open a sealed identity; this laptop cannot",
            ))
        })
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A secret key kept in `meta` (base64), if there is one.
pub(crate) fn secret_key(encoded: Option<&str>) -> Result<Option<OrgSecretKey>> {
    use base64::Engine as _;
    encoded
        .map(|text| {
            let bytes = zeroize::Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| StoreError::Damaged("organisation key".into()))?,
            );
            Ok(OrgSecretKey::from_bytes(&bytes)?)
        })
        .transpose()
}

/// Re-wrap an install's key under a new passphrase.
pub fn change_passphrase(dir: &Path, old: &str, new: &str) -> Result<()> {
    Ok(Store::change_passphrase(dir, old, new)?)
}

/// What the home screen shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Home {
    /// Cases per status.
    pub counts: Vec<(String, u64)>,
    /// Open cases assigned to me.
    pub my_queue: ListPage,
    /// Cases past their due date.
    pub overdue: ListPage,
    /// Resolved cases waiting for the call-back to the citizen, oldest first.
    pub call_backs: ListPage,
    /// The public's reports nobody has looked at yet, oldest first.
    pub triage: ListPage,
    /// Open and overdue cases per case worker, busiest first.
    pub workload: Vec<citizens_store::query::Workload>,
    /// Cases where devices disagree on the status.
    pub conflicts: u64,
    /// Suggested duplicate pairs waiting to be judged.
    pub duplicates: u64,
    /// Latest sessions.
    pub sessions: Vec<citizens_store::query::SessionRow>,
    /// Local changes not yet synced.
    pub pending_changes: u64,
}

impl Client {
    /// Today (`YYYY-MM-DD`, Nigeria) by the injected clock.
    pub fn today_string(&self) -> String {
        self.today().to_string()
    }

    /// The home screen's figures.
    pub fn home(&self) -> Result<Home> {
        let mine = Filter {
            assignee: Some(self.ctx.profile.user.clone()),
            open_only: true,
            ..Filter::default()
        };
        let overdue = Filter {
            due_before: Some(self.today_string()),
            ..Filter::default()
        };
        let conflicts = Filter {
            conflicts_only: true,
            ..Filter::default()
        };
        let call_backs = Filter {
            status: Some(Status::Resolved.as_str().into()),
            ..Filter::default()
        };
        let triage = Filter {
            triage: true,
            ..Filter::default()
        };
        let mut sessions = self.store.sessions()?;
        sessions.truncate(5);
        Ok(Home {
            counts: self.store.counts_by_status()?,
            my_queue: self.store.list(&mine, Sort::Due, 0, 10)?,
            overdue: self.store.list(&overdue, Sort::Due, 0, 10)?,
            call_backs: self.store.list(&call_backs, Sort::Oldest, 0, 10)?,
            triage: self.store.list(&triage, Sort::Oldest, 0, 10)?,
            workload: self.store.workload(&self.today_string())?,
            conflicts: self.store.list(&conflicts, Sort::Newest, 0, 0)?.total,
            duplicates: self.store.duplicate_suggestion_count()?,
            sessions,
            pending_changes: self.store.outbox_len()?,
        })
    }
}
