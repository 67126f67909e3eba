//! The server as a library, in-process, with a clock the test moves: access tokens and
//! enrolment codes expire when they should, and the enrolment rate limit is kept in the
//! database, so it holds across instances sharing it.

#[macro_use]
mod common;

use std::sync::Arc;
use std::time::Duration;

use citizens_protocol::{
    decode, encode, EnrollRequest, ErrorBody, ErrorCode, Role, SyncRequest, CONTENT_TYPE,
    PROTOCOL_VERSION,
};
use citizens_server::{Application, Config, Running};
use citizens_test_support::{FakeClock, TOWN_HALL_DAY};
use common::{fast, ORG};
use uuid::Uuid;

/// A database for in-process instances: SQLite in the folder, or a fresh PostgreSQL database.
struct Db {
    dir: tempfile::TempDir,
    postgres: Option<citizens_test_support::postgres::Database>,
}

impl Db {
    fn new(backend: common::Backend) -> Db {
        let postgres = (backend == common::Backend::Postgres).then(|| {
            let db = citizens_test_support::postgres::Database::fresh();
            citizens_server::storage::postgres::Postgres::migrate(&db.url).expect("migrate");
            db
        });
        Db {
            dir: tempfile::tempdir().expect("tempdir"),
            postgres,
        }
    }

    /// The server's storage on this database, without a server.
    fn storage(&self) -> Box<dyn citizens_server_core::Persistence> {
        match &self.postgres {
            Some(pg) => Box::new(
                citizens_server::storage::postgres::Postgres::open(&pg.url, 2).expect("open"),
            ),
            None => Box::new(
                citizens_server::storage::sqlite::Sqlite::open(self.dir.path()).expect("open"),
            ),
        }
    }

    /// An instance on this database.
    fn serve(&self, clock: &Arc<FakeClock>) -> Running {
        Application::spawn(self.config(), clock.clone()).expect("server")
    }

    /// An instance on this database taking the public's reports for the test organisation.
    fn serve_public(&self, clock: &Arc<FakeClock>) -> Running {
        let mut config = self.config();
        let home = citizens_core::geo::Lga::parse("KN", "Nasarawa").expect("lga");
        config.public.intake = Some(citizens_server_core::intake::Public::new(ORG, home));
        Application::spawn(config, clock.clone()).expect("server")
    }

    fn config(&self) -> Config {
        let mut config = Config::local(self.dir.path());
        if let Some(db) = &self.postgres {
            config.database = citizens_server::config::Database::Postgres {
                url: db.url.clone(),
                connections: 4,
            };
        }
        config
    }

    /// The first column of every row `sql` selects, as text, read straight from the database.
    fn column(&self, sql: &str) -> Vec<String> {
        match &self.postgres {
            Some(pg) => {
                let mut client =
                    postgres::Client::connect(&pg.url, postgres::NoTls).expect("connect");
                client
                    .query(sql, &[])
                    .expect("query")
                    .iter()
                    .map(|row| row.get::<_, String>(0))
                    .collect()
            }
            None => {
                let db =
                    rusqlite::Connection::open(self.dir.path().join("server.db")).expect("open");
                let mut statement = db.prepare(sql).expect("prepare");
                let rows = statement
                    .query_map([], |row| row.get::<_, String>(0))
                    .expect("query");
                rows.map(|r| r.expect("row")).collect()
            }
        }
    }
}

fn post(url: &str, path: &str, body: Vec<u8>, token: Option<&str>) -> (u16, Vec<u8>) {
    common::post(url, path, CONTENT_TYPE, body, token)
}

/// A founding coordinator's laptop (its own clock does not move) and a code for it.
fn laptop_and_code(server: &Running, valid_for: Duration) -> (common::Device, String) {
    let device = common::Device::founder("Ngozi Eze", FakeClock::at(TOWN_HALL_DAY));
    let code = common::code(
        server.core(),
        ORG,
        Role::Coordinator,
        "Ngozi Eze",
        &device.key(),
        valid_for,
    );
    (device, code)
}

fn error_code(bytes: &[u8]) -> ErrorCode {
    decode::<ErrorBody>(bytes).expect("an error body").code
}

fn pull() -> Vec<u8> {
    encode(&SyncRequest {
        version: PROTOCOL_VERSION,
        batch_id: Uuid::now_v7(),
        since: 0,
        pushes: Vec::new(),
    })
}

