"""adaptrt benchmark suite: runs the benchmark families with repetitions, saves
the results with a machine description, compares them with a baseline and
writes a report with plots.

  bazel run -c opt //benchmarks:suite -- [--filter=REGEX] [--save=FILE]
      [--baseline=FILE] [--report=DIR] [--quick] [--families=cache,sched,...]

Every run is also kept under --history_dir (default benchmarks/results in the
checkout) as <machine key>/<date>.json, so the report can show a metric's
history (--history=NAME). Exit status: 0, or 1 when a result regressed against
--baseline, or 2 on bad input.
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gbench  # noqa: E402
import hitratio  # noqa: E402
import history  # noqa: E402
import machine  # noqa: E402
import report  # noqa: E402
import stats  # noqa: E402

# category -> binary, relative to the workspace (runfiles) root. "selftest" is
# the suite's own calibration binary and only runs when named in --families.
FAMILIES = {
    "memory": "benchmarks/memory/allocator_benchmark",
    "io": "benchmarks/io/file_io_benchmark",
    "cache": "benchmarks/cache/cache_benchmark",
    "sched": "benchmarks/sched/executor_benchmark",
    "parallel": "benchmarks/parallel/scaling_benchmark",
    "io_blocking": "benchmarks/io/blocking_benchmark",
    "analyze": "benchmarks/analyze/line_counter_benchmark",
    "selftest": "benchmarks/runner/selftest_benchmark",
    # Not a Google Benchmark binary: //cache:replay over a grid of capacities
    # on the real traces in ../shared/traces (skipped when absent).
    "hitratio": "cache/replay",
}
DEFAULT_FAMILIES = [f for f in FAMILIES if f != "selftest"]


def _runfiles_root():
    candidates = [os.environ.get("RUNFILES_DIR", "")]
    here = os.path.dirname(os.path.abspath(__file__))
    candidates += [os.path.join(here, "..", ".."), os.path.join(here, "..", "..", "..")]
    for candidate in candidates:
        if candidate and os.path.isdir(os.path.join(candidate, "adaptrt", "benchmarks")):
            return os.path.join(candidate, "adaptrt")
        if candidate and os.path.isfile(os.path.join(candidate, "WORKSPACE")):
            return candidate
    return os.path.abspath(os.path.join(here, "..", ".."))


def _workspace():
    return os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.getcwd()


def _user_path(path):
    """Relative paths are the user's, not the runfiles tree's."""
    if path is None or os.path.isabs(path):
        return path
    return os.path.join(os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd()), path)


def _hit_ratio(replay, workspace):
    """The hit-ratio document part, {"skipped": why} without ../shared, or
    None (after printing why) when replay fails."""
    shared = hitratio.shared_dir(workspace)
    if shared is None:
        why = ("hit ratio skipped: no shared traces (set ADAPTRT_SHARED_DIR, or put them in "
               "<checkout>/../shared/traces)")
        print("suite: " + why, flush=True)
        return {"skipped": why}
    print("suite: running hitratio (cache/replay on %s/traces)" % shared, flush=True)
    try:
        traces = hitratio.measure(replay, shared)
    except RuntimeError as e:
        print("suite: hitratio: %s" % e, file=sys.stderr)
        return None
    return {"shared": shared, "traces": traces, "paper": {"OLTP": hitratio.ARC_PAPER_OLTP}}


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="suite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--filter", help="regex over benchmark names (Google Benchmark's filter)")
    parser.add_argument("--families", help="comma-separated categories; default: %s; all: %s" %
                        (",".join(DEFAULT_FAMILIES), ",".join(FAMILIES)))
    parser.add_argument("--save", help="also write this run's JSON here")
    parser.add_argument("--baseline", help="a saved run to compare with; regressions exit 1")
    parser.add_argument("--report", help="directory for report.md and its plots")
    parser.add_argument("--quick", action="store_true",
                        help="3 repetitions of 0.05 s each: a smoke run for CI")
    parser.add_argument("--repetitions", type=int, help="repetitions per benchmark (default 5)")
    parser.add_argument("--min_time", type=float, help="seconds per repetition (default: "
                        "Google Benchmark's 0.5, or 0.05 with --quick)")
    parser.add_argument("--history_dir", help="where runs are kept (default: "
                        "benchmarks/results in the checkout)")
    parser.add_argument("--history", action="append", default=[],
                        help="benchmark name whose history the report plots (repeatable)")
    parser.add_argument("--no_history", action="store_true", help="do not keep this run")
    parser.add_argument("--binary_arg", action="append", default=[],
                        help="extra argument passed to every benchmark binary (repeatable)")
    parser.add_argument("--threshold", type=float, default=0.05,
                        help="minimum relative change that counts as a regression")
    args = parser.parse_args(argv)
    if args.filter:
        try:
            re.compile(args.filter)
        except re.error as e:
            parser.error("--filter: not a regular expression: %s" % e)
    families = args.families.split(",") if args.families else DEFAULT_FAMILIES
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        parser.error("--families: unknown %s (known: %s)" % (",".join(unknown), ",".join(FAMILIES)))
    args.families = families
    if args.repetitions is None:
        args.repetitions = 3 if args.quick else 5
    if args.repetitions < 2:
        parser.error("--repetitions: need at least 2 to measure spread")
    if args.min_time is None and args.quick:
        args.min_time = 0.05
    return args


def main(argv):
    args = parse_args(argv)
    baseline = None
    if args.baseline:
        try:
            baseline = history.load(_user_path(args.baseline))
        except ValueError as e:
            print("suite: --baseline: %s" % e, file=sys.stderr)
            return 2
    root = _runfiles_root()
    workspace = _workspace()
    results = {}
    hit_ratio = None
    # The 1-minute load average before and after, and the suite's wall time:
    # a loaded machine explains flat speedups and wide MADs.
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    for family in args.families:
        binary = os.path.join(root, FAMILIES[family])
        if not os.access(binary, os.X_OK):
            print("suite: %s: benchmark binary %s not found (build it with bazel)" % (family, binary),
                  file=sys.stderr)
            return 2
        if family == "hitratio":
            hit_ratio = _hit_ratio(binary, workspace)
            if hit_ratio is None:
                return 2
            continue
        print("suite: running %s (%s)" % (family, FAMILIES[family]), flush=True)
        try:
            rows, _ = gbench.run_binary(binary, args.filter, args.repetitions, args.min_time,
                                        args.binary_arg)
        except RuntimeError as e:
            print("suite: %s" % e, file=sys.stderr)
            return 2
        for name, result in gbench.reduce(rows).items():
            result["category"] = family
            results[name] = result
    description = machine.describe(workspace)
    document = {
        "machine": description,
        "machine_key": machine.machine_key(description),
        "command": "bazel run -c opt //benchmarks:suite -- " + " ".join(argv),
        "repetitions": args.repetitions,
        "results": results,
        "load_average": [load_before, os.getloadavg()[0]],
        "wall_seconds": time.monotonic() - started,
    }
    if hit_ratio is not None:
        document["hit_ratio"] = hit_ratio
    history_dir = _user_path(args.history_dir) or os.path.join(workspace, "benchmarks", "results")
    if not args.no_history:
        kept = history.run_path(history_dir, document["machine_key"], description["date"])
        history.save(kept, document)
        print("suite: kept this run as %s" % kept)
    if args.save:
        history.save(_user_path(args.save), document)
        print("suite: saved %s" % _user_path(args.save))

    comparison = None
    regressed = []
    if baseline is not None:
        if baseline.get("machine_key") != document["machine_key"]:
            print("suite: note: baseline was measured on %s, this run on %s" %
                  (baseline.get("machine_key"), document["machine_key"]))
        comparison = stats.compare(baseline["results"], results, args.threshold)
        regressed = [row for row in comparison if row["verdict"] == "regressed"]
        for row in comparison:
            if row["verdict"] in ("regressed", "improved"):
                print("suite: %-9s %s: %+.1f%% (baseline %.4g ns, now %.4g ns, threshold %.3g ns)" % (
                    row["verdict"], row["name"], 100 * row["change"], row["baseline"],
                    row["current"], row["threshold"]))
        print("suite: %d compared, %d regressed" % (
            sum(1 for r in comparison if r["verdict"] not in ("new", "missing")), len(regressed)))

    if args.report:
        histories = []
        for name in args.history:
            histories.append((name, history.metric_history(
                history.runs(history_dir, document["machine_key"]), name)))
        path = report.write(document, comparison, _user_path(args.report), histories)
        print("suite: report written to %s" % path)
    else:
        for row in report.peer_ratios(results):
            print("suite: %-40s %s/%s = %.2fx" % row)
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
