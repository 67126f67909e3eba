//! Random concurrent edits on three replicas, merged in random orders, converge: identical
//! projections, no note or history entry lost, concurrent status changes shown as a conflict.

use std::cell::RefCell;
use std::collections::BTreeSet;

use citizens_client::Origin;
use citizens_client::{Client, Filter, Sort};
use citizens_core::grievance::Grievance;
use citizens_core::lifecycle::Status;
use citizens_test_support::{grievance, install, FakeClock, TOWN_HALL_DAY};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::SeedableRng;
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Op {
    Note(u16),
    /// Move along the n-th allowed transition from the current status.
    Status(usize),
    Assign(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u16>().prop_map(Op::Note),
        (0usize..8).prop_map(Op::Status),
        (0u8..3).prop_map(Op::Assign),
    ]
}

fn exchange(replicas: &mut [Client], from: usize, to: usize, id: Uuid) {
    let push = replicas[from].store().export(id).expect("export");
    replicas[to]
        .store()
        .merge(&push, Origin::Peer)
        .expect("merge");
}

fn read(replica: &mut Client, id: Uuid) -> Grievance {
    replica.store().read::<Grievance>(id).expect("read")
}

#[test]
fn three_replicas_converge_whatever_the_merge_order() {
    let dirs: Vec<tempfile::TempDir> = (0..3)
        .map(|_| tempfile::tempdir().expect("tempdir"))
        .collect();
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let names = ["Amina Bello", "Chinedu Okafor", "Funmilayo Adeyemi"];
    let replicas = RefCell::new(
        dirs.iter()
            .zip(names)
            .map(|(d, n)| install(d.path(), n, clock.clone()))
            .collect::<Vec<_>>(),
    );
    let strategy = (
        prop::collection::vec(prop::collection::vec(op(), 0..6), 3),
        prop::collection::vec((0usize..3, 0usize..3), 0..8),
        any::<u64>(),
    );
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    runner
        .run(&strategy, |(ops, random_merges, order_seed)| {
            let mut order_rng = rand::rngs::StdRng::seed_from_u64(order_seed);
            let mut replicas = replicas.borrow_mut();
            let captured = replicas[0]
                .capture(&grievance(&mut order_rng))
                .expect("capture");
            let id = captured.id.uuid();
            exchange(&mut replicas, 0, 1, id);
            exchange(&mut replicas, 0, 2, id);

            // Concurrent phase: each replica edits its own copy.
            let mut notes = BTreeSet::new();
            let mut status_changes = 0;
            let mut last_status: Vec<Option<Status>> = vec![None; 3];
            for (r, replica_ops) in ops.iter().enumerate() {
                for op in replica_ops {
                    let reference = captured.reference.as_str();
                    match op {
                        Op::Note(n) => {
                            let text = format!("replica {r} note {n} #{}", notes.len());
                            replicas[r].add_note(reference, &text).expect("note");
                            notes.insert(text);
                        }
                        Op::Status(n) => {
                            let current = read(&mut replicas[r], id).status().current;
                            let allowed = current.allowed_next();
                            if let Some(to) = allowed.get(n % allowed.len().max(1)) {
                                replicas[r]
                                    .change_status(reference, to.as_str(), None)
                                    .expect("allowed change");
                                status_changes += 1;
                                last_status[r] = Some(*to);
                            }
                        }
                        Op::Assign(n) => {
                            replicas[r]
                                .assign(reference, Some(names[usize::from(*n)]))
                                .expect("assign");
                        }
                    }
                }
            }

            // Random partial merges, then gossip until everyone has everything.
            for (from, to) in random_merges {
                if from != to {
                    exchange(&mut replicas, from, to, id);
                }
            }
            let mut pairs: Vec<(usize, usize)> = (0..3)
                .flat_map(|a| (0..3).map(move |b| (a, b)))
                .filter(|(a, b)| a != b)
                .collect();
            for _ in 0..2 {
                use rand::seq::SliceRandom;
                pairs.shuffle(&mut order_rng);
                for &(from, to) in &pairs {
                    exchange(&mut replicas, from, to, id);
                }
            }

            let rows: Vec<_> = replicas
                .iter()
                .map(|c| {
                    c.list(&Filter::default(), Sort::Reference, 0, 10_000)
                        .expect("list")
                        .rows
                })
                .collect();
            prop_assert_eq!(&rows[0], &rows[1]);
            prop_assert_eq!(&rows[1], &rows[2]);

            for replica in replicas.iter_mut() {
                let g = read(replica, id);
                let held: BTreeSet<String> = g.notes().map(str::to_string).collect();
                prop_assert_eq!(&held, &notes, "every note survives");
                prop_assert_eq!(
                    g.status_history.len(),
                    1 + status_changes,
                    "every history entry survives"
                );
                let distinct: BTreeSet<Status> = last_status.iter().flatten().copied().collect();
                let view = g.status();
                if distinct.len() > 1 {
                    prop_assert_eq!(
                        view.conflict.iter().copied().collect::<BTreeSet<_>>(),
                        distinct.clone()
                    );
                } else {
                    prop_assert!(view.conflict.is_empty());
                    if let Some(only) = distinct.first() {
                        prop_assert_eq!(view.current, *only);
                    }
                }
                let row = rows[0]
                    .iter()
                    .find(|r| r.id == id.to_string())
                    .expect("row");
                prop_assert_eq!(row.conflict, distinct.len() > 1);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
