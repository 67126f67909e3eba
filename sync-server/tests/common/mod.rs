//! A real `citizens-server` process on port 0 with a fresh data dir, and devices to drive it.

#![allow(dead_code)]

use std::time::Duration;

// Each test binary takes what it needs.
#[allow(unused_imports)]
pub use citizens_test_support::device::{fast, holdings, Device};
#[allow(unused_imports)]
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
