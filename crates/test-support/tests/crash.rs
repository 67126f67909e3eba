//! Kill -9 a process that is capturing, at random points, over and over: every capture it
//! acknowledged is there afterwards and the database passes `integrity_check`.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use citizens_client::{Client, SystemClock};
use citizens_test_support::{install, FakeClock, PASSPHRASE};
use rand::{Rng, SeedableRng};

#[test]
fn acknowledged_captures_survive_sigkill() {
    let kills: usize = std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().expect("tempdir");
    drop(install(
        dir.path(),
        "Amina Bello",
        FakeClock::at(citizens_test_support::TOWN_HALL_DAY),
    ));
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let mut acknowledged = Vec::new();
    for round in 0..kills {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash-child"))
            .arg(dir.path())
            .arg(round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn crash-child");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let wait_for = rng.gen_range(1..=6);
        let mut line = String::new();
        for _ in 0..wait_for {
            line.clear();
            if stdout.read_line(&mut line).expect("read") == 0 {
                break;
            }
            acknowledged.push(line.trim().to_string());
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        // Anything printed before the kill was acknowledged too.
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).expect("drain");
        acknowledged.extend(rest.lines().map(str::to_string));
    }
    let client = Client::open(dir.path(), PASSPHRASE, std::sync::Arc::new(SystemClock))
        .expect("reopen after kills");
    let mut client = client;
    assert_eq!(
        client.store().integrity_check().expect("integrity_check"),
        "ok"
    );
    assert!(
        acknowledged.len() >= kills,
        "each round acknowledged at least one capture"
    );
    for reference in &acknowledged {
        client
            .open_case(reference)
            .unwrap_or_else(|e| panic!("acknowledged {reference} lost: {e}"));
    }
    let total = client
        .list(&Default::default(), Default::default(), 0, 0)
        .expect("list")
        .total;
    assert!(total >= acknowledged.len() as u64);
    eprintln!(
        "{kills} kills, {} acknowledged captures, {total} stored",
        acknowledged.len()
    );
}
