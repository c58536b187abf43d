#!/usr/bin/env bash
# Checks docker-compose.yml (syntax, anchors, references) with `docker
# compose config`, or Debian's docker-compose where the Docker CLI has no
# compose plugin (installed here if neither is present). No engine needed.
set -euo pipefail
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1; then
  docker compose config -q
  exit 0
fi
if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "check-compose: installing docker-compose"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
docker-compose config -q
echo "check-compose: docker-compose.yml is valid"
