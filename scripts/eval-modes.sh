#!/usr/bin/env bash
# Runs the extraction evaluation on the dev set in every mode and writes the
# reports to eval/reports/<mode>/. `model` and `auto` are scored
# out-of-fold (each case by the scorer that did not see its document);
# `llm` and `auto` use the local language model (scripts/llm.sh), with an
# answer cache so that `auto` reuses the `llm` run's identical requests.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build -q --workspace --bins
# A private copy: rebuilding the workspace meanwhile does not change the runs.
BIN=$(mktemp -d)/attest-eval
cp target/debug/attest-eval "$BIN"
scripts/llm.sh start
eval "$(scripts/llm.sh env)"
export ATTEST_LLM_CACHE_DIR=${ATTEST_LLM_CACHE_DIR:-$ROOT/target/llm-cache}
export ATTEST_LLM_TIMEOUT_SECS=${ATTEST_LLM_TIMEOUT_SECS:-120}
export ATTEST_REQUEST_TIMEOUT_SECS=${ATTEST_REQUEST_TIMEOUT_SECS:-180}
FOLDS=eval/reports/scorer-folds.json
for mode in ${MODES:-rules model llm auto}; do
  extra=()
  case $mode in model|auto) extra=(--scorer-folds "$FOLDS") ;; esac
  echo "== $mode"
  "$BIN" run --gold eval/gold/dev.jsonl --root ../shared/corpus \
    --out "eval/reports/$mode" --mode "$mode" "${extra[@]}" 2> "target/eval-$mode.log"
done
