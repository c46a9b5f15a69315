#!/usr/bin/env bash
# The API against its own OpenAPI document: starts the demo (a throwaway organisation) on a free
# port for each database, makes an admin API token, and runs the schemathesis contract fuzzer
# with every check on and a fixed seed. Exits non-zero on any failure.
#
#   tools/contract/run.sh [sqlite] [postgres]      # default: both
#
# Uses the debug `pso` under ${CARGO_TARGET_DIR:-target}; PostgreSQL at $PSO_CONTRACT_PG
# (default postgres://postgres@127.0.0.1:5432), where a fresh database is made and dropped.
# Tuning (see hooks.py and schemathesis.toml beside this script): `positive_data_acceptance` is
# replaced by a version that forgives only 422s of rules no schema can state and 412 for a stale
# If-Match; `missing_required_header` also accepts 428.
set -euo pipefail
cd "$(dirname "$0")/../.."
here="$PWD/tools/contract"
bin="$(realpath -m "${CARGO_TARGET_DIR:-target}/debug/pso")"
pg="${PSO_CONTRACT_PG:-postgres://postgres@127.0.0.1:5432}"
seed="${PSO_CONTRACT_SEED:-20261129}"
examples="${PSO_CONTRACT_EXAMPLES:-25}"
[ -x "$bin" ] || { echo "no $bin: cargo build -p pso first" >&2; exit 2; }
command -v st >/dev/null || { echo "schemathesis (st) is not installed" >&2; exit 2; }
dbs=("$@")
[ ${#dbs[@]} -gt 0 ] || dbs=(sqlite postgres)

work=$(mktemp -d)
pids=()
pgdbs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  for d in "${pgdbs[@]}"; do dropdb --if-exists -h 127.0.0.1 -U postgres "$d" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

failed=0
for db in "${dbs[@]}"; do
  dir="$work/$db"
  mkdir -p "$dir"
  args=(--data-dir "$dir")
  case "$db" in
    sqlite) ;;
    postgres)
      name="pso_contract_$$_$(date +%s)"
      createdb -h 127.0.0.1 -U postgres "$name"
      pgdbs+=("$name")
      args+=(--database-url "$pg/$name")
      ;;
    *) echo "unknown database: $db" >&2; exit 2 ;;
  esac
  port=$(free_port)
  PSO_LOG=warn "$bin" demo "${args[@]}" --listen "127.0.0.1:$port" >"$dir/demo.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    grep -q "PSO demo is running" "$dir/demo.log" 2>/dev/null && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$dir/demo.log"; exit 1; }
    sleep 1
  done
  admin=$(awk '$1 == "admin" { print $2; exit }' "$dir/demo.log")
  token=$("$bin" token create "${args[@]}" --email "$admin" --label contract)
  echo "=== contract ($db): schemathesis against the demo on port $port, seed $seed"
  set +e
  # From the scratch directory: schemathesis keeps its crash cache in the working directory.
  # One worker: with two, Python 3.11 sometimes fails compiling in both threads at once
  # ("AST constructor recursion depth mismatch", a runtime error of the fuzzer, not of PSO).
  # The two routes that revoke the caller's own tokens are left out: run with the fuzzer's
  # token they would end its session and turn every later request into a 401 (they are tested
  # in crates/pso-web/tests/it/security.rs). A run where operations only saw 401/403 fails.
  (cd "$dir" && SCHEMATHESIS_HOOKS="$here/hooks.py" st --config-file "$here/schemathesis.toml" run \
    "http://127.0.0.1:$port/api/v1/openapi.json" \
    --checks all --exclude-checks positive_data_acceptance \
    --exclude-operation-id delete_tokens --exclude-operation-id delete_tokens_id \
    -H "Authorization: Bearer $token" \
    --seed "$seed" --max-examples "$examples" --workers 1 \
    --generation-database none --no-color --output-truncate true) 2>&1 | tee "$dir/st.log"
  rc=${PIPESTATUS[0]}
  set -e
  if grep -q "Authentication failed" "$dir/st.log"; then
    echo "=== contract ($db): operations saw only 401/403: the fuzzer lost its credentials"
    rc=1
  fi
  if [ $rc -ne 0 ]; then
    failed=1
    echo "=== contract ($db): FAILED (server log: last lines)"
    tail -20 "$dir/demo.log"
  fi
  kill "${pids[-1]}" 2>/dev/null || true
done
exit $failed