on_each_backend! {
fn an_access_token_expires_after_its_lifetime_and_the_laptop_gets_a_new_one(backend) {
    let (db, clock) = (Db::new(backend), FakeClock::at(TOWN_HALL_DAY));
    let server = db.serve(&clock);
    // The laptop's own clock does not move: it believes its kept token is still good.
    let (mut device, enrol) = laptop_and_code(&server, Duration::from_secs(3600));
    device
        .client
        .enroll(&server.url, &enrol, fast())
        .expect("enrol");
    let token = device.access_token(&server.url);
    assert_eq!(post(&server.url, "/v1/sync", pull(), Some(&token)).0, 200);

    let ttl = server.core().limits().token_ttl_secs;
    clock.advance(i64::try_from(ttl * 1000).expect("ms") - 1_000);
    assert_eq!(
        post(&server.url, "/v1/sync", pull(), Some(&token)).0,
        200,
        "still good a second before its lifetime ends"
    );
    clock.advance(2_000);
    let (status, body) = post(&server.url, "/v1/sync", pull(), Some(&token));
    assert_eq!((status, error_code(&body)), (401, ErrorCode::ExpiredToken));

    let report = device
        .client
        .sync(fast(), &mut |_| {})
        .expect("the laptop signs in again");
    assert!(report.in_step);
    let fresh = device.access_token(&server.url);
    assert_eq!(post(&server.url, "/v1/sync", pull(), Some(&fresh)).0, 200);
}
}

on_each_backend! {
/// A laptop cannot enrol writing under the shipped data's writer id: its changes would take
/// the sequence numbers the next release needs.
fn a_laptop_cannot_enrol_under_the_shipped_datas_writer(backend) {
    let (db, clock) = (Db::new(backend), FakeClock::at(TOWN_HALL_DAY));
    let server = db.serve(&clock);
    let (_device, enrol) = laptop_and_code(&server, Duration::from_secs(1800));
    let code = citizens_protocol::EnrolmentCode::parse(&enrol).expect("a code");
    let request = |actor: String| EnrollRequest {
        version: PROTOCOL_VERSION,
        code: code.secret.clone(),
        device_name: "laptop".into(),
        actor,
        device_secret: "cd".repeat(32),
    };
    let refused = server
        .core()
        .enroll("192.0.2.1", &request(citizens_core::seed::actor().to_hex_string()))
        .expect_err("the shipped writer is refused");
    assert_eq!(
        (refused.code(), refused.to_string()),
        (
            ErrorCode::ActorTaken,
            "this laptop's writer id is already in use; enrol again".to_string()
        )
    );
    // The code is not spent: the laptop enrols with a writer id of its own.
    let enrolled = server
        .core()
        .enroll("192.0.2.1", &request("ab".repeat(16)))
        .expect("enrolled");
    assert_eq!(enrolled.role, Role::Coordinator);
}
}

on_each_backend! {
fn an_enrolment_code_expires_after_the_time_it_was_made_for(backend) {
    let (db, clock) = (Db::new(backend), FakeClock::at(TOWN_HALL_DAY));
    let server = db.serve(&clock);
    let (mut device, enrol) = laptop_and_code(&server, Duration::from_secs(1800));
    clock.advance(1801 * 1000);
    match device.client.enroll(&server.url, &enrol, fast()) {
        Err(citizens_client::SyncError::Refused { code, message }) => {
            assert_eq!(code, ErrorCode::InvalidCode);
            assert!(message.contains("has expired"), "{message}");
        }
        other => panic!("an expired code is refused, got {other:?}"),
    }
}
}

fn attempt(url: &str) -> u16 {
    let body = encode(&EnrollRequest {
        version: PROTOCOL_VERSION,
        code: "AAAABBBBCCCC".into(),
        device_name: "laptop".into(),
        actor: "ab".repeat(16),
        device_secret: "cd".repeat(32),
    });
    let (status, bytes) = post(url, "/v1/enroll", body, None);
    let expected = match status {
        401 => ErrorCode::InvalidCode,
        429 => ErrorCode::RateLimited,
        other => panic!("unexpected status {other}"),
    };
    assert_eq!(error_code(&bytes), expected);
    status
}

