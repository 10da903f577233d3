#!/usr/bin/env python3
"""gpurun against its peers, each measured in the same run (docs/benchmarks.md).

    bench/peers.py [--build DIR] [--quick]

Prints one line per figure: gpurun's value, the peer's, the ratio and the target. Starts its own
`gpurun serve` (and, when this machine can run it, the test Slurm cluster) in a scratch folder.
Exits 1 when a target is missed.
"""
import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = []


def report(name, ours, peer, peer_name, unit, target=None, higher_is_better=False):
    ratio = ours / peer if peer else float("nan")
    met = None
    if target is not None:
        met = ratio >= target if higher_is_better else ratio <= target
    RESULTS.append(met)
    goal = "" if target is None else f"  target {'>=' if higher_is_better else '<='} {target}: {'met' if met else 'MISSED'}"
    print(f"{name}: gpurun {ours:.3g} {unit}, {peer_name} {peer:.3g} {unit}, ratio {ratio:.2f}{goal}", flush=True)


def wall_ms(argv, repeat, **kwargs):
    """Median wall milliseconds of `repeat` runs of argv (output discarded)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_rss_mib(argv):
    """Peak resident memory of argv, measured by a fresh Python that only waits for it."""
    probe = ("import resource,subprocess,sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe] + argv, capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024


def big_manifest(path, functions):
    chains = ['"H100:8"', '["H100", "A100-80GB:2"]', '"A100-40GB"', '["H100!", "H100:2", "L40S:4"]', '"L4"']
    with open(path, "w") as f:
        f.write("app: big\nimage: {base: debian-slim, python: '3.11', pip: [torch, numpy]}\nfunctions:\n")
        for i in range(functions):
            f.write(f"  fn{i}:\n    gpu: {chains[i % len(chains)]}\n"
                    f"    command: [python, -m, train, --shard, '{i}']\n"
                    f"    env: {{SHARD: '{i}', MODE: train}}\n"
                    f"    timeout: 2h\n    retries: {{max: 3, backoff: 2.0, initial_delay: 1s}}\n")


def bench_validate(gpurun, tmp, repeat):
    path = os.path.join(tmp, "big.yaml")
    big_manifest(path, 5000)
    ours = wall_ms([gpurun, "validate", path], repeat)
    pyyaml = [sys.executable, "-c", "import sys, yaml; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)", path]
    peer = wall_ms(pyyaml, repeat)
    report(f"validate 5,000 functions ({os.path.getsize(path) // 1024} KiB)", ours, peer,
           "PyYAML CSafeLoader parse", "ms", 1.0)
    report("validate 5,000 functions, peak memory", peak_rss_mib([gpurun, "validate", path]),
           peak_rss_mib(pyyaml), "PyYAML", "MiB")


def bench_startup(gpurun, repeat):
    curl = shutil.which("curl")
    report("start-up (--version)", wall_ms([gpurun, "--version"], repeat), wall_ms([curl, "--version"], repeat),
           "curl --version", "ms")
    hello = os.path.join(ROOT, "manifests", "hello.yaml")
    report("validate hello.yaml", wall_ms([gpurun, "validate", hello], repeat), wall_ms([curl, "--version"], repeat),
           "curl --version", "ms")
    report("start-up peak memory (--version)", peak_rss_mib([gpurun, "--version"]), peak_rss_mib([curl, "--version"]),
           "curl --version", "MiB")


class Server:
    def __init__(self, gpurun, tmp, env):
        with open(os.path.join(tmp, "inventory.yaml"), "w") as f:
            f.write("nodes:\n  - name: busy\n    gpus: {H100: 8}\n    free: {H100: 0}\n")
        self.state = os.path.join(tmp, "state")
        self.proc = subprocess.Popen([gpurun, "serve", "--listen", "127.0.0.1:0", "--state", self.state,
                                      "--inventory", os.path.join(tmp, "inventory.yaml")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        endpoint = os.path.join(self.state, "endpoint")
        for _ in range(200):
            if os.path.exists(endpoint) and open(endpoint).read().strip():
                break
            time.sleep(0.05)
        self.endpoint = open(endpoint).read().strip()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def bench_control_plane(gpurun, build, tmp, calls, seconds, runs, slurm_env):
    env = dict(os.environ, GPURUN_TOKEN="bench-" + os.urandom(8).hex())
    marks = os.path.join(tmp, "marks")
    os.makedirs(marks)
    with open(os.path.join(tmp, "app.yaml"), "w") as f:
        f.write("app: bench\nfunctions:\n"
                "  wait: {image: {base: host}, gpu: H100, command: ['true']}\n"
                "  mark:\n    image: {base: host}\n"
                f"    command: [bash, -c, 'echo ${{EPOCHREALTIME/./}} > \"$0/$GPURUN_RUN_ID\"', '{marks}']\n")
    server = Server(gpurun, tmp, env)
    try:
        env["GPURUN_ENDPOINT"] = server.endpoint
        subprocess.run([gpurun, "deploy", os.path.join(tmp, "app.yaml")], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run_id = subprocess.run([gpurun, "run", os.path.join(tmp, "app.yaml"), "wait", "--detach"], env=env,
                                check=True, capture_output=True, text=True).stdout.strip()
        curl = ["curl", "-sf", "-H", f"Authorization: Bearer {env['GPURUN_TOKEN']}", f"{server.endpoint}/v1/runs/{run_id}"]
        ours = wall_ms([gpurun, "status", run_id, "--output", "json"], calls, env=env)
        report("status of one run", ours, wall_ms(curl, calls), "curl GET", "ms", 1.5)

        submit = os.path.join(build, "gpurun_bench_submit")
        out = subprocess.run([submit, "gpurun", server.endpoint, env["GPURUN_TOKEN"], "bench", "wait", "32", str(seconds)],
                             check=True, capture_output=True, text=True).stdout
        ours_rate = json.loads(out)["per_second"]
        if slurm_env:
            out = subprocess.run([submit, "slurmrestd", slurm_env["SLURM_URL"], slurm_env["SLURM_USER"],
                                  slurm_env["SLURM_JWT"], "32", str(seconds)], capture_output=True, text=True).stdout
            peer_rate = json.loads(out)["per_second"]
            report("durable submissions, 32 keep-alive clients", ours_rate, peer_rate, "slurmrestd /job/submit",
                   "per s", 10, higher_is_better=True)
        else:
            print(f"durable submissions, 32 keep-alive clients: gpurun {ours_rate:.0f} per s "
                  "(no Slurm cluster on this machine: no peer)")

        out = subprocess.run([submit, "latency", server.endpoint, env["GPURUN_TOKEN"], "bench", "mark", str(runs), marks],
                             check=True, capture_output=True, text=True).stdout
        lat = json.loads(out)
        if slurm_env:
            peer = slurm_latency(slurm_env, max(3, runs // 10), tmp)
            report("submit to process start, median", lat["p50_ms"], peer[0], "Slurm", "ms")
            report("submit to process start, 99th percentile", lat["p99_ms"], peer[1], "Slurm", "ms")
        else:
            print(f"submit to process start: median {lat['p50_ms']} ms, 99th percentile {lat['p99_ms']} ms")
    finally:
        server.stop()


def slurm_latency(slurm, count, tmp):
    """Median and worst of Slurm's submit-to-start for a job that only records the time."""
    url = urllib.parse.urlparse(slurm["SLURM_URL"])
    marks = os.path.join(tmp, "slurm-marks")
    os.makedirs(marks)
    os.chmod(marks, 0o777)
    times = []
    for i in range(count):
        mark = os.path.join(marks, str(i))
        job = {"script": f"#!/bin/bash\necho ${{EPOCHREALTIME/./}} > {mark}\n",
               "job": {"name": "latency", "environment": {"PATH": "/usr/bin:/bin"},
                       "current_working_directory": "/tmp", "standard_output": "/dev/null"}}
        conn = http.client.HTTPConnection(url.hostname, url.port)
        submitted = time.time_ns() // 1000
        conn.request("POST", "/slurm/v0.0.38/job/submit", json.dumps(job),
                     {"X-SLURM-USER-NAME": slurm["SLURM_USER"], "X-SLURM-USER-TOKEN": slurm["SLURM_JWT"],
                      "Content-Type": "application/json"})
        conn.getresponse().read()
        deadline = time.time() + 60
        while time.time() < deadline:
            if os.path.exists(mark) and open(mark).read().strip():
                break
            time.sleep(0.001)
        times.append((int(open(mark).read()) - submitted) / 1000)
    return statistics.median(times), max(times)


