#!/usr/bin/env bash
# The CLI against a control plane that drops connections and answers 503: dropped and reset
# connections and 503 answers are retried (4 tries in all), every retry of a submission carries
# the same Idempotency-Key, the token travels only in the Authorization header, and a server that
# never recovers gives one clear line and the documented exit code (4 unreachable, 1 failed).
source "$(dirname "$0")/lib.bash"
export GPURUN_TOKEN="client-test-token-$$"
SERVER_PID=""
trap '[[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

# flaky ACTION...: (re)starts the fake server with a script of actions and a fresh request log.
flaky() {
  [[ -n $SERVER_PID ]] && { kill "$SERVER_PID"; wait "$SERVER_PID"; } 2>/dev/null
  rm -f "$TMP/port" "$TMP/requests"
  /usr/bin/python3 "$(dirname "$0")/helpers/flaky_server.py" "$TMP/port" "$TMP/requests" "$@" &
  SERVER_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do [[ -s $TMP/port ]] && break; sleep 0.05; done
  export GPURUN_ENDPOINT="http://127.0.0.1:$(cat "$TMP/port")"
}
requests() { [[ -f $TMP/requests ]] && wc -l <"$TMP/requests" || echo 0; }
# logged EXPR: a Python expression over the logged requests (`r`, a list of dicts).
logged() { /usr/bin/python3 -c "import json; r=[json.loads(l) for l in open('$TMP/requests')]; print($1)"; }

flaky drop 503 ok
run ps --output json
expect_rc 0 "ps: dropped, then 503, then answered"
expect_eq "$(requests)" "3" "ps: three tries"
expect_eq "$(json_get 'd["runs"][0]["id"]')" "r-00000000000000aa" "ps: the answer of the third try"

flaky reset reset ok
run status r-00000000000000aa --output json
expect_rc 0 "status: two resets, then answered"
expect_eq "$(requests)" "3" "status: three tries"

cat >"$TMP/app.yaml" <<'YAML'
app: demo
functions:
  hello:
    image: {base: host}
    command: [echo, hi]
YAML
flaky ok drop 503 ok
run run "$TMP/app.yaml" --detach --output json
expect_rc 0 "run --detach: the submission retried until answered"
expect_eq "$(logged '[x["method"] for x in r]')" "['PUT', 'POST', 'POST', 'POST']" "deploy once, submit three times"
expect_eq "$(logged 'len({x["headers"].get("idempotency-key") for x in r if x["method"] == "POST"})')" "1" \
  "every try of the submission has the same Idempotency-Key"
expect_eq "$(logged 'len(r[1]["headers"].get("idempotency-key", ""))')" "32" "the key is sent"
expect_eq "$(logged 'all(x["headers"].get("authorization") == "Bearer '"$GPURUN_TOKEN"'" for x in r)')" "True" \
  "the token is in the Authorization header"
expect_eq "$(logged 'any("'"$GPURUN_TOKEN"'" in x["path"] for x in r)')" "False" "the token is never in a URL"

flaky 503
run ps
expect_rc 1 "always 503: failed"
expect_eq "$(requests)" "4" "always 503: four tries"
expect_contains "$err" "the fake server is busy" "always 503: the server's reason"
expect_eq "$(wc -l <"$TMP/err")" "1" "always 503: one line"

flaky drop
run ps
expect_rc 4 "always dropped: unreachable"
expect_eq "$(requests)" "4" "always dropped: four tries"
expect_contains "$err" "cannot reach the control plane at $GPURUN_ENDPOINT" "always dropped: message"
expect_eq "$(wc -l <"$TMP/err")" "1" "always dropped: one line"
finish
