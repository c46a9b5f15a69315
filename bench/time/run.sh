#!/usr/bin/env bash
# Time writing at scale (issue 10): 1,000 people × 52 weeks × 25 entries on SQLite and
# PostgreSQL, then saving a week with 8 concurrent clients, the missing-sheets list and the
# approval inbox through HTTP. See README.md next to this script.
#
#   bench/time/run.sh                 # both engines, fresh databases
#   bench/time/run.sh --seconds 30    # arguments go to the example
set -euo pipefail
cd "$(dirname "$0")/../.."

PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN_URL%/*}
SQLITE_DIR=${SQLITE_DIR:-${TMPDIR:-/tmp}/pso-time-bench}

cargo build --release -p pso-web --example time_bench
BIN=${CARGO_TARGET_DIR:-target}/release/examples/time_bench

if [[ "${KEEP:-0}" != 1 ]]; then
    rm -rf "$SQLITE_DIR"
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS pso_time_bench WITH (FORCE)"
fi
mkdir -p "$SQLITE_DIR"
psql "$PG_ADMIN_URL" -Atc "SELECT 1 FROM pg_database WHERE datname = 'pso_time_bench'" | grep -q 1 \
    || psql "$PG_ADMIN_URL" -qc "CREATE DATABASE pso_time_bench"

"$BIN" --database-url "sqlite://$SQLITE_DIR/pso.db?mode=rwc" "$@"
"$BIN" --database-url "$PG_BASE/pso_time_bench" "$@"
