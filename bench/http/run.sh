#!/usr/bin/env bash
# HTTP benchmark of PSO on SQLite and PostgreSQL: 1,000 projects × 100 tasks, then the project
# list and a project with its WBS through HTTP. See README.md next to this script.
#
#   bench/http/run.sh                      # both backends
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres bench/http/run.sh
#
# A database that already holds projects is measured as it is (no second load); set FRESH=1 to
# start again from empty databases.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN_URL%/*}
SQLITE_DIR=${SQLITE_DIR:-${TMPDIR:-/tmp}/pso-http-bench}
ARGS=("$@")

cargo build --release -p pso-web --example http_bench
BIN=${CARGO_TARGET_DIR:-target}/release/examples/http_bench

if [[ "${FRESH:-0}" == 1 ]]; then
    rm -rf "$SQLITE_DIR"
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS pso_bench WITH (FORCE)"
fi
mkdir -p "$SQLITE_DIR"
psql "$PG_ADMIN_URL" -Atc "SELECT 1 FROM pg_database WHERE datname = 'pso_bench'" | grep -q 1 \
    || psql "$PG_ADMIN_URL" -qc "CREATE DATABASE pso_bench"

"$BIN" --database-url "sqlite://$SQLITE_DIR/pso.db?mode=rwc" "${ARGS[@]}"
"$BIN" --database-url "$PG_BASE/pso_bench" "${ARGS[@]}"
