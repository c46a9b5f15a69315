#!/usr/bin/env bash
# MSPDI parse speed and memory: generates a 20,000-task (~69 MB) and a 60,000-task (~207 MB)
# file, then times parsing (release build) and measures peak RSS with /usr/bin/time -v.
#   bash bench/mspdi/run.sh [--mpxj]     (--mpxj also times MPXJ reading the 20k file)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${CARGO_TARGET_DIR:=target}"
OUT="${TMPDIR:-/tmp}/pso-mspdi-bench"
mkdir -p "$OUT"
[ -f "$OUT/big20k.xml" ] || python3 tools/mspdi/gen_large.py --tasks 20000 --out "$OUT/big20k.xml"
[ -f "$OUT/big200m.xml" ] || python3 tools/mspdi/gen_large.py --tasks 60000 --out "$OUT/big200m.xml"
ls -l "$OUT"/big*.xml
cargo build --release -q -p pso-formats --example mspdi_convert
BIN="$CARGO_TARGET_DIR/release/examples/mspdi_convert"
echo "== 20,000 tasks, 3 runs"
for _ in 1 2 3; do "$BIN" --time "$OUT/big20k.xml"; done
echo "== 200 MB: parse, and peak memory of a full convert"
/usr/bin/time -v "$BIN" --time "$OUT/big200m.xml" 2>&1 | grep -E 'parsed|wrote|Maximum resident|Elapsed'
/usr/bin/time -v "$BIN" "$OUT/big200m.xml" "$OUT/big200m.out.xml" 2>&1 | grep -E 'Maximum resident|Elapsed'
if [ "${1:-}" = "--mpxj" ]; then
  echo "== MPXJ reading the 20,000-task file (includes JVM start-up once)"
  python3 - "$OUT/big20k.xml" <<'PY'
import sys, time, jpype, mpxj
jpype.startJVM()
from org.mpxj.reader import UniversalProjectReader
for _ in range(3):
    t = time.time(); p = UniversalProjectReader().read(sys.argv[1])
    print(f"MPXJ read {p.getTasks().size()} tasks in {time.time() - t:.2f} s")
PY
fi
