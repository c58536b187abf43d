#!/usr/bin/env bash
# End-to-end checks against a real running service: starts attest on a free
# port with a fresh data directory, the Vishay 1N4148 datasheet and two
# generated documents (a variant table and a scanned certificate, from
# `cargo run -p attest-engine --example e2e_fixtures`), waits until they are
# ingested, then runs
#   - tests/openai_wire/check_wire.py (the official `openai` Python client
#     against /v1/chat/completions), and
#   - tests/browser/e2e.mjs (the web app in headless Chromium).
# The service runs without a language model (every ATTEST_* variable but
# ATTEST_MODELS_DIR and ATTEST_LOG is cleared), so its answers are
# deterministic.
#
# Environment: ARTIFACT_DIR (default target/e2e: service log, screenshots),
# CHROMIUM (default /usr/bin/chromium), E2E_READY_TIMEOUT (seconds to wait
# for readiness and for the ingest; default 120), E2E_ATTEST_BIN (the binary
# to run; default target/debug/attest, built first).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

ARTIFACT_DIR=${ARTIFACT_DIR:-target/e2e}
mkdir -p "$ARTIFACT_DIR"
ARTIFACT_DIR=$(cd "$ARTIFACT_DIR" && pwd)
READY_TIMEOUT=${E2E_READY_TIMEOUT:-120}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PY="$ROOT/models/llm/venv/bin/python"
DATASHEET="$ROOT/../shared/corpus/datasheets/Vishay_1N4148.pdf"
BIN=${E2E_ATTEST_BIN:-$ROOT/target/debug/attest}
LOG="$ARTIFACT_DIR/service.log"
rm -f "$ARTIFACT_DIR/ask-citation.png" "$ARTIFACT_DIR/failure.png"

fail() {
  echo "e2e: $*" >&2
  exit 1
}

[ -f "$DATASHEET" ] || fail "$DATASHEET is missing (the checks ask about this datasheet)"
SCHEMATHESIS="$ROOT/models/tools/venv/bin/schemathesis"
[ -x "$SCHEMATHESIS" ] || fail "Schemathesis is missing in models/tools/venv; run scripts/test.sh (it installs it)"
[ -x "$PY" ] && "$PY" -c 'import openai' 2>/dev/null \
  || fail "the openai client is missing in models/llm/venv; run scripts/setup-llm.sh"
command -v node >/dev/null || fail "node is not installed"
[ -x "$CHROMIUM" ] || fail "no Chromium at $CHROMIUM (install the chromium package or set CHROMIUM)"
if [ -z "${E2E_ATTEST_BIN:-}" ]; then
  # Incremental: the binary matches the sources under test. Built with the
  # whole workspace selected, so dependencies keep the features the test
  # build gave them and are not compiled a second time.
  cargo build -q --workspace --bins
fi
cargo build -q --workspace --example e2e_fixtures
[ -x "$BIN" ] || fail "$BIN is not an executable"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
URL="http://127.0.0.1:$PORT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/attest-e2e.XXXXXX")
PID=""

cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_log() {
  echo "e2e: last lines of $LOG:" >&2
  tail -n 30 "$LOG" >&2 || true
}

FIXTURES="$TMP/fixtures"
"$ROOT/target/debug/examples/e2e_fixtures" "$FIXTURES" >/dev/null || fail "cannot write the generated documents"
# Keys on, as in a deployment: one key for the documents ingested at start
# (the default tenant), used by every check below; the browser check also
# decides review items with it.
KEY=$(
  for var in $(compgen -e); do
    case "$var" in ATTEST_*) unset "$var" ;; esac
  done
  ATTEST_DATA_DIR="$TMP/data" "$BIN" keys create --tenant default --scopes read,extract,ingest,review --label e2e 2>/dev/null
) || fail "cannot create an API key"
AUTH="Authorization: Bearer $KEY"
ADMIN_KEY=$(
  for var in $(compgen -e); do
    case "$var" in ATTEST_*) unset "$var" ;; esac
  done
  ATTEST_DATA_DIR="$TMP/data" "$BIN" keys create --tenant default --scopes admin --label e2e-api-fuzz 2>/dev/null
) || fail "cannot create an API key"
echo "e2e: starting attest on $URL (log: $LOG)"
(
  for var in $(compgen -e); do
    case "$var" in
      ATTEST_MODELS_DIR | ATTEST_LOG) ;;
      ATTEST_*) unset "$var" ;;
    esac
  done
  export ATTEST_DATA_DIR="$TMP/data" ATTEST_ADDR="127.0.0.1:$PORT" ATTEST_AUTH=keys
  exec "$BIN" serve --ingest "$DATASHEET" "$FIXTURES/xb-series.pdf" "$FIXTURES/zx-900-certificate-scan.pdf"
) >"$LOG" 2>&1 &
PID=$!

