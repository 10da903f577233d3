#!/usr/bin/env bash
# Hostile HTTP on a raw socket: oversized and malformed bodies, huge and endless headers, path
# traversal, very long ids, slow clients, idle connections beyond capacity and many clients at
# once. Each gets a 4xx (or, for the slow and idle ones, a closed connection or a 503), and the
# server keeps serving the others throughout.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"
raw() { /usr/bin/python3 "$(dirname "$0")/helpers/raw_http.py" "$@"; }

start_server "$TMP/s"
port=${ENDPOINT##*:}
auth="Authorization: Bearer $GPURUN_TOKEN"

# Slow clients, from the start and for the whole test: a request must arrive within 10 s.
raw slow "$port" 8 >"$TMP/slow" &
slow_pid=$!

# send EXPECTED WHAT: sends the request on stdin (\n becomes \r\n) and checks the answer's status
# (EXPECTED is a pattern: 400|closed). Input comes by redirection, not a pipe, so that a failure
# is counted in this shell.
send() { sendraw "$@" < <(sed 's/$/\r/'); }
sendraw() { # EXPECTED WHAT: the request on stdin as it is
  local got
  got=$(raw send "$port")
  [[ $got =~ ^($1)$ ]] || fail "$2: got $got, expected $1"
}

send 413 "a 100 MB Content-Length" < <(printf 'PUT /v1/apps/x HTTP/1.1\nHost: x\n%s\nContent-Length: 100000000\n\n' "$auth")
# The library refuses an oversized chunked body as malformed or as too large.
sendraw '413|400' "a 2.4 MB chunked body" < <(/usr/bin/python3 -c "
import sys
chunk = b'x' * 60000
sys.stdout.buffer.write(b'PUT /v1/apps/x HTTP/1.1\r\nHost: x\r\n$auth\r\nTransfer-Encoding: chunked\r\n\r\n')
for _ in range(40): sys.stdout.buffer.write(b'%x\r\n' % len(chunk) + chunk + b'\r\n')
sys.stdout.buffer.write(b'0\r\n\r\n')")
send 400 "Content-Length: abc" < <(printf 'PUT /v1/apps/x HTTP/1.1\nHost: x\n%s\nContent-Length: abc\n\n' "$auth")
send 400 "a malformed request line" < <(printf 'GARBAGE\n\n')
sendraw '400|closed' "binary noise" < <(head -c 3000 /dev/urandom | tr -d '\n')
send 414 "a 9 KB request line" < <(printf 'GET /v1/%s HTTP/1.1\nHost: x\n\n' "$(head -c 9000 /dev/zero | tr '\0' a)")
send 431 "200 headers of 1 KB" < <(/usr/bin/python3 -c "
import sys
sys.stdout.write('GET /v1/health HTTP/1.1\nHost: x\n' + ''.join(f'X-H{i}: {\"v\" * 1000}\n' for i in range(200)) + '\n')")
sendraw 431 "a 1 MB header line" < <(printf 'GET /v1/health HTTP/1.1\r\nX-Endless: '; head -c 1000000 /dev/zero | tr '\0' h)
sendraw closed "a 1 MB request line without end" < <(head -c 1000000 /dev/zero | tr '\0' g)

# Bodies the JSON parser would survive but copying and printing would not.
/usr/bin/python3 -c "print('{\"functions\": {\"f\": {\"command\": [\"x\"], \"env\": ' + '[' * 500000 + ']' * 500000 + '}}}', end='')" >"$TMP/deep.json"
api PUT /v1/apps/deep --data-binary "@$TMP/deep.json"
expect_eq "$code" "400" "JSON nested 500,000 deep: status"
expect_eq "$(field 'd["code"]')" "invalid_json" "JSON nested 500,000 deep: code"
api POST /v1/apps/deep/functions/f/runs --data-binary '{"args": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}'
expect_eq "$code" "400" "args nested 70 deep"
/usr/bin/python3 -c "import json; print(json.dumps({'functions': {f'f{i}': {'command': ['x']} for i in range(10001)}}))" >"$TMP/many.json"
api PUT /v1/apps/many --data-binary "@$TMP/many.json"
expect_eq "$code" "422" "10,001 functions"
expect_contains "$(field 'd["detail"]')" "too many functions: the limit is 10000" "10,001 functions: why"

# Paths and ids.
for path in "/v1/runs/..%2F..%2Fstate.db/logs" "/v1/runs/%2e%2e/logs" "/v1/runs/%252e%252e/logs" "/v1/apps/..%5C.." \
  "/v1/runs/r-1%00/logs" "/../../etc/passwd" "/v1/runs/$(head -c 4000 /dev/zero | tr '\0' a)"; do
  api GET "$path" --path-as-is
  [[ $code == 4* ]] || fail "${path:0:60}: status $code, expected 4xx"
  expect_eq "$(grep -c "SQLite format\|root:" "$TMP/out")" "0" "${path:0:60}: no file content"
done

# Idle connections beyond workers and waiting room: the excess is told 503 at once, the idle ones
# give way, and a real client gets through within seconds.
raw idle "$port" 200 3 >"$TMP/idle" &
idle_pid=$!
sleep 1
start=$SECONDS
until curl -sf -o /dev/null "$ENDPOINT/v1/health"; do
  ((SECONDS - start < 10)) || { fail "health while 200 idle connections are open"; break; }
  sleep 0.2
done
wait "$idle_pid"
echo "200 idle connections: $(cat "$TMP/idle")"
expect_contains "$(cat "$TMP/idle")" "503=" "idle connections beyond capacity are told 503"

# Many clients at once: every request is answered, 200 or 503 (which clients retry).
raw flood "$port" "$GPURUN_TOKEN" 150 >"$TMP/flood"
echo "150 clients at once:" $(cat "$TMP/flood")
expect_eq "$(grep -v '^200 \|^503 ' "$TMP/flood")" "" "150 clients at once: only 200 and 503"
expect_contains "$(cat "$TMP/flood")" "200 " "150 clients at once: served"

wait "$slow_pid"
longest=$(cat "$TMP/slow")
echo "slow clients: the longest stayed $longest s"
/usr/bin/python3 -c "import sys; sys.exit(0 if 9 <= float(sys.argv[1]) <= 14 else 1)" "$longest" ||
  fail "slow clients: the longest stayed $longest s, expected 10 s (the request deadline)"

# Still serving, and still doing real work.
cat >"$TMP/app.yaml" <<'YAML'
app: after
functions:
  hello: {image: {base: host}, command: [echo, still here]}
YAML
run run "$TMP/app.yaml"
expect_rc 0 "a run after all that"
expect_eq "$out" "still here" "a run after all that: output"
finish
