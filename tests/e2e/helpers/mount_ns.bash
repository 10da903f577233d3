# Sourced first (before lib.bash) by tests that mount small or read-only file systems: re-runs the
# script in a private mount namespace, where it may mount without touching the machine's mounts.
# Afterwards MOUNT_NS is 1 inside one, 0 where none could be made (not root, no user namespaces).
if [[ -z ${GPURUN_IN_MOUNT_NS:-} ]] && unshare --mount --propagation private true 2>/dev/null; then
  GPURUN_IN_MOUNT_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
MOUNT_NS=${GPURUN_IN_MOUNT_NS:-0}
