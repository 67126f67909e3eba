//! Three server instances on one PostgreSQL database behind HAProxy, twenty laptops syncing
//! through it, one instance SIGKILLed mid-run: every acknowledged case arrives exactly once on
//! every laptop that may see it, and every laptop ends in step (the checksums agree).

use std::collections::BTreeSet;
use std::sync::{Barrier, Mutex};

use citizens_client::{Client, Filter, Sort};
use citizens_test_support::device::{fast, holdings, Device};
use citizens_test_support::haproxy::Haproxy;
use citizens_test_support::server::Backend;
use citizens_test_support::server::Server;

const COORDINATORS: usize = 4;
const VOLUNTEERS: usize = 16;
const ROUNDS: usize = 4;

fn case_ids(client: &Client) -> Vec<String> {
    client
        .list(&Filter::default(), Sort::Reference, 0, 100_000)
        .expect("list")
        .rows
        .into_iter()
        .map(|r| r.id)
        .collect()
}

#[test]
fn a_killed_instance_behind_the_balancer_loses_nothing_and_duplicates_nothing() {
    // Twenty laptops enrol from one address.
    let first = Server::start_configured(
        citizens_e2e::binary("citizens-server"),
        Backend::Postgres,
        "enrol_attempts_per_minute = 100\n",
    );
    let mut second = Server::instance_of(&first, "127.0.0.1:0");
    let third = Server::instance_of(&first, "127.0.0.1:0");
    let balancer = Haproxy::start(&[&first.url, &second.url, &third.url]);

    let mut founder = Device::founder(
        "Coordinator 0",
        citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY),
    );
    let key = founder.key();
    let code = first.code("coordinator", "Coordinator 0", &key);
    founder
        .client
        .enroll(&balancer.url, &code, fast())
        .expect("enrol");
    let mut laptops = vec![founder];
    for i in 1..COORDINATORS + VOLUNTEERS {
        let (role, user) = if i < COORDINATORS {
            ("coordinator", format!("Coordinator {i}"))
        } else {
            ("volunteer", format!("Volunteer {i}"))
        };
        let mut laptop = Device::with_key(&user, &key);
        let code = first.code(role, &user, &key);
        laptop
            .client
            .enroll(&balancer.url, &code, fast())
            .expect("enrol");
        laptops.push(laptop);
    }

    let halfway = Barrier::new(laptops.len() + 1);
    let acknowledged = Mutex::new(BTreeSet::new());
    let captured: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = laptops
            .iter_mut()
            .map(|laptop| {
                let (halfway, acknowledged) = (&halfway, &acknowledged);
                scope.spawn(move || {
                    let mut rng = rand::thread_rng();
                    let (mut mine, mut unacknowledged) = (Vec::new(), Vec::new());
                    for round in 0..ROUNDS {
                        if round == ROUNDS / 2 {
                            halfway.wait();
                        }
                        for _ in 0..2 {
                            let input = citizens_client::sample::grievance(&mut rng);
                            let case = laptop.client.capture(&input).expect("capture");
                            mine.push(case.id.to_string());
                            unacknowledged.push(case.id.to_string());
                        }
                        // An instance dies under some of these: the sync retries or fails and
                        // the laptop tries again next round, as on a real network.
                        if laptop.client.sync(fast(), &mut |_| {}).is_ok() {
                            acknowledged
                                .lock()
                                .expect("lock")
                                .extend(unacknowledged.drain(..));
                        }
                    }
                    mine
                })
            })
            .collect();
        halfway.wait();
        second.kill();
        handles
            .into_iter()
            .map(|h| h.join().expect("laptop"))
            .collect()
    });
    let acknowledged = acknowledged.into_inner().expect("lock");
    assert!(!acknowledged.is_empty());

    // Two more rounds with the two instances left: everyone catches up.
    for _ in 0..2 {
        for laptop in &mut laptops {
            laptop.sync();
        }
    }
    let everything: BTreeSet<String> = captured.iter().flatten().cloned().collect();
    assert_eq!(everything.len(), (COORDINATORS + VOLUNTEERS) * ROUNDS * 2);
    assert!(acknowledged.is_subset(&everything));
    let reference = holdings(&mut laptops[0].client);
    for (i, laptop) in laptops.iter_mut().enumerate() {
        let report = laptop.sync();
        assert!(report.in_step, "laptop {i} is in step with the server");
        let ids = case_ids(&laptop.client);
        let distinct: BTreeSet<String> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), distinct.len(), "laptop {i}: every case once");
        if i < COORDINATORS {
            assert_eq!(distinct, everything, "coordinator {i} holds every case");
            assert!(
                holdings(&mut laptop.client) == reference,
                "coordinator {i} holds the same versions"
            );
        } else {
            let own: BTreeSet<String> = captured[i].iter().cloned().collect();
            assert_eq!(distinct, own, "volunteer {i} holds its own cases");
        }
    }
}