on_each_backend! {
fn the_enrolment_rate_limit_holds_across_instances_sharing_the_database(backend) {
    let (db, clock) = (Db::new(backend), FakeClock::at(TOWN_HALL_DAY));
    let a = db.serve(&clock);
    let b = db.serve(&clock);
    let limit = a.core().limits().enrol_attempts_per_minute;
    let statuses: Vec<u16> = (0..limit)
        .map(|i| attempt(if i % 2 == 0 { &a.url } else { &b.url }))
        .collect();
    assert_eq!(statuses, vec![401; limit as usize], "wrong codes, answered");
    assert_eq!(
        attempt(&a.url),
        429,
        "the next attempt is limited on one instance"
    );
    assert_eq!(attempt(&b.url), 429, "and on the other");
    clock.advance(60_000);
    assert_eq!(
        attempt(&b.url),
        401,
        "a minute later the address may try again"
    );
}
}

on_each_backend! {
    /// The visibility rule is written once and rendered twice: as SQL in both databases and in
    /// Rust (`persistence::sees`, which decides what a device may change and what left its
    /// scope). Every combination of organisation, kind, creator, assignee and viewer agrees.
    fn visibility_is_one_rule(backend) {
    use citizens_protocol::RecordKind;
    use citizens_server_core::persistence::{sees, transaction, Mode, RecordRow, Viewer};

    let db = Db::new(backend);
    let storage = db.storage();
    let checked = transaction(storage.as_ref(), Mode::Write, |tx| {
        let a = tx.insert_org("Kano Civic Forum", "key-a")?;
        let b = tx.insert_org("Lagos Accountability Lab", "key-b")?;
        for (person, org, name) in [("p1", a, "Musa Garba"), ("p2", a, "Bisi Adeleke"), ("p3", b, "Emeka Obi")] {
            tx.insert_person(person, org, name)?;
        }
        let mut records = Vec::new();
        for kind in [RecordKind::Grievance, RecordKind::Session, RecordKind::Agency] {
            let id = Uuid::now_v7();
            tx.seed_record(id, kind, b"doc", b"", &[0; 32])?;
            records.push((id, kind, None, None, None));
            for org in [a, b] {
                for creator in ["p1", "p2", "p3"] {
                    for assignee in [None, Some("p1"), Some("p2"), Some("p3")] {
                        let id = Uuid::now_v7();
                        tx.put_record(&RecordRow {
                            id,
                            kind,
                            org_id: Some(org),
                            creator_device: Uuid::now_v7(),
                            creator_person: Some(creator),
                            assignee: assignee.map(|_| "someone"),
                            assignee_person: assignee,
                            snapshot: b"doc",
                            heads: b"",
                            digest: &[1; 32],
                            forwarded_to: None,
                        })?;
                        records.push((id, kind, Some(org), Some(creator), assignee));
                    }
                }
            }
        }
        let mut checked = 0;
        for (org, person) in [(a, "p1"), (a, "p2"), (a, "p9"), (b, "p3"), (b, "p1")] {
            for everyone in [false, true] {
                let viewer = Viewer { org_id: org, person_id: person.into(), everyone };
                let digests: std::collections::BTreeSet<Uuid> =
                    tx.visible_digests(&viewer)?.into_iter().map(|(id, _)| id).collect();
                for &(id, kind, org, creator, assignee) in &records {
                    let rust = sees(&viewer, kind, org, creator, assignee);
                    let sql = tx.visible_record(&viewer, id)?.is_some();
                    assert_eq!(sql, rust, "{viewer:?} and a {kind:?} of {org:?} by {creator:?} for {assignee:?}");
                    let listed = rust && !kind.is_reference();
                    assert_eq!(digests.contains(&id), listed, "{viewer:?}, {kind:?} {org:?} {creator:?} {assignee:?}");
                    checked += 1;
                }
            }
        }
        Ok(checked)
    })
    .expect("transaction");
    assert_eq!(checked, 10 * (3 + 3 * 2 * 3 * 4));
}
}

