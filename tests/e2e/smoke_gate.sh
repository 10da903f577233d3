#!/usr/bin/env bash
# `smoke: quick` through the control plane: the local executor checks the placed GPUs before the
# command starts. The server's GPUs are declared (simulated), so the check compares the real
# devices with what the declaration claimed. Without a usable GPU the run fails, says why and the
# command never starts; with one, the check passes when the declaration is right and stops the
# run when it claims a type the device is not.
source "$(dirname "$0")/lib.bash"
source "$SOURCE_DIR/tests/e2e/helpers/server.sh"

run smoke --output json
real_type=$([[ $rc == 0 || $rc == 1 ]] && json_get 'd["devices"][0]["type"]')
no_cuda_build=$([[ $(json_get 'd["reason"]') == "this build has no CUDA support"* ]] && echo yes)

# declare TYPE: a one-node inventory of TYPE:1 and a manifest whose function asks for SPEC.
declare_gpu() {
  printf 'nodes:\n  - name: box\n    gpus: {%s: 1}\n' "$1" >"$TMP/inventory.yaml"
  cat >"$TMP/checked.yaml" <<YAML
app: checked
functions:
  probe:
    gpu: "$2"
    smoke: quick
    command: [sh, -c, 'touch "\$1"; echo started', probe, "$TMP/started"]
YAML
}

if [[ -n $no_cuda_build ]]; then
  declare_gpu H100 H100
  start_server "$TMP/s" --inventory "$TMP/inventory.yaml"
  run deploy "$TMP/checked.yaml"
  expect_rc 2 "deploy of a smoke function to a build without CUDA"
  expect_contains "$err" "smoke is not supported by the local executor" "refused at deploy"
  finish
fi

if [[ -z $real_type ]]; then
  # CI: the server accepts the function, the run fails before its command.
  declare_gpu H100 H100
  start_server "$TMP/s" --inventory "$TMP/inventory.yaml"
  run run "$TMP/checked.yaml" --output json
  expect_rc 5 "run with no CUDA device: the gate's exit code, 5 as for gpurun smoke"
  expect_eq "$(json_get 'd["state"]')" "failed" "state"
  reason=$(json_get 'd["reason"]')
  expect_contains "$reason" "the smoke check of the placed GPUs failed, so the command did not start: no CUDA device" "reason"
  [[ ! -e $TMP/started ]] || fail "the command started although the check failed"
  run logs "$(json_get 'd["id"]')"
  expect_contains "$out$err" "gpurun: smoke check failed, the command did not start" "the run's log says so"
  finish
fi

# A GPU: the truth passes and the command runs.
declare_gpu "$real_type" "$real_type"
start_server "$TMP/s" --inventory "$TMP/inventory.yaml"
run run "$TMP/checked.yaml"
expect_rc 0 "run on the real type"
expect_contains "$out" "started" "the command ran"
expect_contains "$err" "gpurun: smoke check passed: 1 GPU serve $real_type" "the check's line"
stop_server
rm -f "$TMP/started"

# A declaration that lies: the device is checked against the function's chain, not the claim.
lie=$([[ $real_type == H100 ]] && echo L4 || echo H100)
declare_gpu "$lie" "$lie!"
start_server "$TMP/s2" --inventory "$TMP/inventory.yaml"
run run "$TMP/checked.yaml" --output json
expect_rc 1 "run on a GPU the declaration got wrong"
expect_contains "$(json_get 'd["reason"]')" "so the command did not start: the GPUs are not what [$lie!] allows: $lie!: device 0 is $real_type" "reason names the device"
[[ ! -e $TMP/started ]] || fail "the command started although the check failed"
finish
