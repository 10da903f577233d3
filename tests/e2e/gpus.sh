#!/usr/bin/env bash
# `gpurun gpus`: the catalog as a table and as JSON, single types, and the selection guide.
source "$(dirname "$0")/lib.bash"

run gpus
expect_rc 0 "gpus"
expect_contains "$out" "H200       Hopper        141 GB"
expect_contains "$out" "A10        Ampere        24 GB     0.6 TB/s    31.2 TF  125 TF   4"

run gpus --output json
expect_rc 0 "gpus json"
expect_eq "$(json_get '[t["name"] for t in d]')" "['T4', 'L4', 'A10', 'A100', 'A100-40GB', 'A100-80GB', 'L40S', 'H100', 'H200', 'B200']"
expect_eq "$(json_get '{t["name"]: (t["memory_gb"], t["max_count"]) for t in d}["H200"]')" "(141.0, 8)"
expect_eq "$(json_get '{t["name"]: t["max_count"] for t in d}["A10"]')" "4"
expect_eq "$(json_get '{t["name"]: t["upgrades"] for t in d}["H100"]')" "['H200']"

run gpus h100 a10g -o json
expect_rc 0 "gpus TYPE..."
expect_eq "$(json_get '[t["name"] for t in d]')" "['H100', 'A10']"

run gpus H10O
expect_rc 2 "unknown type"
expect_eq "$err" "gpurun: error: unknown GPU type 'H10O'; did you mean 'H100'?"

run gpus --for inference
expect_rc 0 "--for inference"
expect_contains "$(echo "$out" | sed -n 2p)" "1. L40S"

run gpus --for training -o json
expect_eq "$(json_get '[t["name"] for t in d][:2]')" "['H100', 'A100']"
expect_eq "$(json_get 'd[0]["rank"]')" "1"

run gpus --for memory-bound -o json
expect_eq "$(json_get '[t["name"] for t in d][:2]')" "['H200', 'A100-80GB']"

run gpus --for gaming
expect_rc 2 "--for gaming"

finish
