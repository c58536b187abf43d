#!/usr/bin/env bash
# Sets up (models, runtime; idempotent), builds, and serves attest on the
# embedded store with ../shared/corpus (or the folders given) ingested in the
# background. Prints the URL once listening.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/setup.sh
cargo build --release -p attest-service
CORPUS=("$@")
[ ${#CORPUS[@]} -gt 0 ] || CORPUS=("$ROOT/../shared/corpus")
# A laptop default: no API keys (announced loudly at start). Set
# ATTEST_AUTH=keys and create keys (`attest keys create`) before sharing it.
export ATTEST_AUTH=${ATTEST_AUTH:-open}
exec "$ROOT/target/release/attest" serve --ingest "${CORPUS[@]}"
