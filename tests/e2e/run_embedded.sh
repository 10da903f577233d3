#!/usr/bin/env bash
# The embedded default: with no GPURUN_ENDPOINT, the first command starts the local control
# plane in the background (state in $XDG_STATE_HOME/gpurun, token file 0600) and later commands
# reuse it; a dead one is started again with its state intact. The README's quick start command
# (`gpurun run manifests/hello.yaml`) works on a machine with no GPU.
source "$(dirname "$0")/lib.bash"
export XDG_STATE_HOME=$TMP/xdg HOME=$TMP/home
unset GPURUN_STATE GPURUN_LISTEN GPURUN_EXECUTOR
state=$XDG_STATE_HOME/gpurun

stop_local() {
  for s in "$state" "$TMP/race/gpurun"; do
    [[ -f $s/server.pid ]] && kill -9 "$(cat "$s/server.pid")" 2>/dev/null
    for f in "$s"/runs/*/attempt-*.pid; do [[ -f $f ]] && pkill -9 -s "$(cat "$f")" 2>/dev/null; done
  done
  # The server that lost a start race waits 2 s for the lock: it would take over once the
  # winner is killed.
  pkill -9 -f -- "--state $TMP/" 2>/dev/null
}
trap 'stop_local; rm -rf "$TMP"' EXIT

cd "$SOURCE_DIR"
run run manifests/hello.yaml
expect_rc 0 "first run"
expect_contains "$out" "hello from run r-" "the function's output"
expect_contains "$err" "started the local control plane in the background" "says it started the server"
expect_eq "$(stat -c %a "$state/token")" "600" "token file mode"
[[ -s $state/endpoint && -s $state/server.pid ]] || fail "endpoint and pid files"
expect_contains "$(cat "$state/endpoint")" "http://127.0.0.1:" "loopback endpoint"
pid=$(cat "$state/server.pid")

run run manifests/hello.yaml -- one two
expect_rc 0 "second run"
expect_contains "$out" "args: one two" "arguments after --"
expect_eq "$err" "gpurun: using the local control plane at $(cat "$state/endpoint") (no profile)" "no start-up notice the second time, only where it runs"
expect_eq "$(cat "$state/server.pid")" "$pid" "same server"

# Without the token, the local server refuses.
code=$(curl -s -o /dev/null -w '%{http_code}' "$(cat "$state/endpoint")/v1/runs")
expect_eq "$code" "401" "local server needs the token"

# A killed server is started again, its state intact.
kill -9 "$pid"
sleep 0.2
run ps --output json
expect_rc 0 "ps after the server died"
expect_eq "$(json_get 'len(d["runs"])')" "2" "runs survive"
expect_contains "$err" "started the local control plane" "restarted"

# A dead server whose state folder is still locked (a server taking its time to stop): the server
# started meanwhile gives up on the lock, and the CLI starts another once the lock is free.
kill -9 "$(cat "$state/server.pid")"
flock -w 5 "$state/lock" sleep 4 &
locker=$!
until ! flock -n "$state/lock" true; do sleep 0.05; done
log_lines=$(wc -l <"$state/server.log")
start=$SECONDS
run ps
wait "$locker"
expect_rc 0 "ps while the state folder is locked for 4 s"
expect_contains "$err" "started the local control plane" "started once the lock was free"
((SECONDS - start <= 12)) || fail "ps took $((SECONDS - start)) s once the lock was free"
expect_eq "$(tail -n +$((log_lines + 1)) "$state/server.log" | grep -c 'another gpurun serve is using')" "1" \
  "the first server started gave up on the lock, the second took it"

# Two first uses at once on a fresh state folder: one server, both runs.
export XDG_STATE_HOME=$TMP/race
"$GPURUN" run manifests/hello.yaml >"$TMP/a.out" 2>"$TMP/a.err" &
a=$!
"$GPURUN" run manifests/hello.yaml >"$TMP/b.out" 2>"$TMP/b.err" &
b=$!
wait "$a"
expect_eq "$?" "0" "concurrent first use A"
wait "$b"
expect_eq "$?" "0" "concurrent first use B"
run ps --output json
expect_eq "$(json_get 'len(d["runs"])')" "2" "both runs on one server"

# A server that cannot start: the CLI says why at once (its log's last line), not after the wait.
export XDG_STATE_HOME=$TMP/broken
start=$SECONDS
GPURUN_EXECUTOR=bogus run ps
expect_rc 4 "a local server that exits as it starts"
expect_eq "$err" "gpurun: error: the local control plane exited as it started: unknown executor 'bogus'; this build has: local, slurm ($TMP/broken/gpurun/server.log)" "why"
((SECONDS - start < 5)) || fail "a local server that exits as it starts: the CLI took $((SECONDS - start)) s to say so"
finish
