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

tmp=$(mktemp -d)
gateway_pid=
cleanup() {
  if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill "$gateway_pid" 2>/dev/null || true
    # It drains on SIGTERM; do not wait for ever.
    for _ in $(seq 50); do
      kill -0 "$gateway_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

go build -o "$tmp/gateway" ..

# No token and no CLEVER_API_URL: demo mode on the built-in fake API.
env -u CLEVER_API_TOKEN -u CLEVER_API_URL -u PORT -u DEMO \
  "$tmp/gateway" -listen 127.0.0.1:0 >"$tmp/gateway.log" 2>&1 &
gateway_pid=$!

url=
for _ in $(seq 300); do
  url=$(sed -n 's|.*playground at \(http://[^/ ]*\)/.*|\1|p' "$tmp/gateway.log" | head -n 1)
  [ -n "$url" ] && break
  if ! kill -0 "$gateway_pid" 2>/dev/null; then
    echo "the gateway exited before it was listening:"; cat "$tmp/gateway.log"; exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "the gateway did not print its address within 30 s:"; cat "$tmp/gateway.log"; exit 1
fi
echo "gateway at $url"

rm -rf artifacts
status=0
GATEWAY_URL=$url timeout 300 node --test playground.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "== gateway output"; cat "$tmp/gateway.log"
fi
[ -f artifacts/playground.png ] && echo "screenshot: browsertest/artifacts/playground.png"
exit "$status"
