#!/usr/bin/env bash
# Fuzzes every parser: builds the libFuzzer targets of tests/fuzz/ (tagged
# "fuzz_target") with --config=fuzz (clang 14, libFuzzer, ASan, UBSan) and
# runs each for SECONDS (default 30) on a copy of its seed corpus,
# FUZZ_JOBS targets at a time (default: the number of CPUs, at most 4).
#
#   bash tools/fuzz.sh [SECONDS] [TARGET...]
#
# Prints per target the inputs executed, the corpus size at the end and the
# result; exits non-zero on a build failure, a crash, a leak, a timeout
# (one input over FUZZ_TIMEOUT seconds, default 10), an input over 2 GB of
# memory or a violated property (FUZZ_CHECK). The failing input and the log
# stay in FUZZ_OUT (default: a new directory under /tmp), printed at the end;
# reproduce with `bazel-bin/tests/fuzz/TARGET FILE` after the fuzz build.
# Installs clang and libFuzzer (apt-get) when missing, as tools/setup.sh does.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift $(($# > 0 ? 1 : 0))
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: bash tools/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi

bash tools/setup.sh || exit 1
FUZZ_PACKAGES=(clang libclang-rt-14-dev)
missing=()
for package in "${FUZZ_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "fuzz: installing ${missing[*]}" >&2
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || exit 1
fi

if (($# > 0)); then
  targets=("$@")
else
  mapfile -t targets < <(bazel query --noshow_progress \
    'attr(tags, "\bfuzz_target\b", //tests/fuzz:*)' 2>/dev/null | sed 's|^//tests/fuzz:||')
fi
if ((${#targets[@]} == 0)); then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi

build_start=$SECONDS
if ! bazel build --config=fuzz "${targets[@]/#///tests/fuzz:}"; then
  echo "fuzz: build failed" >&2
  exit 1
fi
echo "fuzz: build took $((SECONDS - build_start)) s"
bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)/tests/fuzz

out=${FUZZ_OUT:-$(mktemp -d /tmp/adaptrt-fuzz.XXXXXX)}
mkdir -p "$out"
timeout_s=${FUZZ_TIMEOUT:-10}
cpus=$(nproc)
jobs=${FUZZ_JOBS:-$((cpus < 4 ? cpus : 4))}

# Runs one target; writes $out/TARGET/{log,corpus/,crash-*...}.
fuzz_one() {
  local target=$1 dir=$out/$1
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  cp tests/fuzz/corpus/"$target"/* "$dir/corpus/"
  ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin/$target" -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1
  echo $? >"$dir/rc"
}

run_start=$SECONDS
running=0
for target in "${targets[@]}"; do
  if [[ ! -x $bin/$target ]]; then
    echo "fuzz: $bin/$target was not built" >&2
    exit 1
  fi
  fuzz_one "$target" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=0
printf '%-22s %12s %8s %10s  %s\n' target executions "corpus" "bytes" result
for target in "${targets[@]}"; do
  dir=$out/$target
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$dir/log" | awk '{print $2}')
  files=$(find "$dir/corpus" -type f | wc -l)
  bytes=$(find "$dir/corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  artifacts=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
    -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [[ $(cat "$dir/rc") == 0 && $artifacts == 0 ]]; then
    result=ok
  else
    result="FAILED ($(grep -m1 -oE 'property violated|ERROR: [A-Za-z]+: [a-z-]+[^(]*|SUMMARY: [^ ]+ [^ ]+' \
      "$dir/log" || echo "exit $(cat "$dir/rc")"); see $dir)"
    failed=1
  fi
  printf '%-22s %12s %8s %10s  %s\n' "$target" "${execs:-?}" "$files" "$bytes" "$result"
done
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, $jobs at a time: $((SECONDS - run_start)) s; logs in $out"
exit "$failed"
