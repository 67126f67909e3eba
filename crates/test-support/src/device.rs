//! Laptops for tests: throw-away installs enrolled with a test server, and what they hold.

use std::path::Path;
use std::time::Duration;

use citizens_client::{Client, InitOptions, RetryPolicy, SyncReport};

use crate::server::{Server, ORG};
use crate::{FakeClock, PASSPHRASE, TOWN_HALL_DAY};

/// Retries quick enough for a test on loopback.
pub fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 12,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(200),
        timeout: Duration::from_secs(10),
    }
}

/// A laptop: its data folder and its client.
#[derive(Debug)]
pub struct Device {
    pub dir: tempfile::TempDir,
    pub client: Client,
}

impl Device {
    /// An install that founds its organisation (it makes the organisation key), not enrolled.
    pub fn founder(name: &str, clock: std::sync::Arc<FakeClock>) -> Device {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = crate::install(dir.path(), name, clock);
        Device { dir, client }
    }

    /// The organisation key this install holds.
    pub fn key(&self) -> String {
        self.client.profile().org_public_key.clone()
    }

    /// A coordinator install: it makes the organisation key.
    pub fn coordinator(server: &Server, name: &str) -> Device {
        let mut device = Device::founder(name, FakeClock::at(TOWN_HALL_DAY));
        let code = server.code("coordinator", name, &device.key());
        device
            .client
            .enroll(&server.url, &code, fast())
            .expect("enrol coordinator");
        device
    }

    /// A coordinator install whose laptop holds `n` cases worked through months of
    /// histories (a second laptop making concurrent changes), enrolled, not synced yet.
    pub fn coordinator_with_worked_cases(
        server: &Server,
        name: &str,
        n: usize,
        seed: u64,
    ) -> Device {
        let clock = FakeClock::at(TOWN_HALL_DAY);
        let mut device = Device::founder(name, clock.clone());
        let code = server.code("coordinator", name, &device.key());
        device
            .client
            .enroll(&server.url, &code, fast())
            .expect("enrol coordinator");
        let mut other = Device::with_key_and_clock("Chinedu Okafor", &device.key(), clock.clone());
        crate::worked::worked_cases(&mut device.client, &mut other.client, &clock, n, seed);
        device
    }

    /// Another coordinator install of the same organisation (holding no organisation secret).
    pub fn coordinator_with_key(server: &Server, name: &str, org_key: &str) -> Device {
        let mut device = Device::with_key(name, org_key);
        let code = server.code("coordinator", name, org_key);
        device
            .client
            .enroll(&server.url, &code, fast())
            .expect("enrol coordinator");
        device
    }

    pub fn with_key(name: &str, org_key: &str) -> Device {
        Device::with_key_and_clock(name, org_key, FakeClock::at(TOWN_HALL_DAY))
    }

    /// An install of the organisation with `org_key` (holding no organisation secret).
    pub fn with_key_and_clock(
        name: &str,
        org_key: &str,
        clock: std::sync::Arc<FakeClock>,
    ) -> Device {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = Client::init(
            dir.path(),
            PASSPHRASE,
            InitOptions {
                user: name.into(),
                organisation: ORG.into(),
                device_name: None,
                org_key: citizens_client::OrgKey::Known(org_key.into()),
            },
            clock,
        )
        .expect("install");
        Device { dir, client }
    }

    pub fn volunteer(server: &Server, name: &str, org_key: &str) -> Device {
        let mut device = Device::with_key(name, org_key);
        let code = server.code("volunteer", name, org_key);
        device
            .client
            .enroll(&server.url, &code, fast())
            .expect("enrol volunteer");
        device
    }

    pub fn sync(&mut self) -> SyncReport {
        self.client.sync(fast(), &mut |_| {}).expect("sync")
    }

    pub fn references(&self) -> Vec<String> {
        let mut refs: Vec<String> = self
            .client
            .list(
                &Default::default(),
                citizens_client::Sort::Reference,
                0,
                100_000,
            )
            .expect("list")
            .rows
            .into_iter()
            .map(|r| r.reference)
            .collect();
        refs.sort();
        refs
    }

    /// A fresh access token, straight from `/v1/token`, for raw requests.
    pub fn access_token(&mut self, url: &str) -> String {
        use citizens_protocol::{
            decode, encode, TokenRequest, TokenResponse, CONTENT_TYPE, PROTOCOL_VERSION,
        };
        let store = self.client.store();
        let request = TokenRequest {
            version: PROTOCOL_VERSION,
            device_id: uuid::Uuid::parse_str(
                &store
                    .meta("sync.device_id")
                    .expect("meta")
                    .expect("enrolled"),
            )
            .expect("uuid"),
            device_secret: store
                .meta("sync.device_secret")
                .expect("meta")
                .expect("secret"),
        };
        let response = reqwest::blocking::Client::new()
            .post(format!("{url}/v1/token"))
            .header("content-type", CONTENT_TYPE)
            .body(encode(&request))
            .send()
            .expect("token request");
        decode::<TokenResponse>(&response.bytes().expect("body"))
            .expect("token")
            .access_token
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Every case and town-hall session a laptop holds, with its heads digest.
pub fn holdings(client: &mut Client) -> std::collections::BTreeMap<uuid::Uuid, [u8; 32]> {
    client
        .store()
        .record_digests()
        .expect("digests")
        .into_iter()
        .collect()
}
