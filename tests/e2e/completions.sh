#!/usr/bin/env bash
# Shell completion: the scripts in completions/ are exactly what `gpurun completion` generates
# (regenerate them with scripts/gen-completions after changing the command tree), and they
# complete subcommands, options, --output values and GPU type names in real shells.
source "$(dirname "$0")/lib.bash"
cd "$SOURCE_DIR"

for pair in "bash:completions/gpurun.bash" "zsh:completions/_gpurun" "fish:completions/gpurun.fish"; do
  shell=${pair%%:*} file=${pair#*:}
  run completion "$shell"
  expect_rc 0 "completion $shell"
  [[ "$out" == "$(cat "$file")" ]] || fail "$file is stale: run scripts/gen-completions"
done

# bash: drive the completion function the way readline does.
bash_complete() { # WORDS...: prints the candidates for the last word
  bash -c 'source completions/gpurun.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _gpurun; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
expect_eq "$(bash_complete gpurun pl)" "plan" "bash: subcommand"
expect_eq "$(bash_complete gpurun gpus --output "")" $'text\njson' "bash: --output values"
expect_eq "$(bash_complete gpurun gpus --f)" "--for" "bash: option"
expect_eq "$(bash_complete gpurun gpus H2)" "H200" "bash: GPU type names"
expect_eq "$(bash_complete gpurun gpus --for m)" "memory-bound" "bash: --for values"
expect_eq "$(bash_complete gpurun completion f)" "fish" "bash: completion shells"
expect_contains "$(bash_complete gpurun validate manifests/fall)" "manifests/fallback.yaml" "bash: files"

# fish: its own completion engine.
if command -v fish >/dev/null; then
  fish_complete() { fish -c "source completions/gpurun.fish; complete -C '$1'" | cut -f1; }
  expect_contains "$(fish_complete 'gpurun pl')" "plan" "fish: subcommand"
  expect_eq "$(fish_complete 'gpurun gpus --output ' | sort | tr '\n' ' ')" "json text " "fish: --output values"
  expect_contains "$(fish_complete 'gpurun gpus B')" "B200" "fish: GPU type names"
  expect_contains "$(fish_complete 'gpurun plan --inv')" "--inventory" "fish: option"
else
  echo "note: fish is not installed; its completion is checked for staleness only" >&2
fi

# zsh: the script must at least parse; it is driven for real in the shell-integration tests.
if command -v zsh >/dev/null; then
  zsh -n completions/_gpurun || fail "zsh cannot parse completions/_gpurun"
fi

finish
