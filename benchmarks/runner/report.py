"""Markdown report of a suite run, with gnuplot plots (PNG)."""

import math
import os
import re
import shutil
import subprocess

import fit

# Implementations we recognise in `<workload>/<implementation>/<rest>` names;
# "ours" is the one ratios are computed for.
OURS = {"adaptrt", "mimalloc"}
IMPLEMENTATIONS = OURS | {"tbb", "mutex_pool", "rocksdb_lru", "rocksdb_hcc", "mutex_lru", "glibc", "memchr",
                          "no_scope"}


def split_name(name):
    """("get_hit", "adaptrt", "threads:2") for "get_hit/adaptrt/threads:2";
    None when the name does not follow the convention."""
    parts = name.split("/")
    if len(parts) < 2 or parts[1] not in IMPLEMENTATIONS:
        return None
    return parts[0], parts[1], "/".join(parts[2:])


def throughput(result):
    """Operations per second: items_per_second when reported, else 1/time."""
    rate = result["counters"].get("items_per_second")
    if rate:
        return rate
    return 1e9 / result["median"] if result["median"] else 0.0


def peer_ratios(results):
    """Rows (case, ours, peer, ratio): our throughput / the peer's, per case."""
    cases = {}
    for name, result in results.items():
        parsed = split_name(name)
        if parsed is None:
            continue
        workload, impl, rest = parsed
        cases.setdefault((workload, rest), {})[impl] = result
    rows = []
    for (workload, rest), impls in sorted(cases.items()):
        case = workload + ("/" + rest if rest else "")
        for ours in sorted(OURS & set(impls)):
            for peer in sorted(set(impls) - OURS):
                ratio = throughput(impls[ours]) / max(throughput(impls[peer]), 1e-300)
                rows.append((case, ours, peer, ratio))
    return rows


def _gnuplot(script, workdir):
    if shutil.which("gnuplot") is None:
        return "gnuplot not installed (apt-get install gnuplot-nox): plot skipped"
    # Bytes: the scripts hold UTF-8 (σ, κ) whatever the locale.
    proc = subprocess.run(["gnuplot"], input=script.encode("utf-8"), capture_output=True,
                          cwd=workdir)
    if proc.returncode != 0:
        return "gnuplot failed: " + proc.stderr.decode("utf-8", "replace").strip()[-500:]
    return None


def _render(script, out_dir, png):
    """Runs a plot script that writes `png`; returns its name, or None with
    the reason printed."""
    error = _gnuplot(script, out_dir)
    if error:
        print("suite: " + error)
        return None
    return png


def bar_plot(results, category, names, out_dir):
    """Clustered bars of throughput per case, one bar per implementation.
    Returns the PNG's file name, or None with a printed reason."""
    cases, impls = [], []
    table = {}
    for name in names:
        parsed = split_name(name)
        if parsed is None:
            continue
        workload, impl, rest = parsed
        case = workload + ("/" + rest if rest else "")
        if case not in cases:
            cases.append(case)
        if impl not in impls:
            impls.append(impl)
        table[(case, impl)] = throughput(results[name])
    if not cases or len(impls) < 2:
        return None
    data = os.path.join(out_dir, category + "_bars.dat")
    with open(data, "w") as f:
        f.write("# case " + " ".join(impls) + "\n")
        for case in cases:
            f.write('"%s" ' % case + " ".join("%g" % table.get((case, i), 0) for i in impls) + "\n")
    png = category + "_bars.png"
    columns = ", ".join("'%s' using %d:xtic(1) title '%s'" % (os.path.basename(data), i + 2, impl)
                        for i, impl in enumerate(impls))
    script = """set terminal pngcairo size 1100,520 font ',9' noenhanced
set output '%s'
set title '%s: throughput (operations/s, higher is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set xtics rotate by -30
set key outside right
set grid ytics
plot %s
""" % (png, category, columns)
    return _render(script, out_dir, png)


