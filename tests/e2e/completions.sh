#!/usr/bin/env bash
# Shell completion: the scripts in completions/ are exactly what `gpurun completion` generates
# (regenerate them with scripts/gen-completions after changing the command tree), and bash, zsh
# and fish, each driven for real, complete subcommands, options, --output values, GPU type names,
# the function names of a manifest and the profiles of the configuration.
source "$(dirname "$0")/lib.bash"
cd "$SOURCE_DIR"

for pair in "bash:completions/gpurun.bash" "zsh:completions/_gpurun" "fish:completions/gpurun.fish"; do
  shell=${pair%%:*} file=${pair#*:}
  run completion "$shell"
  expect_rc 0 "completion $shell"
  [[ "$out" == "$(cat "$file")" ]] || fail "$file is stale: run scripts/gen-completions"
done

# The scripts ask the binary the user typed, found on PATH as `gpurun`.
mkdir -p "$TMP/bin"
ln -s "$GPURUN" "$TMP/bin/gpurun"
export PATH=$TMP/bin:$PATH
cat >"$TMP/profiles.yaml" <<'YAML'
profiles:
  staging: {endpoint: "http://127.0.0.1:9"}
  prod: {endpoint: "http://127.0.0.1:9"}
YAML
export GPURUN_CONFIG=$TMP/profiles.yaml

# The hidden helper the scripts call: candidates one a line, silent on errors.
run __complete functions manifests/fallback.yaml
expect_rc 0 "__complete functions"
expect_eq "$out" $'run_on_80gb\nnightly_report' "__complete functions: the manifest's names"
run __complete functions /nonexistent.yaml
expect_eq "$rc|$out|$err" "0||" "__complete functions: silent on a missing file"
run __complete profiles
expect_eq "$out" $'staging\nprod' "__complete profiles"
run --help
[[ $out == *__complete* ]] && fail "--help lists the hidden __complete"

# Each shell: complete LINE prints the candidates for LINE's last word, one a line, sorted.
bash_complete() {
  bash -c 'source completions/gpurun.bash; read -ra COMP_WORDS <<<"$1"; [[ $1 == *" " ]] && COMP_WORDS+=("")
           COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _gpurun; printf "%s\n" "${COMPREPLY[@]}"' _ "$1" | sort -u | sed '/^$/d'
}
zsh_complete() { zsh -f "$SOURCE_DIR/tests/e2e/helpers/zsh_complete.zsh" "$SOURCE_DIR/completions" "$1"; }
fish_complete() { fish -c "source completions/gpurun.fish; complete -C '$1'" | cut -f1 | sort -u; }

# check SHELL LINE EXPECTED [contains|substring]: the candidates are exactly EXPECTED
# (space-separated, sorted); with `contains`, include each of its words; with `substring`, include
# it as text (a file is offered with its folder by some shells, without by others).
check() {
  local shell=$1 line=$2 want=$3 mode=${4:-exact} got
  got=$("${shell}_complete" "$line" | tr '\n' ' ')
  got=${got% }
  if [[ $mode == exact ]]; then
    expect_eq "$got" "$want" "$shell: [$line]"
  elif [[ $mode == substring ]]; then
    expect_contains "$got" "$want" "$shell: [$line]"
  else
    local word
    for word in $want; do expect_contains " $got " " $word " "$shell: [$line]"; done
  fi
}

shells=(bash)
if command -v zsh >/dev/null && zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then shells+=(zsh); else
  echo "note: zsh with zsh/zpty is not installed; its completion is checked for staleness only" >&2; fi
if command -v fish >/dev/null; then shells+=(fish); else
  echo "note: fish is not installed; its completion is checked for staleness only" >&2; fi

for sh in "${shells[@]}"; do
  check "$sh" "gpurun pl" "plan"
  check "$sh" "gpurun co" "completion config"
  check "$sh" "gpurun " "validate gpus plan deploy run status logs cancel ps smoke secret config" contains
  check "$sh" "gpurun gpus --f" "--for"
  check "$sh" "gpurun plan --inv" "--inventory"
  check "$sh" "gpurun gpus --output " "json text"
  check "$sh" "gpurun validate --output " "github json text"
  check "$sh" "gpurun gpus --for m" "memory-bound"
  check "$sh" "gpurun gpus H2" "H200"
  check "$sh" "gpurun gpus H100 B" "B200"
  check "$sh" "gpurun smoke --expect A100-" "A100-40GB A100-80GB"
  check "$sh" "gpurun completion f" "fish"
  check "$sh" "gpurun validate manifests/fall" "fallback.yaml" substring
  check "$sh" "gpurun run manifests/fallback.yaml " "nightly_report run_on_80gb"
  check "$sh" "gpurun run manifests/fallback.yaml n" "nightly_report"
  check "$sh" "gpurun --profile staging run manifests/hello.yaml " "hello"
  check "$sh" "gpurun run -d manifests/hello.yaml " "hello"
  check "$sh" "gpurun image render manifests/fallback.yaml r" "run_on_80gb"
  check "$sh" "gpurun image " "build ls render"
  check "$sh" "gpurun secret " "ls rm set"
  check "$sh" "gpurun config " "show"
  check "$sh" "gpurun --profile " "prod staging"
  check "$sh" "gpurun deploy manifests/hello.yaml --profile st" "staging"
  check "$sh" "gpurun ps --state r" "running"
done

# bash: the file argument may start with ~/.
mkdir -p "$TMP/home"
cp manifests/fallback.yaml "$TMP/home/app.yaml"
got=$(HOME=$TMP/home bash_complete "gpurun run ~/app.yaml " | tr '\n' ' ')
expect_eq "$got" "nightly_report run_on_80gb " "bash: ~/ in the manifest's path"

finish
