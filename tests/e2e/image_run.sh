#!/usr/bin/env bash
# Functions whose image is not `host` run inside it through `gpurun serve`'s local executor:
# the image is built on first use and reused after, env and exit codes pass through, cancel
# removes the container, and concurrent runs of one new image share a single build.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/podman_env.bash"
source "$(dirname "$0")/helpers/server.sh"

state=$TMP/state
start_server "$state"

cat > "$TMP/app.yaml" <<YAML
app: in-image
image:
  base: $base_image
  run: ["echo built > /marker"]
  env: {X: "1", NONCE: "$nonce"}
functions:
  hello:
    command: ["sh", "-c", "cat /marker; echo \$X"]
  fails:
    command: ["sh", "-c", "echo \"Y=\$Y\" >&2; exit 7"]
    env: {Y: "two words"}
  sleeper:
    command: ["sleep", "300"]
YAML

# The issue's acceptance check: built on first use, output from inside the container.
start=$(date +%s%N)
run run "$TMP/app.yaml" hello
first_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 0 "first run"
expect_eq "$out" $'built\n1' "output of the first run"
expect_contains "$err" "gpurun: built image localhost/gpurun-image:" "the first run builds"

start=$(date +%s%N)
run run "$TMP/app.yaml" hello
second_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 0 "second run"
expect_eq "$out" $'built\n1' "output of the second run"
[[ $err != *"built image"* && $err != *"STEP "* ]] || fail "the second run rebuilt the image: ${err:0:400}"
echo "run with build: $first_ms ms, run of a built image: $second_ms ms"

run run "$TMP/app.yaml" fails
expect_rc 7 "exit code from inside the container"
expect_contains "$err" "Y=two words" "function env reaches the container"

# Cancel of a running container: the container is stopped and removed by name.
run run -d "$TMP/app.yaml" sleeper
expect_rc 0 "detached run"
id=$out
name=gpurun-$id-1
for _ in $(seq 100); do [[ -n $(podman_ ps -q --filter "name=^$name\$") ]] && break; sleep 0.1; done
[[ -n $(podman_ ps -q --filter "name=^$name\$") ]] || fail "container $name did not start"
run cancel "$id"
expect_rc 0 "cancel"
for _ in $(seq 100); do
  run status "$id" -o json
  [[ $(json_get 'd["state"]') == cancelled ]] && break
  sleep 0.1
done
expect_eq "$(json_get 'd["state"]')" "cancelled" "state after cancel"
for _ in $(seq 50); do [[ -z $(podman_ ps -aq --filter "name=^$name\$") ]] && break; sleep 0.1; done
expect_empty "$(podman_ ps -aq --filter "name=^$name\$")" "container $name after cancel"

# Two runs of an image that does not exist yet, submitted together: one build serves both.
sed -i "s/NONCE: \"$nonce\"/NONCE: \"$nonce-concurrent\"/" "$TMP/app.yaml"
run run -d "$TMP/app.yaml" hello
expect_rc 0
first=$out
run run -d "$TMP/app.yaml" hello
expect_rc 0
second=$out
builds=0
for id in "$first" "$second"; do
  for _ in $(seq 300); do
    run status "$id" -o json
    [[ $(json_get 'd["state"]') == succeeded || $(json_get 'd["state"]') == failed ]] && break
    sleep 0.1
  done
  expect_eq "$(json_get 'd["state"]')" "succeeded" "concurrent run $id"
  run logs "$id"
  expect_eq "$out" $'built\n1' "output of concurrent run $id"
  [[ $err == *"gpurun: built image"* ]] && builds=$((builds + 1))
done
expect_eq "$builds" "1" "builds for two concurrent runs of one image"

finish
