#!/usr/bin/env bash
# Runs a command against the test Slurm cluster that the slurm_cluster_start fixture started in
# DIR, with SLURM_URL, SLURM_JWT, ... in its environment. Exits 125 (skipped) with the reason when
# this machine cannot run the cluster (Slurm not installed, not root).
#   with-slurm.sh DIR COMMAND...
set -euo pipefail
dir=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! reason=$("$root/scripts/slurm-cluster" check 2>&1); then
  echo "skipped: $reason"
  exit 125
fi
if ! env_lines=$("$root/scripts/slurm-cluster" env "$dir"); then
  echo "no test Slurm cluster in $dir: the slurm_cluster_start test did not start it (see its output)" >&2
  exit 1
fi
eval "$env_lines"
exec "$@"
