#!/usr/bin/env bash
# Runs attest's test suite: installs what the tests need (idempotent), then
# every crate's unit and integration tests with cargo-nextest, then the
# end-to-end checks (the official OpenAI Python client and a headless
# Chromium against a running service; scripts/e2e.sh).
#   - scripts/setup.sh: pdftotext, ONNX Runtime, the embedding model;
#   - scripts/setup-llm.sh: llama.cpp's server, a small real model and the
#     openai client (PyPI), started by scripts/llm.sh for the tests that
#     use a real language model;
#   - Chromium from Debian and playwright-core from npm for the browser test;
#   - Schemathesis from PyPI for the API fuzz against /openapi.json;
#   - PostgreSQL from Debian (scripts/pg.sh): a throwaway server under
#     target/pg, on which the catalog's conformance suite runs beside
#     SQLite, and the service's API tests run a second time with their
#     catalogs there (PG_API=0 skips that second run);
#   - an S3-compatible server (moto from PyPI, scripts/s3.sh) for the
#     originals' S3 path and the multi-process test.
# Extra arguments go to cargo nextest (e.g. a filter); E2E=0 skips the
# end-to-end checks.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/setup.sh
scripts/setup-llm.sh
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "test: installing chromium"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# Schemathesis (PyPI) for the API fuzz in scripts/e2e.sh.
if [ ! -x models/tools/venv/bin/schemathesis ]; then
  echo "test: installing Schemathesis"
  python3 -m venv models/tools/venv
  models/tools/venv/bin/pip install -q schemathesis==4.32.5
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --silent --no-audit --no-fund)
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
if [ ! -d ../shared/corpus ]; then
  echo "test: ../shared/corpus is missing (the tests read the development corpus there)" >&2
  exit 1
fi
# The local language model server and the PostgreSQL server: stopped at
# the end if started here.
cleanup=()
trap 'for c in "${cleanup[@]}"; do $c || true; done' EXIT
if ! curl -sf "http://127.0.0.1:${LLM_PORT:-18081}/health" >/dev/null 2>&1; then
  cleanup+=("scripts/llm.sh stop")
fi
scripts/llm.sh start
if [ -z "${ATTEST_TEST_DATABASE_URL:-}" ]; then
  cleanup+=("scripts/pg.sh stop")
  ATTEST_TEST_DATABASE_URL=$(scripts/pg.sh start)
  export ATTEST_TEST_DATABASE_URL
fi
if [ -z "${ATTEST_TEST_S3_URL:-}" ]; then
  cleanup+=("scripts/s3.sh stop")
  eval "$(scripts/s3.sh start)"
fi
# The multi-process test runs the attest and attest-ingest binaries; test
# builds make only the binaries their own package's tests use.
cargo build --workspace --bins
cargo nextest run --workspace --no-fail-fast "$@"
if [ "${PG_API:-1}" != 0 ]; then
  echo "test: the API tests again, with the catalog on PostgreSQL"
  ATTEST_TEST_CATALOG=postgres cargo nextest run -p attest-service --test api --no-fail-fast "$@"
fi
if [ "${E2E:-1}" != 0 ]; then
  scripts/e2e.sh
fi
