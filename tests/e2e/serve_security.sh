#!/usr/bin/env bash
# The security properties of docs/security.md that a test can see from outside: the token is
# needed everywhere but health, refused in URLs and argv, and never written to the server's log,
# its state or a run's environment; state files are 0600 and folders 0700 (also when an older
# version left them open), while runs keep the user's umask; commands are argv, never a shell;
# one run's logs cannot be reached through another id or a path.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

# An older state folder with open modes is closed at start.
mkdir -p "$TMP/s/runs/r-old"
chmod 0755 "$TMP/s" "$TMP/s/runs" "$TMP/s/runs/r-old"
start_server "$TMP/s"
cat >"$TMP/app.yaml" <<'YAML'
app: sec
functions:
  literal:
    image: {base: host}
    command: [echo, '$(id -u)', '`uname`', '; echo injected', '&& false', '$GPURUN_TOKEN']
  environment:
    image: {base: host}
    command: [sh, -c, 'env; echo "umask $(umask)"']
  other:
    image: {base: host}
    command: [echo, other output]
YAML
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy"

# The token: needed, compared whole, and never taken from a URL.
code=$(curl -s -o "$TMP/out" -w '%{http_code}' "$ENDPOINT/v1/runs")
expect_eq "$code" "401" "no token"
code=$(curl -s -o "$TMP/out" -w '%{http_code}' -H "Authorization: Bearer ${GPURUN_TOKEN}x" "$ENDPOINT/v1/runs")
expect_eq "$code" "401" "a longer token"
code=$(curl -s -o "$TMP/out" -w '%{http_code}' -H "Authorization: Bearer ${GPURUN_TOKEN:0:10}" "$ENDPOINT/v1/runs")
expect_eq "$code" "401" "a prefix of the token"
code=$(curl -s -o "$TMP/out" -w '%{http_code}' "$ENDPOINT/v1/health")
expect_eq "$code" "200" "health needs no token"
for query in "token=$GPURUN_TOKEN" "access_token=$GPURUN_TOKEN" "api_key=x"; do
  api GET "/v1/runs?$query"
  expect_eq "$code" "400" "token in the URL ($query): status"
  expect_eq "$(field 'd["code"]')" "token_in_url" "token in the URL ($query): code"
  expect_eq "$(grep -c -- "$GPURUN_TOKEN" "$TMP/out")" "0" "token in the URL: not echoed"
done
run ps --token "$GPURUN_TOKEN"
expect_rc 2 "no --token option: tokens are not taken from argv"

# Runs: argv without a shell, the user's umask, no server token in their environment.
run run "$TMP/app.yaml" literal
expect_rc 0 "literal arguments"
expect_eq "$out" '$(id -u) `uname` ; echo injected && false $GPURUN_TOKEN' "arguments reach the command as they are"
run run "$TMP/app.yaml" environment
expect_rc 0 "environment"
expect_eq "$(grep -c -- "$GPURUN_TOKEN" <<<"$out")" "0" "the server's token is not in a run's environment"
expect_contains "$out" "umask $(umask)" "a run has the umask the server was started with"
latest_run() { run ps --app sec --limit 1 --output json; json_get 'd["runs"][0]["id"]'; }
env_run=$(latest_run)
run run "$TMP/app.yaml" other
expect_rc 0 "other"
other_run=$(latest_run)

# Modes: folders 0700, files 0600, whatever the umask.
mode() { stat -c %a "$1"; }
for dir in "$TMP/s" "$TMP/s/runs" "$TMP/s/runs/$other_run" "$TMP/s/secrets"; do
  expect_eq "$(mode "$dir")" "700" "mode of ${dir#"$TMP"/}"
done
for file in "$TMP/s/state.db" "$TMP/s/state.db-wal" "$TMP/s/state.db-shm" "$TMP/s/endpoint" "$TMP/s/server.pid" \
  "$TMP/s/lock" "$TMP/s/runs/$other_run/stdout" "$TMP/s/runs/$other_run/stderr" \
  "$TMP/s/runs/$other_run/attempt-1.status" "$TMP/s/runs/$other_run/attempt-1.pid"; do
  [[ -e $file ]] || { fail "missing ${file#"$TMP"/}"; continue; }
  expect_eq "$(mode "$file")" "600" "mode of ${file#"$TMP"/}"
done

# Logs: each id reads its own run; ids cannot walk out of the runs folder.
api GET "/v1/runs/$other_run/logs"
expect_eq "$out" "other output" "a run's own log"
api GET "/v1/runs/$env_run/logs"
expect_eq "$(grep -c "other output" "$TMP/out")" "0" "another run's log is not in this one"
for path in "/v1/runs/..%2F$other_run/logs" "/v1/runs/%2E%2E/logs" "/v1/runs/$other_run%2Fstdout/logs" \
  "/v1/runs/$other_run%00/logs" "/v1/runs/.$other_run/logs"; do
  api GET "$path" --path-as-is
  [[ $code == 400 || $code == 404 ]] || fail "$path: status $code, expected 400 or 404"
  expect_eq "$(grep -c "other output" "$TMP/out")" "0" "$path: no log"
done
long=$(head -c 129 /dev/zero | tr '\0' a)
api GET "/v1/runs/$long/logs"
expect_eq "$code" "400" "an id of 129 characters"
api GET "/v1/runs/${long:1}/logs"
expect_eq "$code" "404" "an id of 128 characters: valid, and no such run"

# The token appears in no file the server writes but the token file, and not in its log.
stop_server
expect_eq "$(grep -rl -- "$GPURUN_TOKEN" "$TMP/s" | grep -v '/token$')" "" "the token in the state folder or the server's log"

# The local default's token file is 0600, and a token file others can read is refused.
unset GPURUN_TOKEN
start_server "$TMP/local"
expect_eq "$(mode "$TMP/local/token")" "600" "mode of the generated token file"
stop_server
chmod 0644 "$TMP/local/token"
run serve --listen 127.0.0.1:0 --state "$TMP/local"
expect_rc 1 "a token file readable by others"
expect_contains "$err" "is readable by other users" "a token file readable by others: why"
finish
