#!/usr/bin/env python3
"""scaling_pairs.py: issue 3's read targets as medians of back-to-back ratios.

Usage: benchmarks/cache/scaling_pairs.py [--rounds N] [--min-time S]
           [--workloads get-hit,get-miss] [--binary PATH] [--json OUT]
  Without --binary, builds `bazel build -c opt //benchmarks/cache:cache_benchmark`
  and copies the binary (so a later build cannot change it mid-run).

Why pairs: on a shared machine the speed of the whole host drifts by up to 2x
within minutes, so the ratio of two medians taken minutes apart (what one
`--benchmark_repetitions` run reports) carries that drift. Here every round
runs the binary once per implementation (adaptrt, rocksdb_hcc, rocksdb_lru;
order reversed every other round), each run measuring 1 and then 2 threads
with `--benchmark_min_time`. A round's ratios compare measurements taken
seconds apart: 2 threads / 1 thread of each implementation, and adaptrt /
peer at 1 and at 2 threads. The report gives, per workload, the median and
interquartile range of each ratio over the rounds, the throughputs' medians,
and the issue's targets (get: 2T/1T >= 1.8, >= 1.0x HyperClockCache,
>= 1.5x LRUCache) marked PASS or MISS on the medians.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "runner"))
import machine  # noqa: E402  (benchmarks/runner/machine.py)
import stats  # noqa: E402  (benchmarks/runner/stats.py)

IMPLEMENTATIONS = ["adaptrt", "rocksdb_hcc", "rocksdb_lru"]
PEER_TARGETS = {"rocksdb_hcc": 1.0, "rocksdb_lru": 1.5}
SCALING_TARGET = 1.8


def build_binary(workdir):
    subprocess.run(["bazel", "build", "-c", "opt", "//benchmarks/cache:cache_benchmark"],
                   cwd=ROOT, check=True)
    path = os.path.join(workdir, "cache_benchmark")
    shutil.copy(os.path.join(ROOT, "bazel-bin", "benchmarks", "cache", "cache_benchmark"), path)
    return path


def run_once(binary, workload, impl, min_time):
    """{threads: items per second} of one implementation, 1 and 2 threads."""
    flt = "^%s/%s/real_time/threads:(1|2)$" % (workload, impl)
    out = subprocess.run([binary, "--benchmark_filter=" + flt, "--benchmark_min_time=%g" % min_time,
                          "--benchmark_format=json"], capture_output=True, text=True, check=True)
    rates = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("error_occurred"):
            sys.exit("%s: %s" % (b["name"], b.get("error_message", "error")))
        rates[b["threads"]] = b["items_per_second"]
    if set(rates) != {1, 2}:
        sys.exit("%s/%s: expected 1- and 2-thread results, got %s" % (workload, impl, sorted(rates)))
    return rates


def quartiles(values):
    s = sorted(values)
    q = lambda f: s[min(len(s) - 1, int(f * (len(s) - 1) + 0.5))]  # noqa: E731
    return q(0.25), q(0.75)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--min-time", type=float, default=0.2)
    parser.add_argument("--workloads", default="get-hit,get-miss")
    parser.add_argument("--binary")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")

    workdir = tempfile.mkdtemp(prefix="adaptrt-scaling-")
    try:
        binary = args.binary or build_binary(workdir)
        description = machine.describe(ROOT)
        load_before = os.getloadavg()[0]
        report = {"machine": description, "rounds": args.rounds, "min_time": args.min_time,
                  "workloads": {}}
        for workload in args.workloads.split(","):
            rounds = []
            for r in range(args.rounds):
                order = IMPLEMENTATIONS if r % 2 == 0 else IMPLEMENTATIONS[::-1]
                rounds.append({impl: run_once(binary, workload, impl, args.min_time)
                               for impl in order})
            report["workloads"][workload] = rounds
        report["load_average"] = [load_before, os.getloadavg()[0]]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    d = report["machine"]
    print("machine: %s, %s cores, %s; commit %s; %s; load average %.2f -> %.2f"
          % (d["cpu_model"], d["cores"], d["compiler"], d["commit"], d["date"],
             report["load_average"][0], report["load_average"][1]))
    print("%d rounds, --benchmark_min_time=%g per measurement; medians over rounds [IQR]"
          % (args.rounds, args.min_time))
    for workload, rounds in report["workloads"].items():
        print("\n%s (M items/s, 1T / 2T):" % workload)
        for impl in IMPLEMENTATIONS:
            print("  %-12s %6.2f / %6.2f" % (
                impl, stats.median([x[impl][1] for x in rounds]) / 1e6,
                stats.median([x[impl][2] for x in rounds]) / 1e6))
        rows = []
        for impl in IMPLEMENTATIONS:
            target = SCALING_TARGET if impl == "adaptrt" else None
            rows.append(("%s 2T/1T" % impl, [x[impl][2] / x[impl][1] for x in rounds], target))
        for peer, target in PEER_TARGETS.items():
            for t in (1, 2):
                rows.append(("adaptrt / %s, %dT" % (peer, t),
                             [x["adaptrt"][t] / x[peer][t] for x in rounds], target))
        for name, values, target in rows:
            lo, hi = quartiles(values)
            verdict = ""
            if target is not None:
                verdict = "  target %.1f: %s" % (
                    target, "PASS" if stats.median(values) >= target else "MISS")
            print("  %-26s %5.2f [%4.2f-%4.2f]%s" % (name, stats.median(values), lo, hi, verdict))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
