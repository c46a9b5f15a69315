#!/usr/bin/env bash
# Storms that must not stall the server, on SQLite and PostgreSQL: `/healthz` (and another
# user's project list) probed while 8 clients open a 100,000-task plan's page and Gantt, then
# while 50 people sign in again and again during a 20,000-task MS Project import (a job).
# See README.md next to this script.
#
#   bench/storm/run.sh [--seconds 20] [--tasks 100000] [--import-tasks 20000]
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres bench/storm/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN_URL%/*}

cargo build --release -p pso-web --example storm_bench
BIN=${CARGO_TARGET_DIR:-target}/release/examples/storm_bench

echo "== SQLite"
"$BIN" "$@"

echo "== PostgreSQL"
psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS pso_storm WITH (FORCE)"
psql "$PG_ADMIN_URL" -qc "CREATE DATABASE pso_storm"
"$BIN" --database-url "$PG_BASE/pso_storm" "$@"
psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS pso_storm WITH (FORCE)"