def start_slurm(tmp):
    tool = os.path.join(ROOT, "scripts", "slurm-cluster")
    if subprocess.run([tool, "check"], capture_output=True).returncode != 0:
        return None, None
    # Slurm's daemons run as other users: the cluster needs a folder every user can reach.
    cluster = tempfile.mkdtemp(prefix="gpurun-bench-slurm-", dir="/tmp")
    os.chmod(cluster, 0o755)
    if subprocess.run([tool, "start", cluster], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        return None, cluster
    env = {}
    for line in subprocess.run([tool, "env", cluster], capture_output=True, text=True, check=True).stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value
    return env, cluster


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.environ.get("GPURUN_BUILD_DIR", os.path.join(ROOT, "build")))
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke test of the script)")
    args = parser.parse_args()
    gpurun = os.path.join(args.build, "gpurun")
    repeat, calls, seconds, runs = (3, 20, 1, 10) if args.quick else (7, 200, 5, 200)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"gpurun benchmarks against peers: commit {commit or '?'}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="gpurun-bench-") as tmp:
        bench_validate(gpurun, tmp, repeat)
        bench_startup(gpurun, max(repeat, 20))
        slurm_env, cluster = start_slurm(tmp)
        try:
            bench_control_plane(gpurun, args.build, tmp, calls, seconds, runs, slurm_env)
        finally:
            if cluster:
                subprocess.run([os.path.join(ROOT, "scripts", "slurm-cluster"), "stop", cluster],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                shutil.rmtree(cluster, ignore_errors=True)
    missed = sum(1 for met in RESULTS if met is False)
    print(f"{missed} target(s) missed" if missed else "every target met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
