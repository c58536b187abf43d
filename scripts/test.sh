#!/usr/bin/env bash
# Runs attest's test suite: installs what the tests need (idempotent), then
# every crate's unit and integration tests with cargo-nextest.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/setup.sh
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
if [ ! -d ../shared/corpus ]; then
  echo "test: ../shared/corpus is missing (the tests read the development corpus there)" >&2
  exit 1
fi
cargo nextest run --workspace --no-fail-fast "$@"