def history_plot(points, name, out_dir):
    """Line plot of one metric's median over saved runs."""
    if len(points) < 2:
        return None
    slug = "".join(c if c.isalnum() else "_" for c in name)
    data = os.path.join(out_dir, "history_" + slug + ".dat")
    with open(data, "w") as f:
        for i, (date, commit, value) in enumerate(points):
            f.write('%d "%s %s" %g\n' % (i, date[:10], commit, value))
    png = "history_" + slug + ".png"
    script = """set terminal pngcairo size 900,400 font ',9' noenhanced
set output '%s'
set title '%s: median ns per iteration by run (lower is better)'
set xtics rotate by -30
set grid
plot '%s' using 1:3:xtic(2) with linespoints title 'median'
""" % (png, name, os.path.basename(data))
    return _render(script, out_dir, png)


_WORKERS = re.compile(r"^([^/]+)/([^/]+)/workers:(\d+)")


def scaling_series(results):
    """{workload: {impl: [(workers, throughput)]}} for names
    `<workload>/<impl>/workers:<n>` with at least 3 worker counts (fewer
    cannot tell Amdahl from the USL)."""
    series = {}
    for name, result in results.items():
        m = _WORKERS.match(name)
        if m:
            series.setdefault(m.group(1), {}).setdefault(m.group(2), []).append(
                (int(m.group(3)), throughput(result)))
    out = {}
    for workload, impls in series.items():
        kept = {impl: sorted(points) for impl, points in impls.items() if len(points) >= 3}
        if kept:
            out[workload] = kept
    return out


def scaling_fits(points):
    """(amdahl, usl) fits of one implementation's points; None where the fit
    needs more distinct counts."""
    amdahl = usl = None
    try:
        amdahl = fit.fit_amdahl(points)
        usl = fit.fit_usl(points)
    except ValueError:
        pass
    return amdahl, usl


def speedup_plot(workload, impls, out_dir):
    """Speedup (throughput / the implementation's own 1-worker throughput)
    vs workers: measured points plus fitted Amdahl (dashed) and USL (solid)
    curves per implementation. Returns the PNG's file name or None."""
    slug = "speedup_" + "".join(c if c.isalnum() else "_" for c in workload)
    plots = []
    max_n = max(n for points in impls.values() for n, _ in points)
    for index, (impl, points) in enumerate(sorted(impls.items())):
        base = dict(points).get(1) or points[0][1]
        data = "%s_%s.dat" % (slug, impl)
        with open(os.path.join(out_dir, data), "w") as f:
            for n, x in points:
                f.write("%d %g\n" % (n, x / base))
        color = index + 1
        plots.append("'%s' using 1:2 with points pt 7 ps 1.3 lc %d title '%s measured'" % (
            data, color, impl))
        amdahl, usl = scaling_fits(points)
        if amdahl:
            plots.append("%g/((1-%g)+%g/x)/%g with lines dt 2 lc %d title '%s Amdahl p=%.3f'" % (
                amdahl["lam"], amdahl["p"], amdahl["p"], base, color, impl, amdahl["p"]))
        if usl:
            plots.append("%g*x/(1+%g*(x-1)+%g*x*(x-1))/%g with lines lc %d "
                         "title '%s USL σ=%.3f κ=%.4f'" % (
                             usl["lam"], usl["sigma"], usl["kappa"], base, color, impl,
                             usl["sigma"], usl["kappa"]))
    png = slug + ".png"
    script = """set terminal pngcairo size 900,520 font ',9' noenhanced
set output '%s'
set title '%s: speedup vs workers (throughput / 1-worker throughput)'
set xlabel 'workers'
set ylabel 'speedup'
set xrange [0.8:%g]
set yrange [0:*]
set samples 200
set grid
set key left top
plot %s, x with lines lc rgb 'gray' dt 3 title 'linear'
""" % (png, workload, max_n + 0.2, ", \\\n  ".join(plots))
    return _render(script, out_dir, png)


