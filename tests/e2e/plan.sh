#!/usr/bin/env bash
# `gpurun plan`: resolves chains against a declared inventory and submits nothing.
source "$(dirname "$0")/lib.bash"
cd "$SOURCE_DIR"
inv=manifests/inventories/example.yaml

run plan manifests/fallback.yaml --inventory $inv
expect_rc 0 "plan fallback"
expect_contains "$out" "run_on_80gb  ->  H200:1 on hopper-2 (upgrade)"
expect_contains "$out" "1. H100           placed     no node has 1 free H100; upgraded to H200: 1 of 8 free on hopper-2"
expect_contains "$out" "2. A100-40GB:2    not_tried  not tried: an earlier entry was placed"
expect_contains "$out" "nightly_report  ->  CPU only"

run plan manifests/fallback.yaml --inventory $inv --output json
expect_rc 0 "plan json"
expect_eq "$(json_get 'd["functions"][0]["placement"]')" "{'count': 1, 'node': 'hopper-2', 'rank': 0, 'type': 'H200', 'upgrade': True}"
expect_eq "$(json_get '[c["status"] for c in d["functions"][0]["candidates"]]')" "['placed', 'not_tried', 'not_tried']"
expect_eq "$(json_get 'd["functions"][1]["placement"]["count"]')" "0"

# H100! cannot use the free H200s: the chain waits, and plan says so with exit 3.
cat >"$TMP/strict.yaml" <<'YAML'
app: strict
functions:
  bench: {gpu: "H100!", command: [bench]}
  big: {gpu: "H100:8", command: [train]}
YAML
run plan "$TMP/strict.yaml" --inventory $inv -o json
expect_rc 3 "nothing fits now"
expect_eq "$(json_get '(d["functions"][0]["placement"], d["functions"][0]["can_wait"])')" "(None, True)"
expect_eq "$(json_get 'd["functions"][0]["candidates"][0]["reason"]')" "needs 1 free H100 on one node; most free now: none"
expect_eq "$(json_get 'd["functions"][0]["candidates"][0]["upgrade"]')" "'!' rules out the upgrade; without it: 8 free H200 on hopper-2"
expect_eq "$(json_get 'd["functions"][1]["placement"]["type"]')" "H200"
expect_eq "$(json_get 'd["functions"][1]["candidates"][0]["note"]')" "requesting more than 2 GPUs may result in longer wait times"

run plan "$TMP/strict.yaml" --inventory $inv
expect_rc 3 "text plan, nothing fits"
expect_contains "$out" "bench  ->  waits: nothing fits now"

# The exact type wins over an upgrade when both are free.
cat >"$TMP/inv.yaml" <<'YAML'
nodes:
  - {name: n1, gpus: {H200: 8}}
  - {name: n2, gpus: {H100: 8}, free: {H100: 2}}
YAML
run plan "$TMP/strict.yaml" --inventory "$TMP/inv.yaml" -o json
expect_eq "$(json_get 'd["functions"][0]["placement"]["node"]')" "n2"

# Bad inventories and missing flags are input errors.
printf 'nodes:\n  - {name: x, gpus: {A100: 2}}\n' >"$TMP/bad-inv.yaml"
run plan manifests/fallback.yaml --inventory "$TMP/bad-inv.yaml"
expect_rc 2 "bad inventory"
expect_contains "$err" "bad-inv.yaml:2:22: error: A100 names a family, not a card; an inventory lists A100-40GB or A100-80GB"
run plan manifests/fallback.yaml
expect_rc 2 "no inventory"
GPURUN_INVENTORY=$inv run plan manifests/fallback.yaml -o json
expect_rc 0 "GPURUN_INVENTORY"

finish
