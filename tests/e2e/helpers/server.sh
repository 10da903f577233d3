# Helpers for end-to-end tests of the control plane: start a real `gpurun serve` on 127.0.0.1
# with its own state folder, talk to it with the CLI and curl, and stop it (also on failure).
# Source after lib.bash.
export GPURUN_TOKEN="test-token-$$-$RANDOM"
unset GPURUN_STATE GPURUN_LISTEN GPURUN_EXECUTOR GPURUN_GRACE
SERVER_PIDS=()

cleanup() {
  for pid in "${SERVER_PIDS[@]}"; do { kill -9 "$pid" && wait "$pid"; } 2>/dev/null; done
  # Local servers a test's CLI started and no pid file names (one still waiting for the lock).
  pkill -9 -f -- "--state $TMP/" 2>/dev/null
  # Runs started by a test's servers are in their own sessions; stop them by their recorded pids.
  for f in "$TMP"/*/runs/*/attempt-*.pid "$TMP"/*/*/runs/*/attempt-*.pid; do [[ -f $f ]] && pkill -9 -s "$(cat "$f")" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# start_server STATE [SERVE ARGS...]: starts a server, waits until it answers, and points the CLI
# at it (GPURUN_ENDPOINT). Sets SERVER_PID and ENDPOINT. It listens on a port the kernel picks, or
# on SERVER_LISTEN (to come back where a client expects it after a restart).
start_server() {
  local state=$1
  shift
  mkdir -p "$state"
  rm -f "$state/endpoint"
  "$GPURUN" serve --listen "${SERVER_LISTEN:-127.0.0.1:0}" --state "$state" --grace 1s "$@" >>"$state/serve.out" 2>&1 &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ -s $state/endpoint ]] && curl -sf "$(cat "$state/endpoint")/v1/health" >/dev/null; then
      ENDPOINT=$(cat "$state/endpoint")
      export GPURUN_ENDPOINT=$ENDPOINT
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start:" >&2
  cat "$state/serve.out" >&2
  exit 1
}

# kill9_server: the crash the store must survive.
kill9_server() {
  { kill -9 "$SERVER_PID" && wait "$SERVER_PID"; } 2>/dev/null
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
}

# api METHOD PATH [CURL ARGS...]: an authenticated request with a JSON body (curl's default form
# type would meet the HTTP library's 8 KiB limit on form bodies); leaves $out (body), $code
# (status) and the headers in $TMP/headers.
api() {
  local method=$1 path=$2
  shift 2
  code=$(curl -s -o "$TMP/out" -D "$TMP/headers" -w '%{http_code}' -X "$method" \
    -H "Authorization: Bearer $GPURUN_TOKEN" -H "Content-Type: application/json" "$@" "$ENDPOINT$path")
  out=$(cat "$TMP/out")
}

# wait_state RUN STATE [SECONDS]: polls until the run is in STATE (default 20 s).
wait_state() {
  local id=$1 want=$2 limit=${3:-20} i state=""
  for ((i = 0; i < limit * 10; i++)); do
    state=$(curl -s -H "Authorization: Bearer $GPURUN_TOKEN" "$ENDPOINT/v1/runs/$id" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null)
    [[ $state == "$want" ]] && return 0
    sleep 0.1
  done
  fail "run $id: state $state after ${limit}s, expected $want"
  return 1
}

# field JSON_EXPR: evaluates a Python expression on $out (bound to `d`).
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print($1)" "$out"; }
