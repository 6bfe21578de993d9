#!/usr/bin/env bash
# The offline playground in a real browser: Debian's Chromium (installed
# here if missing), driven by playwright-core from npm, against the gateway in
# demo mode on a free loopback port. Runs playground.test.mjs with node's
# test runner, stops the gateway whatever happens, and leaves a screenshot in
# artifacts/playground.png. Exits with node's status.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium"
  sudo=
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error

. ../.ci/demo-gateway.sh

rm -rf artifacts
status=0
GATEWAY_URL=$url timeout 300 node --test playground.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "== gateway output"; cat "$tmp/gateway.log"
fi
[ -f artifacts/playground.png ] && echo "screenshot: browsertest/artifacts/playground.png"
exit "$status"
