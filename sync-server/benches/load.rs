//! Load benchmark, both databases side by side in one run: LAPTOPS laptops each change CASES
//! cases and all sync at the same moment, pushing theirs and pulling the others' (one in ten is
//! a coordinator's and pulls everyone's notes). SQLite runs one instance; PostgreSQL runs two
//! instances behind HAProxy. The laptops are set up for real (SQLCipher stores, enrolment, a
//! first sync, notes written through the use cases); in the measured round each speaks the
//! protocol itself — its outbox as the sync would send it (gzip, thin changes), then pulls to
//! the end — without applying what it pulls, so the figures are the server's and not the cost
//! of 200 laptops' databases sharing this machine's two cores (the store and full-sync
//! benchmarks measure that). Afterwards every laptop syncs for real and must end in step.
//! Prints p50/p99/max sync time, errors, the server's CPU and peak memory.
//!
//! `cargo bench -p citizens-server --bench load [-- LAPTOPS CASES]` (defaults 200 50); needs the
//! test PostgreSQL cluster (`bash scripts/bench.sh` starts it and runs every benchmark).
#![allow(clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{Read as _, Write as _};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use citizens_client::RetryPolicy;
use citizens_protocol::{
    decode, encode, Push, SyncRequest, SyncResponse, CONTENT_TYPE, PROTOCOL_VERSION,
};
use citizens_test_support::bench::percentile;
use citizens_test_support::haproxy::Haproxy;
use citizens_test_support::hostile::{cpu_time, peak_rss_kib};
use common::{Backend, Device, Server};
use rand::SeedableRng;
use uuid::Uuid;

/// One laptop in ten is a coordinator's (sees everything); the rest are volunteers'.
const COORDINATOR_EVERY: usize = 10;

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 6,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(2),
        timeout: Duration::from_secs(120),
    }
}

/// CPU time of every PostgreSQL process on this machine (the test cluster's).
fn postgres_cpu() -> Duration {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/comm"))
                        .is_ok_and(|c| c.trim() == "postgres")
                })
                .map(cpu_time)
                .sum()
        })
        .unwrap_or_default()
}

struct Figures {
    p50: Duration,
    p99: Duration,
    max: Duration,
    errors: usize,
    busy: u32,
    in_step: usize,
    wall: Duration,
    round_trips: usize,
    instances_cpu: Duration,
    postgres_cpu: Option<Duration>,
    peak_rss_mib: Vec<u64>,
}