alive() {
  kill -0 "$PID" 2>/dev/null || { show_log; fail "attest exited before the checks ran"; }
}

deadline=$((SECONDS + READY_TIMEOUT))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz" || true)" = 200 ]; do
  alive
  [ "$SECONDS" -lt "$deadline" ] || { show_log; fail "GET /readyz did not answer 200 within ${READY_TIMEOUT}s"; }
  sleep 0.5
done
echo "e2e: ready; waiting for the ingest"

# 0: every document is ready; 1: some are still queued; 2: one failed.
ingest_state() {
  curl -fsS -H "$AUTH" "$URL/v1/documents" | python3 -c '
import json, sys
docs = json.load(sys.stdin)["documents"]
failed = [d for d in docs if d["status"] == "failed"]
for d in failed:
    print("%s: %s" % (d["source"], (d.get("error") or {}).get("message", "unknown error")), file=sys.stderr)
sys.exit(2 if failed else 0 if docs and all(d["status"] == "ready" for d in docs) else 1)
'
}

deadline=$((SECONDS + READY_TIMEOUT))
while :; do
  alive
  state=0
  ingest_state || state=$?
  case "$state" in
    0) break ;;
    2) show_log; fail "a document failed to ingest" ;;
  esac
  [ "$SECONDS" -lt "$deadline" ] || { show_log; fail "the ingest did not finish within ${READY_TIMEOUT}s"; }
  sleep 1
done
echo "e2e: documents ready"

status=0

echo "e2e: OpenAI wire check"
if ! ATTEST_API_KEY="$KEY" "$PY" "$ROOT/tests/openai_wire/check_wire.py" "$URL"; then
  echo "e2e: the OpenAI wire check failed" >&2
  status=1
fi

echo "e2e: browser check"
if [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
  (cd "$ROOT/tests/browser" && npm ci --silent --no-audit --no-fund)
fi
if ! ATTEST_URL="$URL/" ATTEST_API_KEY="$KEY" FIXTURES="$FIXTURES" ARTIFACT_DIR="$ARTIFACT_DIR" CHROMIUM="$CHROMIUM" node "$ROOT/tests/browser/e2e.mjs"; then
  echo "e2e: the browser check failed" >&2
  status=1
fi

if [ -f "$ARTIFACT_DIR/ask-citation.png" ]; then
  echo "e2e: screenshot: $ARTIFACT_DIR/ask-citation.png"
fi

# Last, as it uploads generated files: Schemathesis generates requests for
# every operation of /openapi.json (bounded per operation) and checks that
# none answers 5xx and every answer matches the documented status, content
# type and schema.
echo "e2e: API fuzz (Schemathesis)"
if ! (cd "$TMP" && "$SCHEMATHESIS" run "$URL/openapi.json" \
      -H "Authorization: Bearer $ADMIN_KEY" \
      --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
      --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --seed 1 --no-color \
      --report junit --report-dir "$ARTIFACT_DIR/schemathesis" > "$ARTIFACT_DIR/schemathesis.log" 2>&1); then
  tail -n 60 "$ARTIFACT_DIR/schemathesis.log" >&2
  echo "e2e: the API fuzz found failures (log: $ARTIFACT_DIR/schemathesis.log)" >&2
  status=1
else
  grep -E 'generated|passed' "$ARTIFACT_DIR/schemathesis.log" | tail -n 2
fi

if [ "$status" -ne 0 ]; then
  show_log
  echo "e2e: FAILED" >&2
else
  echo "e2e: all checks passed"
fi
exit "$status"
