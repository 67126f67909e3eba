//! Crash-test child: captures grievances in a loop and prints each reference only after its
//! transaction committed. The parent kills it with SIGKILL at random points.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::sync::Arc;

use citizens_client::{Client, SystemClock};
use rand::SeedableRng;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: crash-child DATA_DIR SEED");
    let seed: u64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut client = Client::open(
        dir.as_ref(),
        citizens_test_support::PASSPHRASE,
        Arc::new(SystemClock),
    )
    .expect("open store");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut out = std::io::stdout().lock();
    loop {
        let g = client
            .capture(&citizens_test_support::grievance(&mut rng))
            .expect("capture");
        writeln!(out, "{}", g.reference).expect("stdout");
        out.flush().expect("flush");
    }
}
