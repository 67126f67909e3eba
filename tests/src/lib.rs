//! Cross-component end-to-end tests: several laptops, real server processes (behind HAProxy,
//! on PostgreSQL, on S3) and the real window. The binaries they drive are the workspace's own,
//! built beside these tests by the test command (`cargo nextest run --workspace`).

pub mod browser;
pub mod window;

use std::path::PathBuf;

/// The workspace binary `name` (`citizens-server`, `citizens-desktop`), from the target folder
/// these tests were built into.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/debug/deps/TEST-HASH → target/debug/NAME
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("a target folder")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: build the workspace first (cargo nextest run --workspace builds every binary)",
        path.display()
    );
    path
}
