#!/usr/bin/env bash
# The command line itself: version, help, unknown commands and flags, exit codes.
source "$(dirname "$0")/lib.bash"

run --version
expect_rc 0 "--version"
expect_contains "$out" "gpurun 0."

run --help
expect_rc 0 "--help"
for cmd in validate gpus plan completion; do expect_contains "$out" "$cmd" "--help lists $cmd"; done

run plan --help
expect_rc 0 "plan --help"
expect_contains "$out" "--inventory"

run
expect_rc 2 "no command"
expect_contains "$err" "gpurun: error: a command is required"

run vaildate x.yaml
expect_rc 2 "misspelt command"
expect_eq "$err" "gpurun: error: unknown command 'vaildate'; did you mean 'validate'?"

run frobnicate
expect_rc 2 "unknown command"
expect_eq "$err" "gpurun: error: unknown command 'frobnicate'; run 'gpurun --help' for the list of commands"

run gpus --bogus
expect_rc 2 "unknown flag"
expect_contains "$err" "gpurun: error: "
expect_contains "$err" "--bogus"

run gpus --output yaml
expect_rc 2 "bad --output value"
expect_contains "$err" "gpurun: error: "

# A bad duration is a usage error naming the option, found before any server is asked or started.
XDG_STATE_HOME=$TMP/state run logs -f --reconnect 5x r-1
expect_rc 2 "bad --reconnect"
expect_eq "$err" "gpurun: error: invalid --reconnect '5x': unknown duration unit 'x'; expected a duration such as 90s, 10m, 2h or 1h30m"
[[ ! -e $TMP/state/gpurun ]] || fail "logs with a bad --reconnect started the local control plane"
run serve --grace never --state "$TMP/serve-state"
expect_rc 2 "bad --grace"
expect_eq "$err" "gpurun: error: invalid --grace 'never': 'never' is not a duration; expected a duration such as 90s, 10m, 2h or 1h30m"

GPURUN_OUTPUT=json run gpus
expect_rc 0 "GPURUN_OUTPUT=json"
expect_eq "$(json_get 'len(d)')" "10" "GPURUN_OUTPUT selects JSON"

finish
