#!/usr/bin/env bash
# Schedules against a real `gpurun serve` whose schedule clock is a file the test steps through
# ticks (--schedule-clock), so nothing waits for a real minute: `gpurun apps` shows the next
# tick, a tick submits one run, a restart (also after kill -9) does not submit it again, only the
# latest of several missed ticks runs, and redeploying without the schedule stops it.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000Z; }
# The clock starts at the real time, so the deploy (real time) is not in its future; `base` is a
# */5 tick at least a minute later, surely after the deploy.
t0=$(date +%s)
base=$((((t0 + 60) / 300 + 1) * 300))
clock=$TMP/clock
echo "$t0" >"$clock"

cat >"$TMP/app.yaml" <<'YAML'
app: cron
functions:
  tick:
    image: {base: host}
    schedule: "*/5 * * * *"
    command: [sh, -c, 'echo tick $GPURUN_RUN_ID']
  tokyo:
    image: {base: host}
    schedule: "0 6 * * *"
    timezone: Asia/Tokyo
    command: ["true"]
YAML
start_server "$TMP/s" --schedule-clock "$clock"
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy"

# The next tick of each scheduled function; 06:00 in Tokyo is 21:00 UTC.
tokyo_next=$(python3 -c "
import datetime as d; t = d.datetime.fromtimestamp($t0, d.timezone.utc)
n = t.replace(hour=21, minute=0, second=0)
n = n if n > t else n + d.timedelta(days=1)
print(n.strftime('%Y-%m-%dT%H:%M:%S.000Z'))")
run apps --output json
expect_eq "$(json_get '[(s["function"], s["next_tick"], s["timezone"]) for s in d["apps"][0]["schedules"]]')" \
  "[('tick', '$(iso $(((t0 / 300 + 1) * 300)))', 'UTC'), ('tokyo', '$tokyo_next', 'Asia/Tokyo')]" "apps: next ticks"
run apps
expect_contains "$out" "tick $(iso $(((t0 / 300 + 1) * 300))), tokyo $tokyo_next" "apps: NEXT TICK column"

runs_of_tick() { # how many runs the schedule made
  api GET "/v1/runs?app=cron&limit=100"
  field 'len([r for r in d["runs"] if r["function"] == "tick"])'
}
wait_runs() { # N: waits up to 5 s for N runs of tick
  local i
  for ((i = 0; i < 50; i++)); do [[ $(runs_of_tick) == "$1" ]] && return 0; sleep 0.1; done
  fail "expected $1 scheduled run(s), got $(runs_of_tick)"
}
sleep 0.5
expect_eq "$(runs_of_tick)" "0" "no run before the first tick"

# The tick comes (and perhaps one before it, after the deploy: missed, so only this one runs).
echo $((base + 10)) >"$clock"
wait_runs 1
sleep 0.5
expect_eq "$(runs_of_tick)" "1" "one run per tick"
api GET "/v1/runs?app=cron&limit=100"
first=$(field 'd["runs"][0]["id"]')
wait_state "$first" succeeded
expect_contains "$(cat "$TMP/s/serve.out")" "cron/tick tick $(date -u -d "@$base" +%Y-%m-%dT%H:%M:%SZ) submitted as run $first" "server log names the tick"

# kill -9 and a restart at the same clock: the tick is not fired again.
kill9_server
start_server "$TMP/s" --schedule-clock "$clock"
sleep 1
expect_eq "$(runs_of_tick)" "1" "restart: the tick fired once"

# Three ticks missed while the server is down: only the latest runs, once.
stop_server
echo $((base + 900 + 10)) >"$clock"
start_server "$TMP/s" --schedule-clock "$clock"
wait_runs 2
sleep 1
expect_eq "$(runs_of_tick)" "2" "missed ticks: the latest one only"
log=$(cat "$TMP/s/serve.out")
expect_contains "$log" "tick $(date -u -d "@$((base + 900))" +%Y-%m-%dT%H:%M:%SZ) submitted" "missed ticks: the latest ran"
for skipped in 300 600; do
  [[ $log == *"tick $(date -u -d "@$((base + skipped))" +%Y-%m-%dT%H:%M:%SZ) submitted"* ]] && fail "missed tick +$skipped s ran"
done

# Redeploying without the schedule stops it.
sed -i '/schedule: "\*\/5/d' "$TMP/app.yaml"
run deploy "$TMP/app.yaml"
expect_rc 0 "redeploy without the schedule"
echo $((base + 1200 + 10)) >"$clock"
sleep 1
expect_eq "$(runs_of_tick)" "2" "no tick after the schedule was removed"
run apps --output json
expect_eq "$(json_get '[s["function"] for s in d["apps"][0]["schedules"]]')" "['tokyo']" "apps: only tokyo is scheduled"
finish
