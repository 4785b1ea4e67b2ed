#!/usr/bin/env bash
# Installs what adaptrt needs to build and test on Debian 12, skipping what is
# already present. Safe to run repeatedly; needs root (or sudo) only when
# something is missing.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap g++ pkg-config git python3 gnuplot-nox
  libabsl-dev libtbb-dev libmimalloc-dev libhwloc-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev librocksdb-dev
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "adaptrt setup: installing ${missing[*]}" >&2
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