def hit_ratio_plot(label, curves, out_dir, paper=None):
    """Hit ratio (%) vs capacity (entries, log x) per policy; `paper` points
    {series: [(capacity, percent)]} are overlaid as open symbols."""
    slug = "hitratio_" + "".join(c if c.isalnum() else "_" for c in label)
    plots = []
    for index, (policy, points) in enumerate(sorted(curves.items())):
        data = "%s_%s.dat" % (slug, policy)
        with open(os.path.join(out_dir, data), "w") as f:
            for capacity, percent in sorted(points):
                f.write("%d %g\n" % (capacity, percent))
        plots.append("'%s' using 1:2 with linespoints pt 7 lc %d title 'adaptrt %s'" % (
            data, index + 1, policy))
    colors = {policy: "lc %d" % (i + 1) for i, policy in enumerate(sorted(curves))}
    for series, points in sorted((paper or {}).items()):
        data = "%s_paper_%s.dat" % (slug, series)
        with open(os.path.join(out_dir, data), "w") as f:
            for capacity, percent in points:
                f.write("%d %g\n" % (capacity, percent))
        # Same colour as our curve of that policy; MIN (Belady) in black.
        plots.append("'%s' using 1:2 with points pt 6 ps 2 %s title 'ARC paper %s'" % (
            data, colors.get(series, "lc rgb 'black'"), series.upper()))
    png = slug + ".png"
    script = """set terminal pngcairo size 900,520 font ',9' noenhanced
set output '%s'
set title '%s: hit ratio vs cache size (entries)'
set xlabel 'capacity (entries, log scale)'
set ylabel 'hit ratio (%%)'
set logscale x
set grid
set key left top
plot %s
""" % (png, label, ", \\\n  ".join(plots))
    return _render(script, out_dir, png)


def _format_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return "%.3g %s" % (ns / scale, unit)
    return "%.3g ns" % ns


def _scaling_section(results, out_dir):
    lines = []
    for workload, impls in sorted(scaling_series(results).items()):
        lines += ["### Speedup of " + workload, "",
                  "| impl | workers | speedup | Amdahl p | USL sigma | USL kappa | USL peak |",
                  "|---|---|---|---:|---:|---:|---:|"]
        for impl, points in sorted(impls.items()):
            base = dict(points).get(1) or points[0][1]
            amdahl, usl = scaling_fits(points)
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                impl, " ".join(str(n) for n, _ in points),
                " ".join("%.2f" % (x / base) for _, x in points),
                "%.3f" % amdahl["p"] if amdahl else "",
                "%.3f" % usl["sigma"] if usl else "",
                "%.4f" % usl["kappa"] if usl else "",
                ("%.1f" % usl["peak"] if math.isfinite(usl["peak"]) else "inf") if usl else ""))
        lines.append("")
        png = speedup_plot(workload, impls, out_dir)
        if png:
            lines += ["![%s speedup](%s)" % (workload, png), ""]
    return lines


def _hit_ratio_section(document, out_dir):
    hit = document.get("hit_ratio")
    if hit is None:
        return []
    lines = ["## Hit ratio vs cache size", ""]
    if hit.get("skipped"):
        return lines + [hit["skipped"], ""]
    lines += ["`//cache:replay` (capacity in entries, cold start, every request counted) "
              "on the real traces in `../shared/traces`; for OLTP the ARC paper's "
              "Table IV points are overlaid (open circles).", ""]
    for label, curves in hit["traces"]:
        capacities = sorted({c for points in curves.values() for c, _ in points})
        lines += ["### " + label, "", "| policy | " + " | ".join(str(c) for c in capacities) + " |",
                  "|---|" + "---:|" * len(capacities)]
        for policy, points in sorted(curves.items()):
            by_capacity = dict(points)
            lines.append("| %s | " % policy + " | ".join(
                "%.2f" % by_capacity[c] if c in by_capacity else "" for c in capacities) + " |")
        paper = hit.get("paper", {}).get(label)
        if paper:
            for series, points in sorted(paper.items()):
                by_capacity = dict(points)
                lines.append("| ARC paper %s | " % series.upper() + " | ".join(
                    "%.2f" % by_capacity[c] if c in by_capacity else "" for c in capacities)
                    + " |")
        lines.append("")
        png = hit_ratio_plot(label, curves, out_dir, paper)
        if png:
            lines += ["![%s hit ratio](%s)" % (label, png), ""]
    return lines