on_each_backend! {
    /// An hourly limit counts the last sixty minutes, so attempts made just before an hour
    /// turns still count just after it: no boundary lets twice the limit through; a refused
    /// attempt is taken back.
    fn an_hourly_limit_slides_so_no_boundary_lets_twice_the_limit_through(backend) {
    use citizens_server_core::persistence::{transaction, Mode};

    let db = Db::new(backend);
    let storage = db.storage();
    // Minute numbers, an hour turning at `hour`; each attempt asks for the last sixty minutes.
    let hour = 29_000_000 * 60;
    let at = |minute: i64| {
        transaction(storage.as_ref(), Mode::Write, |tx| {
            tx.count_attempt("report:203.0.113.7", minute, minute - 59, minute - 60)
        })
        .expect("counted")
    };
    let before: Vec<u32> = (0..10).map(|_| at(hour - 1)).collect();
    assert_eq!(before, (1..=10).collect::<Vec<_>>());
    assert_eq!(at(hour), 11, "the ten before the hour still count");
    assert_eq!(at(hour + 58), 12);
    assert_eq!(at(hour + 59), 3, "an hour on, the ten have left the window");
    // A refused attempt is taken back: it does not count against the next.
    transaction(storage.as_ref(), Mode::Write, |tx| {
        tx.undo_attempt("report:203.0.113.7", hour + 59)
    })
    .expect("taken back");
    assert_eq!(at(hour + 59), 3);
    }
}

on_each_backend! {
    /// `/v1/token` checks the credential before anything else: a revoked device's id with a
    /// wrong credential is answered as an unknown device is; only the credential itself learns
    /// that its device was revoked.
    fn a_token_request_says_revoked_only_once_the_credential_is_proved(backend) {
    use citizens_protocol::TokenRequest;

    let (db, clock) = (Db::new(backend), FakeClock::at(TOWN_HALL_DAY));
    let server = db.serve(&clock);
    let (_device, enrol) = laptop_and_code(&server, Duration::from_secs(1800));
    let code = citizens_protocol::EnrolmentCode::parse(&enrol).expect("a code");
    let enrolled = server
        .core()
        .enroll(
            "192.0.2.1",
            &EnrollRequest {
                version: PROTOCOL_VERSION,
                code: code.secret,
                device_name: "laptop".into(),
                actor: "ab".repeat(16),
                device_secret: "cd".repeat(32),
            },
        )
        .expect("enrolled");
    let ask = |device_id: Uuid, secret: &str| {
        let body = encode(&TokenRequest {
            version: PROTOCOL_VERSION,
            device_id,
            device_secret: secret.into(),
        });
        let (status, bytes) = post(&server.url, "/v1/token", body, None);
        (status, error_code(&bytes))
    };
    assert!(server.core().revoke(enrolled.device_id).expect("revoked"));
    let unknown = (401, ErrorCode::InvalidCredential);
    assert_eq!(ask(enrolled.device_id, &"ef".repeat(32)), unknown, "a wrong credential");
    assert_eq!(ask(Uuid::now_v7(), &"cd".repeat(32)), unknown, "an unknown device");
    assert_eq!(
        ask(enrolled.device_id, &"cd".repeat(32)),
        (401, ErrorCode::Revoked),
        "the device's own credential"
    );
    }
}

/// A report from the web page, as the rules take it.
fn web_report() -> citizens_core::capture::GrievanceInput {
    citizens_core::capture::GrievanceInput {
        category: "water".into(),
        state: "Kano".into(),
        lga: "Fagge".into(),
        narrative: "No water in Fagge for a week".into(),
        ..Default::default()
    }
}

