#!/bin/bash
# The adaptrt command on a fixture tree: analyze --json counts, the second run
# served from the persistent cache, a changed file recounted, bad inputs.
set -u
ADAPTRT="$1"
T="${TEST_TMPDIR:-$(mktemp -d)}"
export XDG_CACHE_HOME="$T/xdg"
FAIL=0
fail() { echo "FAIL: $*" >&2; FAIL=1; }

mkdir -p "$T/tree/src"
printf '/* comment */\nint a;\n\nint b; // x\n' > "$T/tree/src/a.c"
printf '#include <x>\n// only\nint f();\n' > "$T/tree/src/a.h"
printf '# c\nx = 1\n\n' > "$T/tree/b.py"
printf 'echo hi\n' > "$T/tree/run.sh"
printf '\x00\x01binary' > "$T/tree/blob.bin"

# field FILE PYTHON_EXPR: evaluates EXPR with j = the parsed JSON.
field() { /usr/bin/python3 -c "import json,sys; j=json.load(open('$1')); print($2)"; }

"$ADAPTRT" analyze --json "$T/tree" > "$T/run1.json" 2> "$T/run1.err" || fail "analyze exited $?"
[ "$(field "$T/run1.json" "{l['language']: (l['files'], l['blank'], l['comment'], l['code']) for l in j['languages']}['C']")" = "(1, 1, 1, 2)" ] || fail "C row: $(cat "$T/run1.json")"
[ "$(field "$T/run1.json" "{l['language']: l['code'] for l in j['languages']}['C/C++ Header']")" = "2" ] || fail "header row"
[ "$(field "$T/run1.json" "{l['language']: l['code'] for l in j['languages']}['Python']")" = "1" ] || fail "python row"
[ "$(field "$T/run1.json" "j['total']['files']")" = "4" ] || fail "total files"
[ "$(field "$T/run1.json" "j['total']['code']")" = "6" ] || fail "total code"
[ "$(field "$T/run1.json" "j['performance']['counted']")" = "5" ] || fail "first run counts every file"
field "$T/run1.json" "j['performance']['wall_seconds'] > 0 and j['performance']['workers'] >= 1 and set(j['performance']['hit_rate']) == {'l1','l2','l3'}" | grep -q True || fail "performance fields"
field "$T/run1.json" "0 < j['performance']['walk_seconds'] <= j['performance']['wall_seconds'] and 0 < j['performance']['cache_open_seconds'] <= j['performance']['wall_seconds']" | grep -q True || fail "walk and cache open times: $(cat "$T/run1.json")"
[ -s "$T/run1.err" ] && ! grep -q "note" "$T/run1.err" && fail "unexpected stderr (no progress bar when piped): $(cat "$T/run1.err")"

# The first run left an export of the hwloc topology (start-up time); with a
# damaged one the run discovers as before, succeeds and removes it (the next
# run writes it again).
topo=$(ls "$XDG_CACHE_HOME"/adaptrt/topology/topology-*.xml 2> /dev/null)
[ "$(echo "$topo" | grep -c .)" = "1" ] || fail "topology export: '$topo'"
printf 'not xml' > "$topo"
"$ADAPTRT" analyze --json "$T/tree" > "$T/topo.json" 2> "$T/topo.err" || fail "analyze with a damaged topology export: $(cat "$T/topo.err")"
[ "$(field "$T/topo.json" "j['total']['code']")" = "6" ] || fail "counts with a damaged topology export"
[ -e "$topo" ] && fail "damaged topology export kept"

# --no-cache writes nothing under the cache directory.
XDG_CACHE_HOME="$T/untouched" "$ADAPTRT" analyze --json --no-cache "$T/tree" > "$T/untouched.json" || fail "--no-cache in a fresh cache home"
[ -e "$T/untouched" ] && fail "--no-cache wrote under the cache directory: $(find "$T/untouched")"

# Second run: every file from L3 (a new process: L1/L2 are empty).
"$ADAPTRT" analyze --json "$T/tree" > "$T/run2.json" || fail "second analyze"
[ "$(field "$T/run2.json" "j['performance']['from_cache']")" = "5" ] || fail "second run not from cache: $(cat "$T/run2.json")"
field "$T/run2.json" "j['performance']['hit_rate']['l3'] > 0" | grep -q True || fail "L3 hit rate"
[ "$(field "$T/run2.json" "j['total']")" = "$(field "$T/run1.json" "j['total']")" ] || fail "cached totals differ"
grep -q "<topology" "$topo" || fail "topology export not written again"

