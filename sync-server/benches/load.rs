//! Load benchmark, both databases side by side in one run: LAPTOPS real laptops (SQLCipher
//! stores, the real protocol client) each change CASES cases and all sync at the same moment,
//! pushing theirs and pulling the others'. SQLite runs one instance; PostgreSQL runs two
//! instances behind HAProxy. Prints p50/p99/max sync time, errors, the server's CPU and peak
//! memory. The laptops run on the same machine as the server, so their own work (applying what
//! they pull, in SQLCipher) competes with it for the same cores.
//!
//! `cargo bench -p citizens-server --bench load [-- LAPTOPS CASES]` (defaults 200 50); needs the
//! test PostgreSQL cluster (`bash scripts/bench.sh` starts it and runs every benchmark).
#![allow(clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Barrier;
use std::time::{Duration, Instant};

use citizens_client::RetryPolicy;
use citizens_test_support::haproxy::Haproxy;
use citizens_test_support::hostile::peak_rss_kib;
use common::{Backend, Device, Server};
use rand::SeedableRng;

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

/// CPU time (user + system) process `pid` has used.
fn cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    Duration::from_millis(ticks * 10)
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
                .map(cpu)
                .sum()
        })
        .unwrap_or_default()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

struct Figures {
    p50: Duration,
    p99: Duration,
    max: Duration,
    errors: usize,
    not_in_step: usize,
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
    let prepare = |(i, device): (usize, &mut Device)| {
        let coordinator = i % COORDINATOR_EVERY == 0;
        let user = device.client.profile().user.clone();
        let role = if coordinator {
            "coordinator"
        } else {
            "volunteer"
        };
        let code = first.code(role, &user, &key);
        device.client.enroll(url, &code, policy()).expect("enrol");
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

    let pids: Vec<u32> = instances.iter().map(|s| s.pid()).collect();
    let cpu_before: Duration = pids.iter().map(|&p| cpu(p)).sum();
    let pg_before = postgres_cpu();
    let start = Barrier::new(devices.len());
    let started = Instant::now();
    let outcomes: Vec<(Duration, Result<citizens_client::SyncReport, String>)> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = devices
                .iter_mut()
                .map(|device| {
                    let start = &start;
                    scope.spawn(move || {
                        start.wait();
                        let began = Instant::now();
                        let outcome = device
                            .client
                            .sync(policy(), &mut |_| {})
                            .map_err(|e| e.to_string());
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
    let instances_cpu = pids.iter().map(|&p| cpu(p)).sum::<Duration>() - cpu_before;
    let pg = (backend == Backend::Postgres).then(|| postgres_cpu().saturating_sub(pg_before));

    let mut times: Vec<Duration> = outcomes.iter().map(|(t, _)| *t).collect();
    times.sort();
    let reports: Vec<_> = outcomes
        .iter()
        .filter_map(|(_, o)| o.as_ref().ok())
        .collect();
    for (_, outcome) in &outcomes {
        if let Err(e) = outcome {
            println!("  sync failed: {e}");
        }
    }
    Figures {
        p50: percentile(&times, 0.50),
        p99: percentile(&times, 0.99),
        max: *times.last().expect("laptops"),
        errors: outcomes.len() - reports.len(),
        not_in_step: reports.iter().filter(|r| !r.in_step).count(),
        wall,
        round_trips: reports.iter().map(|r| r.round_trips).sum(),
        instances_cpu,
        postgres_cpu: pg,
        peak_rss_mib: pids.iter().map(|&p| peak_rss_kib(p) / 1024).collect(),
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
        "| laptops not in step at the end | {} | |",
        both(&|f| f.not_in_step.to_string())
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
