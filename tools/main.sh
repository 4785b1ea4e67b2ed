#!/usr/bin/env bash
# The README's main command: installs what is missing, builds adaptrt
# optimized, and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bazel build -c opt //...
