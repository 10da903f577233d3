#!/usr/bin/env python3
"""Benchmarks gpurun's smoke kernels against PyTorch on the same GPU, in the same process, on the
same tensors and stream, timed with the same CUDA events (medians of interleaved rounds).

Prints, per device, the ratios the smoke issue sets targets for:
  copy   ours / torch `copy_`                 (target >= 0.97)
  triad  ours / torch `add(b, c, alpha=s)`    (reported)
  gemm   ours / torch bf16 matmul, 8192^3     (target >= 0.95)
  fma    ours / (SMs x 128 x 2 x measured clock) (target >= 0.90)
and, with --gpurun, the wall time of `gpurun smoke --level quick` and `--level thorough`
(targets 3 s and 60 s, CUDA initialisation included).

Usage: bench.py --lib build/libgpurun_smoke_bench.so [--gpurun build/gpurun] [--device N]
                [--variants] [--json OUT.json]
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

import torch

GiB = 1 << 30


def load(path):
    lib = ctypes.CDLL(path)
    vp, sz, i, f = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_float
    lib.gpurun_bench_copy.argtypes = [vp, vp, sz, i, i, vp]
    lib.gpurun_bench_triad.argtypes = [vp, vp, vp, f, sz, i, i, vp]
    lib.gpurun_bench_gemm_plan.restype = vp
    lib.gpurun_bench_gemm_plan.argtypes = [i, i, i]
    lib.gpurun_bench_gemm_autotune.argtypes = [vp, vp, vp, vp, vp, i]
    lib.gpurun_bench_gemm_run.argtypes = [vp, vp, vp, vp, vp]
    lib.gpurun_bench_gemm_free.argtypes = [vp]
    lib.gpurun_bench_fma.argtypes = [vp, i, i, vp, vp, vp]
    lib.gpurun_bench_fma_shape.argtypes = [ctypes.POINTER(i)] * 3
    return lib


def timed(fn, reps):
    """Median seconds of `reps` back-to-back runs of fn, with an event between each."""
    events = [torch.cuda.Event(enable_timing=True) for _ in range(reps + 1)]
    events[0].record()
    for k in range(reps):
        fn()
        events[k + 1].record()
    torch.cuda.synchronize()
    return statistics.median(events[k].elapsed_time(events[k + 1]) for k in range(reps)) / 1e3


def compare(ours, theirs, rounds=5, reps=10, warmup=3):
    """Interleaves rounds of both so clock and thermal drift hit them alike."""
    for _ in range(warmup):
        ours()
        theirs()
    torch.cuda.synchronize()
    a, b = [], []
    for _ in range(rounds):
        a.append(timed(ours, reps))
        b.append(timed(theirs, reps))
    return statistics.median(a), statistics.median(b)


def check(rc, what):
    if rc != 0:
        raise RuntimeError(f"{what} failed with code {rc}")


def bench_device(lib, dev, variants, results):
    torch.cuda.set_device(dev)
    props = torch.cuda.get_device_properties(dev)
    sms = props.multi_processor_count
    stream = torch.cuda.current_stream().cuda_stream
    out = {"device": dev, "name": props.name, "sms": sms}
    default = lib.gpurun_bench_default_variant()
    count = lib.gpurun_bench_variant_count()

    # Copy and triad on 1 GiB and 4 GiB buffers (4 GiB is the size of the torch baseline).
    for size in (GiB, 4 * GiB):
        n = size // 4
        b = torch.empty(n, device="cuda").uniform_(-1, 1)
        c = torch.empty(n, device="cuda").uniform_(-1, 1)
        a = torch.empty(n, device="cuda")
        for v in (range(count) if variants else [default]):
            ours_s, torch_s = compare(
                lambda: check(lib.gpurun_bench_copy(a.data_ptr(), b.data_ptr(), size, sms, v, stream), "copy"),
                lambda: a.copy_(b))
            a.fill_(float("nan"))
            check(lib.gpurun_bench_copy(a.data_ptr(), b.data_ptr(), size, sms, v, stream), "copy")
            assert torch.equal(a, b), "our copy's result differs"
            key = f"copy_{size // GiB}GiB" + ("" if v == default else f"_v{v}")
            out[key] = {"ours_gbps": 2 * size / ours_s / 1e9, "torch_gbps": 2 * size / torch_s / 1e9,
                        "ratio": torch_s / ours_s, "variant": v}
            ours_s, torch_s = compare(
                lambda: check(lib.gpurun_bench_triad(a.data_ptr(), b.data_ptr(), c.data_ptr(), 0.5, n, sms, v,
                                                     stream), "triad"),
                lambda: torch.add(b, c, alpha=0.5, out=a))
            a.fill_(float("nan"))
            check(lib.gpurun_bench_triad(a.data_ptr(), b.data_ptr(), c.data_ptr(), 0.5, n, sms, v, stream), "triad")
            assert torch.allclose(a, b + 0.5 * c, rtol=1e-6, atol=1e-6), "our triad's result differs"
            key = f"triad_{size // GiB}GiB" + ("" if v == default else f"_v{v}")
            out[key] = {"ours_gbps": 3 * size / ours_s / 1e9, "torch_gbps": 3 * size / torch_s / 1e9,
                        "ratio": torch_s / ours_s, "variant": v}
        del a, b, c
        torch.cuda.empty_cache()

    # bf16 GEMM 8192^3 on random inputs; our result is checked against torch's.
    size = 8192
    a = torch.randn(size, size, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(size, size, device="cuda", dtype=torch.bfloat16)
    d = torch.empty(size, size, device="cuda", dtype=torch.bfloat16)
    d_torch = torch.empty_like(d)
    plan = lib.gpurun_bench_gemm_plan(size, size, size)
    if not plan:
        raise RuntimeError("cuBLASLt offered no plan")
    check(lib.gpurun_bench_gemm_autotune(plan, a.data_ptr(), b.data_ptr(), d.data_ptr(), stream, 4), "autotune")
    ours_s, torch_s = compare(
        lambda: check(lib.gpurun_bench_gemm_run(plan, a.data_ptr(), b.data_ptr(), d.data_ptr(), stream), "gemm"),
        lambda: torch.mm(a, b, out=d_torch), rounds=5, reps=20)
    rel = ((d.float() - d_torch.float()).norm() / d_torch.float().norm()).item()
    flops = 2 * size ** 3
    out["gemm_bf16_8192"] = {"ours_tflops": flops / ours_s / 1e12, "torch_tflops": flops / torch_s / 1e12,
                             "ratio": torch_s / ours_s, "rel_diff_vs_torch": rel}
    lib.gpurun_bench_gemm_free(plan)
    del a, b, d, d_torch
    torch.cuda.empty_cache()

    # FP32 FMA against SMs x 128 x 2 x the clock the kernel measured.
    threads, per_sm, chains = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    lib.gpurun_bench_fma_shape(ctypes.byref(threads), ctypes.byref(per_sm), ctypes.byref(chains))
    blocks = sms * per_sm.value
    iterations = 16384
    fout = torch.empty(blocks * threads.value, device="cuda")
    cycles = torch.zeros(blocks, dtype=torch.int64, device="cuda")
    ns = torch.zeros(blocks, dtype=torch.int64, device="cuda")
    run = lambda: check(lib.gpurun_bench_fma(fout.data_ptr(), sms, iterations, cycles.data_ptr(), ns.data_ptr(),
                                             stream), "fma")
    for _ in range(3):
        run()
    seconds = timed(run, 10)
    mhz = statistics.median((cycles.double() / ns.double() * 1e3).tolist())
    tflops = 2 * blocks * threads.value * iterations * 16 * chains.value / seconds / 1e12
    peak = sms * 128 * 2 * mhz * 1e6 / 1e12
    out["fma_fp32"] = {"tflops": tflops, "clock_mhz": mhz, "clock_peak_tflops": peak, "ratio": tflops / peak}
    results.append(out)
    return out


def bench_peers(devices, out):
    """torch's copy between two GPUs (bytes moved once), to compare with smoke's peer_copy checks."""
    n = GiB // 4
    for src_dev in devices:
        for dst_dev in devices:
            if src_dev == dst_dev:
                continue
            src = torch.empty(n, device=f"cuda:{src_dev}").uniform_(-1, 1)
            dst = torch.empty(n, device=f"cuda:{dst_dev}")
            with torch.cuda.device(src_dev):
                for _ in range(3):
                    dst.copy_(src)
                torch.cuda.synchronize(src_dev)
                torch.cuda.synchronize(dst_dev)
                seconds = timed(lambda: dst.copy_(src), 10)
            assert torch.equal(dst.cpu(), src.cpu())
            out[f"peer_{src_dev}_{dst_dev}"] = {"torch_gbps": GiB / seconds / 1e9}
            del src, dst
            torch.cuda.empty_cache()


def wall_times(gpurun, devices_arg):
    times = {}
    for level in ("quick", "thorough"):
        start = time.perf_counter()
        proc = subprocess.run([gpurun, "smoke", "--level", level, "--device", devices_arg, "--output", "json"],
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        report = json.loads(proc.stdout) if proc.stdout.strip() else {}
        times[level] = {"wall_s": wall, "exit": proc.returncode, "status": report.get("status"),
                        "report": report}
        if proc.stderr:
            sys.stderr.write(proc.stderr)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lib", required=True)
    parser.add_argument("--gpurun")
    parser.add_argument("--device", default="all")
    parser.add_argument("--variants", action="store_true", help="time every copy/triad kernel shape")
    parser.add_argument("--json", help="write every figure here")
    args = parser.parse_args()
    lib = load(os.path.abspath(args.lib))
    devices = list(range(torch.cuda.device_count())) if args.device == "all" else [int(x) for x in args.device.split(",")]
    results = []
    walls = wall_times(args.gpurun, args.device) if args.gpurun else {}
    for dev in devices:
        bench_device(lib, dev, args.variants, results)
    peers = {}
    if len(devices) > 1:
        bench_peers(devices, peers)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "devices": results, "peers": peers, "wall": walls}, f, indent=2)

    print(f"\ntorch {torch.__version__}, {len(devices)} device(s)")
    for r in results:
        print(f"device {r['device']}: {r['name']}, {r['sms']} SMs")
        for key, v in r.items():
            if key.startswith("copy") or key.startswith("triad"):
                print(f"  {key:18} ours {v['ours_gbps']:7.0f} GB/s  torch {v['torch_gbps']:7.0f} GB/s  "
                      f"ratio {v['ratio']:.3f}")
        g = r["gemm_bf16_8192"]
        print(f"  gemm_bf16_8192     ours {g['ours_tflops']:7.1f} TF    torch {g['torch_tflops']:7.1f} TF    "
              f"ratio {g['ratio']:.3f}  (rel diff {g['rel_diff_vs_torch']:.1e})")
        m = r["fma_fp32"]
        print(f"  fma_fp32           {m['tflops']:.1f} TFLOP/s at {m['clock_mhz']:.0f} MHz; "
              f"SMs x 128 x 2 x clock = {m['clock_peak_tflops']:.1f}; ratio {m['ratio']:.3f}")
    for key, v in peers.items():
        print(f"{key}: torch copy_ {v['torch_gbps']:.0f} GB/s (bytes moved once)")
    for level, w in walls.items():
        print(f"gpurun smoke --level {level}: {w['wall_s']:.2f} s wall, exit {w['exit']}, status {w['status']}")
    targets = []
    for r in results:
        targets += [("copy_1GiB >= 0.97", r["copy_1GiB"]["ratio"] >= 0.97),
                    ("copy_4GiB >= 0.97", r["copy_4GiB"]["ratio"] >= 0.97),
                    ("gemm >= 0.95", r["gemm_bf16_8192"]["ratio"] >= 0.95),
                    ("fma >= 0.90", r["fma_fp32"]["ratio"] >= 0.90)]
    if "quick" in walls:
        targets.append(("quick <= 3 s", walls["quick"]["wall_s"] <= 3))
        targets.append(("thorough <= 60 s", walls["thorough"]["wall_s"] <= 60))
    print("targets: " + ", ".join(f"{name} {'MET' if ok else 'MISSED'}" for name, ok in targets))


if __name__ == "__main__":
    main()
