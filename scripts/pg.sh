#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, under target/pg: installs
# Debian's postgresql when it is missing, creates a cluster (trust
# authentication, loopback only, C locale) owned by an unprivileged user,
# and starts it on a free port.
#   scripts/pg.sh start   # prints the server's URL (postgres://…/postgres)
#   scripts/pg.sh url     # the running server's URL
#   scripts/pg.sh stop    # stops it and removes the cluster
# The tests take the URL from ATTEST_TEST_DATABASE_URL; each test creates
# and drops a database of its own.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${PG_DIR:-$ROOT/target/pg}
PORTFILE=$DIR/port

bindir() {
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$b" ] && [ -x "$b/initdb" ] && [ -x "$b/postgres" ] && echo "$b"
}

install() {
  bindir >/dev/null && return 0
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "pg: installing postgresql" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    postgresql postgresql-contrib >/dev/null
}

# Runs a command as the cluster's owner: PostgreSQL refuses to run as root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url() { echo "postgres://postgres@127.0.0.1:$(cat "$PORTFILE")/postgres"; }

case "${1:-}" in
  start)
    install
    BIN=$(bindir)
    if [ -f "$PORTFILE" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      url; exit 0
    fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    # The owner must reach the folder through the repository's parents.
    if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; chmod o+x "$ROOT" "$ROOT/target" 2>/dev/null || true; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    echo "$port" > "$PORTFILE"
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 ||
      { cat "$DIR/initdb.log" >&2; exit 1; }
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off -c max_connections=300" start >/dev/null ||
      { cat "$DIR/server.log" >&2; exit 1; }
    url
    ;;
  url) url ;;
  stop)
    BIN=$(bindir) || exit 0
    [ -d "$DIR/data" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *) echo "usage: scripts/pg.sh start|url|stop" >&2; exit 2 ;;
esac
