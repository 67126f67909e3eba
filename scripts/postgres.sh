#!/usr/bin/env bash
# Start a private PostgreSQL 15 cluster for the tests on loopback (Debian's package; root runs it
# as the postgres user) and print its URL: `eval "$(bash scripts/postgres.sh start DIR PORT)"`
# exports CITIZENS_TEST_POSTGRES. `bash scripts/postgres.sh stop DIR` stops it.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
dir="${2:?give a folder for the cluster}"
as_owner() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "${1:-}" in
  start)
    port="${3:-54329}"
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb -D '$dir/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >"$dir/initdb.log"
    fi
    if ! as_owner "$bin/pg_ctl -D '$dir/data' status" >/dev/null 2>&1; then
      # Short-lived tests make many databases; fsync off is for this throw-away cluster only.
      as_owner "$bin/pg_ctl -D '$dir/data' -l '$dir/log' -w start -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c max_connections=300 -c fsync=off -c idle_in_transaction_session_timeout=60s\"" >/dev/null
    fi
    echo "export CITIZENS_TEST_POSTGRES=postgres://postgres@127.0.0.1:$port"
    ;;
  stop)
    as_owner "$bin/pg_ctl -D '$dir/data' -m fast -w stop" >/dev/null
    ;;
  *) echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2 ;;
esac
