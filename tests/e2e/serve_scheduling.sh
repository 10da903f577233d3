#!/usr/bin/env bash
# Scheduling on a simulated inventory: the chain in order (exact type before an upgrade, then
# the fallback), one node per placement, CUDA_VISIBLE_DEVICES and GPURUN_* set, runs queued when
# nothing fits and placed in order as GPUs free up; cancel (queued and running, SIGTERM then
# SIGKILL), timeouts, and retries from the manifest.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

cat >"$TMP/inv.yaml" <<'YAML'
nodes:
  - name: hopper
    gpus: {H100: 2, H200: 1}
  - name: ada
    gpus: {L40S: 4}
YAML
# A run given a file name as its argument holds its GPUs until the test creates that file.
HOLD='if [ -n "$1" ]; then while [ ! -e "$1" ]; do sleep 0.05; done; fi'
cat >"$TMP/app.yaml" <<YAML
app: sched
functions:
  chain:
    image: {base: host}
    gpu: ["H100:2", "L40S:4"]
    command: [sh, -c, 'echo "\$GPURUN_GPU_TYPE:\$GPURUN_GPU_COUNT@\$GPURUN_NODE rank=\$GPURUN_FALLBACK_RANK cuda=\$CUDA_VISIBLE_DEVICES"; $HOLD', sh]
  upgrade:
    image: {base: host}
    gpu: H100
    command: [sh, -c, 'echo "\$GPURUN_GPU_TYPE upgrade=\$GPURUN_GPU_UPGRADE"', sh]
  strict:
    image: {base: host}
    gpu: H100!
    command: [sh, -c, 'echo "\$GPURUN_GPU_TYPE"']
  stubborn:
    image: {base: host}
    command: [sh, -c, 'trap "echo got TERM; sleep 30" TERM; echo started; sleep 30 & wait; sleep 30']
  polite:
    image: {base: host}
    command: [sh, -c, 'trap "echo got TERM; exit 0" TERM; echo started; sleep 30 & wait']
  slow:
    image: {base: host}
    timeout: 1s
    command: [sleep, '30']
  flaky:
    image: {base: host}
    retries: {max: 3, initial_delay: 100ms, backoff: 1}
    command: [sh, -c, 'n=\$(cat $TMP/count 2>/dev/null || echo 0); echo \$((n+1)) > $TMP/count; echo "attempt \$GPURUN_ATTEMPT"; [ \$n -ge 2 ]']
  hopeless:
    image: {base: host}
    retries: {max: 1, initial_delay: 100ms}
    command: [sh, -c, 'exit 9']
  boxed:
    image: {base: debian-slim}
    command: [echo, hi]
YAML
start_server "$TMP/s" --inventory "$TMP/inv.yaml"
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy"

submit() { # FUNCTION [ARGS JSON]
  api POST "/v1/apps/sched/functions/$1/runs" -d "{\"args\": ${2:-[]}}"
  [[ $code == 201 ]] || fail "submit $1: status $code: $out"
  field 'd["id"]'
}
logs_of() { run logs "$1"; echo "$out"; }

