#!/usr/bin/env bash
# Sets up and runs every test: the front end's (Vitest), then the Rust workspace under a virtual
# display, including the end-to-end tests that drive the real app window. Ends with the test
# runner's own summary; fails if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
command -v tauri-driver >/dev/null || cargo install tauri-driver --version 2.1.0 --locked
# The server's tests run on SQLite and on PostgreSQL; the cluster tests need HAProxy and S3.
source scripts/services.sh
# The window's types are checked (svelte-check) before its unit tests run.
(cd ui && npm run check --silent && npm test --silent)
# Kill -9 rounds in the crash test (CI asks for at least 100).
export CRASH_KILLS="${CRASH_KILLS:-100}"
xvfb-run -a -s "-screen 0 1366x768x24" cargo nextest run --workspace --locked --no-fail-fast
