# Drives zsh's completion system for real: an interactive zsh in a pseudo-terminal (zsh/zpty)
# with compinit and a folder of completion functions on $fpath. The line is typed and Tab
# pressed; every candidate the completion functions add is recorded and printed, one a line.
# Exits 2 when the shell does not answer within 10 s.
#
#   zsh -f zsh_complete.zsh FPATH_DIR 'gpurun run app.yaml '
emulate -L zsh
zmodload zsh/zpty || { print -u2 "zsh/zpty is not available"; exit 2 }
local dir=$1 line=$2
local work=$(mktemp -d)
local capture=$work/capture rc=$work/rc
trap 'zpty -d shell 2>/dev/null; rm -rf $work' EXIT

cat >$rc <<RC
PS1=''
fpath=(${(q)dir} \$fpath)
autoload -Uz compinit && compinit -u -D
# Record what is offered. Calls with -O, -A or -D only filter into arrays: leave those alone.
compadd() {
  if (( \${@[(I)-[OAD]*]} )); then builtin compadd "\$@"; return; fi
  local -a found
  builtin compadd -O found "\$@"
  (( \$#found )) && print -rl -- \$found >>${(q)capture}
  builtin compadd "\$@"
}
_capture_complete() {
  _main_complete
  print -r -- '<done>' >>${(q)capture}
}
zle -C capture-complete complete-word _capture_complete
bindkey '^I' capture-complete
print -r -- '<ready>' >>${(q)capture}
RC

# wait_for MARK: until the capture file holds MARK, draining the terminal's output meanwhile.
wait_for() {
  local i chunk
  for i in {1..200}; do
    while zpty -rt shell chunk 2>/dev/null; do :; done
    [[ -f $capture && $(<$capture) == *"$1"* ]] && return 0
    sleep 0.05
  done
  print -u2 "zsh did not answer (waiting for $1)"
  exit 2
}

zpty -b shell 'zsh -f -i'
zpty -w shell "source ${(q)rc}"
wait_for '<ready>'
: >$capture
zpty -w -n shell "$line"$'\t'
wait_for '<done>'
print -rl -- ${(f)"$(<$capture)"} | grep -vx '<done>' | sort -u
