#!/usr/bin/env bash
# Interoperability test: the reference graphql-ws client (from npm) against
# the gateway's websocket subscriptions. Builds the gateway, starts it in demo
# mode on a free loopback port, runs graphql-ws.test.mjs with node's test
# runner, and stops the gateway whatever happens. Exits with node's status.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error

. ../.ci/demo-gateway.sh

status=0
GATEWAY_URL=$url node --test graphql-ws.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "== gateway output"; cat "$tmp/gateway.log"
fi
exit "$status"
