# Sourced by the CI scripts that test the gateway from outside (interop/,
# browsertest/): builds the gateway, starts it in demo mode on a free
# loopback port, sets $url (http://127.0.0.1:PORT) and $tmp (a scratch
# folder, gateway.log inside), and stops it whatever happens.
# The sourcing script runs from a folder beside the module root.

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

# No token and no CLEVER_API_URL: demo mode on the built-in fake API. No
# shutdown delay: nobody balances load here.
env -u CLEVER_API_TOKEN -u CLEVER_API_URL -u PORT -u DEMO \
  "$tmp/gateway" -listen 127.0.0.1:0 -shutdown-delay 0 >"$tmp/gateway.log" 2>&1 &
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
