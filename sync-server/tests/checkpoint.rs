//! The checkpoint across concurrent writers (PostgreSQL): two instances on one database, pushes
//! whose transactions stay open a random 0–200 ms after appending, pullers paging by small
//! pages all the while. With appends under the lock every puller ends with every change; with
//! naive appends (`seq` taken at insert, commits in another order) pullers skip changes for
//! ever — the same test, so it can fail.

#[macro_use]
mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use citizens_client::machine::{Effect, Event, Machine};
use citizens_core::clock::SystemClock;
use citizens_protocol::{Role, SyncRequest, PROTOCOL_VERSION};
use citizens_server::config::Database;
use citizens_server::storage::postgres::Postgres;
use citizens_server::{Application, Config};
use citizens_server_core::{Core, Limits};
use citizens_test_support::postgres::Database as TestDatabase;
use common::{fast, Device, ORG};
use rand::Rng;
use sha2::{Digest, Sha256};

type Hashes = BTreeSet<[u8; 32]>;

const ORGS: [&str; 2] = [ORG, "Lagos Accountability Network"];
const PUSHES_EACH: usize = 12;

/// For each puller: every change hash it received, and every change of its organisation the
/// log holds at the end.
fn run(serialise_appends: bool) -> Vec<(Hashes, Hashes)> {
    // Enrolment over HTTP once; then two instances with held-open transactions.
    let (db, _dir, server) = enrolment_server();
    let code = |org: &str, user: &str, key: &str| {
        common::code(
            server.core(),
            org,
            Role::Coordinator,
            user,
            key,
            Duration::from_secs(3600),
        )
    };
    // Two organisations: each one's pushes are serialised by its own row, so only appends
    // across organisations race — as on a national server.
    let (mut laptops, mut pullers) = (Vec::new(), Vec::new());
    for org in ORGS {
        let user = format!("{org} founder");
        let mut founder = Device::founder(
            &user,
            citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY),
        );
        let key = founder.key();
        founder
            .client
            .enroll(&server.url, &code(org, &user, &key), fast())
            .expect("enrol");
        laptops.push(founder);
        for role in ["pusher", "puller"] {
            let user = format!("{org} {role}");
            let mut laptop = Device::with_key(&user, &key);
            laptop
                .client
                .enroll(&server.url, &code(org, &user, &key), fast())
                .expect("enrol");
            if role == "pusher" {
                laptops.push(laptop);
            } else {
                let token = laptop.access_token(&server.url);
                pullers.push((laptop, token, org));
            }
        }
    }
    let hold: citizens_server::storage::postgres::BeforeCommit = Arc::new(|| {
        std::thread::sleep(Duration::from_millis(rand::thread_rng().gen_range(0..200)));
    });
    let limits = Limits {
        page_bytes: 2_048,
        ..Limits::default()
    };
    // Two instances for the pushers and two for the pullers (small pages), on one database.
    let instance =
        |limits: Limits| Arc::new(held_open(&db.url, serialise_appends, hold.clone(), limits));
    let instances: Vec<Arc<Core>> = (0..2).map(|_| instance(limits)).collect();
    let push_to: Vec<Arc<Core>> = (0..2).map(|_| instance(Limits::default())).collect();
    let pushing = Arc::new(AtomicBool::new(true));
    let received = std::thread::scope(|scope| {
        let pulls: Vec<_> = pullers
            .iter()
            .enumerate()
            .map(|(n, (_, token, _))| {
                let (instances, pushing) = (instances.clone(), pushing.clone());
                scope.spawn(move || {
                    let mut seen = BTreeSet::new();
                    let mut since = 0;
                    let mut round = n;
                    loop {
                        let done = !pushing.load(Ordering::SeqCst);
                        let core = &instances[round % 2];
                        round += 1;
                        let device = core.authenticate(token).expect("puller");
                        let answer = core
                            .sync(
                                &device,
                                &SyncRequest {
                                    version: PROTOCOL_VERSION,
                                    batch_id: uuid::Uuid::new_v4(),
                                    since,
                                    pushes: Vec::new(),
                                },
                            )
                            .expect("pull");
                        seen.extend(answer.pulls.iter().map(|p| hash(&p.change)));
                        since = answer.checkpoint;
                        if done && !answer.more {
                            break seen;
                        }
                    }
                })
            })
            .collect();
        let pushed = std::thread::scope(|pushers| {
            let handles: Vec<_> = laptops
                .iter_mut()
                .enumerate()
                .map(|(n, laptop)| {
                    let instances = push_to.clone();
                    pushers.spawn(move || {
                        let mut rng = rand::thread_rng();
                        for round in 0..PUSHES_EACH {
                            let input = citizens_client::sample::grievance(&mut rng);
                            laptop.client.capture(&input).expect("capture");
                            sync(&mut laptop.client, &instances[(n + round) % 2]);
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
        });
        // The pullers finish even when a pusher failed, so the failure is reported.
        pushing.store(false, Ordering::SeqCst);
        for outcome in pushed {
            if let Err(panic) = outcome {
                std::panic::resume_unwind(panic);
            }
        }
        pulls
            .into_iter()
            .map(|p| p.join().expect("puller"))
            .collect::<Vec<_>>()
    });
    let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).expect("connect");
    pullers
        .iter()
        .zip(received)
        .map(|((_, _, org), seen)| {
            let logged = admin
                .query(
                    "SELECT c.change FROM change_log c JOIN docs d ON d.id = c.doc_id
                     JOIN orgs o ON o.id = d.org_id WHERE o.name = $1",
                    &[org],
                )
                .expect("log")
                .into_iter()
                .map(|r| hash(r.get::<_, &[u8]>(0)))
                .collect();
            (seen, logged)
        })
        .collect()
}

/// A fresh PostgreSQL database, migrated, and an instance on it for enrolment over HTTP.
fn enrolment_server() -> (TestDatabase, tempfile::TempDir, citizens_server::Running) {
    let db = TestDatabase::fresh();
    Postgres::migrate(&db.url).expect("migrate");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::local(dir.path());
    config.database = Database::Postgres {
        url: db.url.clone(),
        connections: 4,
    };
    let server = Application::spawn(config, Arc::new(SystemClock)).expect("server");
    (db, dir, server)
}

/// An instance's rules on `url` whose pushes stay open for `hold` before they commit.
fn held_open(
    url: &str,
    serialise_appends: bool,
    hold: citizens_server::storage::postgres::BeforeCommit,
    limits: Limits,
) -> Core {
    let db = Postgres::open(url, 8)
        .expect("open")
        .for_checkpoint_test(serialise_appends, hold);
    Core::new(
        Arc::new(db),
        Arc::new(SystemClock),
        Box::new(rand::rngs::OsRng),
        limits,
    )
    .expect("rules")
}

fn hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// One laptop sync against one instance, straight to its rules.
fn sync(client: &mut citizens_client::Client, core: &Core) -> citizens_client::machine::Counts {
    let mut machine = Machine::new(fast());
    let mut effect = machine.step(client, Event::Start, &mut |_| {});
    loop {
        let event = match effect {
            Effect::Done => break,
            Effect::Wait(_) => Event::Waited,
            Effect::Send(outgoing) => common::answer(core, &outgoing),
        };
        effect = machine.step(client, event, &mut |_| {});
    }
    machine.outcome().expect("push")
}

#[test]
fn pullers_paging_by_checkpoint_miss_nothing_while_pushes_commit_out_of_order() {
    for (seen, logged) in run(true) {
        assert!(logged.len() >= 2 * PUSHES_EACH, "{} changes", logged.len());
        let missing = logged.difference(&seen).count();
        assert_eq!(missing, 0, "of {} changes", logged.len());
    }
}

#[test]
fn the_naive_checkpoint_loses_changes_in_the_same_test() {
    let missing: usize = run(false)
        .iter()
        .map(|(seen, logged)| logged.difference(seen).count())
        .sum();
    eprintln!("naive appends: {missing} changes never reached a puller");
    assert!(
        missing > 0,
        "without the append lock, pullers skip changes committed late"
    );
}

/// Found by the load benchmark: two laptops writing one case at the same moment through two
/// instances. The second transaction read the record before the first committed and stored
/// its document over it, so the server's copy lost a note (the log still had it) and the
/// laptops were never in step again. Each record is now locked for the transaction that
/// changes it.
#[test]
fn two_laptops_writing_one_case_at_once_through_two_instances_lose_nothing() {
    const ROUNDS: usize = 6;
    let (db, _dir, server) = enrolment_server();
    let code = |user: &str, key: &str| {
        common::code(
            server.core(),
            ORG,
            Role::Coordinator,
            user,
            key,
            Duration::from_secs(3600),
        )
    };
    let mut ngozi = Device::founder(
        "Ngozi Eze",
        citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY),
    );
    let key = ngozi.key();
    ngozi
        .client
        .enroll(&server.url, &code("Ngozi Eze", &key), fast())
        .expect("enrol");
    let mut rng = rand::thread_rng();
    let case = ngozi
        .client
        .capture(&citizens_client::sample::grievance(&mut rng))
        .expect("capture")
        .reference;
    ngozi.sync();
    let mut aliyu = Device::with_key("Aliyu Sani", &key);
    aliyu
        .client
        .enroll(&server.url, &code("Aliyu Sani", &key), fast())
        .expect("enrol");
    aliyu.sync();

    // Each push is held open up to 100 ms before it commits.
    let hold: citizens_server::storage::postgres::BeforeCommit = Arc::new(|| {
        std::thread::sleep(Duration::from_millis(rand::thread_rng().gen_range(20..100)));
    });
    let instances: Vec<Core> = (0..2)
        .map(|_| held_open(&db.url, true, hold.clone(), Limits::default()))
        .collect();
    for round in 0..ROUNDS {
        std::thread::scope(|scope| {
            for (laptop, core) in [&mut ngozi, &mut aliyu].into_iter().zip(&instances) {
                let case = &case;
                scope.spawn(move || {
                    let note = format!(
                        "{} called the agency, round {round}",
                        laptop.client.profile().user
                    );
                    laptop.client.add_note(case, &note).expect("note");
                    sync(&mut laptop.client, core);
                });
            }
        });
    }
    for laptop in [&mut ngozi, &mut aliyu] {
        let counts = sync(&mut laptop.client, &instances[0]);
        assert!(counts.in_step, "{} in step", laptop.client.profile().user);
    }
    let mut funmi = Device::with_key("Funmilayo Adeyemi", &key);
    funmi
        .client
        .enroll(&server.url, &code("Funmilayo Adeyemi", &key), fast())
        .expect("enrol");
    assert!(
        funmi.sync().in_step,
        "a new laptop is in step with the server's copy"
    );
    let notes = funmi
        .client
        .open_case(&case)
        .expect("case")
        .grievance
        .notes()
        .count();
    assert_eq!(notes, 2 * ROUNDS);
}