# The chain: H100:2 first; with the H100s taken, the L40S:4 fallback; with both taken, queued.
c1=$(submit chain "[\"$TMP/r1\"]")
wait_state "$c1" running
c2=$(submit chain "[\"$TMP/r2\"]")
wait_state "$c2" running
c3=$(submit chain)
sleep 0.5
api GET "/v1/runs/$c3"
expect_eq "$(field 'd["state"]')" "queued" "chain: nothing fits, queued"
expect_contains "$(field 'd["candidates"]')" "busy" "queued run: why (busy candidates)"
expect_eq "$(logs_of "$c1")" "H100:2@hopper rank=0 cuda=0,1" "first: exact H100:2"
expect_eq "$(logs_of "$c2")" "L40S:4@ada rank=1 cuda=0,1,2,3" "second: the fallback entry"
# An upgrade: H100 with no H100 free runs on the H200; H100! waits for an H100.
u1=$(submit upgrade)
wait_state "$u1" succeeded
expect_eq "$(logs_of "$u1")" "H200 upgrade=1" "H100 upgraded to H200"
s1=$(submit strict)
sleep 0.5
api GET "/v1/runs/$s1"
expect_eq "$(field 'd["state"]')" "queued" "H100! does not take the H200"
# As GPUs free up: the queued chain is tried again in order and gets the H100s back first.
touch "$TMP/r1"
wait_state "$c3" succeeded 20
expect_eq "$(logs_of "$c3")" "H100:2@hopper rank=0 cuda=0,1" "queued run: first entry once free"
wait_state "$s1" succeeded 20
expect_eq "$(logs_of "$s1")" "H100" "strict run: an H100 once free"
touch "$TMP/r2"
wait_state "$c2" succeeded

# Cancel: a queued run at once; a running one gets SIGTERM.
c4=$(submit chain "[\"$TMP/r4\"]")
c5=$(submit chain "[\"$TMP/r5\"]")
c6=$(submit chain "[\"$TMP/r6\"]")
wait_state "$c5" running
run cancel "$c6"
expect_rc 0 "cancel a queued run"
api GET "/v1/runs/$c6"
expect_eq "$(field 'd["state"], d["attempt"]')" "cancelled 0" "queued run cancelled without starting"
touch "$TMP/r4" "$TMP/r5"
p1=$(submit polite)
wait_state "$p1" running
sleep 0.3
run cancel "$p1"
wait_state "$p1" cancelled
expect_eq "$(logs_of "$p1")" $'started\ngot TERM' "cancel: SIGTERM reaches the function"
# One that ignores SIGTERM is killed after the grace period (1 s here).
st=$(submit stubborn)
wait_state "$st" running
sleep 0.3
start=$SECONDS
run cancel "$st"
wait_state "$st" cancelled 10
api GET "/v1/runs/$st"
expect_eq "$(field 'd["signal"]')" "9" "stubborn run: SIGKILL after the grace period"
((SECONDS - start <= 5)) || fail "SIGKILL took $((SECONDS - start)) s"

# A `gpurun run` that is cancelled from elsewhere exits 125.
"$GPURUN" run "$TMP/app.yaml" polite >"$TMP/run.out" 2>"$TMP/run.err" &
runner=$!
for ((i = 0; i < 50; i++)); do
  api GET "/v1/runs?app=sched&state=running&limit=10"
  pr=$(field '[r["id"] for r in d["runs"] if r["function"] == "polite"]')
  [[ $pr != "[]" ]] && break
  sleep 0.1
done
sleep 0.3
run cancel "$(python3 -c "print($pr[0])")"
wait "$runner"
expect_eq "$?" "125" "gpurun run of a cancelled run exits 125"

# Timeout: killed at its limit, timed_out, and `gpurun run` exits 124.
run run "$TMP/app.yaml" slow
expect_rc 124 "run: timed out"
expect_contains "$err" "timed out after 1s" "timed out: why"

# Retries: flaky fails twice then succeeds on its third attempt; hopeless fails twice and stops.
run run "$TMP/app.yaml" flaky --output json
expect_rc 0 "flaky succeeds after retries"
expect_eq "$(json_get 'd["attempt"], d["state"]')" "3 succeeded" "flaky: third attempt"
expect_contains "$err" $'attempt 1\nattempt 2' "flaky: earlier attempts' output"
run run "$TMP/app.yaml" hopeless --output json
expect_rc 9 "hopeless: its exit code"
expect_eq "$(json_get 'd["attempt"], d["state"], d["exit_code"]')" "2 failed 9" "hopeless: two attempts"

# A container image on this executor: refused plainly.
run run "$TMP/app.yaml" boxed
expect_rc 1 "container image"
expect_contains "$err" "container images are not supported by this executor yet" "container: why"
finish
