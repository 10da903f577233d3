#!/usr/bin/env bash
# A read-only state folder: `gpurun serve` refuses to start with one clear line (exit 1), the CLI
# that would start the local server says why at once (exit 4) instead of waiting, and the state
# is untouched once writable again. Read-only is a read-only bind mount in a private mount
# namespace, or, for a user other than root (whom permissions do not stop), a folder without
# write permission; as root without a mount namespace the test is skipped.
source "$(dirname "$0")/helpers/mount_ns.bash"
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"
# The mount goes first (lazily: the killed servers may still hold it), then the usual cleanup.
trap 'umount -l "$TMP/ro" 2>/dev/null; cleanup' EXIT

state=$TMP/ro/state
mkdir -p "$TMP/ro"
if ((MOUNT_NS)); then
  mount --bind "$TMP/ro" "$TMP/ro" || { echo "skipped: cannot bind-mount" >&2; exit 125; }
  read_only() { mount -o remount,bind,ro "$TMP/ro"; }
  writable() { mount -o remount,bind,rw "$TMP/ro"; }
elif [[ $(id -u) != 0 ]]; then
  read_only() { chmod -R a-w "$TMP/ro"; }
  writable() { chmod -R u+w "$TMP/ro"; }
else
  echo "skipped: root ignores permissions, and no mount namespace can be made for a read-only mount" >&2
  exit 125
fi

start_server "$state"
cat >"$TMP/app.yaml" <<'YAML'
app: kept
functions:
  hello: {image: {base: host}, command: [echo, hi]}
YAML
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy"
stop_server
read_only

run serve --listen 127.0.0.1:0 --state "$state"
expect_rc 1 "serve on a read-only state folder"
expect_contains "$err" "the state folder $state is not writable" "serve on a read-only folder: why"
expect_eq "$(wc -l <"$TMP/err")" "1" "serve on a read-only folder: one line"

# The embedded default cannot start its server there: it says so without waiting 15 s.
start=$SECONDS
( unset GPURUN_ENDPOINT GPURUN_TOKEN; GPURUN_STATE=$state run ps; echo "$rc" >"$TMP/rc"; printf '%s' "$err" >"$TMP/ps-err" )
rc=$(cat "$TMP/rc")
err=$(cat "$TMP/ps-err")
expect_rc 4 "the CLI on a read-only state folder"
expect_contains "$err" "cannot start the local control plane" "the CLI on a read-only folder: why"
((SECONDS - start < 10)) || fail "the CLI on a read-only folder took $((SECONDS - start)) s"

writable
expect_eq "$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$state/state.db")" \
  "ok" "the database's integrity check"
start_server "$state"
api GET /v1/apps/kept
expect_eq "$code" "200" "the app deployed before is still there"
finish
