#!/usr/bin/env bash
# `gpurun logs -f` across server restarts: when the server is killed (kill -9) or stopped while a
# run's output is followed, the follower waits for it to come back, resumes at the byte it had
# reached, prints every line once and in order, and ends with the run; a server that
# does not come back ends the follow with exit 4 once --reconnect has passed. The local control
# plane is started again by the follower itself and found on its new port.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

SERVER_LISTEN=127.0.0.1:$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SERVER_LISTEN
cat >"$TMP/app.yaml" <<YAML
app: follow
functions:
  talker:
    image: {base: host}
    command: [sh, -c, 'echo one; echo err-one >&2; while [ ! -e $TMP/go2 ]; do sleep 0.05; done; echo two; echo err-two >&2; while [ ! -e $TMP/go3 ]; do sleep 0.05; done; echo three; exit 3']
YAML
start_server "$TMP/s"
run run -d "$TMP/app.yaml" talker
expect_rc 0 "submit"
id=$out
"$GPURUN" logs -f "$id" >"$TMP/follow.out" 2>"$TMP/follow.err" &
follower=$!
wait_for() { # wait_for FILE TEXT: until FILE holds TEXT (10 s)
  local i
  for ((i = 0; i < 100; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "$1 never held '$2': $(cat "$1")"
}
wait_for "$TMP/follow.out" one

kill9_server                       # a crash mid-run: the run's supervisor outlives it
touch "$TMP/go2"                   # output written while no server is there
sleep 1
start_server "$TMP/s"
wait_for "$TMP/follow.out" two
stop_server                        # a clean stop, then a restart
start_server "$TMP/s"
touch "$TMP/go3"
wait "$follower"
rc=$?
expect_eq "$rc" "0" "logs -f exit code"
expect_eq "$(cat "$TMP/follow.out")" $'one\ntwo\nthree' "stdout, once and in order"
expect_eq "$(grep -v '^gpurun' "$TMP/follow.err")" $'err-one\nerr-two' "stderr, once and in order"
# The person watching is told when the server went away and when it came back, once for both
# streams (a clean stop whose successor answers within a call's retries may go unsaid).
notes=$(grep '^gpurun' "$TMP/follow.err")
expect_contains "$(head -n 1 <<<"$notes")" "gpurun: cannot reach the control plane at http://$SERVER_LISTEN" "first note"
expect_contains "$(head -n 1 <<<"$notes")" "waiting up to 1m for it to answer again" "first note"
expect_eq "$(tail -n 1 <<<"$notes")" "gpurun: the control plane at http://$SERVER_LISTEN answers again" "last note"
expect_eq "$(grep -c 'waiting up to' <<<"$notes")" "$(grep -c 'answers again' <<<"$notes")" "notes in pairs"

# A server that does not come back: the follower gives up with exit 4 once the window passes.
cat >"$TMP/app2.yaml" <<YAML
app: follow2
functions:
  waits:
    image: {base: host}
    command: [sh, -c, 'echo started; sleep 60']
YAML
run run -d "$TMP/app2.yaml" waits
id=$out
"$GPURUN" logs -f --reconnect 2s "$id" >"$TMP/f2.out" 2>"$TMP/f2.err" &
follower=$!
wait_for "$TMP/f2.out" started
kill9_server
start=$SECONDS
wait "$follower"
rc=$?
expect_eq "$rc" "4" "logs -f when the server stays away"
((SECONDS - start <= 20)) || fail "the follower took $((SECONDS - start)) s to give up"
expect_contains "$(tail -n 1 "$TMP/f2.err")" "cannot reach the control plane at http://$SERVER_LISTEN" "why"
expect_contains "$(tail -n 1 "$TMP/f2.err")" "; it did not answer again within 2s" "why"

# The local control plane (no GPURUN_ENDPOINT): the follower starts it again itself, like any
# command, and finds its new port through the endpoint file; after a clean stop too, when the
# stopping server still holds the state folder's lock as the follower starts the next one.
unset GPURUN_ENDPOINT GPURUN_TOKEN SERVER_LISTEN
export XDG_STATE_HOME=$TMP/xdg HOME=$TMP/home
local_state=$XDG_STATE_HOME/gpurun
cat >"$TMP/app3.yaml" <<YAML
app: follow3
functions:
  talker:
    image: {base: host}
    command: [sh, -c, 'echo alpha; while [ ! -e $TMP/go4 ]; do sleep 0.05; done; echo beta; while [ ! -e $TMP/go5 ]; do sleep 0.05; done; echo gamma']
YAML
run run -d "$TMP/app3.yaml" talker
expect_rc 0 "submit to the local control plane"
id=$out
SERVER_PIDS+=("$(cat "$local_state/server.pid")")
"$GPURUN" logs -f "$id" >"$TMP/f3.out" 2>"$TMP/f3.err" &
follower=$!
wait_for "$TMP/f3.out" alpha
# restart_local SIGNAL: stops the local server with SIGNAL and waits for the follower to start
# another (a new pid in server.pid, 20 s).
restart_local() {
  local old_pid i
  old_pid=$(cat "$local_state/server.pid")
  kill "-$1" "$old_pid"
  for ((i = 0; i < 200; i++)); do
    local now_pid
    now_pid=$(cat "$local_state/server.pid" 2>/dev/null)
    if [[ -n $now_pid && $now_pid != "$old_pid" ]] && kill -0 "$now_pid" 2>/dev/null; then
      SERVER_PIDS+=("$now_pid")
      return 0
    fi
    sleep 0.1
  done
  fail "the follower did not start the local control plane again after SIG$1"
}
restart_local KILL
touch "$TMP/go4"
wait_for "$TMP/f3.out" beta
restart_local TERM
touch "$TMP/go5"
wait "$follower"
expect_eq "$?" "0" "logs -f across restarts of the local control plane"
expect_eq "$(cat "$TMP/f3.out")" $'alpha\nbeta\ngamma' "its output, once and in order"
expect_contains "$(cat "$TMP/f3.err")" "gpurun: started the local control plane in the background" "the follower says it started it"

# A local server that cannot be started again ends the follow at once with the reason (exit 4),
# not after the reconnect window.
run run -d "$TMP/app2.yaml" waits
id=$out
GPURUN_EXECUTOR=bogus "$GPURUN" logs -f "$id" >"$TMP/f4.out" 2>"$TMP/f4.err" &
follower=$!
wait_for "$TMP/f4.out" started
kill -9 "$(cat "$local_state/server.pid")"
start=$SECONDS
wait "$follower"
expect_eq "$?" "4" "logs -f when the local server cannot start"
((SECONDS - start <= 15)) || fail "the follower took $((SECONDS - start)) s to say the server cannot start"
expect_contains "$(tail -n 1 "$TMP/f4.err")" "gpurun: error: the local control plane exited as it started: unknown executor 'bogus'" "why"
finish