def write(document, comparison, out_dir, histories=()):
    """Writes out_dir/report.md (and its plots); returns the report's path."""
    os.makedirs(out_dir, exist_ok=True)
    machine = document["machine"]
    results = document["results"]
    lines = [
        "# adaptrt benchmark report",
        "",
        "Machine: %s, %d cores, %.0f GiB, kernel %s; compiler %s; commit %s; %s." % (
            machine["cpu_model"], machine["cores"], machine["memory_bytes"] / (1 << 30),
            machine["kernel"], machine["compiler"], machine["commit"], machine["date"]),
        "",
        "Command: `%s`" % document.get("command", ""),
        "",
    ]
    if "load_average" in document:
        lines += ["Load: 1-minute load average %.1f before and %.1f after the run on %d cores "
                  "(other work shares them when it exceeds the cores); the suite took %.0f s." % (
                      document["load_average"][0], document["load_average"][1],
                      machine["cores"], document.get("wall_seconds", 0)), ""]
    lines += [
        "Medians of %s repetitions; ratios compare implementations measured in this run." %
        document.get("repetitions", "?"),
        "",
    ]
    by_category = {}
    for name, result in results.items():
        by_category.setdefault(result["category"], []).append(name)
    for category in sorted(by_category):
        names = sorted(by_category[category])
        lines += ["## " + category, "", "| benchmark | median | MAD | ops/s | counters |",
                  "|---|---:|---:|---:|---|"]
        for name in names:
            r = results[name]
            counters = ", ".join("%s=%.4g" % (k, v) for k, v in sorted(r["counters"].items())
                                 if k != "items_per_second")
            lines.append("| %s | %s | %s | %.4g | %s |" % (name, _format_ns(r["median"]),
                                                          _format_ns(r["mad"]), throughput(r),
                                                          counters))
        lines.append("")
        ratios = peer_ratios({n: results[n] for n in names})
        if ratios:
            lines += ["| case | ours | peer | ours/peer throughput |", "|---|---|---|---:|"]
            lines += ["| %s | %s | %s | %.2fx |" % row for row in ratios]
            lines.append("")
        png = bar_plot(results, category, names, out_dir)
        if png:
            lines += ["![%s throughput](%s)" % (category, png), ""]
        lines += _scaling_section({n: results[n] for n in names}, out_dir)
    lines += _hit_ratio_section(document, out_dir)
    if comparison is not None:
        lines += ["## Comparison with the baseline", "",
                  "A result regresses when its median is worse than the baseline's by more "
                  "than max(5%, 3 x this run's MAD).", "",
                  "| benchmark | baseline | current | change | verdict |", "|---|---:|---:|---:|---|"]
        for row in comparison:
            if row["verdict"] in ("new", "missing"):
                lines.append("| %s | | | | %s |" % (row["name"], row["verdict"]))
            else:
                lines.append("| %s | %s | %s | %+.1f%% | %s |" % (
                    row["name"], _format_ns(row["baseline"]), _format_ns(row["current"]),
                    100 * row["change"], row["verdict"]))
        lines.append("")
    for name, points in histories:
        png = history_plot(points, name, out_dir)
        lines += ["## History of " + name, ""]
        lines += ["| date | commit | median |", "|---|---|---:|"]
        lines += ["| %s | %s | %s |" % (d, c, _format_ns(v)) for d, c, v in points]
        lines.append("")
        if png:
            lines += ["![history](%s)" % png, ""]
    path = os.path.join(out_dir, "report.md")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path
