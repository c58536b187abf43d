#!/usr/bin/env bash
# Starts or stops the local OpenAI-compatible LLM server installed by
# scripts/setup-llm.sh, and prints the ATTEST_LLM_* settings that use it.
#   scripts/llm.sh start   # idempotent; waits until the server answers
#   scripts/llm.sh stop
#   scripts/llm.sh env     # export lines for the running server
# LLM_PORT (default 18081) and LLM_THREADS (default 1) tune it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${ATTEST_LLM_DIR:-$ROOT/models/llm}
PORT=${LLM_PORT:-18081}
THREADS=${LLM_THREADS:-1}
MODEL="$DIR/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
PIDFILE="$DIR/server-$PORT.pid"
up() { curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; }
case "${1:-}" in
  start)
    if up; then echo "llm: already serving on $PORT"; exit 0; fi
    [ -f "$MODEL" ] || "$ROOT/scripts/setup-llm.sh"
    "$DIR/venv/bin/python" "$ROOT/scripts/llm_server.py" "$MODEL" "$PORT" --threads "$THREADS" \
      > "$DIR/server-$PORT.log" 2>&1 &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 240); do
      if up; then echo "llm: serving $(basename "$MODEL") on 127.0.0.1:$PORT"; exit 0; fi
      sleep 0.5
    done
    echo "llm: the server did not start; see $DIR/server-$PORT.log" >&2
    tail -n 20 "$DIR/server-$PORT.log" >&2 || true
    exit 1
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then kill "$(cat "$PIDFILE")" 2>/dev/null || true; rm -f "$PIDFILE"; fi
    ;;
  env)
    echo "export ATTEST_LLM_BASE_URL=http://127.0.0.1:$PORT/v1"
    echo "export ATTEST_LLM_MODEL=local-llm"
    ;;
  *)
    echo "usage: scripts/llm.sh start|stop|env" >&2
    exit 2
    ;;
esac
