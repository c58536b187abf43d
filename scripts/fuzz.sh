#!/usr/bin/env bash
# Runs the fuzz targets in fuzz/ (cargo-fuzz and libFuzzer, coverage-guided,
# no sanitizer: the machine's stable toolchain has none), each for
# FUZZ_SECONDS (default 60), and prints executions and findings per target.
# A crash, a failed assertion or an input that takes longer than 30 s stops
# the run with the reproducer under fuzz/artifacts/TARGET/.
#   scripts/fuzz.sh                       # every target, 60 s each
#   FUZZ_SECONDS=3600 scripts/fuzz.sh parse_pdf
#   FUZZ_PROFILE=dev FUZZ_SECONDS=30 scripts/fuzz.sh   # as .ci/run does
# The targets build against the engine's readers alone (no `service`
# feature). FUZZ_PROFILE=dev builds them unoptimised: a fraction of the
# optimised build's time, for brief runs (CI); the default is optimised.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(parse_pdf parse_declaration_xml parse_spreadsheet chunk_spans verify_quote)
case "${FUZZ_PROFILE:-release}" in
  dev) PROFILE=(--dev) ;;
  release) PROFILE=(-O) ;;
  *) echo "fuzz: FUZZ_PROFILE is dev or release" >&2; exit 2 ;;
esac
cargo fuzz build -s none "${PROFILE[@]}"
status=0
for t in "${TARGETS[@]}"; do
  corpus="fuzz/corpus/$t"
  mkdir -p "$corpus"
  # Seeds: small real inputs of the target's kind.
  case "$t" in
    parse_pdf) find ../shared/corpus/datasheets -name '*.pdf' -size -200k -exec cp -n {} "$corpus"/ \; 2>/dev/null || true ;;
    parse_declaration_xml) cp -n fuzz/seeds/*.xml "$corpus"/ 2>/dev/null || true ;;
    parse_spreadsheet) cp -n fuzz/seeds/*.csv "$corpus"/ 2>/dev/null || true ;;
  esac
  log="fuzz/$t.log"
  if cargo fuzz run -s none "${PROFILE[@]}" "$t" "$corpus" -- \
      -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=30 -rss_limit_mb=2048 \
      -print_final_stats=1 > "$log" 2>&1; then
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    echo "fuzz: $t: $runs executions in ${SECONDS_EACH}s, no crash"
  else
    echo "fuzz: $t FAILED (log: $log; reproducer under fuzz/artifacts/$t/)" >&2
    tail -n 40 "$log" >&2
    status=1
  fi
done
exit "$status"
