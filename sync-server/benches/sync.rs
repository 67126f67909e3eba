//! Sync benchmark, side by side in one run: our protocol against Automerge's per-document
//! sync and against the physical limit, on a real server process over loopback.
//! The first full sync runs on SQLite and on PostgreSQL, side by side.
//! `cargo bench -p citizens-server --bench sync [-- RECORDS CHANGED FULL]`
//! (defaults 10000 100 100000); needs the test PostgreSQL cluster (`bash scripts/bench.sh`).
#![allow(clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use automerge::sync::{State, SyncDoc};
use automerge::AutoCommit;
use citizens_client::{RetryPolicy, SyncReport};
use citizens_test_support::hostile::cpu_time;
use common::{start_server, start_server_on, Backend, Device};
use rand::SeedableRng;

fn gzip_len(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip").len()
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_secs(1),
        timeout: Duration::from_secs(120),
    }
}

fn sync(device: &mut Device) -> SyncReport {
    device.client.sync(policy(), &mut |_| {}).expect("sync")
}

fn fill(device: &mut Device, n: usize, seed: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut done = 0;
    while done < n {
        let batch: Vec<_> = (0..(n - done).min(2_000))
            .map(|_| citizens_test_support::grievance(&mut rng))
            .collect();
        done += device
            .client
            .capture_all(&batch)
            .unwrap_or_else(|e| panic!("{e}"))
            .len();
    }
}

/// Automerge's own sync, one fresh `sync::State` pair per document, as a device reconnecting
/// would run it over every record: bytes each way (gzip), rounds, and the responder's CPU.
fn automerge_per_document(
    device_docs: &[Vec<u8>],
    server_docs: &[Vec<u8>],
) -> (usize, usize, usize, Duration) {
    let (mut up, mut down) = (Vec::new(), Vec::new());
    let mut rounds = 0;
    let mut responder = Duration::ZERO;
    for (d, s) in device_docs.iter().zip(server_docs) {
        let mut device = AutoCommit::load(d).expect("device doc");
        let mut server = AutoCommit::load(s).expect("server doc");
        let (mut ds, mut ss) = (State::new(), State::new());
        let mut doc_rounds = 0;
        loop {
            let to_server = device.sync().generate_sync_message(&mut ds);
            let started = Instant::now();
            if let Some(m) = to_server.clone() {
                up.extend(m.clone().encode());
                server
                    .sync()
                    .receive_sync_message(&mut ss, m)
                    .expect("receive");
            }
            let to_device = server.sync().generate_sync_message(&mut ss);
            responder += started.elapsed();
            if let Some(m) = to_device.clone() {
                down.extend(m.clone().encode());
                device
                    .sync()
                    .receive_sync_message(&mut ds, m)
                    .expect("receive");
            }
            if to_server.is_none() && to_device.is_none() {
                break;
            }
            doc_rounds += 1;
        }
        rounds = rounds.max(doc_rounds);
    }
    (gzip_len(&up), gzip_len(&down), rounds, responder)
}

