//! A real `citizens-server` process on port 0 with a fresh data dir, and devices to drive it.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use citizens_client::{Client, InitOptions, RetryPolicy, SyncReport};
use citizens_test_support::{FakeClock, PASSPHRASE, TOWN_HALL_DAY};

pub use citizens_test_support::server::{Backend, Server, ORG};

/// A real server process on a free port with a fresh data folder (SQLite).
pub fn start_server() -> Server {
    start_server_on(Backend::Sqlite)
}

/// A real server process on a free port with a fresh data folder and database.
pub fn start_server_on(backend: Backend) -> Server {
    Server::start_on(env!("CARGO_BIN_EXE_citizens-server"), backend)
}

/// One test, run against each database: `name::sqlite` and `name::postgres`.
#[allow(unused_macros)]
macro_rules! on_each_backend {
    ($(#[$meta:meta])* fn $name:ident($backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn run($backend: $crate::common::Backend) $body

            #[test]
            fn sqlite() {
                run($crate::common::Backend::Sqlite)
            }

            #[test]
            fn postgres() {
                run($crate::common::Backend::Postgres)
            }
        }
    };
}

pub fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 12,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(200),
        timeout: Duration::from_secs(10),
    }
}

pub struct Device {
    pub dir: tempfile::TempDir,
    pub client: Client,
}

impl Device {
    /// An install that founds its organisation (it makes the organisation key), not enrolled.
    pub fn founder(name: &str, clock: std::sync::Arc<FakeClock>) -> Device {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = citizens_test_support::install(dir.path(), name, clock);
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

/// The wire, both ways: what the laptop sends is what the server reads.
fn wire<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
    citizens_protocol::decode(&citizens_protocol::encode(value))
        .expect("a message survives the wire")
}

/// The server's rules answering one of a laptop's requests, as the HTTP layer would.
pub fn serve(
    core: &citizens_server_core::Core,
    outgoing: &citizens_client::machine::Outgoing,
) -> Result<citizens_client::machine::Reply, citizens_client::machine::Failure> {
    use citizens_client::machine::{Failure, Reply, Request};
    let failure = |e: citizens_server_core::Error| match e {
        citizens_server_core::Error::Refused { code, message } => {
            Failure::Refused { code, message }
        }
        other => Failure::Transient(other.to_string()),
    };
    let device = || {
        core.authenticate(outgoing.token.as_deref().unwrap_or_default())
            .map_err(failure)
    };
    Ok(match &outgoing.request {
        Request::Token(r) => Reply::Token(wire(&core.issue_token(&wire(r)).map_err(failure)?)),
        Request::Sync(r) => Reply::Sync(wire(&core.sync(&device()?, &wire(r)).map_err(failure)?)),
        Request::Fetch(r) => {
            Reply::Fetch(wire(&core.fetch(&device()?, &wire(r)).map_err(failure)?))
        }
        Request::Buckets(r) => {
            Reply::Buckets(wire(&core.buckets(&device()?, &wire(r)).map_err(failure)?))
        }
    })
}

/// [`serve`] as the event the laptop's state machine takes next.
pub fn answer(
    core: &citizens_server_core::Core,
    outgoing: &citizens_client::machine::Outgoing,
) -> citizens_client::machine::Event {
    use citizens_client::machine::Event;
    match serve(core, outgoing) {
        Ok(reply) => Event::Answered(reply),
        Err(failure) => Event::Failed(failure),
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

/// A one-time code made straight by the rules.
pub fn code(
    core: &citizens_server_core::Core,
    org: &str,
    role: citizens_protocol::Role,
    user: &str,
    key: &str,
    valid_for: Duration,
) -> String {
    core.create_enrolment(&citizens_server_core::NewCode {
        org,
        org_public_key: Some(key),
        role,
        user,
        valid_for,
    })
    .expect("code")
}

/// A raw POST: the status and the body.
pub fn post(
    url: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    token: Option<&str>,
) -> (u16, Vec<u8>) {
    let mut request = reqwest::blocking::Client::new()
        .post(format!("{url}{path}"))
        .header("content-type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().expect("server answers");
    let status = response.status().as_u16();
    (status, response.bytes().expect("body").to_vec())
}