fn run(backend: Backend, laptops: usize, cases: usize) -> Figures {
    let config = "enrol_attempts_per_minute = 100000\n";
    let first = Server::start_configured(env!("CARGO_BIN_EXE_citizens-server"), backend, config);
    let second = (backend == Backend::Postgres).then(|| Server::instance_of(&first, "127.0.0.1:0"));
    let instances: Vec<&Server> = std::iter::once(&first).chain(second.as_ref()).collect();
    let urls: Vec<&str> = instances.iter().map(|s| s.url.as_str()).collect();
    let balancer = second.is_some().then(|| Haproxy::start(&urls));
    let url = balancer
        .as_ref()
        .map_or(first.url.as_str(), |b| b.url.as_str());

    // Enrol, capture and sync once, two laptops at a time (the machine's cores).
    let founder = Device::founder(
        "Coordinator 0",
        citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY),
    );
    let key = founder.key();
    let mut devices: Vec<Device> = vec![founder];
    devices.extend((1..laptops).map(|i| {
        let role = if i % COORDINATOR_EVERY == 0 {
            "Coordinator"
        } else {
            "Volunteer"
        };
        Device::with_key(&format!("{role} {i}"), &key)
    }));
    // Codes first: the administration command opens the database beside a busy server.
    let codes: Vec<String> = devices
        .iter()
        .enumerate()
        .map(|(i, device)| {
            let role = if i % COORDINATOR_EVERY == 0 {
                "coordinator"
            } else {
                "volunteer"
            };
            first.code(role, &device.client.profile().user, &key)
        })
        .collect();
    let codes = &codes;
    let prepare = |(i, device): (usize, &mut Device)| {
        device
            .client
            .enroll(url, &codes[i], policy())
            .expect("enrol");
        let mut rng = rand::rngs::StdRng::seed_from_u64(i as u64);
        let batch: Vec<_> = (0..cases)
            .map(|_| citizens_test_support::grievance(&mut rng))
            .collect();
        device.client.capture_all(&batch).expect("capture");
        device
            .client
            .sync(policy(), &mut |_| {})
            .expect("first sync");
    };
    std::thread::scope(|scope| {
        let (left, right): (Vec<_>, Vec<_>) = devices
            .iter_mut()
            .enumerate()
            .partition(|(i, _)| i % 2 == 0);
        for half in [left, right] {
            scope.spawn(move || half.into_iter().for_each(prepare));
        }
    });
    // Coordinators catch up on everyone's cases before the measured round.
    for device in devices.iter_mut().step_by(COORDINATOR_EVERY) {
        device.client.sync(policy(), &mut |_| {}).expect("catch up");
    }

    // Each laptop changes its cases: a volunteer notes on its own, a coordinator on others'.
    for (i, device) in devices.iter_mut().enumerate() {
        let ids = device.client.store().grievance_ids().expect("ids");
        let stride = (ids.len() / cases).max(1);
        for id in ids.iter().skip(i % stride).step_by(stride).take(cases) {
            let text = format!("Called the desk officer on {id}; promised action by Friday");
            device.client.add_note(id, &text).expect("note");
        }
    }

    // What each laptop sends: its outbox as one batch, thin, as the sync builds it.
    let wire: Vec<(String, Vec<Push>, u64)> = devices
        .iter_mut()
        .map(|device| {
            let token = device.access_token(url);
            let store = device.client.store();
            let mut pushes = store
                .outbox_batch(usize::MAX, None)
                .expect("outbox")
                .map(|b| b.pushes)
                .unwrap_or_default();
            for change in pushes.iter_mut().flat_map(|p| p.changes.iter_mut()) {
                if let Some(thin) = citizens_protocol::thin::thin(change) {
                    *change = thin.into();
                }
            }
            (token, pushes, store.checkpoint().expect("checkpoint"))
        })
        .collect();

    let pids: Vec<u32> = instances.iter().map(|s| s.pid()).collect();
    let cpu_before: Duration = pids.iter().map(|&p| cpu_time(p)).sum();
    let pg_before = postgres_cpu();
    let start = Barrier::new(wire.len());
    let started = Instant::now();
    let outcomes: Vec<(Duration, Result<Exchanged, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = wire
            .into_iter()
            .map(|(token, pushes, since)| {
                let start = &start;
                scope.spawn(move || {
                    let http = reqwest::blocking::Client::new();
                    start.wait();
                    let began = Instant::now();
                    let outcome = sync_over_the_wire(&http, url, &token, pushes, since);
                    (began.elapsed(), outcome)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("laptop"))
            .collect()
    });
    let wall = started.elapsed();
    let instances_cpu = pids.iter().map(|&p| cpu_time(p)).sum::<Duration>() - cpu_before;
    let pg = (backend == Backend::Postgres).then(|| postgres_cpu().saturating_sub(pg_before));

    let mut times: Vec<Duration> = outcomes.iter().map(|(t, _)| *t).collect();
    times.sort();
    let (mut round_trips, mut busy, mut errors) = (0, 0, 0);
    for (_, outcome) in &outcomes {
        match outcome {
            Ok((n, b)) => {
                round_trips += n;
                busy += b;
            }
            Err(e) => {
                errors += 1;
                println!("  sync failed: {e}");
            }
        }
    }
    // Then each laptop syncs for real (what it pushed is already held; it applies its pulls).
    let mut in_step = 0;
    for device in &mut devices {
        let report = device.client.sync(policy(), &mut |_| {});
        in_step += usize::from(report.is_ok_and(|r| r.in_step));
    }
    Figures {
        p50: percentile(&times, 0.50),
        p99: percentile(&times, 0.99),
        max: *times.last().expect("laptops"),
        errors,
        busy,
        in_step,
        wall,
        round_trips,
        instances_cpu,
        postgres_cpu: pg,
        peak_rss_mib: pids.iter().map(|&p| peak_rss_kib(p) / 1024).collect(),
    }
}

/// Round trips, and how many of them the server answered busy.
type Exchanged = (usize, u32);

/// One laptop's sync spoken on the wire: the batch, then pulls until nothing more waits.
/// The round trips it took, and how many of them the server answered busy.
fn sync_over_the_wire(
    http: &reqwest::blocking::Client,
    url: &str,
    token: &str,
    pushes: Vec<Push>,
    mut since: u64,
) -> Result<Exchanged, String> {
    let mut pushes = Some(pushes);
    let mut round_trips = 0;
    let mut busy = 0;
    loop {
        let request = SyncRequest {
            version: PROTOCOL_VERSION,
            batch_id: Uuid::now_v7(),
            since,
            pushes: pushes.take().unwrap_or_default(),
        };
        // As the laptop does: a busy server is asked again, after a pause, with the same batch.
        let answer = loop {
            round_trips += 1;
            match exchange(http, url, token, &request)? {
                Some(answer) => break answer,
                None if busy + 1 < policy().attempts => {
                    busy += 1;
                    std::thread::sleep(policy().backoff(busy, &mut rand::thread_rng()));
                }
                None => return Err(format!("still busy after {busy} tries")),
            }
        };
        if !answer.refused.is_empty() {
            return Err(format!("refused: {:?}", answer.refused));
        }
        since = answer.checkpoint;
        if !answer.more {
            return Ok((round_trips, busy));
        }
    }
}

/// One request; `None` when the server answered that it is busy (503).
fn exchange(
    http: &reqwest::blocking::Client,
    url: &str,
    token: &str,
    request: &SyncRequest,
) -> Result<Option<SyncResponse>, String> {
    {
        let mut body = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        body.write_all(&encode(&request))
            .map_err(|e| e.to_string())?;
        let body = body.finish().map_err(|e| e.to_string())?;
        let response = http
            .post(format!("{url}/v1/sync"))
            .header("content-type", CONTENT_TYPE)
            .header("content-encoding", "gzip")
            .header("accept-encoding", "gzip")
            .bearer_auth(token)
            .body(body)
            .send()
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let gzipped = response
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v.as_bytes() == b"gzip");
        let bytes = response.bytes().map_err(|e| e.to_string())?;
        let bytes = if gzipped {
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut plain)
                .map_err(|e| e.to_string())?;
            plain
        } else {
            bytes.to_vec()
        };
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
        }
        decode(&bytes)
            .map(Some)
            .ok_or_else(|| "not a sync answer".into())
    }
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let laptops = args.first().copied().unwrap_or(200);
    let cases = args.get(1).copied().unwrap_or(50);

    let sqlite = run(Backend::Sqlite, laptops, cases);
    let postgres = run(Backend::Postgres, laptops, cases);
    let ms = |d: Duration| format!("{} ms", d.as_millis());
    let both = |f: &dyn Fn(&Figures) -> String| format!("{} | {}", f(&sqlite), f(&postgres));

    println!(
        "\n{laptops} laptops (one in {COORDINATOR_EVERY} a coordinator's) each change {cases} \
         cases and sync at the same moment\n"
    );
    println!("| | SQLite, one instance | PostgreSQL, two instances behind HAProxy | target |");
    println!("|---|---:|---:|---|");
    println!("| sync time p50 | {} | |", both(&|f| ms(f.p50)));
    println!("| sync time p99 | {} | ≤ 2 s |", both(&|f| ms(f.p99)));
    println!("| sync time max | {} | |", both(&|f| ms(f.max)));
    println!("| failed syncs | {} | 0 |", both(&|f| f.errors.to_string()));
    println!(
        "| answers \"busy, try again\" (503, retried) | {} | |",
        both(&|f| f.busy.to_string())
    );
    println!(
        "| in step after one more (real) sync | {} | all |",
        both(&|f| format!("{} of {laptops}", f.in_step))
    );
    println!("| all done after | {} | |", both(&|f| ms(f.wall)));
    println!(
        "| HTTP round trips | {} | |",
        both(&|f| f.round_trips.to_string())
    );
    println!(
        "| server CPU (instances) | {} | |",
        both(&|f| ms(f.instances_cpu))
    );
    println!(
        "| PostgreSQL CPU | {} | |",
        both(&|f| f.postgres_cpu.map_or("—".into(), ms))
    );
    println!(
        "| peak memory per instance | {} | |",
        both(&|f| f
            .peak_rss_mib
            .iter()
            .map(|m| format!("{m} MiB"))
            .collect::<Vec<_>>()
            .join(", "))
    );
}
