#!/usr/bin/env bash
# A full disk under the state folder: deploys and submissions are refused with 507 storage_full
# and a clear message (the CLI exits 1), reads keep working, writes work again once there is
# space, the database is intact and keeps every acknowledged deploy; a server that cannot even
# write its token says why. The disk is a 2 MiB tmpfs in a private mount namespace; where none
# can be made, the file-size limit (ulimit -f) stands in for it, which SQLite sees the same way.
source "$(dirname "$0")/helpers/mount_ns.bash"
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"
# The mount goes first (lazily: the killed servers may still hold it), then the usual cleanup.
trap 'umount -l "$TMP/disk" 2>/dev/null; cleanup' EXIT

state=$TMP/disk/state
mkdir -p "$TMP/disk"
real_gpurun=$GPURUN
if ((MOUNT_NS)); then
  mount -t tmpfs -o size=2m,mode=0700 gpurun-test "$TMP/disk" || { echo "skipped: cannot mount a tmpfs" >&2; exit 125; }
  fill() { dd if=/dev/zero of="$TMP/disk/filler" bs=4k 2>/dev/null; }
  make_room() { rm -f "$TMP/disk/filler"; }
else
  # Files of at most 1 MiB; with SIGXFSZ ignored, a write past it fails with EFBIG.
  printf '#!/usr/bin/env bash\ntrap "" XFSZ\nulimit -f 1024\nexec %q "$@"\n' "$real_gpurun" >"$TMP/limited"
  chmod +x "$TMP/limited"
  GPURUN=$TMP/limited
  fill() { :; }
  make_room() { stop_server; GPURUN=$real_gpurun; start_server "$state" --inventory "$TMP/inv.yaml"; }
fi

big_manifest() { # APP: a manifest of about 300 KB
  /usr/bin/python3 -c "import json,sys; print(json.dumps({'functions': {'f': {'command': ['true'], 'env': {'BIG': 'x' * 300000}}}}))" >"$TMP/$1.json"
}
deploy_json() { # APP FILE: PUT, leaving $code and $out
  api PUT "/v1/apps/$1" --data-binary "@$2"
}

cat >"$TMP/inv.yaml" <<'YAML'
nodes: [{name: sim, gpus: {L4: 1}}]
YAML
start_server "$state" --inventory "$TMP/inv.yaml"
cat >"$TMP/small.yaml" <<'YAML'
app: small
functions:
  hello: {image: {base: host}, command: [echo, hi]}
  holder: {image: {base: host}, gpu: L4, command: [sleep, '1.5']}
  waiter: {image: {base: host}, gpu: L4, command: ["true"]}
YAML
run deploy "$TMP/small.yaml"
expect_rc 0 "deploy before the disk fills"

if ((MOUNT_NS)); then
  # Runs across a full disk: one holds the only GPU and ends while nothing can be saved, one
  # waits for that GPU. Once there is room again, both end as they should: nothing is lost.
  api POST /v1/apps/small/functions/holder/runs -d '{}'
  holder=$(field 'd["id"]')
  wait_state "$holder" running
  api POST /v1/apps/small/functions/waiter/runs -d '{}'
  waiter=$(field 'd["id"]')
  fill
  sleep 2.5
  api GET "/v1/runs/$waiter"
  expect_eq "$code" "200" "reads while the disk is full"
  expect_eq "$(field 'd["state"]')" "queued" "the waiting run while the disk is full"
  make_room
  wait_state "$holder" succeeded 10
  wait_state "$waiter" succeeded 10
fi

fill
for i in 1 2 3 4 5 6 7 8; do
  big_manifest "big$i"
  deploy_json "big$i" "$TMP/big$i.json"
  [[ $code == 2* ]] && echo "big$i" >>"$TMP/acked" || break
done
if ((MOUNT_NS)); then
  expect_eq "$code" "507" "a deploy on a full disk: status"
  expect_eq "$(field 'd["code"]')" "storage_full" "a deploy on a full disk: code"
  expect_contains "$(field 'd["detail"]')" "the server's state folder is full; nothing was stored" "a deploy on a full disk: detail"
else
  # SQLite reports a write past the file-size limit as an I/O error, not as a full disk.
  [[ $code == 507 || $code == 503 ]] || fail "a deploy past the file-size limit: status $code, expected 507 or 503"
  expect_contains "$(field 'd["detail"]')" "state folder" "a deploy past the file-size limit: detail"
fi
refused=big$i

# The CLI: one line, exit 1.
cat >"$TMP/big.yaml" <<YAML
app: $refused
functions:
  f: {image: {base: host}, command: ["true"], env: {BIG: "$(head -c 300000 /dev/zero | tr '\0' x)"}}
YAML
run deploy "$TMP/big.yaml"
expect_rc 1 "gpurun deploy on a full disk"
expect_contains "$err" "state folder" "gpurun deploy on a full disk: message"

# Reads still work.
api GET /v1/apps/small
expect_eq "$code" "200" "reads on a full disk"

make_room
deploy_json "$refused" "$TMP/$refused.json"
expect_eq "$code" "201" "a deploy once there is room again"
echo "$refused" >>"$TMP/acked"

# Intact after a crash: every acknowledged deploy, and SQLite's own check.
kill9_server
start_server "$state" --inventory "$TMP/inv.yaml"
for app in small $(cat "$TMP/acked"); do
  api GET "/v1/apps/$app"
  expect_eq "$code" "200" "acknowledged app $app after the restart"
done
stop_server
expect_eq "$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$state/state.db")" \
  "ok" "the database's integrity check"

# A new server on a full disk cannot write its token: it says so and exits 1.
if ((MOUNT_NS)); then
  fill
  GPURUN_TOKEN= run serve --listen 127.0.0.1:0 --state "$TMP/disk/fresh"
  expect_rc 1 "serve on a full disk"
  expect_contains "$err" "No space left on device" "serve on a full disk: why"
fi
finish
