#!/usr/bin/env bash
# `gpurun validate`: the example manifests are clean; every invalid fixture gives exit 2 and
# exactly the diagnostics in its .stderr file; JSON output carries the same errors as objects.
source "$(dirname "$0")/lib.bash"
cd "$SOURCE_DIR"

run validate manifests/*.yaml
expect_rc 0 "validate manifests/*.yaml"
expect_empty "$err" "stderr of a clean validate"
expect_eq "$(echo "$out" | wc -l)" "$(ls manifests/*.yaml | wc -l)" "one ok line per example app"

cd tests/e2e/fixtures/invalid
for manifest in *.yaml; do
  run validate "$manifest"
  expect_rc 2 "validate $manifest"
  expect_empty "$out" "stdout of an invalid validate ($manifest)"
  expect_eq "$err" "$(cat "${manifest%.yaml}.stderr")" "diagnostics of $manifest"
done

run validate specs.yaml --output json
expect_rc 2 "validate --output json"
expect_empty "$err" "stderr with --output json"
expect_eq "$(json_get 'd["valid"]')" "False"
expect_eq "$(json_get 'len(d["errors"])')" "6"
expect_eq "$(json_get 'd["errors"][1]')" "{'column': 16, 'line': 7, 'message': 'H100 allows at most 8 GPUs per function, got 9', 'path': 'specs.yaml'}"

cd "$SOURCE_DIR"
run validate manifests/training.yaml -o json
expect_rc 0 "validate one file as json"
expect_eq "$(json_get '(d["valid"], d["deployments"][0]["app"], d["deployments"][0]["functions"])')" "(True, 'llama-training', 2)"
expect_eq "$(json_get 'len(d["deployments"][0]["version"])')" "64"

# Several files of one app make one deployment; a function declared twice across them is an error.
cat >"$TMP/part1.yaml" <<'YAML'
app: split
functions:
  a: {command: [x], gpu: T4}
YAML
cat >"$TMP/part2.yaml" <<'YAML'
functions:
  b: {command: [y], gpu: "L4:2"}
YAML
run validate "$TMP/part1.yaml" "$TMP/part2.yaml"
expect_rc 0 "split app"
expect_contains "$out" "ok: app 'split', 2 functions"
cp "$TMP/part1.yaml" "$TMP/part3.yaml"
run validate "$TMP/part1.yaml" "$TMP/part3.yaml"
expect_rc 2 "function declared in two files"
expect_contains "$err" "part3.yaml:3:3: error: function 'a' is already declared at $TMP/part1.yaml:3:3"

run validate "$TMP/missing.yaml"
expect_rc 2 "missing file"
expect_eq "$(echo "$err" | head -1)" "$TMP/missing.yaml: error: cannot read: No such file or directory"

finish
