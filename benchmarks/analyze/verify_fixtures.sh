#!/bin/bash
# verify_fixtures.sh: re-checks the expected counts of
# tests/runtime/analyze/cloc_fixtures.cc against cloc itself.
#
# Runs the fixture test, which writes every fixture and an expected.tsv into
# $TEST_TMPDIR, then `cloc --skip-uniqueness --by-file --json` on the same
# files, and compares. Exit status 0 when cloc agrees with every expectation.
# Needs cloc (Debian's `cloc` package, 1.96) on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
bazel build --jobs=2 //tests/runtime/analyze:line_counter_test >/dev/null 2>&1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TEST_TMPDIR="$tmp" ./bazel-bin/tests/runtime/analyze/line_counter_test \
    --gtest_filter='ClocFixturesTest.EachFileCountsAsCloc' >/dev/null || true
cloc --version
cloc --skip-uniqueness --by-file --json --quiet "$tmp/fixtures" > "$tmp/cloc.json"
python3 - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
cloc = json.load(open(os.path.join(tmp, 'cloc.json')))
got = {os.path.basename(k): v for k, v in cloc.items() if k not in ('header', 'SUM')}
bad = 0
for line in open(os.path.join(tmp, 'expected.tsv')):
    name, lang, blank, comment, code = line.rstrip('\n').split('\t')
    want = None if not lang else {'language': lang, 'blank': int(blank),
                                  'comment': int(comment), 'code': int(code)}
    have = got.get(name)
    status = 'ok' if have == want else 'MISMATCH'
    bad += status != 'ok'
    print(f'{status:8} {name:16} expected={want} cloc={have}')
print('all fixtures agree with cloc' if not bad else f'{bad} fixture(s) disagree')
sys.exit(1 if bad else 0)
PY
