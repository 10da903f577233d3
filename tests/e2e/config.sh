#!/usr/bin/env bash
# Configuration: profiles in $XDG_CONFIG_HOME/gpurun/config.yaml chosen by --profile,
# GPURUN_PROFILE or default_profile; one precedence for every setting (flag, environment,
# profile, default) that `gpurun config show` explains; commands that change something say on
# stderr which endpoint and profile they act on; nothing prompts when stdin is no terminal.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

start_server "$TMP/s"
token=$GPURUN_TOKEN
# From here on, the profiles say where the server is and where its token is.
unset GPURUN_ENDPOINT GPURUN_TOKEN GPURUN_CONFIG
export XDG_CONFIG_HOME=$TMP/xdg HOME=$TMP/home XDG_STATE_HOME=$TMP/state
config=$XDG_CONFIG_HOME/gpurun/config.yaml
mkdir -p "$XDG_CONFIG_HOME/gpurun"
printf '%s\n' "$token" >"$XDG_CONFIG_HOME/gpurun/ci.token"
printf 'wrong\n' >"$XDG_CONFIG_HOME/gpurun/bad.token"
cat >"$config" <<YAML
default_profile: ci
profiles:
  ci:
    endpoint: $ENDPOINT/
    token_file: ci.token
  json:
    endpoint: $ENDPOINT
    token_file: ci.token
    output: json
  bad:
    endpoint: $ENDPOINT
    token_file: bad.token
YAML
cat >"$TMP/app.yaml" <<'YAML'
app: cfg
functions:
  hi:
    image: {base: host}
    command: [sh, -c, 'echo hi']
YAML

# config show: each setting, its value and where it came from.
run config show
expect_rc 0 "config show"
expect_contains "$out" "config    $config  default"
expect_contains "$out" "profile   ci  " "profile row"
expect_contains "$out" "default_profile of $config" "profile from default_profile"
expect_contains "$out" "endpoint  $ENDPOINT  " "endpoint row"
expect_contains "$out" "profile ci" "endpoint from the profile"
expect_contains "$out" "token     $XDG_CONFIG_HOME/gpurun/ci.token" "token file, never the token"
expect_contains "$out" "profiles in $config: ci, json, bad"
[[ $out == *"$token"* ]] && fail "config show printed the token"

run config show --output json
expect_rc 0 "config show --output json"
expect_eq "$(json_get 'd["settings"]["endpoint"]["value"] + " " + d["settings"]["endpoint"]["source"]')" "$ENDPOINT profile ci"
expect_eq "$(json_get 'd["settings"]["output"]["source"]')" "flag --output"
expect_eq "$(json_get 'd["profiles"]')" "['ci', 'json', 'bad']"

# Every global option has its variable; the flag wins over it, before or after the command.
source_of() { json_get "d['settings']['$1']['source']"; }
GPURUN_PROFILE=json run config show -o json
expect_eq "$(source_of profile)" "env GPURUN_PROFILE" "GPURUN_PROFILE"
GPURUN_PROFILE=json run --profile bad config show -o json
expect_eq "$(source_of profile)" "flag --profile" "--profile over GPURUN_PROFILE"
GPURUN_PROFILE=json run config show -o json --profile bad
expect_eq "$(json_get 'd["settings"]["profile"]["value"]')" "bad" "--profile after the command"
GPURUN_ENDPOINT=http://127.0.0.1:1 run config show -o json
expect_eq "$(source_of endpoint)" "env GPURUN_ENDPOINT" "GPURUN_ENDPOINT over the profile"
GPURUN_ENDPOINT=http://127.0.0.1:1 run config show -o json --endpoint http://127.0.0.1:2
expect_eq "$(json_get 'd["settings"]["endpoint"]')" "{'source': 'flag --endpoint', 'value': 'http://127.0.0.1:2'}"
GPURUN_TOKEN_FILE=$TMP/t run config show -o json
expect_eq "$(source_of token)" "env GPURUN_TOKEN_FILE" "GPURUN_TOKEN_FILE"
GPURUN_TOKEN=x run config show -o json --token-file "$TMP/t"
expect_eq "$(source_of token)" "flag --token-file" "--token-file over GPURUN_TOKEN"
GPURUN_TOKEN=x run config show -o json
expect_eq "$(json_get 'd["settings"]["token"]')" "{'source': 'env GPURUN_TOKEN', 'value': ''}" "GPURUN_TOKEN: never shown"
cp "$config" "$TMP/other.yaml"
GPURUN_CONFIG=$TMP/other.yaml run config show -o json
expect_eq "$(source_of config)" "env GPURUN_CONFIG" "GPURUN_CONFIG"
run --config "$TMP/other.yaml" config show -o json
expect_eq "$(source_of config)" "flag --config" "--config"
GPURUN_OUTPUT=json run config show
expect_eq "$(source_of output)" "env GPURUN_OUTPUT" "GPURUN_OUTPUT"
run --profile json config show
expect_eq "$(source_of output)" "profile json" "a profile's output"
run --profile json config show --output text
expect_contains "$out" "output    text" "--output over the profile's"

