#!/usr/bin/env bash
# Sets up and runs every test. Ends with the test runner's own summary; fails if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
# Kill -9 rounds in the crash test (CI asks for at least 100).
export CRASH_KILLS="${CRASH_KILLS:-100}"
exec cargo nextest run --workspace --locked --no-fail-fast
