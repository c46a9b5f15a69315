#!/usr/bin/env bash
# Every hostile or broken file here must be refused by `pso convert` with a clear message,
# and must leave no output file behind.   tools/mspdi/hostile/check.sh [PSO_BINARY]
set -u
PSO="${1:-pso}"
DIR="$(cd "$(dirname "$0")" && pwd)"
OUT="$(mktemp -d)"
fail=0; pass=0
expect() { # file, text the error must contain
  if "$PSO" convert "$DIR/$1" "$OUT/$1" 2>"$OUT/err"; then
    echo "FAIL $1: accepted"; fail=$((fail+1)); return
  fi
  if ! grep -q "$2" "$OUT/err" || [ -e "$OUT/$1" ]; then
    echo "FAIL $1: $(cat "$OUT/err")"; fail=$((fail+1)); return
  fi
  echo "ok   $1: $(tail -1 "$OUT/err")"; pass=$((pass+1))
}
expect xxe.xml "XXE"
expect billion_laughs.xml "billion laughs"
expect external_dtd.xml "DTD"
expect truncated.xml "line 7, column"
expect mismatched.xml "line 5, column"
rm -rf "$OUT"
echo "hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
