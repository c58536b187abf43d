#!/usr/bin/env bash
# Scale runs: synthetic datasheets with known values (scripts/bench/
# gen_datasheets.py) ingested in steps into one data directory, 1,000 then
# 10,000 documents in all by default (SCALES="1000 10000 100000" for the
# long run), and at each size: the step's ingest rate, disk, the service's
# RSS, /v1/search and rules-mode /v1/extract at 1 and 32 connections (wrk,
# DUR seconds each, distinct queries about the generated parts), and
# whether the known values of a sample of SAMPLE generated documents come
# back from /v1/extract. Writes target/bench/scale/scale.json and
# scale.md. Run by scripts/bench.sh, or alone after a release build:
#   SCALES="1000 10000" DUR=15 scripts/bench/scale.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=${SCALE_OUT:-$ROOT/target/bench/scale}
SCALES=${SCALES:-"1000 10000"}
DUR=${DUR:-15}
SPORT=${SPORT:-18092}
SAMPLE=${SAMPLE:-200}
BIN=${BIN_DIR:-target/release}   # another build's binaries, e.g. target/debug for a quick try
export DUR
[ -x "$BIN/attest" ] && [ -x "$BIN/attest-ingest" ] ||
  cargo build --release -p attest-service -p attest-ingest
command -v wrk >/dev/null || { echo "scale: wrk is missing (apt-get install wrk)" >&2; exit 1; }

# SCALE_CONTINUE=1 adds the larger SCALES to an earlier run in $OUT (its
# data directory, truth and step reports are kept): e.g. after the default
# run, SCALE_CONTINUE=1 SCALES=100000 scripts/bench/scale.sh.
prev=0
if [ "${SCALE_CONTINUE:-0}" = 1 ] && [ -d "$OUT/data" ]; then
  prev=$(ls "$OUT" | grep -E '^[0-9]+$' | sort -n | tail -1)
  prev=${prev:-0}
else
  rm -rf "$OUT"; mkdir -p "$OUT"
fi
DATA=$OUT/data
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; }
trap cleanup EXIT

for n in $SCALES; do
  [ "$n" -le "$prev" ] && continue
  step=$OUT/$n
  mkdir -p "$step"
  echo "scale: $n documents (adding $((n - prev)))" >&2
  python3 scripts/bench/gen_datasheets.py "$OUT/docs-$n" "$prev" "$((n - prev))"
  ATTEST_DATA_DIR=$DATA /usr/bin/time -v "$BIN/attest-ingest" run "$OUT/docs-$n" \
    > "$step/ingest.txt" 2> "$step/ingest.time"
  du -sb "$DATA" | cut -f1 > "$step/disk_bytes"

  ATTEST_DATA_DIR=$DATA ATTEST_ADDR=127.0.0.1:$SPORT ATTEST_LOG=warn ATTEST_AUTH=open \
    "$BIN/attest" serve > "$step/serve.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$SPORT/readyz" >/dev/null && break
    sleep 1
  done
  python3 - "$OUT/truth.jsonl" "$step" <<'PY'
import json, random, sys
truth = [json.loads(l) for l in open(sys.argv[1])]
r = random.Random(11)
parts = [t["part"] for t in r.sample(truth, min(300, len(truth)))]
asks = ["What is the weight of {}?", "housing material of {}", "country of origin of the {}"]
with open(f"{sys.argv[2]}/search.txt", "w") as f:
    for i, p in enumerate(parts):
        f.write(json.dumps({"query": asks[i % 3].format(p), "limit": 5}) + "\n")
with open(f"{sys.argv[2]}/extract.txt", "w") as f:
    for p in parts:
        f.write(json.dumps({"subject": p, "mode": "rules"}) + "\n")
PY
  for route in search extract; do
    for c in 1 32; do
      t=$(( c < 2 ? c : 2 ))
      wrk -t"$t" -c"$c" -d2s -s scripts/bench/post_lines.lua "http://127.0.0.1:$SPORT" -- "$step/$route.txt" "/v1/$route" >/dev/null 2>&1 || true
      echo "scale: $n $route c=$c" >&2
      wrk -t"$t" -c"$c" -d"${DUR}s" --timeout 10s -s scripts/bench/post_lines.lua "http://127.0.0.1:$SPORT" \
        -- "$step/$route.txt" "/v1/$route" > "$step/load-$route-c$c.txt" 2>&1
    done
  done
  ps -o rss= -p "$PID" | awk '{print $1 * 1024}' > "$step/serve_rss_bytes"
  python3 scripts/bench/scale_check.py "$OUT/truth.jsonl" "http://127.0.0.1:$SPORT" "$SAMPLE" > "$step/correct.json"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  prev=$n
done
python3 scripts/bench/scale_report.py "$OUT"
