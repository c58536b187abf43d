#!/usr/bin/env bash
# attest beside the peer (../shared/peer: LlamaIndex + the same ONNX model +
# Qdrant local mode behind FastAPI), all figures from one run on this
# machine. Writes target/bench/report.json and target/bench/report.md.
#
#   scripts/bench.sh                 # 15 s per load point, 1, 8 and 32 connections
#   DUR=30 CONNS="1 32" scripts/bench.sh
#   SCALES="1000 10000 100000" scripts/bench.sh   # the scale sizes (default 1000 10000; "" skips)
#
# Steps: release build; the files the peer reads (datasheets, declarations,
# reports: PDF and text) ingested by `attest-ingest` (time, chunks, peak
# RSS) and by the peer; the bare model's limit (the peer's onnxruntime
# benchmark, same model, 2 threads, batch 32, texts sorted by length as
# attest's embedder sorts them) on the peer's chunk texts and on attest's own
# (`attest-ingest chunks`: the exact texts attest embedded); both services started; wrk against POST /v1/search (attest) and
# POST /search (the peer) with the same 50 queries, and rules-mode
# POST /v1/extract over the dev set's subjects. Not part of CI's pass/fail.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/target/bench
DUR=${DUR:-15}
CONNS=${CONNS:-"1 8 32"}
PEER=$ROOT/../shared/peer
APORT=${APORT:-18090}
PPORT=${PPORT:-18091}
export DUR

scripts/setup.sh
if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y -q wrk >/dev/null
fi
cargo build --release -p attest-service -p attest-ingest

rm -rf "$OUT"; mkdir -p "$OUT/corpus"
echo "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(date -u +%Y-%m-%dT%H:%MZ), release build" > "$OUT/machine.txt"

# The files the peer reads, so both ingest the same documents.
for sub in datasheets declarations reports; do
  mkdir -p "$OUT/corpus/$sub"
  for f in "$ROOT/../shared/corpus/$sub"/*.pdf "$ROOT/../shared/corpus/$sub"/*.txt; do
    [ -e "$f" ] && ln -s "$f" "$OUT/corpus/$sub/"
  done
done

cleanup() {
  [ -f "$OUT/attest.pid" ] && kill "$(cat "$OUT/attest.pid")" 2>/dev/null || true
  "$PEER/peer.sh" stop || true
}
trap cleanup EXIT

echo "bench: attest ingest" >&2
ATTEST_DATA_DIR=$OUT/data /usr/bin/time -v target/release/attest-ingest run "$OUT/corpus" \
  > "$OUT/attest-ingest.txt" 2> "$OUT/attest-ingest.time"

echo "bench: peer setup and ingest" >&2
"$PEER/peer.sh" setup
"$PEER/peer.sh" ingest "$ROOT/../shared/corpus" > "$OUT/peer-ingest.json"
"$PEER/peer.sh" limit > "$OUT/limit.json"
echo "bench: the bare model on attest's chunk texts" >&2
PEER_DIR=${PEER_DIR:-${TMPDIR:-/tmp}/attest-peer}
mkdir -p "$OUT/limit-attest"
ATTEST_DATA_DIR=$OUT/data target/release/attest-ingest chunks "$OUT/corpus" > "$OUT/limit-attest/chunks.jsonl"
(cd "$PEER" && MODEL_DIR=$PEER_DIR/models/all-minilm-l6-v2 RESULTS=$OUT/limit-attest BATCH=32 \
  "$PEER_DIR/venv/bin/python" limit_bench.py > "$OUT/limit-attest/log.txt" 2>&1)
cp "$OUT/limit-attest/limit.json" "$OUT/limit-attest.json"

# Request bodies: the peer's 50 queries for both searches; the dev set's
# subjects whose documents are in the ingested folders for extraction.
python3 - "$PEER/queries.txt" "$ROOT/eval/gold/dev.jsonl" "$OUT" <<'PY'
import json, sys
queries = [q.strip() for q in open(sys.argv[1]) if q.strip()]
out = sys.argv[3]
with open(f"{out}/search-attest.txt", "w") as f:
    f.writelines(json.dumps({"query": q, "limit": 5}) + "\n" for q in queries)
with open(f"{out}/search-peer.txt", "w") as f:
    f.writelines(json.dumps({"query": q, "top_k": 5}) + "\n" for q in queries)
subjects = []
for line in open(sys.argv[2]):
    c = json.loads(line)
    doc = c.get("doc", "")
    if doc.count("/") == 1 and doc.split("/")[0] in ("datasheets", "declarations", "reports") and c.get("subject"):
        subjects.append(c["subject"])
with open(f"{out}/extract-attest.txt", "w") as f:
    f.writelines(json.dumps({"subject": s, "mode": "rules"}) + "\n" for s in dict.fromkeys(subjects))
PY

echo "bench: serving" >&2
ATTEST_DATA_DIR=$OUT/data ATTEST_ADDR=127.0.0.1:$APORT ATTEST_LOG=warn ATTEST_AUTH=open \
  target/release/attest serve > "$OUT/attest-serve.log" 2>&1 &
echo $! > "$OUT/attest.pid"
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$APORT/readyz" >/dev/null && break
  sleep 1
done
"$PEER/peer.sh" serve "$PPORT"

load() { # service route url path bodies
  local service=$1 route=$2 url=$3 path=$4 bodies=$5
  for c in $CONNS; do
    local t=$(( c < 2 ? c : 2 ))
    # A short warm-up, then the measured run.
    wrk -t"$t" -c"$c" -d2s -s "$ROOT/scripts/bench/post_lines.lua" "$url" -- "$bodies" "$path" >/dev/null 2>&1 || true
    echo "bench: $service $route c=$c" >&2
    wrk -t"$t" -c"$c" -d"${DUR}s" --timeout 10s -s "$ROOT/scripts/bench/post_lines.lua" "$url" -- "$bodies" "$path" \
      > "$OUT/load-$service-$route-c$c.txt" 2>&1
  done
}
load attest search "http://127.0.0.1:$APORT" /v1/search "$OUT/search-attest.txt"
# Where a search's time goes (the service's own histograms, cumulative
# over the search runs above): query-embedding batches, store queries,
# whole requests.
curl -sf "http://127.0.0.1:$APORT/metrics" > "$OUT/attest-metrics-search.txt" || true
load peer search "http://127.0.0.1:$PPORT" /search "$OUT/search-peer.txt"
load attest extract "http://127.0.0.1:$APORT" /v1/extract "$OUT/extract-attest.txt"
ps -o rss= -p "$(cat "$OUT/attest.pid")" | awk '{printf "%.1f\n", $1/1024}' > "$OUT/attest-serve.rss"

python3 scripts/bench/report.py "$OUT"

# Scale: synthetic datasheets at growing sizes, with both services above
# stopped so they do not share the cores (SCALES="" skips it).
cleanup
export SCALES=${SCALES-"1000 10000"}
if [ -n "$SCALES" ]; then
  SCALE_OUT=$OUT/scale scripts/bench/scale.sh
fi
