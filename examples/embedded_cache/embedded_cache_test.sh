#!/bin/bash
# Runs the host twice on one directory: the second run computes nothing.
set -eu
dir="${TEST_TMPDIR:-$(mktemp -d)}/host-cache"
first=$("$1" "$dir" 500)
second=$("$1" "$dir" 500)
echo "$first"; echo "$second"
echo "$first" | grep -q "computed 500, from cache 0" || { echo "first run"; exit 1; }
echo "$second" | grep -q "computed 0, from cache 500" || { echo "second run"; exit 1; }
echo "$second" | grep -q "L3 500" || { echo "L3 hits"; exit 1; }
[ -d "$dir/collatz" ] || { echo "no L3 directory"; exit 1; }
echo PASS
