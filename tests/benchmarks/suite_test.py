"""Tests of the benchmark suite's statistics and regression detection."""

import json
import os
import sys
import unittest

import history
import machine
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
