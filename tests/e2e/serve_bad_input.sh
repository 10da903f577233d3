#!/usr/bin/env bash
# Bad input gets a 4xx problem+json answer with a stable code, and the server keeps serving:
# malformed JSON, unknown app, function or run, oversized bodies, path traversal in ids, wrong
# methods, invalid manifests. Also: no token on a non-loopback address, and the CLI's one-line
# errors for an unreachable server.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

start_server "$TMP/s" --max-body 4096
cat >"$TMP/app.yaml" <<'YAML'
app: demo
functions:
  hello:
    image: {base: host}
    command: [echo, hi]
YAML
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy"

# check STATUS CODE METHOD PATH [CURL ARGS...]
check() {
  local want_status=$1 want_code=$2
  shift 2
  api "$@"
  expect_eq "$code" "$want_status" "$1 $2: status"
  expect_contains "$(cat "$TMP/headers")" "application/problem+json" "$1 $2: problem+json"
  expect_eq "$(field 'd["code"]')" "$want_code" "$1 $2: code"
  expect_eq "$(field 'd["status"]')" "$want_status" "$1 $2: status field"
}
check 400 invalid_json PUT /v1/apps/demo -d '{"app": "demo", '
check 400 invalid_json PUT /v1/apps/demo -d '[1, 2]'
check 400 invalid_json POST /v1/apps/demo/functions/hello/runs -d 'nope'
check 422 invalid_manifest PUT /v1/apps/demo -d '{"functions": {"f": {"command": ["x"], "gpu": "A100-70GB"}}}'
expect_contains "$(field 'd["errors"][0]["message"]')" "did you mean" "invalid manifest: the loader's message"
check 400 app_mismatch PUT /v1/apps/demo -d '{"app": "other", "functions": {"f": {"command": ["x"]}}}'
check 404 app_not_found GET /v1/apps/nope
check 404 app_not_found POST /v1/apps/nope/functions/hello/runs -d ''
check 404 function_not_found POST /v1/apps/demo/functions/helo/runs -d ''
expect_contains "$(field 'd["detail"]')" "did you mean 'hello'?" "unknown function: did you mean"
check 404 run_not_found GET /v1/runs/r-0000
check 404 run_not_found POST /v1/runs/r-0000/cancel -d ''
check 404 run_not_found GET /v1/runs/r-0000/logs
check 404 not_found GET /v1/runs/..%2F..%2Fstate.db/logs --path-as-is
check 400 invalid_id GET /v1/runs/..%2E/logs --path-as-is
check 400 invalid_id GET /v1/runs/.hidden/logs
check 404 not_found GET /v1/runs/../../etc/passwd --path-as-is
check 400 invalid_app PUT '/v1/apps/a%20b' -d '{"functions": {}}'
check 400 invalid_state GET '/v1/runs?state=sleeping'
check 400 invalid_limit GET '/v1/runs?limit=0'
check 400 invalid_stream GET /v1/runs/r-0000/logs?stream=stdin
check 400 invalid_args POST /v1/apps/demo/functions/hello/runs -d '{"args": [1]}'
check 405 method_not_allowed DELETE /v1/runs/r-0000
expect_contains "$(cat "$TMP/headers")" "Allow: GET" "405 names the allowed methods"
check 405 method_not_allowed GET /v1/apps/demo/functions/hello/runs
check 400 bad_request POST /v1/runs/r-0000/cancel
expect_contains "$(field 'd["detail"]')" "Content-Length" "a POST without Content-Length: why"
check 404 not_found GET /v2/anything
big=$(head -c 8000 /dev/zero | tr '\0' 'x')
check 413 payload_too_large PUT /v1/apps/demo -d "{\"x\": \"$big\"}"
check 400 invalid_idempotency_key POST /v1/apps/demo/functions/hello/runs -d '' -H "Idempotency-Key: $(head -c 300 /dev/zero | tr '\0' 'k')"

# Headers beyond the limit: refused, not served.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' 'h')" "$ENDPOINT/v1/health")
[[ $code == 4* ]] || fail "oversized header: status $code, expected 4xx"

# Still serving.
code=$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/v1/health")
expect_eq "$code" "200" "still serving after bad input"
run run "$TMP/app.yaml"
expect_rc 0 "runs still work"
expect_eq "$out" "hi" "runs still work: output"

# A chain that can never be placed (no GPUs at all here): refused with the candidates; run exits 3.
cat >"$TMP/gpu.yaml" <<'YAML'
app: gpuapp
functions:
  big:
    image: {base: host}
    gpu: ["H100:8", "A100-80GB:2"]
    command: [echo, never]
YAML
run run "$TMP/gpu.yaml"
expect_rc 3 "run: no capacity"
expect_contains "$err" "can ever be placed" "no capacity: why"

# The CLI: unreachable server and unknown ids in one line each.
GPURUN_ENDPOINT=http://127.0.0.1:9 run ps
expect_rc 4 "unreachable"
expect_contains "$err" "cannot reach the control plane at http://127.0.0.1:9" "unreachable: message"
expect_eq "$(wc -l <"$TMP/err")" "1" "unreachable: one line"
run cancel r-0000
expect_rc 7 "cancel an unknown run"
expect_eq "$err" "gpurun: using $ENDPOINT (no profile)
gpurun: error: no run 'r-0000'" "unknown run: where, then one line"

# Listening beyond loopback needs GPURUN_TOKEN.
GPURUN_TOKEN= run serve --listen 0.0.0.0:0 --state "$TMP/open"
expect_rc 2 "non-loopback without a token"
expect_contains "$err" "refusing to listen on 0.0.0.0 without a token" "non-loopback: reason"
finish
