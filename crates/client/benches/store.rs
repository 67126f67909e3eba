//! Store benchmark: capture, open, list page and search at 10k and 100k grievances.
//! `cargo bench -p citizens-client --bench store [-- SIZE...]`; prints a table of medians
//! and 95th percentiles measured in one run.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use citizens_client::{Client, Filter, Sort};
use citizens_test_support::bench::{percentile, sizes, time};
use citizens_test_support::{grievance, install, populate, FakeClock, TOWN_HALL_DAY};
use rand::SeedableRng;

struct Figures {
    size: usize,
    load: Duration,
    rows: Vec<(&'static str, Vec<Duration>)>,
}

fn run(size: usize) -> Figures {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut client: Client = install(dir.path(), "Amina Bello", clock.clone());
    let start = Instant::now();
    let references = populate(&mut client, &clock, size, size as u64);
    let mut rng = rand::rngs::StdRng::seed_from_u64(!(size as u64));
    let load = start.elapsed();

    let capture = time(300, |_| {
        client.capture(&grievance(&mut rng)).expect("capture");
    });
    let open = time(300, |i| {
        client
            .open_case(&references[(i * 7919) % references.len()])
            .expect("open");
    });
    let list = time(100, |_| {
        client
            .list(&Filter::default(), Sort::Newest, 0, 50)
            .expect("list");
    });
    let list_deep = time(30, |_| {
        client
            .list(&Filter::default(), Sort::Newest, (size / 2) as u64, 100)
            .expect("list");
    });
    let list_filtered = time(100, |i| {
        let filter = Filter {
            status: Some("new".into()),
            state: Some(["KN", "LA", "FC", "OY"][i % 4].into()),
            ..Filter::default()
        };
        client.list(&filter, Sort::Newest, 0, 50).expect("list");
    });
    let words = [
        "transformer",
        "passport officer",
        "levies",
        "checkpoint",
        "borehole",
        "estim",
    ];
    let search = time(120, |i| {
        client.search(words[i % words.len()], 20).expect("search");
    });
    Figures {
        size,
        load,
        rows: vec![
            ("capture (incl. commit)", capture),
            ("open a case", open),
            ("list: first page of 50", list),
            ("list: page of 100 in the middle", list_deep),
            ("list: filtered page", list_filtered),
            ("search: FTS top 20", search),
        ],
    }
}

fn main() {
    let figures: Vec<Figures> = sizes(&[10_000, 100_000]).into_iter().map(run).collect();
    println!("\n| operation | grievances | p50 | p95 | target (p95) |");
    println!("|---|---:|---:|---:|---:|");
    for f in &figures {
        for (name, samples) in &f.rows {
            let target = match *name {
                "capture (incl. commit)" => "≤ 10 ms",
                "open a case" => "≤ 5 ms",
                "search: FTS top 20" => "≤ 50 ms",
                _ => "≤ 50 ms",
            };
            println!(
                "| {name} | {} | {:.2} ms | {:.2} ms | {target} |",
                f.size,
                percentile(samples, 0.5).as_secs_f64() * 1e3,
                percentile(samples, 0.95).as_secs_f64() * 1e3,
            );
        }
    }
    for f in &figures {
        println!(
            "\nbulk load of {} grievances: {:.1} s ({:.2} ms each, batches of 2,000 per transaction)",
            f.size,
            f.load.as_secs_f64(),
            f.load.as_secs_f64() * 1e3 / f.size as f64
        );
    }
}
