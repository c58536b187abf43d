#!/usr/bin/env bash
# A throwaway S3-compatible server for the tests (moto's server, from PyPI,
# in models/tools/moto), under target/s3: the originals' S3 path and the
# multi-process test run against it.
#   eval "$(scripts/s3.sh start)"   # starts it; prints the variables to export
#   scripts/s3.sh stop
# The variables: ATTEST_TEST_S3_URL (a bucket created empty), AWS_ENDPOINT,
# AWS_ALLOW_HTTP, AWS_REGION and test credentials.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${S3_DIR:-$ROOT/target/s3}
VENV=$ROOT/models/tools/moto
MOTO_VERSION=5.2.5

case "${1:-}" in
  start)
    if [ ! -x "$VENV/bin/moto_server" ]; then
      echo "s3: installing moto $MOTO_VERSION" >&2
      python3 -m venv "$VENV"
      "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION" >&2
    fi
    mkdir -p "$DIR"
    if [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
      port=$(cat "$DIR/port")
    else
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$DIR/server.log" 2>&1 &
      echo $! >"$DIR/pid"
      echo "$port" >"$DIR/port"
      for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
        sleep 0.1
      done
    fi
    curl -sf -X PUT "http://127.0.0.1:$port/attest-test" >/dev/null
    echo "export ATTEST_TEST_S3_URL=s3://attest-test/originals AWS_ENDPOINT=http://127.0.0.1:$port AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"
    ;;
  stop)
    if [ -f "$DIR/pid" ]; then
      kill "$(cat "$DIR/pid")" 2>/dev/null || true
      rm -f "$DIR/pid" "$DIR/port"
    fi
    ;;
  *)
    echo "usage: scripts/s3.sh start|stop" >&2
    exit 2
    ;;
esac