# Mutating commands say where they act, on stderr; --output json keeps stdout one document.
run deploy "$TMP/app.yaml"
expect_rc 0 "deploy through the default profile"
expect_eq "$err" "gpurun: using $ENDPOINT (profile ci)" "deploy: endpoint and profile on stderr"
run --profile json deploy "$TMP/app.yaml"
expect_rc 0 "deploy with a json profile"
expect_eq "$(json_get 'd["changed"]')" "False" "a profile's output: json"
run run "$TMP/app.yaml" --output json
expect_rc 0 "run"
expect_eq "$(json_get 'd["state"]')" "succeeded" "run --output json: one document on stdout"
expect_contains "$err" "gpurun: using $ENDPOINT (profile ci)" "run: endpoint on stderr"
run ps
expect_rc 0 "ps"
[[ $err == *"gpurun: using"* ]] && fail "ps changes nothing and should not announce: $err"
GPURUN_TOKEN=$token GPURUN_ENDPOINT=$ENDPOINT GPURUN_CONFIG=$TMP/gpurun-config.yaml run deploy "$TMP/app.yaml"
expect_eq "$err" "gpurun: using $ENDPOINT (no profile)" "no profile"

# The profile's token file is what is sent.
run --profile bad apps
expect_rc 6 "a profile's wrong token"

# Nothing prompts when stdin is no terminal: a value comes from stdin as it is.
run secret set s KEY </dev/null
expect_rc 0 "secret set with stdin not a terminal"
expect_eq "$err" "gpurun: using $ENDPOINT (profile ci)" "secret set: no prompt"

# Errors: where, and what was meant.
run --profile ci vaildate "$TMP/app.yaml"
expect_rc 2 "misspelt command after a global option"
expect_eq "$err" "gpurun: error: unknown command 'vaildate'; did you mean 'validate'?"
GPURUN_PROFILE=cj run apps
expect_rc 2 "unknown profile"
expect_eq "$err" "gpurun: error: no profile 'cj' (env GPURUN_PROFILE) in $config; did you mean 'ci'?"
run --endpoint localhost:1 apps
expect_rc 2 "bad --endpoint"
expect_eq "$err" "gpurun: error: flag --endpoint: expected an http:// or https:// URL, got 'localhost:1'"
GPURUN_OUTPUT=yaml run apps
expect_rc 2 "bad GPURUN_OUTPUT"
expect_eq "$err" "gpurun: error: GPURUN_OUTPUT: expected text, json or github, got 'yaml'"
run --config "$TMP/none.yaml" apps
expect_rc 2 "missing --config"
expect_eq "$err" "gpurun: error: the configuration file $TMP/none.yaml (flag --config) does not exist"
cat >"$TMP/broken.yaml" <<'YAML'
profiles:
  ci:
    endpiont: http://x
YAML
GPURUN_CONFIG=$TMP/broken.yaml run config show
expect_rc 2 "invalid configuration"
expect_contains "$err" "$TMP/broken.yaml:3:5: error: unknown key 'endpiont' in profile 'ci'; did you mean 'endpoint'?"
expect_contains "$err" "gpurun: error: $TMP/broken.yaml is not a valid configuration file"
# Commands that need no setting are not stopped by a broken file.
GPURUN_CONFIG=$TMP/broken.yaml run validate --output text "$TMP/app.yaml"
expect_rc 0 "validate --output text with a broken configuration"

# Without a configuration file: no profile, the local control plane.
rm "$config"
run config show -o json
expect_eq "$(json_get 'd["settings"]["profile"]["source"] + "|" + d["settings"]["endpoint"]["value"]')" "default|" "defaults"
expect_eq "$(json_get 'd["settings"]["state"]["value"]')" "$TMP/state/gpurun" "state folder"
finish
