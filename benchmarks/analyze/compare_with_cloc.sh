#!/bin/bash
# compare_with_cloc.sh: agreement and single-threaded speed of
# //runtime/analyze:count against cloc 1.96 on real trees.
#
# Usage: benchmarks/analyze/compare_with_cloc.sh [DIR...]
#   (default: /usr/include /usr/share/perl5 /usr/lib/python3 and this repo)
#
# For each DIR:
#   1. agreement: `cloc --skip-uniqueness --by-file --json DIR` against
#      `count --by-file DIR`, file by file, summed per language
#      (compare_by_file.py prints the table and the files that differ);
#   2. speed (single-threaded, warm page cache, same run): cloc once (it is
#      slow), count and the read-only baseline
#      `find DIR -type f -print0 | xargs -0 cat > /dev/null` three times each,
#      medians reported.
# Exit status 1 when any file differs.
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v cloc >/dev/null || { echo "cloc not installed (apt-get install cloc)"; exit 2; }
bazel build --jobs=2 -c opt //runtime/analyze:count >/dev/null 2>&1 || {
  echo "build failed"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp bazel-bin/runtime/analyze/count "$work/count"
dirs=("$@")
[ ${#dirs[@]} -eq 0 ] && dirs=(/usr/include /usr/share/perl5 /usr/lib/python3 "$PWD")

seconds() {  # seconds COMMAND...: wall time of one run
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
read_all() { find "$1" -type f -print0 | xargs -0 cat > /dev/null; }

echo "machine: $(nproc) cores, $(uname -r); $(cloc --version | head -1 | sed 's/^/cloc /'); $(date -u +%Y-%m-%dT%H:%MZ)"
status=0
for dir in "${dirs[@]}"; do
  name=$(echo "$dir" | tr '/' '_')
  echo
  echo "## $dir"
  read_all "$dir"  # warm the page cache
  cloc --skip-uniqueness --by-file --json --quiet "$dir" > "$work/$name.json" 2>/dev/null
  "$work/count" --by-file "$dir" > "$work/$name.tsv" 2>/dev/null
  python3 benchmarks/analyze/compare_by_file.py "$work/$name.json" "$work/$name.tsv" --show 10 || status=1
  t_cloc=$(seconds cloc --skip-uniqueness --quiet "$dir")
  t_count=$(median3 "$(seconds "$work/count" "$dir")" "$(seconds "$work/count" "$dir")" \
                    "$(seconds "$work/count" "$dir")")
  t_cat=$(median3 "$(seconds read_all "$dir")" "$(seconds read_all "$dir")" \
                  "$(seconds read_all "$dir")")
  bytes=$(du -sb "$dir" | cut -f1)
  printf '\n| tool (1 thread) | wall s | vs count |\n|---|---:|---:|\n'
  printf '| cloc --skip-uniqueness | %.2f | %.1fx slower |\n' "$t_cloc" "$(echo "$t_cloc / $t_count" | bc -l)"
  printf '| count | %.3f | 1 |\n' "$t_count"
  printf '| find | xargs cat (read only) | %.3f | %.2fx |\n' "$t_cat" "$(echo "$t_cat / $t_count" | bc -l)"
  printf 'tree: %s bytes; count: %.0f MB/s\n' "$bytes" "$(echo "$bytes / $t_count / 1000000" | bc -l)"
done
exit $status
