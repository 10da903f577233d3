#!/usr/bin/env bash
# Terminal behaviour: colour follows NO_COLOR, CLICOLOR_FORCE and TERM=dumb, per stream; waits
# show a line redrawn in place on a terminal and a plain line every few seconds elsewhere
# (GPURUN_PROGRESS_INTERVAL seconds, 0 for none).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"
cd "$SOURCE_DIR/tests/e2e/fixtures/invalid"
esc=$'\033['

# Colour: off when not a terminal, forced by CLICOLOR_FORCE, and NO_COLOR wins over that.
unset NO_COLOR
run validate keys.yaml
[[ $err == *"$esc"* ]] && fail "colour on a pipe"
CLICOLOR_FORCE=1 run validate keys.yaml
expect_contains "$err" "${esc}1;31merror:" "CLICOLOR_FORCE=1 colours"
CLICOLOR_FORCE=1 NO_COLOR=1 run validate keys.yaml
[[ $err == *"$esc"* ]] && fail "NO_COLOR must win over CLICOLOR_FORCE"
CLICOLOR_FORCE=0 run validate keys.yaml
[[ $err == *"$esc"* ]] && fail "CLICOLOR_FORCE=0 forces nothing"

# On a terminal (script(1) gives one): colour, unless TERM=dumb or NO_COLOR.
if command -v script >/dev/null; then
  on_tty() { TERM=$1 script -qefc "$2" /dev/null 2>&1; }
  expect_contains "$(on_tty xterm "$GPURUN validate keys.yaml")" "${esc}1;31merror:" "colour on a terminal"
  tty_out=$(on_tty dumb "$GPURUN validate keys.yaml")
  [[ $tty_out == *"$esc"* ]] && fail "TERM=dumb: no colour on a terminal"
  tty_out=$(NO_COLOR=1 on_tty xterm "$GPURUN validate keys.yaml")
  [[ $tty_out == *"$esc"* ]] && fail "NO_COLOR: no colour on a terminal"
fi
export NO_COLOR=1

# Progress: a run waiting behind another shows where it is, a plain line a second here.
cat >"$TMP/inv.yaml" <<'YAML'
nodes:
  - name: sim-1
    gpus: {H100: 1}
YAML
cat >"$TMP/app.yaml" <<'YAML'
app: waits
functions:
  hold:
    image: {base: host}
    gpu: H100
    command: [sh, -c, 'sleep 3']
  quiet:
    image: {base: host}
    gpu: H100
    command: [sh, -c, 'sleep 2; echo done']
YAML
start_server "$TMP/s" --inventory "$TMP/inv.yaml"
run run "$TMP/app.yaml" hold --detach
expect_rc 0 "a run holding the only H100"
GPURUN_PROGRESS_INTERVAL=1 run run "$TMP/app.yaml" quiet
expect_rc 0 "a run that waits, then is silent, then prints"
expect_eq "$out" "done" "the function's output on stdout, no progress in it"
expect_contains "$err" "is queued: " "plain lines say it is queued, and why"
expect_contains "$err" "H100" "why: the GPU it waits for"
expect_contains "$err" "is running (H100:1 on sim-1), no output yet (" "then that it runs, silently"
[[ $err == *$'\r'* || $err == *"$esc"* ]] && fail "no redrawn line off a terminal: $err"
lines=$(grep -c '^gpurun: run r-' <<<"$err")
((lines >= 3)) || fail "about one line a second: got $lines in [$err]"

GPURUN_PROGRESS_INTERVAL=0 run run "$TMP/app.yaml" quiet
expect_rc 0 "progress lines off"
[[ $err == *"no output yet"* ]] && fail "GPURUN_PROGRESS_INTERVAL=0 still printed: $err"

# On a terminal: one line redrawn in place (\r, erase line), erased before the output.
if command -v script >/dev/null; then
  tty_out=$(TERM=xterm script -qefc "$GPURUN run $TMP/app.yaml quiet" /dev/null 2>&1)
  expect_contains "$tty_out" $'\r'"${esc}K" "a redrawn progress line on a terminal"
  expect_contains "$tty_out" "no output yet" "what it waits for"
  expect_contains "$tty_out" $'\r'"${esc}Kdone" "the line is erased before the output"
  grep -aq 'gpurun: run r-.*no output yet' <<<"$tty_out" && fail "no plain lines on a terminal"
  tty_out=$(TERM=dumb GPURUN_PROGRESS_INTERVAL=1 script -qefc "$GPURUN run $TMP/app.yaml quiet" /dev/null 2>&1)
  [[ $tty_out == *"${esc}K"* ]] && fail "TERM=dumb: no redrawn line"
  expect_contains "$tty_out" "gpurun: run r-" "TERM=dumb: plain lines"
fi
finish
