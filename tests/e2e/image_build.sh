#!/usr/bin/env bash
# `gpurun image build|ls` with real podman: a build from a local base, a cache hit that
# rebuilds nothing, a new tag when a copied file changes, and a failed build that names its
# step and leaves no tagged image.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/podman_env.bash"

mkdir -p "$TMP/app"
echo "v1" > "$TMP/app/data.txt"
cat > "$TMP/app/app.yaml" <<YAML
app: images
image:
  base: $base_image
  env: {X: "1", NONCE: "$nonce"}
  copy: [{src: data.txt, dst: /data.txt}]
  run: ["echo built > /marker"]
  workdir: /srv
functions:
  hello:
    command: ["sh", "-c", "cat /marker; echo \$X"]
YAML

run image render "$TMP/app/app.yaml" hello -o json
expect_rc 0 "image render -o json"
tag=$(json_get 'd["tag"]')
expect_contains "$tag" "localhost/gpurun-image:"

start=$(date +%s%N)
run image build "$TMP/app/app.yaml"
build_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 0 "image build"
expect_eq "$out" "built $tag in ${out##* in }" "first build"
expect_contains "$err" "STEP 4/6: RUN echo built > /marker" "build progress on stderr"
podman_ image exists "$tag" || fail "tag $tag missing after the build"
echo "first build: $build_ms ms"

start=$(date +%s%N)
run image build "$TMP/app/app.yaml" -o json
cached_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 0 "second image build"
expect_eq "$(json_get '(d["tag"], d["built"])')" "('$tag', False)" "cache hit"
expect_empty "$err" "stderr of a cache hit"
echo "cache hit: $cached_ms ms"

echo "v2" > "$TMP/app/data.txt"
run image render "$TMP/app/app.yaml" -o json
expect_rc 0
[[ $(json_get 'd["tag"]') != "$tag" ]] || fail "a changed copied file kept the tag $tag"

run image ls -o json
expect_rc 0 "image ls"
expect_contains "$(json_get '[i["tag"] for i in d["images"]]')" "$tag" "image ls lists the build"
run image ls
expect_contains "$out" "$tag"

cat > "$TMP/app/bad.yaml" <<YAML
app: bad
image:
  base: $base_image
  env: {NONCE: "$nonce"}
  run: ["echo one > /one", "exit 3", "echo never"]
functions:
  f: {command: ["true"]}
YAML
run image render "$TMP/app/bad.yaml" -o json
bad_tag=$(json_get 'd["tag"]')
run image build -q "$TMP/app/bad.yaml"
expect_rc 1 "failed build"
expect_eq "$err" "gpurun: error: building image $bad_tag failed at step 4/6 (run[1]: RUN exit 3): building at STEP \"RUN exit 3\": while running runtime: exit status 3"
podman_ image exists "$bad_tag" && fail "a failed build left the tag $bad_tag"

run image render "$TMP/app/app.yaml" helo
expect_rc 7 "unknown function"
expect_eq "$err" "gpurun: error: no function 'helo' in $TMP/app/app.yaml; did you mean 'hello'?"

finish
