#!/usr/bin/env bash
# `gpurun smoke` on a real GPU: every check present and passing on a healthy card, identity
# against --expect (exact, upgrade, forbidden upgrade, wrong type, too few GPUs), and the quick
# level's wall time. Skips where there is no GPU.
source "$(dirname "$0")/lib.bash"

run smoke --output json
if [[ $rc == 5 ]]; then
  echo "skipped: $(json_get 'd["reason"]')"
  exit 125
fi
expect_rc 0 "smoke quick"
expect_eq "$(json_get 'd["status"] in ("pass", "warn")')" "True"
expect_eq "$(json_get '[c["name"] for c in d["devices"][0]["checks"]]')" "['identity', 'memory_size', 'ecc', 'row_remapping', 'clock_events', 'pcie_link', 'memory_pattern', 'bandwidth_copy', 'bandwidth_triad', 'fp32_fma', 'gemm_bf16', 'gemm_known_answer', 'host_to_device', 'device_to_host']"
expect_eq "$(json_get '[c["name"] for dev in d["devices"] for c in dev["checks"] if c["status"] == "fail"]')" "[]"
expect_eq "$(json_get 'all(k in c for dev in d["devices"] for c in dev["checks"] for k in ("value", "unit", "catalog", "ratio", "threshold", "status", "duration_s"))')" "True"
expect_eq "$(json_get 'bool(d["driver_version"]) and bool(d["runtime_version"])')" "True"
count=$(json_get 'len(d["devices"])')
type=$(json_get 'd["devices"][0]["type"]')
echo "found $count x $type"

# The quick level, CUDA initialisation included, within 3 seconds.
start=$(date +%s%N)
run smoke --device 0 --output json
wall_ms=$((($(date +%s%N) - start) / 1000000))
echo "quick, one device: ${wall_ms} ms"
((wall_ms < 3000)) || fail "quick wall time ${wall_ms} ms, over 3 s"

if [[ $type == "H200" ]]; then
  run smoke --device 0 --expect H200 --output json
  expect_rc 0 "--expect H200"
  expect_eq "$(json_get 'd["devices"][0]["fit"]')" "exact"
  run smoke --device 0 --expect H100 --output json
  expect_rc 0 "--expect H100 on an H200"
  expect_eq "$(json_get 'd["devices"][0]["fit"]')" "upgrade"
  run smoke --device 0 --expect 'H100!' --output json
  expect_rc 1 "--expect H100! on an H200"
  expect_contains "$(json_get 'd["devices"][0]["checks"][0]["detail"]')" "which '!' forbids"
  run smoke --device 0 --expect A100 --output json
  expect_rc 1 "--expect A100 on an H200"
  run smoke --device 0 --expect "H200:$((count + 1))" --output json
  expect_rc 1 "--expect more GPUs than there are"
  expect_eq "$(json_get '[c["status"] for c in d["checks"] if c["name"] == "gpu_count"]')" "['fail']"
fi

if ((count > 1)); then
  run smoke --device 0,1 --output json
  expect_eq "$(json_get '[c["name"] for c in d["checks"]]')" "['peer_copy_0_1', 'peer_copy_1_0']"
  expect_eq "$(json_get '[c["status"] for c in d["checks"]]')" "['pass', 'pass']"
fi

run smoke --device 99
expect_rc 2 "--device 99"
expect_contains "$err" "no device 99"

finish
