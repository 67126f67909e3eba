//! Test helpers: a controllable clock, throw-away installs, and (re-exported from the client)
//! synthetic Nigerian grievances.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use citizens_client::{Client, InitOptions, OrgKey};
use citizens_core::clock::{Clock, Timestamp};

/// Passphrase used by test installs.
pub const PASSPHRASE: &str = "test passphrase for synthetic data";

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct FakeClock(AtomicI64);

impl FakeClock {
    /// Start at `millis` since the epoch.
    pub fn at(millis: i64) -> Arc<FakeClock> {
        Arc::new(FakeClock(AtomicI64::new(millis)))
    }

    /// Move forward.
    pub fn advance(&self, millis: i64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        // Each reading moves a millisecond on, so entries made in one test are ordered.
        Timestamp::from_millis(self.0.fetch_add(1, Ordering::SeqCst))
    }
}

/// 2026-11-20 09:00 WAT.
pub const TOWN_HALL_DAY: i64 = 1_795_161_600_000;

/// A fresh install in `dir` with a fake clock.
fn install_with(dir: &Path, user: &str, clock: Arc<FakeClock>, org_key: OrgKey) -> Client {
    Client::init(
        dir,
        PASSPHRASE,
        InitOptions {
            user: user.into(),
            organisation: "Kano Civic Forum".into(),
            device_name: Some(format!(
                "{}-laptop",
                user.split(' ').next().unwrap_or("test").to_lowercase()
            )),
            org_key,
        },
        clock,
    )
    .unwrap_or_else(|e| panic!("test install in {}: {e}", dir.display()))
}

/// A throw-away install that founds its organisation: it makes the organisation key pair and
/// holds the secret (a coordinator's).
pub fn install(dir: &Path, user: &str, clock: Arc<FakeClock>) -> Client {
    install_with(dir, user, clock, OrgKey::Create)
}

/// An organisation key whose rounding offsets are known (`core::figures::tests` pins them):
/// `AEDC/received` 1, `IE/received` 1, `AEDC/overdue` 0, `KEDCO/received` 3, `NHRC/received`
/// 0, `NHRC/forwarded` 4 (a count `n` reads `5·⌊(n+offset)/5⌋`).
pub const KNOWN_ORG_KEY: &str = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

/// A throw-away install of the organisation whose public key is `org_key` (no secret): its
/// figures round the same way at every run.
pub fn install_with_key(dir: &Path, user: &str, clock: Arc<FakeClock>, org_key: &str) -> Client {
    install_with(dir, user, clock, OrgKey::Known(org_key.into()))
}

/// A throw-away install set up without an organisation key, as a volunteer's first run is:
/// identities wait for enrolment, sealed to a stand-in this laptop then forgets.
pub fn install_volunteer(dir: &Path, user: &str, clock: Arc<FakeClock>) -> Client {
    install_with(dir, user, clock, OrgKey::Later)
}

/// Fill an install with `size` synthetic grievances in transactions of 2,000, the clock moving a
/// minute between batches; returns their reference codes.
pub fn populate(client: &mut Client, clock: &FakeClock, size: usize, seed: u64) -> Vec<String> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut references = Vec::with_capacity(size);
    while references.len() < size {
        let batch: Vec<_> = (0..(size - references.len()).min(2_000))
            .map(|_| citizens_client::sample::grievance(&mut rng))
            .collect();
        let stored = client.capture_all(&batch).unwrap_or_else(|e| panic!("{e}"));
        references.extend(stored.into_iter().map(|g| g.reference));
        clock.advance(60_000);
    }
    references
}

pub mod bench;
pub mod citizen;
pub mod corpus;
pub mod device;
pub mod disclosure;
pub mod docs;
pub mod haproxy;
pub mod hostile;
pub mod officer;
pub mod postgres;
pub mod provider;
pub mod proxy;
pub mod s3;
pub mod server;
pub mod worked;

pub use citizens_client::sample::{grievance, grievance_in, name, phone};
