#!/usr/bin/env bash
# Interoperability test: the reference graphql-ws client (from npm) against
# the gateway's websocket subscriptions. Builds the gateway, starts it in demo
# mode on a free loopback port, runs graphql-ws.test.mjs with node's test
# runner, and stops the gateway whatever happens. Exits with node's status.
set -euo pipefail
cd "$(dirname "$0")"

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

status=0
GATEWAY_URL=$url node --test graphql-ws.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "== gateway output"; cat "$tmp/gateway.log"
fi
exit "$status"
