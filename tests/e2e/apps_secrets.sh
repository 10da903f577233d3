#!/usr/bin/env bash
# Secrets against a real `gpurun serve`: set from stdin, an env file and arguments; listed by
# name and key only; stored 0600; checked at deploy time; given to runs as environment variables;
# and the value found nowhere else: not in the server's log, its database, run records, API
# answers, the run's logs or any error message.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

start_server "$TMP/s"
VALUE="s3cr3t-$$-$RANDOM-value"
OTHER_VALUE="other-$$-$RANDOM-value"
hash_of() { printf %s "$1" | sha256sum | cut -c1-16; }

# From stdin: the value never appears in argv.
printf '%s\n' "$VALUE" | "$GPURUN" secret set hf HF_TOKEN >"$TMP/out" 2>"$TMP/err"
rc=$? out=$(cat "$TMP/out") err=$(cat "$TMP/err")
expect_rc 0 "secret set from stdin"
expect_eq "$out" "secret 'hf' set: HF_TOKEN" "secret set: keys only"
printf '# db\nexport DB_PASSWORD="%s"\nDB_USER=app # who\n' "$OTHER_VALUE" >"$TMP/db.env"
run secret set db --from-env-file "$TMP/db.env" EXTRA=1
expect_rc 0 "secret set from an env file"
expect_eq "$out" "secret 'db' set: DB_PASSWORD, DB_USER, EXTRA" "env file keys"
run secret ls
expect_rc 0 "secret ls"
expect_contains "$out" "hf      HF_TOKEN" "ls: name and key"
run secret ls --output json
expect_eq "$(json_get '[(s["name"], s["keys"]) for s in d["secrets"]]')" \
  "[('db', ['DB_PASSWORD', 'DB_USER', 'EXTRA']), ('hf', ['HF_TOKEN'])]" "ls json: names and keys"
expect_eq "$(stat -c %a "$TMP/s/secrets") $(stat -c %a "$TMP/s/secrets/hf.json")" "700 600" "secret file modes"

# Bad input: refused, and the message shows no value.
run secret set bad 'not-a-key!=hunter2-in-argv'
expect_rc 2 "bad key"
expect_eq "$err" "gpurun: error: expected KEY=VALUE or KEY (value on stdin); the part before '=' is not a variable name" "bad key: message"
printf 'hunter2-in-file\n' >"$TMP/bad.env"
run secret set bad --from-env-file "$TMP/bad.env"
expect_rc 2 "bad env file"
expect_contains "$err" "bad.env:1:16: error: expected KEY=VALUE" "bad env file: position"
[[ $err == *hunter2* ]] && fail "an error message shows a value: $err"
run secret rm nope
expect_rc 7 "rm of a missing secret"

# Deploying a function whose secret does not exist fails at deploy time, naming it.
cat >"$TMP/missing.yaml" <<'YAML'
app: leaky
functions:
  f:
    image: {base: host}
    secrets: [hf, nope]
    command: ["true"]
YAML
run deploy "$TMP/missing.yaml"
expect_rc 2 "deploy with a missing secret"
expect_eq "$err" "gpurun: using $ENDPOINT (no profile)
gpurun: error: function 'f' needs secret 'nope', which does not exist; create it with \`gpurun secret set NAME KEY=VALUE\`" "missing secret: message"

# A run gets the keys as environment variables: later secrets and secrets over env. It prints
# hashes, so the test can tell the values arrived without any log holding them.
cat >"$TMP/app.yaml" <<'YAML'
app: safe
functions:
  use:
    image: {base: host}
    env: {HF_TOKEN: from-env, PLAIN: visible}
    secrets: [hf, db]
    command: [sh, -c, 'printf "%s %s %s %s\n" "$(printf %s "$HF_TOKEN" | sha256sum | cut -c1-16)" "$(printf %s "$DB_PASSWORD" | sha256sum | cut -c1-16)" "$DB_USER" "$PLAIN"']
YAML
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy"
run run "$TMP/app.yaml" use --output json
expect_rc 0 "run with secrets"
expect_eq "$(cat "$TMP"/s/runs/*/stdout)" "$(hash_of "$VALUE") $(hash_of "$OTHER_VALUE") app visible" "the run saw the secrets"
id=$(json_get 'd["id"]')

# Removed after the deploy: the next run fails to start and says why. (`gpurun run` would
# deploy again and be refused at once, as above.)
run secret rm db
expect_rc 0 "secret rm"
api POST /v1/apps/safe/functions/use/runs -d "{}"
gone=$(field 'd["id"]')
wait_state "$gone" failed
api GET "/v1/runs/$gone"
expect_contains "$(field 'd["reason"]')" "could not start: secret 'db' no longer exists" "removed secret: why"

# Nowhere but in the secret files: the server's log and database, the runs' files, the API.
api GET "/v1/runs/$id"
api_text=$out
api GET /v1/runs
api_text+=$out
api GET /v1/apps/safe
api_text+=$out
api GET /v1/secrets/hf
api_text+=$out
for v in "$VALUE" "$OTHER_VALUE"; do
  [[ $api_text == *"$v"* ]] && fail "an API answer holds a secret value"
  found=$(grep -r -a -l -F -- "$v" "$TMP/s" | grep -v "^$TMP/s/secrets/")
  expect_empty "$found" "files holding a secret value outside secrets/"
done
finish
