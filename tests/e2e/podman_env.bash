# Sourced by the image tests (not a test itself: CTest runs only *.sh). Gives them a podman
# storage of their own, shared by every image test of one build folder, holding a busybox base
# image made from the busybox-static binary (no registry is reachable in CI) and imported once.
# Exits 125 (skipped) only where podman truly cannot run a container. Source lib.bash first.

skip() { echo "skipped: $*" >&2; exit 125; }

command -v podman >/dev/null || skip "podman is not installed (scripts/packages.txt lists it)"
busybox_bin=$(command -v busybox) || skip "busybox is not installed (package busybox-static)"
if ldd "$busybox_bin" >/dev/null 2>&1; then skip "$busybox_bin is dynamically linked; install busybox-static"; fi

store=${GPURUN_TEST_PODMAN_STORE:-$(dirname "$GPURUN")/podman-test}
mkdir -p "$store"
# skip_mount_home: without it podman bind-mounts its storage folder over itself and the mount
# outlives the tests, so the build folder could not be removed.
cat > "$store/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$store/root"
runroot = "$store/run"
[storage.options.overlay]
skip_mount_home = "true"
CONF
export CONTAINERS_STORAGE_CONF=$store/storage.conf
export GPURUN_PODMAN_ROOT=$store/root GPURUN_PODMAN_RUNROOT=$store/run

podman_args=(--root "$store/root" --runroot "$store/run")
if [[ $(stat -fc %T /sys/fs/cgroup) != cgroup2fs ]] && command -v runc >/dev/null; then podman_args+=(--runtime runc); fi
nproc_limit=$(ulimit -Hu); [[ $nproc_limit == unlimited || $nproc_limit -gt 32768 ]] && nproc_limit=32768
nofile_limit=$(ulimit -Hn); [[ $nofile_limit == unlimited ]] && nofile_limit=1048576
run_args=(--rm --pull=never --network=host --ulimit "nofile=$nofile_limit:$nofile_limit" --ulimit "nproc=$nproc_limit:$nproc_limit")
podman_() { podman "${podman_args[@]}" "$@"; }

base_image=localhost/gpurun-test-busybox:1
(
  flock 9
  if ! podman_ image exists "$base_image"; then
    rootfs=$(mktemp -d)
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
    cp "$busybox_bin" "$rootfs/bin/busybox"
    for applet in $("$rootfs/bin/busybox" --list); do
      [[ $applet == busybox ]] || ln -s busybox "$rootfs/bin/$applet"
    done
    tar -C "$rootfs" -cf "$rootfs.tar" .
    podman_ import --quiet --change 'CMD ["/bin/sh"]' "$rootfs.tar" "$base_image" >/dev/null
    rm -rf "$rootfs" "$rootfs.tar"
  fi
) 9>"$store/base.lock" || skip "podman cannot import an image here"
probe=$(podman_ run "${run_args[@]}" "$base_image" true 2>&1) || skip "podman cannot run a container here: $probe"

# A value unique to this test run, so that an image built by an earlier run is not taken for
# this run's build.
nonce="$$-$RANDOM-$(date +%s%N)"
