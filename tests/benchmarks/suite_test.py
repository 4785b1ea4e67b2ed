"""Tests of the benchmark suite's statistics and regression detection."""

import json
import os
import sys
import unittest

import shutil

import fit
import hitratio
import history
import machine
import report
import stats
import suite


def _result(median, mad, higher_is_better=False):
    return {"median": median, "mad": mad, "higher_is_better": higher_is_better}


class StatsTest(unittest.TestCase):

    def test_median_and_mad(self):
        self.assertEqual(stats.median([5, 1, 3]), 3)
        self.assertEqual(stats.mad([1, 2, 3, 4, 100]), 1)

    def test_threshold_is_five_percent_or_three_mads(self):
        self.assertAlmostEqual(stats.regression_threshold(100.0, 1.0), 5.0)
        self.assertAlmostEqual(stats.regression_threshold(100.0, 4.0), 12.0)

    def test_verdicts(self):
        baseline = {"a": _result(100, 1), "b": _result(100, 1), "c": _result(100, 1),
                    "d": _result(100, 1), "gone": _result(1, 0)}
        current = {"a": _result(104, 1),   # within 5%: same
                   "b": _result(106, 1),   # worse by 6% > 5%: regressed
                   "c": _result(110, 4),   # worse by 10% < 3 x MAD = 12: same (noisy run)
                   "d": _result(90, 1),    # faster: improved
                   "fresh": _result(1, 0)}
        verdicts = {row["name"]: row["verdict"] for row in stats.compare(baseline, current)}
        self.assertEqual(verdicts, {"a": "same", "b": "regressed", "c": "same", "d": "improved",
                                    "fresh": "new", "gone": "missing"})

    def test_higher_is_better_metrics(self):
        rows = stats.compare({"r": _result(100, 1, True)}, {"r": _result(90, 1, True)})
        self.assertEqual(rows[0]["verdict"], "regressed")
        self.assertLess(rows[0]["change"], 0)


class HistoryTest(unittest.TestCase):

    def test_round_trip_and_bad_files(self):
        tmp = os.environ.get("TEST_TMPDIR", "/tmp")
        path = os.path.join(tmp, "run.json")
        document = {"machine": {"date": "2026-11-26T00:00:00Z", "commit": "abc"},
                    "results": {"x": {"median": 1.0}}}
        history.save(path, document)
        self.assertEqual(history.load(path), document)
        with open(path, "w") as f:
            f.write("{ not json")
        with self.assertRaisesRegex(ValueError, "run.json:1: not JSON"):
            history.load(path)
        with open(path, "w") as f:
            json.dump({"benchmarks": []}, f)
        with self.assertRaisesRegex(ValueError, "not a saved suite run"):
            history.load(path)

    def test_machine_key_is_file_name_safe(self):
        key = machine.machine_key({"cpu_model": "Intel(R) Xeon(R) CPU @ 2.20GHz", "cores": 2,
                                   "memory_bytes": 24 << 30})
        self.assertEqual(key, "intel-xeon-2c-24g")


class FitTest(unittest.TestCase):
    """Known Amdahl and USL parameters are recovered from synthetic points."""

    def test_amdahl_recovers_parallel_fraction(self):
        points = [(n, 500.0 * fit.amdahl(0.9)(n)) for n in (1, 2, 4, 8, 16)]
        got = fit.fit_amdahl(points)
        self.assertAlmostEqual(got["p"], 0.9, places=4)
        self.assertAlmostEqual(got["lam"], 500.0, delta=0.01)
        self.assertGreater(got["r2"], 0.9999)

    def test_usl_recovers_sigma_kappa_and_peak(self):
        points = [(n, 1000.0 * fit.usl(0.1, 0.02)(n)) for n in range(1, 9)]
        got = fit.fit_usl(points)
        self.assertAlmostEqual(got["sigma"], 0.1, places=4)
        self.assertAlmostEqual(got["kappa"], 0.02, places=5)
        self.assertAlmostEqual(got["lam"], 1000.0, delta=0.1)
        self.assertAlmostEqual(got["peak"], (0.9 / 0.02) ** 0.5, places=2)

    def test_usl_with_noise_stays_close(self):
        noise = [1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 0.99, 1.01]
        points = [(n, 2000.0 * fit.usl(0.05, 0.005)(n) * e)
                  for n, e in zip(range(1, 9), noise)]
        got = fit.fit_usl(points)
        self.assertLess(abs(got["sigma"] - 0.05), 0.03)
        self.assertLess(abs(got["kappa"] - 0.005), 0.003)
        self.assertGreater(got["r2"], 0.95)

    def test_too_few_counts_are_rejected(self):
        with self.assertRaises(ValueError):
            fit.fit_usl([(1, 10.0), (2, 18.0), (2, 19.0)])
        with self.assertRaises(ValueError):
            fit.fit_amdahl([(1, 10.0), (1, 11.0)])
        with self.assertRaises(ValueError):
            fit.fit_amdahl([(1, 10.0), (2, -1.0)])


