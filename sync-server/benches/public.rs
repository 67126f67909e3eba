//! The public face under a steady 50 requests per second: the report page (a form with its
//! token), the transparency page (300 worked cases' figures, charts drawn per request), tracking (an unknown reference and a wrong PIN: they must cost the same) and the Twilio
//! webhook (a new signed message each time, filed as a case). A real server process on
//! SQLite; requests are paced, not fired at once, the way phones arrive. Prints p50/p99/max
//! per kind side by side.
//!
//! `cargo bench -p citizens-server --bench public [-- SECONDS]` (default 10).
#![allow(clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use citizens_server_core::webhooks::twilio_signature;
use citizens_test_support::bench::{ms, percentile};
use common::{Backend, Device, Server};

const RATE: u32 = 50;

fn main() {
    let seconds: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let config = format!(
        "public_org = \"{}\"\npublic_url = \"https://citizens.example.org\"\nmin_fill_secs = 0\n\
         reports_per_hour = 1000000\ntracks_per_hour = 1000000\nmessages_per_hour = 1000000\n\
         twilio_auth_token = \"bench-token\"\n",
        common::ORG
    );
    let server = Server::start_configured(
        env!("CARGO_BIN_EXE_citizens-server"),
        Backend::Sqlite,
        &config,
    );
    // A coordinator's laptop with months of worked cases publishes the transparency page.
    let mut coordinator = Device::coordinator_with_worked_cases(&server, "Amina Yusuf", 300, 5);
    assert!(coordinator.sync().figures_published);
    let http = reqwest::blocking::Client::new();
    let form = |fields: &[(&str, &str)]| serde_urlencoded::to_string(fields).expect("form");
    // One real receipt to track.
    let (reference, pin) = citizens_test_support::citizen::report(
        &server.url,
        &[
            ("state", "KN"),
            ("kind", "complaint"),
            ("category", "water"),
            ("lga", "Fagge"),
            ("narrative", "No water"),
        ],
    );

    let kinds = [
        "report page",
        "figures page",
        "track, unknown ref",
        "track, wrong PIN",
        "SMS webhook",
    ];
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); kinds.len()];
    let total = seconds * RATE;
    let start = Instant::now();
    for i in 0..total {
        // Paced: request i leaves at i / RATE seconds.
        let due = start + Duration::from_secs_f64(f64::from(i) / f64::from(RATE));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let kind = (i as usize) % kinds.len();
        let began = Instant::now();
        let status = match kind {
            0 => http.get(format!("{}/report?state=KN", server.url)).send(),
            1 => http.get(format!("{}/figures", server.url)).send(),
            2 | 3 => {
                // An unknown reference with a real PIN; a real reference with a wrong PIN.
                let (asked, typed) = if kind == 2 {
                    ("KN-ZZZ-9999", pin.as_str())
                } else {
                    (reference.as_str(), "ZZZZZZZZ")
                };
                http.post(format!("{}/track", server.url))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form(&[("reference", asked), ("pin", typed)]))
                    .send()
            }
            _ => {
                let sid = format!("SM{i:032}");
                let fields: Vec<(String, String)> = [
                    ("MessageSid", sid.as_str()),
                    ("From", "+2348065550000"),
                    ("Body", "Light is off in Fagge"),
                ]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
                let signature = twilio_signature(
                    "bench-token",
                    "https://citizens.example.org/sms/twilio",
                    &fields,
                );
                http.post(format!("{}/sms/twilio", server.url))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("x-twilio-signature", signature)
                    .body(serde_urlencoded::to_string(&fields).expect("form"))
                    .send()
            }
        }
        .expect("answer")
        .status();
        assert!(status.is_success(), "{} answered {status}", kinds[kind]);
        samples[kind].push(began.elapsed());
    }
    println!(
        "public face, {RATE} requests/s for {seconds} s ({total} requests), SQLite, real process"
    );
    println!(
        "{:<20} {:>6} {:>9} {:>9} {:>9}",
        "request", "n", "p50 ms", "p99 ms", "max ms"
    );
    for (kind, s) in kinds.iter().zip(&samples) {
        println!(
            "{kind:<20} {:>6} {:>9.2} {:>9.2} {:>9.2}",
            s.len(),
            ms(percentile(s, 0.5)),
            ms(percentile(s, 0.99)),
            ms(percentile(s, 1.0))
        );
    }
}
