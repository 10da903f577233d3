#!/usr/bin/env bash
# kill -9 of the server in the middle of deploys, submissions and running runs, then a restart:
# every acknowledged deploy and run is there, none is duplicated, retrying a submission with its
# key gives the same run, no run ran twice, and no run is left `running` for ever, also when its
# process is killed while the server is up.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

cat >"$TMP/inv.yaml" <<'YAML'
nodes:
  - name: sim
    gpus: {L4: 2}
YAML
cat >"$TMP/app.yaml" <<YAML
app: crash
functions:
  quick:
    image: {base: host}
    command: [sh, -c, 'echo "\$GPURUN_RUN_ID" >> $TMP/marks']
  sleeper:
    image: {base: host}
    gpu: L4
    command: [sh, -c, 'sleep 2; echo "\$GPURUN_RUN_ID" >> $TMP/slept']
YAML
start_server "$TMP/s" --inventory "$TMP/inv.yaml"
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy"

# Load: one client deploys new apps, two submit runs with fresh keys (a few sleepers, which hold
# the GPUs across the kill); each logs what was acknowledged (2xx) until the stop file appears.
deployer() {
  local i=0 code
  while [[ ! -e $TMP/stop ]]; do
    i=$((i + 1))
    code=$(curl -s -m 5 -o "$TMP/deploys/app-$i" -w '%{http_code}' -X PUT -H "Authorization: Bearer $GPURUN_TOKEN" \
      -d '{"functions": {"f": {"command": ["true"], "env": {"N": "'$i'"}}}}' "$ENDPOINT/v1/apps/app-$i")
    [[ $code == 2* ]] && echo "app-$i" >>"$TMP/acked-deploys"
  done
  echo "$i" >"$TMP/deploys-tried"
}
submitter() { # NAME FUNCTION [MAX]
  local i=0 code
  while [[ ! -e $TMP/stop ]] && ((i < ${3:-100000})); do
    i=$((i + 1))
    code=$(curl -s -m 5 -o "$TMP/runs/$1-$i" -w '%{http_code}' -X POST -H "Authorization: Bearer $GPURUN_TOKEN" \
      -H "Idempotency-Key: $1-$i" -d '{}' "$ENDPOINT/v1/apps/crash/functions/$2/runs")
    [[ $code == 2* ]] && echo "$1-$i" >>"$TMP/acked-runs"
  done
  echo "$i" >"$TMP/tried-$1"
}
mkdir -p "$TMP/deploys" "$TMP/runs"
deployer &
loaders=($!)
submitter q quick &
loaders+=($!)
submitter s sleeper 6 &
loaders+=($!)
sleep 2
kill9_server
sleep 0.3
touch "$TMP/stop"
wait "${loaders[@]}"
acked_deploys=$(wc -l <"$TMP/acked-deploys")
acked_runs=$(wc -l <"$TMP/acked-runs")
echo "acknowledged before the kill: $acked_deploys deploys, $acked_runs submissions"
((acked_deploys > 0 && acked_runs > 0)) || fail "the load was acknowledged before the kill ($acked_deploys deploys, $acked_runs runs)"
start_server "$TMP/s" --inventory "$TMP/inv.yaml"

# Every acknowledged deploy is there, with the version it was acknowledged with.
/usr/bin/python3 - "$TMP" "$ENDPOINT" "$GPURUN_TOKEN" <<'PY' || fail "acknowledged deploys after the restart"
import json, sys, urllib.request
tmp, endpoint, token = sys.argv[1:]
bad = 0
for app in open(f"{tmp}/acked-deploys").read().split():
    acked = json.load(open(f"{tmp}/deploys/{app}"))
    req = urllib.request.Request(f"{endpoint}/v1/apps/{app}", headers={"Authorization": f"Bearer {token}"})
    try:
        got = json.load(urllib.request.urlopen(req))
    except Exception as e:
        print(f"{app}: acknowledged, now {e}", file=sys.stderr); bad += 1; continue
    if got["version"] != acked["version"]:
        print(f"{app}: version {got['version']}, acknowledged {acked['version']}", file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
PY

# Retrying every submission with its key: an acknowledged one gives the same run (200); one the
# kill cut off gives its run if it was stored, else a new one; so each key has exactly one run.
/usr/bin/python3 - "$TMP" "$ENDPOINT" "$GPURUN_TOKEN" <<'PY' || fail "submissions retried after the restart"
import json, sys, urllib.request
tmp, endpoint, token = sys.argv[1:]
acked = set(open(f"{tmp}/acked-runs").read().split())
bad = 0
ids = {}
for name, function in (("q", "quick"), ("s", "sleeper")):
    for i in range(1, int(open(f"{tmp}/tried-{name}").read()) + 1):
        key = f"{name}-{i}"
        req = urllib.request.Request(f"{endpoint}/v1/apps/crash/functions/{function}/runs", data=b"{}", method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
        res = urllib.request.urlopen(req)
        run = json.load(res)
        ids[key] = run["id"]
        if key in acked:
            first = json.load(open(f"{tmp}/runs/{key}"))
            if res.status != 200 or run["id"] != first["id"]:
                print(f"{key}: acknowledged as {first['id']}, retried as {run['id']} ({res.status})", file=sys.stderr); bad += 1
req = urllib.request.Request(f"{endpoint}/v1/runs?app=crash&limit=1000", headers={"Authorization": f"Bearer {token}"})
runs = json.load(urllib.request.urlopen(req))["runs"]
if len(runs) != len(ids) or {r["id"] for r in runs} != set(ids.values()):
    print(f"{len(runs)} runs stored for {len(ids)} keys", file=sys.stderr); bad += 1
json.dump(ids, open(f"{tmp}/ids.json", "w"))
sys.exit(1 if bad else 0)
PY

# Every run comes to an end: none stays queued or running for ever.
for ((i = 0; i < 600; i++)); do
  run ps --app crash --limit 1000 --output json
  active=$(json_get 'sum(r["state"] in ("queued", "running") for r in d["runs"])')
  [[ $active == 0 ]] && break
  sleep 0.1
done
expect_eq "$active" "0" "runs still active a minute after the restart"
# No run ran twice; each run that succeeded ran once.
json_get '"\n".join(r["id"] + " " + r["state"] for r in d["runs"])' >"$TMP/states"
for file in marks slept; do
  [[ -f $TMP/$file ]] || continue
  expect_eq "$(sort "$TMP/$file" | uniq -d)" "" "$file: no run ran twice"
done
while read -r id state; do
  if [[ $state == succeeded ]]; then
    expect_eq "$(cat "$TMP/marks" "$TMP/slept" 2>/dev/null | grep -c "^$id$")" "1" "succeeded run $id ran once"
  elif [[ $state != lost ]]; then
    fail "run $id ended $state"
  fi
done <"$TMP/states"

# A run whose process dies while the server is up is marked lost, not left running.
api POST /v1/apps/crash/functions/sleeper/runs -d '{}'
victim=$(field 'd["id"]')
wait_state "$victim" running
for ((i = 0; i < 50; i++)); do [[ -s $TMP/s/runs/$victim/attempt-1.pid ]] && break; sleep 0.1; done
pkill -9 -s "$(cat "$TMP/s/runs/$victim/attempt-1.pid")"
wait_state "$victim" lost 10
api GET "/v1/runs/$victim"
expect_contains "$(field 'd["reason"]')" "ended without recording an exit status" "lost while the server is up: why"
finish
