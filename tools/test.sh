#!/usr/bin/env bash
# The README's test command: installs what is missing, then builds and runs
# every test (`bazel test //...`; benchmarks are built, not run). Extra
# arguments go to Bazel, e.g. `bash tools/test.sh --config=asan`.
# Prints Bazel's per-target results and ends with `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || exit 1
source tools/bazel_summary.sh
run_bazel_tests "$@" //...
print_summary
exit "$BAZEL_TESTS_FAILED_ANY"
