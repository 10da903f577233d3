#!/usr/bin/env bash
# Blob uploads without podman: `gpurun deploy` uploads the files an image copies once, and only
# the changed ones after; the blob limit is apart from the JSON body limit; refused uploads
# (too large, streamed too large, wrong hash, bad token) leave no file, and the server keeps
# serving, on new connections and on kept-alive ones.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/helpers/server.sh"

start_server "$TMP/s" --max-body 4096 --max-blob 100000
blobs=$TMP/s/blobs

mkdir -p "$TMP/app/data"
echo one > "$TMP/app/data/one.txt"
echo two > "$TMP/app/data/two.txt"
head -c 50000 /dev/urandom > "$TMP/app/model.bin"
cat > "$TMP/app/app.yaml" <<'YAML'
app: shipped
image:
  base: localhost/never-built:1
  copy: [{src: data, dst: /data}, {src: model.bin, dst: /model.bin}]
functions:
  f: {command: [ls, /data]}
YAML
run deploy "$TMP/app/app.yaml" -o json
expect_rc 0 "deploy with copied files"
expect_eq "$(json_get 'd["changed"]')" "True"
expect_contains "$err" "gpurun: uploading 3 files (0.1 MB) of the build context"
expect_eq "$(ls "$blobs" | wc -l)" "3" "blobs after the deploy (a 50 kB one, over --max-body)"
cmp -s "$TMP/app/model.bin" "$blobs/$(sha256sum "$TMP/app/model.bin" | cut -d' ' -f1)" || fail "the stored blob differs from the file"
run deploy "$TMP/app/app.yaml"
expect_contains "$out" "unchanged: app 'shipped'" "redeploy of the same files"
expect_eq "$err" "gpurun: using $GPURUN_ENDPOINT (no profile)" "stderr of a redeploy that uploads nothing: only where it acts"
echo three > "$TMP/app/data/two.txt"
run deploy "$TMP/app/app.yaml"
expect_contains "$out" "deployed app 'shipped'" "a changed file is a new version"
expect_contains "$err" "gpurun: uploading 1 file (0.0 MB) of the build context"
api GET /v1/apps/shipped
expect_eq "$(field '[f["path"] for f in d["manifest"]["image"]["copy"][0]["files"]]')" "['one.txt', 'two.txt']" "the lists are part of the app"

# check STATUS CODE METHOD PATH [CURL ARGS...]
check() {
  local want_status=$1 want_code=$2
  shift 2
  api "$@"
  expect_eq "$code" "$want_status" "$1 $2: status"
  expect_eq "$(field 'd["code"]')" "$want_code" "$1 $2: code"
}
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
head -c 200000 /dev/zero > "$TMP/big"
before=$(ls "$blobs" | sort)
check 413 payload_too_large PUT "/v1/blobs/$(sha_of "$TMP/big")" --data-binary "@$TMP/big"
expect_eq "$(field 'd["detail"]')" "the blob is larger than 100000 bytes (the server's --max-blob); nothing was stored"
expect_contains "$(cat "$TMP/headers")" "Connection: close" "a body refused unread"
check 413 payload_too_large PUT "/v1/blobs/$(sha_of "$TMP/big")" -H 'Transfer-Encoding: chunked' --data-binary "@$TMP/big"
expect_contains "$(field 'd["detail"]')" "nothing was stored" "a streamed upload over the limit"
expect_contains "$(cat "$TMP/headers")" "Connection: close" "a streamed body refused half read"
check 400 blob_hash_mismatch PUT "/v1/blobs/$(sha_of "$TMP/app/model.bin")" --data-binary 'not the model'
check 400 invalid_sha256 PUT /v1/blobs/abc --data-binary x
check 413 payload_too_large PUT /v1/apps/shipped -d "{\"x\": \"$(head -c 8000 /dev/zero | tr '\0' 'x')\"}"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$TMP/app/model.bin" "$ENDPOINT/v1/blobs/$(printf x | sha256sum | cut -d' ' -f1)")
expect_eq "$code" "401" "an upload without the token"
expect_eq "$(ls "$blobs" | sort)" "$before" "blobs after the refused uploads"

# Two requests on one connection: a refused upload, then another request.
codes=$(curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $GPURUN_TOKEN" \
  -X PUT --data-binary "@$TMP/big" "$ENDPOINT/v1/blobs/$(sha_of "$TMP/big")" \
  --next -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $GPURUN_TOKEN" "$ENDPOINT/v1/apps/shipped")
expect_eq "$codes" "413 200 " "a request after a refused upload"
codes=$(curl -s -o /dev/null -w '%{http_code} ' -X PUT --data-binary "@$TMP/app/model.bin" \
  "$ENDPOINT/v1/blobs/$(sha_of "$TMP/app/model.bin")" --next -s -o /dev/null -w '%{http_code} ' "$ENDPOINT/v1/health")
expect_eq "$codes" "401 200 " "a request after an unauthorized upload"
codes=$(curl -s -o /dev/null -w '%{http_code} %{num_connects} ' -H "Authorization: Bearer $GPURUN_TOKEN" -X PUT \
  --data-binary 'not the model' "$ENDPOINT/v1/blobs/$(sha_of "$TMP/app/model.bin")" \
  --next -s -o /dev/null -w '%{http_code} %{num_connects} ' -H "Authorization: Bearer $GPURUN_TOKEN" "$ENDPOINT/v1/apps/shipped")
expect_eq "$codes" "400 1 200 0 " "a kept-alive connection after an upload read whole and refused"
finish
