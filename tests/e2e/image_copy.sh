#!/usr/bin/env bash
# Copy steps in deployed apps: `gpurun run` uploads the copied files as blobs, the server builds
# the image from them (with the tag `gpurun image render` computes locally) and the function sees
# them; a second run uploads and builds nothing; a changed file is a new version and a new tag.
# Through the API: a deploy naming a blob the server lacks is refused with 422, and an upload
# whose body does not match its hash with 400, leaving no file.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/podman_env.bash"
source "$(dirname "$0")/helpers/server.sh"

state=$TMP/state
start_server "$state"

project=$TMP/project
mkdir -p "$project/site/sub"
echo "config v1" > "$project/config.txt"
echo "page" > "$project/site/index.html"
printf '#!/bin/sh\necho tool ran\n' > "$project/site/sub/tool.sh"
chmod 700 "$project/site/sub/tool.sh"
cat > "$project/app.yaml" <<YAML
app: copier
image:
  base: $base_image
  env: {NONCE: "$nonce"}
  copy: [{src: config.txt, dst: /etc/app.conf}, {src: site, dst: /srv/site}]
functions:
  show:
    command: ["sh", "-c", "cat /etc/app.conf /srv/site/index.html; /srv/site/sub/tool.sh; ls -l /srv/site/sub/tool.sh | cut -c1-10"]
YAML

run image render "$project/app.yaml" -o json
expect_rc 0 "image render"
tag=$(json_get 'd["tag"]')

# First run: three files uploaded, the image built on the server with the local tag.
run run "$project/app.yaml" show
expect_rc 0 "first run"
expect_eq "$out" $'config v1\npage\ntool ran\n-rwxr-xr-x' "the copied file and folder, seen from inside the container"
expect_contains "$err" "gpurun: uploading 3 files (0.0 MB) of the build context" "the first run uploads"
expect_contains "$err" "gpurun: built image $tag" "the server builds the tag computed locally"
podman_ image exists "$tag" || fail "tag $tag missing after the run"
expect_eq "$(ls "$state/blobs" | wc -l)" "3" "blobs stored"
expect_eq "$(stat -c %a "$state/blobs")" "700" "mode of the blob folder"
expect_eq "$(stat -c %a "$state/blobs/$(ls "$state/blobs" | head -1)")" "600" "mode of a blob"

# Second run: nothing uploaded, nothing built.
run run "$project/app.yaml" show
expect_rc 0 "second run"
expect_eq "$out" $'config v1\npage\ntool ran\n-rwxr-xr-x' "output of the second run"
[[ $err != *"uploading"* ]] || fail "the second run uploaded again: ${err:0:400}"
[[ $err != *"built image"* && $err != *"STEP "* ]] || fail "the second run rebuilt the image: ${err:0:400}"

# A changed file: a new version, one upload, a new tag.
run deploy "$project/app.yaml" -o json
expect_eq "$(json_get 'd["changed"]')" "False" "redeploy of the same files"
version=$(json_get 'd["version"]')
echo "config v2" > "$project/config.txt"
run deploy "$project/app.yaml" -o json
expect_rc 0 "deploy of a changed file"
expect_eq "$(json_get 'd["changed"]')" "True" "a changed file changes the app"
[[ $(json_get 'd["version"]') != "$version" ]] || fail "a changed copied file kept the version $version"
expect_contains "$err" "gpurun: uploading 1 file (0.0 MB) of the build context" "only the changed file is uploaded"
run image render "$project/app.yaml" -o json
new_tag=$(json_get 'd["tag"]')
[[ $new_tag != "$tag" ]] || fail "a changed copied file kept the tag $tag"
run run "$project/app.yaml" show
expect_rc 0 "run after the change"
expect_eq "${out%%$'\n'*}" "config v2" "the run sees the new file"
expect_contains "$err" "gpurun: built image $new_tag" "the changed image is built"

# Through the API: a deploy naming a blob that was never uploaded.
# request METHOD PATH [curl args...]: like api, without its JSON content type; leaves $status.
request() {
  local method=$1 path=$2
  shift 2
  status=$(curl -sS -o "$TMP/out" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $GPURUN_TOKEN" "$@" "$ENDPOINT$path")
}
sha=$(printf 'never uploaded' | sha256sum | cut -d' ' -f1)
cat > "$TMP/manifest.json" <<JSON
{"image": {"base": "$base_image", "copy": [{"src": "data", "dst": "/data",
  "files": [{"path": "x.bin", "mode": "0644", "sha256": "$sha", "size": 14}]}]},
 "functions": {"f": {"command": ["cat", "/data/x.bin"]}}}
JSON
request PUT /v1/apps/by-hand -H 'Content-Type: application/json' --data-binary "@$TMP/manifest.json"
expect_eq "$status" "422" "deploy with a missing blob"
expect_eq "$(json_get 'd["code"]')" "missing_blobs"
expect_contains "$(json_get 'd["detail"]')" "image.copy[0] (data) 'x.bin' (blob $sha)" "the problem names the step and the blob"
expect_eq "$(json_get 'd["missing"][0]["sha256"]')" "$sha"

# An upload whose body is not the named blob is refused and leaves nothing behind.
request PUT "/v1/blobs/$sha" -H 'Content-Type: application/octet-stream' --data-binary 'other bytes!!'
expect_eq "$status" "400" "upload with the wrong hash"
expect_eq "$(json_get 'd["code"]')" "blob_hash_mismatch"
[[ ! -e $state/blobs/$sha ]] || fail "a refused upload left blobs/$sha"
expect_empty "$(ls "$state/blobs" | grep -v '^[0-9a-f]\{64\}$')" "temporary files after a refused upload"
request HEAD "/v1/blobs/$sha"
expect_eq "$status" "404" "HEAD of a blob never stored"

request PUT "/v1/blobs/$sha" -H 'Content-Type: application/octet-stream' --data-binary 'never uploaded'
expect_eq "$status" "201" "upload with the right hash"
request HEAD "/v1/blobs/$sha"
expect_eq "$status" "200" "HEAD of a stored blob"
request PUT /v1/apps/by-hand -H 'Content-Type: application/json' --data-binary "@$TMP/manifest.json"
expect_eq "$status" "201" "deploy once the blob is there"

finish
