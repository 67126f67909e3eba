#!/usr/bin/env bash
# Sets up and runs every test: the front end's (Vitest), then the Rust workspace under a virtual
# display, including the end-to-end tests that drive the real app window. Ends with the test
# runner's own summary; fails if any test fails, or if a process a test started outlives it.
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
# Every process a test starts ends with that test (test-support's `Tied`: killed when dropped,
# and by the kernel when the test process dies). Checked after the run: the processes carrying
# this run's mark in their environment (inherited from nextest) that are our binaries, HAProxy
# or SeaweedFS. The services above started before the mark, so they are not counted.
mark="citizens-test-run-$$-$(date +%s%N)"
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
left_by_tests() {
  local dir pid exe env
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    # A zombie is dead already (its environment reads empty).
    env="$( { tr '\0' '\n' <"$dir/environ"; } 2>/dev/null)" || continue
    grep -qxF "CITIZENS_TEST_RUN=$mark" <<<"$env" || continue
    exe="$(readlink "$dir/exe" 2>/dev/null)" || continue
    case "$exe" in
      "$target"/* | */citizens-server* | */haproxy | */weed) echo "$pid" ;;
    esac
  done
}
status=0
CITIZENS_TEST_RUN="$mark" xvfb-run -a -s "-screen 0 1366x768x24" \
  cargo nextest run --workspace --locked --no-fail-fast || status=$?
# A process killed with its test can take a moment to go.
for _ in $(seq 20); do
  left="$(left_by_tests)"
  [ -n "$left" ] || break
  sleep 0.5
done
if [ -n "$left" ]; then
  echo "error: processes started by the tests are still running after them (now killed):" >&2
  # shellcheck disable=SC2086
  ps -o pid,ppid,etime,args -p $(echo $left | tr ' ' ',') >&2 || true
  # shellcheck disable=SC2086
  kill -9 $left 2>/dev/null || true
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
