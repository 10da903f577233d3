#!/usr/bin/env bash
# kill -9 of the server and a restart on the same state: every acknowledged run is still there,
# none runs twice, idempotency keys still give the same runs, a run that ended while the server
# was down has its exit code, a run still running is re-attached, a run whose process vanished
# is `lost`, and queued runs start once GPUs free up.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

cat >"$TMP/inv.yaml" <<'YAML'
nodes:
  - name: sim
    gpus: {L4: 3}
YAML
cat >"$TMP/app.yaml" <<YAML
app: crash
functions:
  quick:
    image: {base: host}
    command: [sh, -c, 'echo "\$GPURUN_RUN_ID" >> $TMP/marks']
  ends_while_down:
    image: {base: host}
    gpu: L4
    command: [sh, -c, 'while [ ! -e $TMP/end-now ]; do sleep 0.05; done; exit 7']
  outlives_restart:
    image: {base: host}
    gpu: L4
    command: [sh, -c, 'while [ ! -e $TMP/outlive-now ]; do sleep 0.05; done; echo survived']
  vanishes:
    image: {base: host}
    gpu: L4
    command: [sleep, '60']
  waits:
    image: {base: host}
    gpu: L4
    command: [echo, finally]
YAML
start_server "$TMP/s" --inventory "$TMP/inv.yaml"
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy"

submit() { # FUNCTION KEY: prints the run id
  api POST "/v1/apps/crash/functions/$1/runs" -H "Idempotency-Key: $2" -d '{}'
  [[ $code == 201 || $code == 200 ]] || fail "submit $1 $2: status $code: $out"
  field 'd["id"]'
}
declare -A quick
for i in $(seq 1 30); do quick[$i]=$(submit quick "key-quick-$i"); done
ends=$(submit ends_while_down key-ends)
outlives=$(submit outlives_restart key-outlives)
vanishes=$(submit vanishes key-vanishes)
wait_state "$ends" running
wait_state "$outlives" running
wait_state "$vanishes" running
waits=$(submit waits key-waits)
sleep 0.5
api GET "/v1/runs/$waits"
expect_eq "$(field 'd["state"]')" "queued" "no L4 free: queued"

kill9_server
# While the server is down: one run ends, one run's process is killed outright.
pkill -9 -s "$(cat "$TMP/s/runs/$vanishes/attempt-1.pid")"
# The runs wait for files rather than sleeping, so that a slow machine cannot reorder the story.
touch "$TMP/end-now"
for ((i = 0; i < 200; i++)); do [[ -s $TMP/s/runs/$ends/attempt-1.status ]] && break; sleep 0.05; done
[[ -s $TMP/s/runs/$ends/attempt-1.status ]] || fail "the run that ends while the server is down did not end"
start_server "$TMP/s" --inventory "$TMP/inv.yaml"

# Idempotency across the restart: the same keys give the same runs.
expect_eq "$(submit ends_while_down key-ends)" "$ends" "key-ends after restart"
expect_eq "$code" "200" "replay after restart: 200"
for i in 1 15 30; do expect_eq "$(submit quick "key-quick-$i")" "${quick[$i]}" "key-quick-$i after restart"; done

wait_state "$ends" failed
api GET "/v1/runs/$ends"
expect_eq "$(field 'd["exit_code"]')" "7" "ended while down: its exit code"
api GET "/v1/runs/$outlives"
expect_eq "$(field 'd["state"]')" "running" "re-attached run still running"
touch "$TMP/outlive-now"
wait_state "$vanishes" lost
api GET "/v1/runs/$vanishes"
expect_contains "$(field 'd["reason"]')" "could not be recovered" "vanished: lost, with why"
wait_state "$outlives" succeeded
run logs "$outlives"
expect_eq "$out" "survived" "re-attached run: its output"
wait_state "$waits" succeeded

# Every acknowledged run exists once, and each quick run ran exactly once.
run ps --app crash --limit 1000 --output json
expect_eq "$(json_get 'len(d["runs"])')" "34" "no run lost or duplicated"
for i in $(seq 1 30); do wait_state "${quick[$i]}" succeeded 10 || break; done
expect_eq "$(sort "$TMP/marks" | uniq | wc -l)" "30" "30 distinct quick runs ran"
expect_eq "$(wc -l <"$TMP/marks")" "30" "no quick run ran twice"

# A second server on the same state folder is refused.
run serve --listen 127.0.0.1:0 --state "$TMP/s"
expect_rc 1 "second server on the same state"
expect_contains "$err" "another gpurun serve is using the state folder" "state lock"
finish
