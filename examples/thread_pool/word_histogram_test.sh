#!/bin/bash
# Runs the ported program; it checks its parallel result against a
# sequential count itself.
set -eu
out=$("$1" 4 64)
echo "$out" | grep -q "words: 128000 on 4 threads" || { echo "unexpected: $out"; exit 1; }
"$1" 1 8 > /dev/null
echo PASS
