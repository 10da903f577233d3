#!/usr/bin/env bash
# The control plane over HTTP: auth, deploy (content-hashed versions), runs with idempotency
# keys, status, logs, ps, apps, inventory, and `gpurun run` streaming output and exiting with
# the function's exit code. A real `gpurun serve` on 127.0.0.1 with a simulated inventory.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

cat >"$TMP/inv.yaml" <<'YAML'
nodes:
  - name: sim-1
    gpus: {H100: 2, L4: 1}
YAML
cat >"$TMP/app.yaml" <<'YAML'
app: demo
functions:
  hello:
    image: {base: host}
    command: [sh, -c, 'echo "out $GPURUN_GPU_TYPE x$GPURUN_GPU_COUNT on $GPURUN_NODE rank $GPURUN_FALLBACK_RANK cuda=$CUDA_VISIBLE_DEVICES args=$*"; echo "to stderr" >&2', sh]
    gpu: H100
  fails:
    image: {base: host}
    command: [sh, -c, 'echo failing; exit 3']
YAML
start_server "$TMP/s1" --inventory "$TMP/inv.yaml"
expect_contains "$(cat "$TMP/s1/serve.out")" "GPUs are simulated" "serve says the GPUs are simulated"
expect_eq "$(stat -c %a "$TMP/s1")" "700" "state folder mode"

# Health needs no token; everything else does.
code=$(curl -s -o "$TMP/out" -w '%{http_code}' "$ENDPOINT/v1/health")
expect_eq "$code" "200" "health without a token"
code=$(curl -s -o "$TMP/out" -w '%{http_code}' "$ENDPOINT/v1/apps")
expect_eq "$code" "401" "apps without a token"
expect_contains "$(cat "$TMP/out")" '"code":"unauthorized"' "401 is problem+json"
code=$(curl -s -o "$TMP/out" -w '%{http_code}' -H "Authorization: Bearer wrong" "$ENDPOINT/v1/apps")
expect_eq "$code" "401" "apps with a wrong token"
GPURUN_TOKEN=wrong run apps
expect_rc 6 "CLI with a wrong token"
expect_contains "$err" "refused the credentials" "CLI auth error"

# Deploy: the version is the content hash; the same content changes nothing.
run deploy "$TMP/app.yaml" --output json
expect_rc 0 "deploy"
version=$(json_get 'd["version"]')
expect_eq "$(json_get 'd["changed"]')" "True" "first deploy changes"
expect_eq "$(json_get 'sorted(d)')" "['app', 'changed', 'version']" "deploy prints app, version, changed"
run deploy "$TMP/app.yaml" --output json
expect_eq "$(json_get 'd["changed"]')" "False" "same content: unchanged"
expect_eq "$(json_get 'd["version"]')" "$version" "same content: same version"
run validate "$TMP/app.yaml" --output json
expect_eq "$(json_get 'd["deployments"][0]["version"]')" "$version" "server version = validate's version"
sed 's/failing/failing now/' "$TMP/app.yaml" >"$TMP/app2.yaml"
run deploy "$TMP/app2.yaml" --output json
expect_eq "$(json_get 'd["changed"]')" "True" "changed content: changed"
run deploy "$TMP/app.yaml" --output json
run apps --output json
expect_eq "$(json_get '[a["app"] for a in d["apps"]]')" "['demo']" "apps"
run inventory --output json
expect_eq "$(json_get 'd["simulated"]')" "True" "inventory is simulated"
expect_eq "$(json_get 'd["nodes"][0]["gpus"]')" "[{'free': 2, 'total': 2, 'type': 'H100'}, {'free': 1, 'total': 1, 'type': 'L4'}]" "inventory GPUs"

# gpurun run: output streamed, exit code passed through, arguments after --.
run run "$TMP/app.yaml" hello -- a1 "b 2"
expect_rc 0 "run hello"
expect_eq "$out" "out H100 x1 on sim-1 rank 0 cuda=0 args=a1 b 2" "run hello: stdout"
expect_contains "$err" "to stderr" "run hello: the function's stderr on stderr"
run run "$TMP/app.yaml" fails
expect_rc 3 "run: the function's exit code"
expect_eq "$out" "failing" "run fails: stdout"
expect_contains "$err" "exited with code 3" "run fails: reason"
run run "$TMP/app.yaml" hello --output json
expect_rc 0 "run --output json"
expect_eq "$(json_get 'd["state"], d["exit_code"], d["placement"]["type"], d["placement"]["count"], d["placement"]["node"]')" \
  "succeeded 0 H100 1 sim-1" "run --output json: the final record"
id=$(json_get 'd["id"]')
run run "$TMP/app.yaml" --detach
expect_rc 2 "run without a function name when there are two"
expect_contains "$err" "name the one to run: hello, fails" "which functions"
run run "$TMP/app.yaml" helo
expect_rc 2 "run: unknown function"
expect_contains "$err" "did you mean 'hello'?" "run: did you mean"
run run "$TMP/app.yaml" hello --detach --output json
expect_rc 0 "run --detach"
expect_contains "$(json_get 'd["state"]')" "queued" "--detach returns at once"
detached=$(json_get 'd["id"]')
wait_state "$detached" succeeded

# status, logs, ps.
run status "$id" --output json
expect_eq "$(json_get 'd["id"], d["state"], d["exit_code"]')" "$id succeeded 0" "status --output json"
run status "$id"
expect_contains "$out" "gpu        H100:1 on sim-1" "status text"
run logs "$id"
expect_eq "$out" "out H100 x1 on sim-1 rank 0 cuda=0 args=" "logs: stdout"
expect_eq "$err" "to stderr" "logs: stderr"
run logs "$detached" -f
expect_rc 0 "logs -f of an ended run"
run ps --output json
expect_eq "$(json_get 'len(d["runs"])')" "4" "ps: every run"
run ps --state failed --output json
expect_eq "$(json_get '[r["function"] for r in d["runs"]]')" "['fails']" "ps --state"
run ps --app nope --output json
expect_eq "$(json_get 'd["runs"]')" "[]" "ps --app"
run ps
expect_contains "$out" "RUN" "ps table"
run status r-doesnotexist
expect_rc 7 "status of an unknown run"
expect_eq "$err" "gpurun: error: no run 'r-doesnotexist'" "unknown run: one line"

# Idempotency-Key: the same key gives the same run; another request with it is refused.
api POST /v1/apps/demo/functions/hello/runs -H "Idempotency-Key: k-1" -d '{"args": ["x"]}'
expect_eq "$code" "201" "first submission"
first=$(field 'd["id"]')
api POST /v1/apps/demo/functions/hello/runs -H "Idempotency-Key: k-1" -d '{"args": ["x"]}'
expect_eq "$code" "200" "replayed submission"
expect_eq "$(field 'd["id"]')" "$first" "replay: same run"
expect_contains "$(cat "$TMP/headers")" "Idempotency-Replayed: true" "replay header"
api POST /v1/apps/demo/functions/hello/runs -H "Idempotency-Key: k-1" -d '{"args": ["y"]}'
expect_eq "$code" "422" "same key, other request"
expect_eq "$(field 'd["code"]')" "idempotency_key_reused" "key reuse code"

# The OpenAPI document is served.
api GET /v1/openapi.json
expect_eq "$code" "200" "openapi"
expect_eq "$(field 'd["openapi"]')" "3.0.3" "openapi version"

stop_server
expect_contains "$(cat "$TMP/s1/serve.out")" "stopped" "SIGTERM stops the server cleanly"
finish