def _scaling_result(throughput):
    return {"median": 1e9 / throughput, "mad": 0.0, "category": "parallel",
            "counters": {"items_per_second": throughput}}


class ReportPlotTest(unittest.TestCase):
    """The report has the speedup and hit-ratio sections, and their PNGs
    exist when gnuplot is installed."""

    def test_speedup_and_hit_ratio_plots(self):
        out = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "plot_report")
        results = {}
        for impl, (s, k) in (("adaptrt", (0.05, 0.01)), ("tbb", (0.1, 0.02))):
            for n in range(1, 6):
                results["spin/%s/workers:%d/real_time" % (impl, n)] = _scaling_result(
                    1000.0 * fit.usl(s, k)(n))
        document = {
            "machine": {"cpu_model": "test", "cores": 2, "memory_bytes": 1 << 30,
                        "kernel": "k", "compiler": "c", "commit": "x", "date": "2026-01-01"},
            "results": results,
            "hit_ratio": {"traces": [("OLTP", {"lru": [(1000, 32.8), (2000, 42.5)],
                                               "arc": [(1000, 38.9), (2000, 46.1)]})],
                          "paper": {"OLTP": hitratio.ARC_PAPER_OLTP}},
        }
        path = report.write(document, None, out)
        with open(path) as f:
            text = f.read()
        self.assertIn("### Speedup of spin", text)
        self.assertIn("| adaptrt | 1 2 3 4 5 |", text)
        self.assertIn("| 0.050 | 0.0100 |", text)  # the USL fit of adaptrt's points
        self.assertIn("| ARC paper LRU | 32.83 | 42.47 |", text)
        if shutil.which("gnuplot") is None:
            self.skipTest("gnuplot not installed: PNG files not checked")
        for png in ("speedup_spin.png", "hitratio_OLTP.png", "parallel_bars.png"):
            self.assertIn("](%s)" % png, text)
            with open(os.path.join(out, png), "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_hit_ratio_skips_cleanly_without_shared(self):
        document = {"machine": {"cpu_model": "t", "cores": 1, "memory_bytes": 0, "kernel": "",
                                "compiler": "", "commit": "", "date": ""},
                    "results": {}, "hit_ratio": {"skipped": "hit ratio skipped: no traces"}}
        out = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "skip_report")
        with open(report.write(document, None, out)) as f:
            self.assertIn("hit ratio skipped: no traces", f.read())

    def test_parse_replay_output(self):
        curves = hitratio.parse_replay("policy\tcapacity\trequests\thits\thit_ratio\n"
                                       "lru\t1000\t914145\t300122\t32.8309\n"
                                       "arc\t1000\t914145\t356015\t38.9451\n")
        self.assertEqual(curves, {"lru": [(1000, 32.8309)], "arc": [(1000, 38.9451)]})


class RegressionDetectionTest(unittest.TestCase):
    """End to end on the calibration binary: an unchanged rerun passes, a run
    slowed by 50% with --slowdown is flagged and exits 1."""

    def run_suite(self, *extra):
        tmp = os.environ.get("TEST_TMPDIR", "/tmp")
        return suite.main(["--families=selftest", "--repetitions=7", "--min_time=0.05",
                           "--no_history", "--report=" + os.path.join(tmp, "report")] + list(extra))

    def test_flags_injected_regression_and_passes_unchanged_rerun(self):
        tmp = os.environ.get("TEST_TMPDIR", "/tmp")
        baseline = os.path.join(tmp, "baseline.json")
        self.assertEqual(self.run_suite("--save=" + baseline), 0)
        self.assertEqual(self.run_suite("--baseline=" + baseline), 0)
        self.assertEqual(self.run_suite("--baseline=" + baseline, "--binary_arg=--slowdown=1.5"), 1)
        with open(os.path.join(tmp, "report", "report.md")) as f:
            report = f.read()
        self.assertIn("| regressed |", report)

    def test_bad_baseline_is_reported(self):
        tmp = os.environ.get("TEST_TMPDIR", "/tmp")
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write("[]")
        self.assertEqual(self.run_suite("--baseline=" + bad), 2)


if __name__ == "__main__":
    unittest.main()
