//! How fast the case list shows in the real window with 100,000 grievances (target: within
//! 1.5 s of launch). Run under a display: `xvfb-run -a cargo bench -p citizens-desktop --bench
//! launch [-- SIZE]`. Prints medians of five cold launches of the built app, each step apart:
//! start → unlock screen, unlock (Argon2id key derivation, by design ~1 s) → home, "Cases" →
//! first rows, and a jump to the middle of the list → rows there.

#![allow(clippy::print_stdout)] // a bench binary prints its figures

use std::time::{Duration, Instant};

use citizens_e2e::window::{click, fill, session, start_driver};
use citizens_test_support::{install, populate, FakeClock, PASSPHRASE, TOWN_HALL_DAY};
use fantoccini::Locator;

const RUNS: usize = 5;
/// How often the waits look (fantoccini's default, 250 ms, would round every step up).
const POLL: Duration = Duration::from_millis(5);

/// Wait for an element, looking every few milliseconds.
async fn appear(c: &fantoccini::Client, css: &str) {
    c.wait()
        .every(POLL)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let size: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let data = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let started = Instant::now();
    {
        let mut client = install(data.path(), "Amina Bello", clock.clone());
        populate(&mut client, &clock, size, 7);
    }
    println!(
        "loaded {size} grievances in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let (mut to_unlock, mut to_home, mut to_list, mut to_middle, mut total) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let driver = start_driver(data.path());
        let t0 = Instant::now();
        let c = session(&driver).await;
        appear(&c, "#passphrase").await;
        let t1 = Instant::now();
        fill(&c, "#passphrase", PASSPHRASE).await;
        let t2 = Instant::now();
        click(&c, "#unlock").await;
        appear(&c, ".tiles").await;
        let t3 = Instant::now();
        click(&c, "#nav-cases").await;
        appear(&c, "#cases .vrow .ref").await;
        let t4 = Instant::now();
        let middle = size / 2;
        c.execute(
            "const v = document.getElementById('cases'); v.scrollTop = arguments[0] * 44;",
            vec![serde_json::json!(middle)],
        )
        .await
        .expect("scroll");
        appear(&c, &format!("[data-index='{middle}'] .ref")).await;
        let t5 = Instant::now();
        to_unlock.push(t1 - t0);
        to_home.push(t3 - t2);
        to_list.push(t4 - t3);
        to_middle.push(t5 - t4);
        total.push((t1 - t0) + (t4 - t2));
        c.close().await.expect("close");
        drop(driver);
    }
    println!("\n| {size} grievances, median of {RUNS} launches | time |");
    println!("|---|---:|");
    println!("| app start → unlock screen | {} |", ms(median(to_unlock)));
    println!(
        "| unlock (Argon2id) → home with counts | {} |",
        ms(median(to_home))
    );
    println!(
        "| \"Cases\" → first rows of the list | {} |",
        ms(median(to_list))
    );
    println!(
        "| jump to row {} → rows shown | {} |",
        size / 2,
        ms(median(to_middle))
    );
    println!(
        "| launch → case list, without the typing (target ≤ 1,500 ms) | {} |",
        ms(median(total))
    );
}
