#!/usr/bin/env bash
# `gpurun serve --executor slurm` against the test Slurm cluster (with-slurm.sh sets SLURM_URL,
# SLURM_TOKEN_FILE, ...): `gpurun run` of an example manifest becomes a Slurm job whose placement,
# output and exit code show as for the local executor; the fallback chain while the H100 node is
# full; cancel; logs; a server restart that re-attaches to a job in flight; refused credentials.
source "$SOURCE_DIR/tests/e2e/lib.bash"
source "$SOURCE_DIR/tests/e2e/helpers/server.sh"
: "${SLURM_URL:?run through tests/integration/with-slurm.sh}"

slurm_args=(--executor slurm --slurm-url "$SLURM_URL" --slurm-user "$SLURM_USER"
            --slurm-token-file "$SLURM_TOKEN_FILE" --slurm-gres-map a100=A100-80GB)

# slurm METHOD PATH [BODY]: slurmrestd directly, as another user of the cluster would.
slurm() {
  curl -s -X "$1" -H "X-SLURM-USER-NAME: $SLURM_USER" -H "X-SLURM-USER-TOKEN: $SLURM_JWT" \
    -H "Content-Type: application/json" ${3:+-d "$3"} "$SLURM_URL/slurm/v0.0.38$2"
}
slurm_job_state() { slurm GET "/job/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["job_state"])'; }
# wait_placed RUN: until the run's job runs on a node (bounded: 20 s).
wait_placed() {
  local i
  for ((i = 0; i < 200; i++)); do
    api GET "/v1/runs/$1"
    [[ $(field 'd["state"]') == running && -z $(field 'd.get("reason") or ""') ]] && return 0
    sleep 0.1
  done
  fail "run $1 was not placed: $out"
}

cat >"$TMP/naps.yaml" <<'YAML'
app: naps
functions:
  nap:
    gpu: H100
    image: {base: host}
    command: [bash, -c, 'echo "napping on $SLURMD_NODENAME"; sleep "$1"; echo woke', nap]
    timeout: 5m
  container:
    image: {base: debian-slim}
    command: ["true"]
YAML

# Misconfiguration is caught before serving.
jwt=$SLURM_JWT
unset SLURM_JWT
run serve --state "$TMP/bad" --executor slurm --slurm-url "$SLURM_URL" --slurm-user root
export SLURM_JWT=$jwt
expect_rc 2 "serve without a token"
expect_contains "$err" "no Slurm token: set SLURM_JWT or pass --slurm-token-file" "no token"
run serve --state "$TMP/bad" --executor slurm --slurm-url "$SLURM_URL" --slurm-user root --slurm-gres-map a100=A100
expect_rc 2 "serve with a family in the GRES map"
expect_contains "$err" "A100 is a family; name the cards the nodes hold: A100-40GB or A100-80GB" "GRES map error"
SLURM_JWT=abc.def.ghi run serve --state "$TMP/bad" --listen 127.0.0.1:0 --executor slurm --slurm-url "$SLURM_URL" --slurm-user root
expect_rc 4 "serve with a token the cluster refuses"
expect_contains "$err" "slurmctld did not accept the token (SLURM_JWT)" "refused token"

start_server "$TMP/s" "${slurm_args[@]}"
expect_contains "$(cat "$TMP/s/serve.out")" "executor slurm" "serve names the executor"
expect_contains "$(cat "$TMP/s/serve.out")" "2 nodes: 4 A100-80GB, 8 H100" "serve shows the cluster's GPUs"
run inventory --output json
expect_eq "$(json_get 'd["simulated"]')" "False" "a Slurm inventory is real"
expect_eq "$(json_get 'sorted((n["name"], g["type"], g["total"], g["free"]) for n in d["nodes"] for g in n["gpus"])')" \
  "[('a100node', 'A100-80GB', 4, 4), ('h100node', 'H100', 8, 8)]" "inventory from GET /nodes"

# The example manifest: two H100 on the H100 node, the output, and the exit code passed through.
run run "$SOURCE_DIR/manifests/cluster.yaml" --output json -- 3
expect_rc 3 "run: the job's exit code"
expect_eq "$(json_get 'd["state"], d["exit_code"], d["placement"]["type"], d["placement"]["count"], d["placement"]["node"]')" \
  "failed 3 H100 2 h100node" "run: the final record"
first=$(json_get 'd["id"]')
expect_eq "$(json_get 'd["reason"]')" "exited with code 3" "run: the reason, worded as for the local executor"
run logs "$first"
expect_eq "$out" "run $first on h100node: 2 x H100, devices 0,1" "logs: the job's output file"
run status "$first"
expect_contains "$out" "gpu        H100:2 on h100node" "status: placement"
expect_contains "$out" "exit code  3" "status: exit code"
run run "$SOURCE_DIR/manifests/cluster.yaml"
expect_rc 0 "run: success"
expect_contains "$out" "on h100node: 2 x H100, devices 0,1" "run: streamed output"

# Fallback: while another user's job fills the H100 node, the chain's second entry runs.
blocker=$(slurm POST /job/submit '{"script":"#!/bin/bash\nsleep 120","job":{"name":"blocker","environment":{"PATH":"/usr/bin:/bin"},"gpus_per_node":"h100:8","current_working_directory":"/tmp","standard_output":"/dev/null"}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
for ((i = 0; i < 100; i++)); do [[ $(slurm_job_state "$blocker") == RUNNING ]] && break; sleep 0.1; done
run run "$SOURCE_DIR/manifests/cluster.yaml" --output json
expect_rc 0 "run while the H100 node is full"
expect_eq "$(json_get 'd["placement"]["type"], d["placement"]["count"], d["placement"]["node"], d["placement"]["rank"]')" \
  "A100-80GB 1 a100node 1" "fallback to the chain's second entry"
run logs "$(json_get 'd["id"]')"
expect_contains "$out" "on a100node: 1 x A100-80GB, devices 0" "fallback: output"
slurm DELETE "/job/$blocker" >/dev/null

# Cancel: the run's Slurm job is cancelled.
run run "$TMP/naps.yaml" nap --detach -- 60
nap=$out
wait_placed "$nap"
# Placed is not started: a job can still wait in Slurm's queue while the blocker's node completes.
# Cancel a job that is really running, so that its output exists.
for ((i = 0; i < 100; i++)); do
  [[ $("$GPURUN" logs "$nap" 2>/dev/null) == *"napping on h100node"* ]] && break
  sleep 0.1
done
run cancel "$nap"
expect_rc 0 "cancel"
wait_state "$nap" cancelled
run logs "$nap"
expect_contains "$out" "napping on h100node" "logs of a cancelled run"

# Restart: a server that stops while a job runs re-attaches to it and follows it to its end.
run run "$TMP/naps.yaml" nap --detach -- 3
napping=$out
wait_placed "$napping"
stop_server
start_server "$TMP/s" "${slurm_args[@]}"
api GET "/v1/runs/$napping"
expect_eq "$(field 'd["state"]')" "running" "after a restart the run is still running"
wait_state "$napping" succeeded 30
run logs "$napping"
expect_eq "$out" $'napping on h100node\nwoke' "logs after the restart"

# A container image cannot run on Slurm: the run fails and says why.
run run "$TMP/naps.yaml" container
expect_rc 1 "container image on Slurm"
expect_contains "$err" "the Slurm executor runs functions on the cluster's nodes themselves" "container: reason"

stop_server
finish
