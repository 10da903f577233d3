#!/usr/bin/env bash
# `gpurun smoke` where no GPU can be used (CI, a build without CUDA): exit 5, one valid JSON
# document with a plain reason, the same reason on stderr in text mode, and never a crash.
source "$(dirname "$0")/lib.bash"

run smoke --output json
if [[ $rc == 0 || $rc == 1 ]]; then
  echo "skipped: a CUDA device is present (tests/e2e/smoke_gpu.sh covers it)"
  exit 125
fi
expect_rc 5 "smoke json"
expect_eq "$(json_get 'd["status"]')" "no_device"
expect_eq "$(json_get 'd["devices"]')" "[]"
expect_eq "$(json_get 'd["level"]')" "quick"
expect_eq "$(json_get 'sorted(d)')" "['checks', 'cuda_driver_version', 'devices', 'driver_version', 'duration_s', 'expect', 'level', 'reason', 'runtime_version', 'status']"
reason=$(json_get 'd["reason"]')
[[ $reason == "this build has no CUDA support"* || $reason == "no CUDA device"* ]] || fail "reason: [$reason]"
expect_empty "$err" "stderr with --output json"

run smoke --level thorough --expect H100 --output json
expect_rc 5 "smoke thorough with --expect"
expect_eq "$(json_get 'd["expect"] + " " + d["level"]')" "H100 thorough"

run smoke
expect_rc 5 "smoke text"
expect_empty "$out" "stdout in text mode"
expect_contains "$err" "gpurun: error: $reason" "text-mode reason"

finish
