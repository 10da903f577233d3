#!/usr/bin/env bash
# Control-plane benchmark: durable run submissions per second over keep-alive HTTP, and one CLI
# `status` call against curl fetching the same record. Starts its own `gpurun serve` on
# 127.0.0.1 with a throw-away state folder; the runs wait for GPUs that are never free, so the
# figure is the API and the store, not process start-up.
#
#   bench/control_plane.sh [CLIENTS] [SECONDS] [STATUS_CALLS]     (build first: scripts/build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GPURUN_BUILD_DIR:-$root/build}
clients=${1:-32}
seconds=${2:-5}
calls=${3:-200}
gpurun=$build/gpurun
tmp=$(mktemp -d)
export GPURUN_TOKEN=bench-$RANDOM$RANDOM
server=""
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/inventory.yaml" <<'YAML'
nodes:
  - name: busy
    gpus: {H100: 8}
    free: {H100: 0}
YAML
cat >"$tmp/app.yaml" <<'YAML'
app: bench
functions:
  wait:
    image: {base: host}
    gpu: H100
    command: [true]
YAML
"$gpurun" serve --listen 127.0.0.1:0 --state "$tmp/state" --inventory "$tmp/inventory.yaml" 2>"$tmp/serve.log" &
server=$!
for _ in $(seq 100); do [[ -s $tmp/state/endpoint ]] && break; sleep 0.1; done
export GPURUN_ENDPOINT=$(cat "$tmp/state/endpoint")
"$gpurun" deploy "$tmp/app.yaml" >/dev/null

echo "submissions: $clients keep-alive clients for ${seconds}s (synchronous=FULL, group commit)"
"$build/gpurun_bench_submit" gpurun "$GPURUN_ENDPOINT" "$GPURUN_TOKEN" bench wait "$clients" "$seconds"

id=$("$gpurun" run "$tmp/app.yaml" --detach)
url="$GPURUN_ENDPOINT/v1/runs/$id"
time_calls() { # COMMAND...: mean milliseconds per call over $calls calls
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$calls"); do "$@" >/dev/null; done
  end=$(date +%s%N)
  echo $(((end - start) / calls / 1000))
}
"$gpurun" status "$id" --output json >/dev/null # warm the page cache
curl_us=$(time_calls curl -sf -H "Authorization: Bearer $GPURUN_TOKEN" "$url")
cli_us=$(time_calls "$gpurun" status "$id" --output json)
echo "status of one run, mean of $calls calls: curl ${curl_us} us, gpurun status ${cli_us} us, ratio $(python3 -c "print(f'{$cli_us / $curl_us:.2f}')")"