# A changed file is recounted.
printf 'x = 1\ny = 2\nz = 3\n' > "$T/tree/b.py"
"$ADAPTRT" analyze --json "$T/tree" > "$T/run3.json" || fail "third analyze"
[ "$(field "$T/run3.json" "j['performance']['counted']")" = "1" ] || fail "changed file not recounted alone"
[ "$(field "$T/run3.json" "{l['language']: l['code'] for l in j['languages']}['Python']")" = "3" ] || fail "changed counts"

# A fourth process finds every result in L3, the recounted one included (the
# third run's batch was written), with the counts of an uncached run.
"$ADAPTRT" analyze --json "$T/tree" > "$T/run4.json" || fail "fourth analyze"
[ "$(field "$T/run4.json" "j['performance']['from_cache']")" = "5" ] || fail "fourth run not all from cache: $(cat "$T/run4.json")"
"$ADAPTRT" analyze --json --no-cache "$T/tree" > "$T/nocache.json" || fail "--no-cache --json"
[ "$(field "$T/run4.json" "(j['languages'], j['total'], j['skipped'])")" = "$(field "$T/nocache.json" "(j['languages'], j['total'], j['skipped'])")" ] || fail "cached and uncached counts differ"

# --no-cache and --baseline (text).
"$ADAPTRT" analyze --no-cache --baseline "$T/tree" > "$T/text.out" || fail "text analyze"
grep -q "speedup" "$T/text.out" || fail "no speedup line"
grep -q "C/C++ Header" "$T/text.out" || fail "no table"

# Allocator (third_party/cli_link.bzl links libstdc++, RocksDB... into the
# command): the host's malloc and operator new stay with glibc/libstdc++; only
# mi_* symbols bind to libmimalloc.
LD_DEBUG=bindings "$ADAPTRT" --help 2> "$T/bindings" > /dev/null || fail "--help under LD_DEBUG"
BT='`'  # ld.so quotes symbols as `name'
# (Under ASan/TSan their runtime serves malloc, by design.)
if ! grep -qE "lib(asan|tsan)\.so" "$T/bindings"; then
  grep -qE "binding file [^ ]*adaptrt .* to [^ ]*libc\.so\.6 .*normal symbol ${BT}malloc'" "$T/bindings" ||
    fail "adaptrt's malloc not bound to glibc: $(grep "symbol ${BT}malloc'" "$T/bindings")"
fi
grep "normal symbol" "$T/bindings" | grep -E " to [^ ]*libmimalloc" | grep -vq "normal symbol ${BT}mi_" &&
  fail "non-mi_ symbols bound to libmimalloc: $(grep -E " to [^ ]*libmimalloc" "$T/bindings" | grep -v "symbol ${BT}mi_" | head -5)"

# Bad inputs: clear error, non-zero exit.
"$ADAPTRT" analyze "$T/missing" 2> "$T/err" && fail "missing DIR accepted"
grep -q "missing" "$T/err" || fail "missing DIR message: $(cat "$T/err")"
"$ADAPTRT" frobnicate 2> "$T/err" && fail "unknown command accepted"
grep -q "unknown command" "$T/err" || fail "unknown command message"
"$ADAPTRT" analyze --bogus "$T/tree" 2> "$T/err" && fail "unknown flag accepted"
"$ADAPTRT" analyze --target=fast "$T/tree" 2> "$T/err" && fail "bad target accepted"
grep -q "throughput, latency or memory" "$T/err" || fail "bad target message: $(cat "$T/err")"
"$ADAPTRT" profile --profile=/nope/p.yaml 2> "$T/err" && fail "bad profile path accepted"
grep -q "/nope/p.yaml" "$T/err" || fail "bad profile message: $(cat "$T/err")"
"$ADAPTRT" analyze a b 2> /dev/null && fail "two DIRs accepted"

# --help on every subcommand; profile --json parses.
for c in analyze profile tune bench; do
  "$ADAPTRT" "$c" --help | grep -q "usage: adaptrt $c" || fail "$c --help"
done
"$ADAPTRT" profile --json > "$T/profile.json" || fail "profile --json"
field "$T/profile.json" "j['selected']['name'] != '' and j['configuration']['workers'] >= 1" | grep -q True || fail "profile json"
"$ADAPTRT" profile --profile=small_project | grep -q "selected profile: small_project" || fail "named profile"

# tune, short.
"$ADAPTRT" tune --json --seconds=0.05 --history="$T/history.tsv" > "$T/tune.json" || fail "tune"
field "$T/tune.json" "j['recommended_workers'] >= 1 and len(j['cpu_probe']['points']) >= 2" | grep -q True || fail "tune json: $(cat "$T/tune.json")"
grep -q "tune/cpu-bound" "$T/history.tsv" || fail "tune history not written"

[ $FAIL = 0 ] && echo PASS
exit $FAIL
