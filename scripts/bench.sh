#!/usr/bin/env bash
# Runs the benchmarks that print the figures in the README: the store, the figures, sync (bytes, first full
# sync on SQLite and PostgreSQL), the load of many laptops at once (SQLite and PostgreSQL side
# by side) and the window's launch. Release builds; takes a while.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/services.sh
cargo bench -p citizens-client --bench store
cargo bench -p citizens-client --bench figures
cargo bench -p citizens-server --bench sync
cargo bench -p citizens-server --bench load
xvfb-run -a -s "-screen 0 1366x768x24" cargo bench -p citizens-desktop --bench launch
