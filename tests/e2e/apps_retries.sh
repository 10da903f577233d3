#!/usr/bin/env bash
# Retries, timeouts and queue timeouts against a real `gpurun serve`: the backoff between
# attempts within a tolerance, every attempt in `gpurun status` with its own logs, a timeout
# that escalates from SIGTERM to SIGKILL and records timed_out, and a run that waits longer than
# its queue_timeout failing with the reason of each candidate.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

cat >"$TMP/inv.yaml" <<'YAML'
nodes:
  - name: n1
    gpus: {H100: 1, L4: 1}
YAML
HOLD='while [ ! -e "$1" ]; do sleep 0.05; done'
cat >"$TMP/app.yaml" <<YAML
app: retry
functions:
  backoff:
    image: {base: host}
    retries: {max: 3, backoff: 2, initial_delay: 400ms, max_delay: 1s}
    command: [sh, -c, 'date +%s%N >>$TMP/times; echo "out \$GPURUN_ATTEMPT"; echo "err \$GPURUN_ATTEMPT" >&2; exit 3']
  stubborn:
    image: {base: host}
    timeout: 1s
    retries: 2
    command: [sh, -c, 'trap "echo got TERM" TERM; echo started; while :; do sleep 0.1; done']
  hold:
    image: {base: host}
    gpu: ["H100", "L4"]
    command: [sh, -c, '$HOLD', sh]
  impatient:
    image: {base: host}
    gpu: ["H100", "L4"]
    queue_timeout: 1s
    command: ["true"]
YAML
start_server "$TMP/s" --inventory "$TMP/inv.yaml"
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy"

# Backoff: 400 ms, then 800 ms, then 1 s (max_delay) between the attempts' starts. An attempt's
# end is seen at the scheduler's next poll (200 ms) and a due retry at its next pass, so each
# gap may exceed its delay by up to about half a second; the bound allows 900 ms on a busy machine.
run run "$TMP/app.yaml" backoff --output json
expect_rc 3 "backoff: the last attempt's exit code"
expect_eq "$(json_get 'd["state"], d["attempt"], len(d["attempts"])')" "failed 4 4" "backoff: four attempts"
expect_eq "$(json_get '[a["state"] + ":" + str(a["exit_code"]) for a in d["attempts"]]')" \
  "['failed:3', 'failed:3', 'failed:3', 'failed:3']" "backoff: each attempt recorded"
id=$(json_get 'd["id"]')
gaps=$(python3 - "$TMP/times" <<'PY'
import sys
t = [int(x) / 1e6 for x in open(sys.argv[1])]
print(" ".join(str(round(b - a)) for a, b in zip(t, t[1:])))
PY
)
echo "backoff gaps (ms): $gaps (delays 400 800 1000)"
read -r g1 g2 g3 <<<"$gaps"
for pair in "$g1 400" "$g2 800" "$g3 1000"; do
  read -r gap want <<<"$pair"
  ((gap >= want - 20 && gap <= want + 900)) || fail "backoff gap ${gap} ms, expected ${want} ms (+900 ms)"
done

# Every attempt in `gpurun status`, each with its own logs.
run status "$id"
expect_rc 0 "status"
expect_contains "$out" "attempts" "status: attempts"
expect_contains "$out" "  2   failed, exit 3" "status: the second attempt"
expect_contains "$out" "gpurun logs $id --attempt 4" "status: where each attempt's logs are"
run logs "$id" --attempt 2
expect_eq "$out" "out 2" "logs of attempt 2 (stdout)"
expect_eq "$err" "err 2" "logs of attempt 2 (stderr)"
run logs "$id"
expect_eq "$out" $'out 1\nout 2\nout 3\nout 4' "logs: every attempt"
run logs "$id" --attempt 5
expect_rc 7 "no attempt 5"

# Timeout: SIGTERM at 1 s, which this function ignores, then SIGKILL after the grace period
# (1 s here); timed_out, not retried, and `gpurun run` exits 124.
start=$(date +%s%N)
run run "$TMP/app.yaml" stubborn --output json
elapsed=$((($(date +%s%N) - start) / 1000000))
expect_rc 124 "timeout: exit 124"
expect_eq "$(json_get 'd["state"], d["signal"], d["attempt"], d["reason"]')" "timed_out 9 1 timed out after 1s" "timeout: killed"
# (sh reports its `sleep` child ended by the same SIGTERM as "Terminated".)
expect_contains "$err" "started" "timeout: the function ran"
expect_contains "$err" "got TERM" "timeout: SIGTERM first"
echo "timeout run took ${elapsed} ms (1 s timeout + 1 s grace)"
((elapsed >= 1900 && elapsed <= 5000)) || fail "timeout took ${elapsed} ms, expected about 2000"

# queue_timeout: both GPUs held, so the run waits; after 1 s it fails, saying why per candidate.
api POST /v1/apps/retry/functions/hold/runs -d "{\"args\": [\"$TMP/h1\"]}"
h1=$(field 'd["id"]')
api POST /v1/apps/retry/functions/hold/runs -d "{\"args\": [\"$TMP/h2\"]}"
h2=$(field 'd["id"]')
wait_state "$h1" running
wait_state "$h2" running
run run "$TMP/app.yaml" impatient --output json
expect_rc 1 "queue timeout: failed"
expect_eq "$(json_get 'd["state"], d["attempt"]')" "failed 0" "queue timeout: never started"
expect_contains "$(json_get 'd["reason"]')" "not placed within 1s (queue_timeout): H100 busy" "queue timeout: why"
expect_contains "$(json_get 'd["reason"]')" "; L4 busy" "queue timeout: the second candidate"
expect_eq "$(json_get '[c["spec"] + ":" + c["status"] for c in d["candidates"]]')" "['H100:busy', 'L4:busy']" "queue timeout: candidates"
touch "$TMP/h1" "$TMP/h2"
wait_state "$h1" succeeded
wait_state "$h2" succeeded

# Fields this executor would ignore are refused at deploy time, saying so.
cat >"$TMP/limits.yaml" <<'YAML'
app: limits
functions:
  big:
    image: {base: host}
    cpu: 4
    memory: 1Gi
    command: ["true"]
YAML
run deploy "$TMP/limits.yaml"
expect_rc 2 "deploy with cpu and memory"
expect_eq "$err" "gpurun: using $ENDPOINT (no profile)
gpurun: error: function 'big': cpu and memory are not supported by the local executor yet; drop those fields to deploy on this server" "unsupported fields: message"
finish
