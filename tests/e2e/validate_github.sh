#!/usr/bin/env bash
# `gpurun validate --output github`: one GitHub Actions annotation per diagnostic on stdout
# (`::error file=F,line=L,col=C::message`, escaped per the workflow-command rules), exit codes as
# for text; GPURUN_OUTPUT=github does the same, and means text for commands without annotations.
source "$(dirname "$0")/lib.bash"
cd "$SOURCE_DIR/tests/e2e/fixtures/invalid"

run validate --output github keys.yaml
expect_rc 2 "invalid manifest"
expect_eq "$(echo "$out" | head -2)" "::error file=keys.yaml,line=3,col=3::function 'train' has no command; add command: [program, args...]
::error file=keys.yaml,line=4,col=5::unknown key 'gpus' in function 'train'; did you mean 'gpu'?" "annotations"
expect_eq "$(echo "$out" | wc -l)" "$(grep -c ': error: ' keys.stderr)" "one annotation per diagnostic"
expect_contains "$err" "errors found" "a summary on stderr"

run validate -o github "$TMP/missing,file.yaml"
expect_rc 2 "missing file"
expect_eq "$out" "::error file=$TMP/missing%2Cfile.yaml::cannot read: No such file or directory" "no line: no line property; ',' escaped"

cd "$SOURCE_DIR"
run validate --output github manifests/hello.yaml
expect_rc 0 "a valid manifest"
expect_eq "$out" "ok: app 'hello', 1 function, version $(cut -c1-12 <<<"$(GPURUN_OUTPUT=json "$GPURUN" validate manifests/hello.yaml | python3 -c 'import json,sys; print(json.load(sys.stdin)["deployments"][0]["version"])')")" "ok line"
expect_empty "$err" "stderr of a valid manifest"

GPURUN_OUTPUT=github run validate tests/e2e/fixtures/invalid/specs.yaml
expect_rc 2 "GPURUN_OUTPUT=github"
expect_contains "$out" "::error file=tests/e2e/fixtures/invalid/specs.yaml,line=7,col=16::H100 allows at most 8 GPUs per function, got 9"

GPURUN_OUTPUT=github run gpus H100
expect_rc 0 "GPURUN_OUTPUT=github for a command without annotations"
expect_contains "$out" "TYPE" "means text there"

run gpus --output github
expect_rc 2 "--output github where it has no meaning"
finish
