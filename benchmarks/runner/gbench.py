"""Runs one Google Benchmark binary and reduces its JSON to suite results."""

import json
import os
import subprocess
import tempfile

import stats

_TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def run_binary(path, filter_regex=None, repetitions=5, min_time=None, extra_args=()):
    """Runs `path` with repetitions and JSON output; returns (benchmarks, context).

    benchmarks is Google Benchmark's raw list (iteration rows only, no
    aggregates); context its machine context. Raises RuntimeError with the
    binary's stderr when it fails.
    """
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        out_path = out.name
    args = [
        path,
        "--benchmark_out=" + out_path,
        "--benchmark_out_format=json",
        "--benchmark_repetitions=%d" % repetitions,
        "--benchmark_report_aggregates_only=false",
        "--benchmark_display_aggregates_only=true",
    ]
    if filter_regex:
        args.append("--benchmark_filter=" + filter_regex)
    if min_time is not None:
        args.append("--benchmark_min_time=%g" % min_time)
    args.extend(extra_args)
    try:
        proc = subprocess.run(args, capture_output=True, text=True)
        if proc.returncode != 0:
            if "Failed to match any benchmarks" in proc.stderr + proc.stdout:
                return [], {}
            raise RuntimeError("%s exited %d:\n%s" % (os.path.basename(path), proc.returncode,
                                                      proc.stderr.strip()[-2000:]))
        with open(out_path) as f:
            data = json.load(f) if os.path.getsize(out_path) else {"benchmarks": []}
    finally:
        os.unlink(out_path)
    rows = [b for b in data.get("benchmarks", []) if b.get("run_type") == "iteration"]
    errors = [b for b in rows if b.get("error_occurred")]
    for row in errors:
        print("suite: %s skipped: %s" % (row["name"], row.get("error_message", "")))
    return [b for b in rows if not b.get("error_occurred")], data.get("context", {})


def reduce(rows):
    """Groups repetitions by run_name into {name: result}.

    The metric is time per iteration in ns, lower is better: wall time
    (real_time) for benchmarks that asked for it (names ending in /real_time
    or /manual_time: multithreaded and I/O work), else CPU time, as Google
    Benchmark itself reports them. Rates (items_per_second, bytes_per_second)
    and user counters are kept as medians beside it for the report.
    """
    grouped = {}
    for row in rows:
        grouped.setdefault(row.get("run_name", row["name"]), []).append(row)
    results = {}
    for name, reps in grouped.items():
        scale = _TIME_UNIT_NS[reps[0].get("time_unit", "ns")]
        clock = "real_time" if name.endswith(("/real_time", "/manual_time")) else "cpu_time"
        times = [r[clock] * scale for r in reps]
        result = {
            "clock": clock,
            "median": stats.median(times),
            "mad": stats.mad(times),
            "unit": "ns",
            "higher_is_better": False,
            "repetitions": len(times),
            "values": times,
            "counters": {},
        }
        numeric_keys = set()
        for r in reps:
            for key, value in r.items():
                if isinstance(value, (int, float)) and key not in _NOT_COUNTERS:
                    numeric_keys.add(key)
        for key in sorted(numeric_keys):
            values = [r[key] for r in reps if key in r]
            result["counters"][key] = stats.median(values)
        results[name] = result
    return results


_NOT_COUNTERS = {
    "real_time", "cpu_time", "iterations", "repetitions", "repetition_index",
    "threads", "family_index", "per_family_instance_index",
}
