#!/usr/bin/env bash
# `gpurun smoke` flags: bad values exit 2 with a message before any GPU work, on any machine.
source "$(dirname "$0")/lib.bash"

run smoke --level fast
expect_rc 2 "--level fast"
expect_contains "$err" "--level"

run smoke --expect H1OO
expect_rc 2 "--expect H1OO"
expect_contains "$err" "invalid --expect 'H1OO'"
expect_contains "$err" "did you mean 'H100'?"

run smoke --expect H100:0
expect_rc 2 "--expect H100:0"

run smoke --device 0,x
expect_rc 2 "--device 0,x"
expect_eq "$err" "gpurun: error: invalid --device '0,x': expected 'all', a device number or a list like 0,1"

run smoke --help
expect_rc 0 "smoke --help"
expect_contains "$out" "--expect"
expect_contains "$out" "quick|thorough"

run completion bash
expect_contains "$out" "smoke"

finish
