# Sourced by tools/test.sh and .ci/run: runs `bazel test` and sums its results.
#
# run_bazel_tests ARGS...  runs `bazel test ARGS...`, echoing its output, and
#                          adds the per-target results to the totals.
# print_summary            prints `N passed, N failed`.
# A Bazel run that fails without naming a failing target (a build error, a bad
# flag) counts as one failure, so a broken build never reads as green.

BAZEL_TESTS_PASSED=0
BAZEL_TESTS_FAILED=0
BAZEL_TESTS_FAILED_ANY=0

run_bazel_tests() {
  local log rc passed failed
  log=$(mktemp)
  bazel test "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(PASSED|FLAKY)' "$log")
  failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FAILED TO BUILD)' "$log")
  # Exit code 4 means "built, but no test matched": not a failure.
  if [[ $rc -ne 0 && $rc -ne 4 ]]; then
    BAZEL_TESTS_FAILED_ANY=1
    if [[ $failed -eq 0 ]]; then failed=1; fi
  fi
  BAZEL_TESTS_PASSED=$((BAZEL_TESTS_PASSED + passed))
  BAZEL_TESTS_FAILED=$((BAZEL_TESTS_FAILED + failed))
  rm -f "$log"
}

print_summary() {
  echo "${BAZEL_TESTS_PASSED} passed, ${BAZEL_TESTS_FAILED} failed"
}
