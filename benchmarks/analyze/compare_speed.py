#!/usr/bin/env python3
"""compare_speed.py: the speed targets of issue 6, measured in ONE run.

Usage: benchmarks/analyze/compare_speed.py [DIR] [--reps N] [--cloc-reps N]
                                           [--adaptrt PATH] [--json OUT]
  DIR defaults to /usr/include. Without --adaptrt, builds
  `bazel build -c opt //runtime:adaptrt` and copies the binary.

Measures, on the same tree, in one run, with the page cache warm for all
(`find DIR -type f -print0 | xargs -0 cat > /dev/null` runs once first):
  cloc      `cloc --skip-uniqueness --quiet DIR`               (--cloc-reps)
  cat       `find DIR -type f -print0 | xargs -0 cat > /dev/null`   (--reps)
  cold      `adaptrt analyze --json DIR` with a fresh, empty XDG_CACHE_HOME
  warm      the same command again on that XDG_CACHE_HOME (second run)
  baseline  `adaptrt analyze --no-cache --baseline --json DIR`: the same
            analysis single-threaded, no cache (its in-process time)
Process wall times (fork to exit) are medians of the repetitions; the
adaptrt rows also show the in-process wall time its JSON reports
(walk + count, without process start, Runtime::Create and exit).
Each repetition of cold/warm uses its own fresh cache directory. Prints
the machine (cores, load average before and after), a table with ratios
and the three targets with PASS/MISS.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "runner"))
import machine  # noqa: E402  (benchmarks/runner/machine.py)
import stats  # noqa: E402  (benchmarks/runner/stats.py)


def timed(cmd, env=None, shell=False):
    """Runs cmd; returns (wall seconds, stdout). Raises on failure."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, shell=shell, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (cmd, proc.returncode, proc.stderr[-500:]))
    return wall, proc.stdout


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def build_adaptrt(work):
    subprocess.run(["bazel", "build", "-c", "opt", "--jobs=2", "//runtime:adaptrt"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dest = os.path.join(work, "adaptrt")
    shutil.copy(os.path.join(ROOT, "bazel-bin", "runtime", "adaptrt"), dest)
    return dest


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", default="/usr/include")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cloc-reps", type=int, default=3)
    ap.add_argument("--adaptrt")
    ap.add_argument("--json", help="also write the raw times here")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="adaptrt_speed_")
    try:
        adaptrt = args.adaptrt or build_adaptrt(work)
        env = dict(os.environ)
        env.setdefault("ADAPTRT_PROFILES_DIR", os.path.join(ROOT, "profiles"))
        cat_cmd = "find '%s' -type f -print0 | xargs -0 cat > /dev/null" % args.dir
        desc = machine.describe(ROOT)
        load_before = loadavg()
        timed(cat_cmd, shell=True)  # warm the page cache for every tool below

        rows = {k: [] for k in ("cloc", "cat", "cold", "warm", "baseline")}
        inproc = {k: [] for k in ("cold", "warm", "nocache_run", "baseline")}
        files = None
        for _ in range(args.cloc_reps):
            rows["cloc"].append(timed(["cloc", "--skip-uniqueness", "--quiet", args.dir])[0])
        for rep in range(args.reps):
            rows["cat"].append(timed(cat_cmd, shell=True)[0])
            xdg = os.path.join(work, "xdg%d" % rep)
            os.makedirs(xdg)
            e = dict(env, XDG_CACHE_HOME=xdg)
            cmd = [adaptrt, "analyze", "--json", args.dir]
            wall, out = timed(cmd, env=e)
            cold = json.loads(out)
            rows["cold"].append(wall)
            inproc["cold"].append(cold["performance"]["wall_seconds"])
            wall, out = timed(cmd, env=e)
            warm = json.loads(out)
            rows["warm"].append(wall)
            inproc["warm"].append(warm["performance"]["wall_seconds"])
            if warm["total"] != cold["total"] or warm["languages"] != cold["languages"]:
                raise RuntimeError("warm counts differ from cold counts")
            if warm["performance"]["from_cache"] != warm["performance"]["files"]:
                print("note: warm run %d counted %d files" %
                      (rep, warm["performance"]["counted"]), file=sys.stderr)
            shutil.rmtree(xdg)
            wall, out = timed([adaptrt, "analyze", "--no-cache", "--baseline", "--json",
                               args.dir], env=env)
            base = json.loads(out)
            if base["total"] != cold["total"]:
                raise RuntimeError("--no-cache counts differ from cold counts")
            inproc["nocache_run"].append(base["performance"]["wall_seconds"])
            inproc["baseline"].append(base["performance"]["baseline_seconds"])
            rows["baseline"].append(None)
            files = cold["performance"]["files"]
        load_after = loadavg()

        med = {k: stats.median(v) for k, v in rows.items() if v and v[0] is not None}
        imed = {k: stats.median(v) for k, v in inproc.items()}
        print("adaptrt analyze speed, %s (%d files)" % (args.dir, files))
        print("machine: %s, %d cores, %s; %s" % (desc["cpu_model"], desc["cores"],
                                                 desc["kernel"], desc["date"]))
        print("load average before %s, after %s; commit %s" % (load_before, load_after,
                                                            desc["commit"]))
        print("page cache warmed by one `find | xargs cat` first; medians of %d reps "
              "(cloc: %d)" % (args.reps, args.cloc_reps))
        print()
        print("| run | process wall s | in-process s | vs cold (process) |")
        print("|---|---:|---:|---:|")

        def row(name, key, ikey=None):
            p = med.get(key)
            i = imed.get(ikey) if ikey else None
            ratio = "%.2fx" % (p / med["cold"]) if p is not None else ""
            print("| %s | %s | %s | %s |" % (name, "%.3f" % p if p is not None else "",
                                             "%.3f" % i if i is not None else "", ratio))

        row("cloc --skip-uniqueness", "cloc")
        row("find \\| xargs cat", "cat")
        row("adaptrt analyze, cold (empty cache)", "cold", "cold")
        row("adaptrt analyze, warm (second run)", "warm", "warm")
        print("| adaptrt analyze --no-cache | | %.3f | |" % imed["nocache_run"])
        print("| --baseline (1 thread, no cache) | | %.3f | |" % imed["baseline"])
        print()
        targets = [
            ("cold >= 20x faster than cloc", med["cloc"] / med["cold"], 20, True),
            ("warm >= 5x faster than cold", med["cold"] / med["warm"], 5, True),
            ("cold within 2x of find|xargs cat", med["cold"] / med["cat"], 2, False),
        ]
        for name, value, bound, at_least in targets:
            ok = value >= bound if at_least else value <= bound
            print("%-36s %6.2fx  %s" % (name, value, "PASS" if ok else "MISS"))
        print("%-36s %6.2fx  (in-process: baseline / cold)" %
              ("speedup over --baseline", imed["baseline"] / imed["cold"]))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"dir": args.dir, "files": files, "machine": desc,
                           "load_before": load_before, "load_after": load_after,
                           "process_seconds": rows, "in_process_seconds": inproc}, f, indent=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
