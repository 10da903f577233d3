# Helpers for the end-to-end tests: each test script sources this, runs the built binary ($GPURUN)
# and checks stdout, stderr and the exit code. A script exits 125 to be reported as skipped.
set -uo pipefail
: "${GPURUN:?GPURUN must name the built gpurun binary}"
: "${SOURCE_DIR:?SOURCE_DIR must name the source tree}"
export NO_COLOR=1
unset GPURUN_OUTPUT GPURUN_INVENTORY GPURUN_ENDPOINT GPURUN_TOKEN GPURUN_TOKEN_FILE GPURUN_PROFILE CLICOLOR_FORCE
unset GPURUN_PROGRESS_INTERVAL
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The user's own configuration (profiles, a default endpoint) must not reach the tests: an empty
# configuration file of their own. Tests of the configuration set GPURUN_CONFIG or unset it.
: >"$TMP/gpurun-config.yaml"
export GPURUN_CONFIG=$TMP/gpurun-config.yaml
failures=0

# run ARGS...: runs gpurun, leaving $out, $err and $rc.
run() {
  "$GPURUN" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  out=$(cat "$TMP/out")
  err=$(cat "$TMP/err")
}

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

expect_rc() { [[ $rc == "$1" ]] || fail "${2:-command}: exit $rc, expected $1 (stderr: ${err:0:400})"; }
expect_eq() { [[ $1 == "$2" ]] || fail "${3:-value}: expected [$2], got [$1]"; }
expect_contains() { [[ $1 == *"$2"* ]] || fail "${3:-output}: expected to contain [$2], got [${1:0:600}]"; }
expect_empty() { [[ -z $1 ]] || fail "${2:-output}: expected nothing, got [${1:0:400}]"; }

# json_get EXPR: evaluates a Python expression on the JSON document in $out (bound to `d`).
json_get() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$TMP/out')); print($1)"; }

finish() {
  if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
  exit 0
}
