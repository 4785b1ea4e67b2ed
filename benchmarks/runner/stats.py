"""Statistics and regression rules of the benchmark suite.

A result is one benchmark's repetitions of one metric. Lower is better for
times, higher for rates; every comparison states which.
"""

import statistics


def median(values):
    return statistics.median(values)


def mad(values):
    """Median absolute deviation: robust spread of repetitions."""
    center = median(values)
    return median([abs(v - center) for v in values])


def regression_threshold(baseline_median, run_mad, min_fraction=0.05, mad_factor=3.0):
    """How much worse than the baseline a median may be before it regresses:
    max(5% of the baseline, 3 x the run's median absolute deviation)."""
    return max(min_fraction * abs(baseline_median), mad_factor * run_mad)


def compare(baseline, current, min_fraction=0.05, mad_factor=3.0):
    """Compares two {name: {"median", "mad", "unit", "higher_is_better"}} dicts.

    Returns a list of rows {name, baseline, current, change, threshold,
    verdict} with verdict one of "regressed", "improved", "same", "new",
    "missing". change is the relative change in the metric's own direction:
    positive means better.
    """
    rows = []
    for name in sorted(set(baseline) | set(current)):
        if name not in baseline:
            rows.append({"name": name, "verdict": "new", "current": current[name]["median"]})
            continue
        if name not in current:
            rows.append({"name": name, "verdict": "missing", "baseline": baseline[name]["median"]})
            continue
        base = baseline[name]["median"]
        now = current[name]["median"]
        higher_is_better = current[name].get("higher_is_better", False)
        worse_by = (base - now) if higher_is_better else (now - base)
        threshold = regression_threshold(base, current[name]["mad"], min_fraction, mad_factor)
        if worse_by > threshold:
            verdict = "regressed"
        elif -worse_by > threshold:
            verdict = "improved"
        else:
            verdict = "same"
        change = (-worse_by / base) if base else 0.0
        rows.append({
            "name": name,
            "baseline": base,
            "current": now,
            "change": change,
            "threshold": threshold,
            "unit": current[name].get("unit", ""),
            "verdict": verdict,
        })
    return rows
