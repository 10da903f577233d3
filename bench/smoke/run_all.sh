#!/usr/bin/env bash
# Runs everything about the smoke kernels that needs a GPU, in one go: the kernels' self tests,
# the end-to-end smoke tests, timed quick and thorough runs, and bench.py against PyTorch.
#   run_all.sh BIN_DIR OUT_DIR
# BIN_DIR holds gpurun, gpurun_unit_tests and libgpurun_smoke_bench.so (and any libraries they
# need, found through LD_LIBRARY_PATH); logs and JSON reports go to OUT_DIR.
set -uo pipefail
bin=$(cd "$1" && pwd)
out=$(cd "$2" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)

nvidia-smi --query-gpu=index,name,pci.device_id,memory.total,clocks.sm,clocks.max.sm,power.draw,temperature.gpu \
  --format=csv | tee "$out/gpus.csv"
nvidia-smi topo -m >"$out/topo.txt" 2>&1

echo "== self tests (float64 CPU references)"
timeout 120 "$bin/gpurun_unit_tests" -ts=SelfTest >"$out/selftest.log" 2>&1
echo "exit $?"; tail -6 "$out/selftest.log"

echo "== wall times"
for level in quick thorough; do
  start=$(date +%s%N)
  timeout 150 "$bin/gpurun" smoke --level "$level" --output json >"$out/$level.json" 2>"$out/$level.err"
  rc=$?
  echo "$level: exit $rc, $((($(date +%s%N) - start) / 1000000)) ms wall"
done
timeout 60 "$bin/gpurun" smoke >"$out/quick.txt" 2>&1

echo "== end-to-end"
GPURUN="$bin/gpurun" SOURCE_DIR="$root" timeout 300 bash "$root/tests/e2e/smoke_gpu.sh" >"$out/e2e.log" 2>&1
echo "smoke_gpu.sh exit $?"; grep -E "FAIL|quick|found|passed|skipped" "$out/e2e.log" | head -20

echo "== benchmark"
# Python gets its own library path: the one gpurun needs may carry libraries older than Python's.
LD_LIBRARY_PATH=${BENCH_LD_LIBRARY_PATH-${LD_LIBRARY_PATH:-}} PYTHONUNBUFFERED=1 timeout 400 python3 "$root/bench/smoke/bench.py" --lib "$bin/libgpurun_smoke_bench.so" \
  ${BENCH_ARGS:-} --json "$out/bench.json" >"$out/bench.log" 2>&1
echo "bench.py exit $?"; tail -45 "$out/bench.log"
echo "== quick report"; cat "$out/quick.txt"