on_each_backend! {
    /// Issue 26 (6): the rate-limit rows name no address (a keyed hash under a key of the
    /// day), so they cannot be joined to the receipts' times; the limit still holds, also
    /// across midnight, when the key changes.
    fn the_rate_limit_rows_hold_no_address_and_the_limit_still_holds(backend) {
    use citizens_core::clock::Clock as _;
    use citizens_core::grievance::Intake;

    let (db, clock) = (Db::new(backend), FakeClock::at(TOWN_HALL_DAY));
    let server = db.serve_public(&clock);
    let (_device, _code) = laptop_and_code(&server, Duration::from_secs(3600));
    let core = server.core();
    let report = |client: &str, form: String| {
        core.report(client, &form, Intake::Web, &web_report()).is_ok()
    };
    let filed: Vec<bool> = (0..11).map(|i| report("203.0.113.77", format!("a-{i}"))).collect();
    assert_eq!(filed, [vec![true; 10], vec![false]].concat(), "ten an hour from one address");
    assert!(report("203.0.113.78", "b".into()), "another address is not limited");
    assert_eq!(attempt(&server.url), 401, "an enrolment attempt, counted the same way");
    let scan = || {
        let keys = db.column("SELECT client FROM attempts");
        for key in &keys {
            assert!(!key.contains("203.0.113") && !key.contains("127.0.0.1"), "{key}");
        }
        keys.len()
    };
    assert_eq!(scan(), 3, "reports from two addresses and an enrolment attempt");

    // Half an hour before midnight, then just after it: the window still holds yesterday's.
    let day = 24 * 3600 * 1000;
    clock.advance(day - clock.now().millis().rem_euclid(day) - 30 * 60_000);
    let before: Vec<bool> = (0..9).map(|i| report("203.0.113.90", format!("c-{i}"))).collect();
    assert_eq!(before, vec![true; 9]);
    clock.advance(31 * 60_000);
    assert!(report("203.0.113.90", "d".into()), "the tenth, after midnight");
    assert!(!report("203.0.113.90", "e".into()), "the limit holds across the day's new key");
    assert_eq!(scan(), 2, "one address, under the key of each day (a refusal leaves no row)");
    }
}

on_each_backend! {
    /// Issue 26 (7): an SMS sender's hash is blanked a day on even when no later message
    /// comes: the server forgets old senders when it starts and every hour after.
    fn a_senders_hash_is_blanked_a_day_later_though_no_message_follows(backend) {
    use citizens_core::grievance::Intake;
    use citizens_server_core::intake::{Delivered, Message};

    let (db, clock) = (Db::new(backend), FakeClock::at(TOWN_HALL_DAY));
    let server = db.serve_public(&clock);
    let (_device, _code) = laptop_and_code(&server, Duration::from_secs(3600));
    let delivered = server
        .core()
        .message(&Message {
            provider: "twilio",
            id: "SM0123456789abcdef0123456789abcdef",
            from: "+2348065554411",
            text: "No light in Fagge for two weeks",
            intake: Intake::Sms,
        })
        .expect("filed");
    assert!(matches!(delivered, Delivered::New(_)), "{delivered:?}");
    let hashes = || db.column("SELECT CAST(length(sender) AS TEXT) FROM inbound_messages");
    assert_eq!(hashes(), ["32"], "kept for the day, to join follow-ups");

    clock.advance(24 * 3600 * 1000 + 60_000);
    // No message arrives; an instance starts (every instance does the same hourly).
    let later = db.serve_public(&clock);
    later.wait_for_first_sweep();
    assert_eq!(hashes(), ["0"], "a day on, the hash is gone");
    }
}

on_each_backend! {
    /// Issue 26 (2): the public face's references do not count the organisation's reports:
    /// consecutive reports get unrelated numbers (a keyed permutation of six digits), read
    /// over the phone as easily, and a thousand are all different.
    fn public_references_do_not_reveal_how_many_reports_came_before(backend) {
    use citizens_core::grievance::Intake;
    use citizens_server_core::intake::Filed;

    let (db, clock) = (Db::new(backend), FakeClock::at(TOWN_HALL_DAY));
    let server = db.serve_public(&clock);
    let (_device, _code) = laptop_and_code(&server, Duration::from_secs(3600));
    let numbers: Vec<u64> = (0..1_000)
        .map(|i| {
            match server.core().report(&format!("client-{i}"), &format!("form-{i}"), Intake::Web, &web_report()) {
                Ok(Filed::New(receipt)) => {
                    let (_, number) = receipt.reference.rsplit_once('-').expect("a reference");
                    assert_eq!(number.len(), 6, "{}", receipt.reference);
                    number.parse().expect("digits")
                }
                other => panic!("{other:?}"),
            }
        })
        .collect();
    let unique: std::collections::BTreeSet<u64> = numbers.iter().copied().collect();
    assert_eq!(unique.len(), 1_000, "every reference is its own");
    let close = numbers.windows(2).filter(|w| w[0].abs_diff(w[1]) < 1_000).count();
    assert!(close < 10, "consecutive reports get unrelated numbers: {close} close pairs");
    assert!(numbers[..2] != [1, 2] && numbers.iter().any(|n| *n > 100_000), "{:?}", &numbers[..5]);
    }
}