/// The saved documents of `ids` as this device holds them.
fn snapshots(device: &mut Device, ids: &[String]) -> Vec<Vec<u8>> {
    ids.iter()
        .map(|id| {
            device
                .client
                .store()
                .export(id.parse().expect("uuid"))
                .expect("export")
                .changes[0]
                .0
                .clone()
        })
        .collect()
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let records = args.first().copied().unwrap_or(10_000);
    let changed = args.get(1).copied().unwrap_or(100);
    let full = args.get(2).copied().unwrap_or(100_000);

    let server = start_server();
    let mut a = Device::coordinator(&server, "Ngozi Eze");
    let key = a.client.profile().org_public_key.clone();
    fill(&mut a, records, 1);
    sync(&mut a);
    let mut b = Device::coordinator_with_key(&server, "Chinedu Okafor", &key);
    sync(&mut b);

    // The device holds `changed` edited records the server lacks.
    let ids: Vec<String> = a.client.store().grievance_ids().expect("ids");
    let before = snapshots(&mut b, &ids);
    let mut notes = Vec::new();
    for id in ids.iter().take(changed) {
        let text = format!("Called the desk officer; promised action by Friday ({id})");
        let view = a.client.add_note(id, &text).expect("note");
        let entry = view.grievance.timeline.last().expect("note").clone();
        notes.push(serde_json::json!({"id": id, "timeline": {"id": entry.id.to_string(), "at": entry.at.millis(), "user": entry.by.user, "device": entry.by.device, "note": text}}));
    }
    let after = snapshots(&mut a, &ids);

    let cpu = cpu_time(server.pid());
    let ours = sync(&mut a);
    let ours_cpu = cpu_time(server.pid()) - cpu;
    let (am_up, am_down, am_rounds, am_cpu) = automerge_per_document(&after, &before);
    let limit = gzip_len(serde_json::to_vec(&notes).expect("json").as_slice());
    let idle = sync(&mut a);

    println!("\n{records} grievances, {changed} changed (one note each); bytes gzip-compressed, bodies only\n");
    println!("| method | bytes up | bytes down | round trips | server CPU |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| (a) Citizens Connect protocol v1 | {} | {} | {} | {} ms |",
        ours.bytes_up,
        ours.bytes_down,
        ours.round_trips,
        ours_cpu.as_millis()
    );
    println!("| (b) Automerge sync::State per document | {am_up} | {am_down} | {am_rounds} per document, {records} documents | {} ms (in-process) |", am_cpu.as_millis());
    println!("| (c) limit: gzip JSON of the changed fields | {limit} | 0 | 1 | — |");
    println!(
        "\n(a)/(c) bytes up: {:.2}   (b)/(a) bytes total: {:.1}",
        ours.bytes_up as f64 / limit as f64,
        (am_up + am_down) as f64 / (ours.bytes_up + ours.bytes_down) as f64
    );
    println!(
        "idle sync: {} B up, {} B down, {} round trips",
        idle.bytes_up, idle.bytes_down, idle.round_trips
    );

    if full > 0 {
        let runs = [
            first_full_sync(Backend::Sqlite, full),
            first_full_sync(Backend::Postgres, full),
        ];
        let both = |f: &dyn Fn(&FullSync) -> String| format!("{} | {}", f(&runs[0]), f(&runs[1]));
        let secs = |d: Duration| format!("{:.1} s", d.as_secs_f64());
        println!("\nfirst full sync of {full} records to a new coordinator laptop\n");
        println!("| | SQLite | PostgreSQL | target |");
        println!("|---|---:|---:|---|");
        println!(
            "| first full sync | {} | ≤ 60 s |",
            both(&|f| secs(f.first))
        );
        println!(
            "| its round trips, MB down | {} | |",
            both(&|f| format!("{}, {:.1} MB", f.first_round_trips, f.first_mb_down))
        );
        println!(
            "| then, off the sync's path: comparing the arrivals for duplicates | {} | |",
            both(&|f| secs(f.duplicates))
        );
        println!(
            "| (capturing them on the first laptop | {} | |",
            both(&|f| secs(f.captured))
        );
        println!(
            "| pushing them up from it, round trips, MB up) | {} | |",
            both(&|f| format!(
                "{}, {}, {:.1} MB",
                secs(f.pushed),
                f.push_round_trips,
                f.push_mb_up
            ))
        );
    }
}

struct FullSync {
    captured: Duration,
    pushed: Duration,
    push_round_trips: usize,
    push_mb_up: f64,
    first: Duration,
    first_round_trips: usize,
    first_mb_down: f64,
    duplicates: Duration,
}

/// `full` records captured on one coordinator's laptop and pushed, then synced to a new one.
fn first_full_sync(backend: Backend, full: usize) -> FullSync {
    let server = start_server_on(backend);
    let mut source = Device::coordinator(&server, "Ngozi Eze");
    let key = source.client.profile().org_public_key.clone();
    let started = Instant::now();
    fill(&mut source, full, 2);
    let captured = started.elapsed();
    let started = Instant::now();
    let push = sync(&mut source);
    let pushed = started.elapsed();
    let mut fresh = Device::coordinator_with_key(&server, "Funmilayo Adeyemi", &key);
    let started = Instant::now();
    let first = sync(&mut fresh);
    let first_time = started.elapsed();
    // What arrived is compared for duplicates after the sync (the app does it on its sync
    // thread once the records are in): reported on its own.
    let started = Instant::now();
    let compared = fresh.client.find_duplicates().expect("duplicates");
    let duplicates = started.elapsed();
    assert_eq!(compared, full);
    assert_eq!(
        fresh
            .client
            .list(&Default::default(), Default::default(), 0, 0)
            .expect("list")
            .total as usize,
        full
    );
    FullSync {
        captured,
        pushed,
        push_round_trips: push.round_trips,
        push_mb_up: push.bytes_up as f64 / 1e6,
        first: first_time,
        first_round_trips: first.round_trips,
        first_mb_down: first.bytes_down as f64 / 1e6,
        duplicates,
    }
}
