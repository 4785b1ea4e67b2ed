#!/usr/bin/env bash
# The README's main command: installs what is missing, builds adaptrt
# optimized, and runs the main job: `adaptrt analyze` on /usr/include (a real
# tree on every Debian machine with a compiler), with the single-threaded,
# uncached baseline for comparison. Run it twice: the second run is served
# from the persistent cache under $XDG_CACHE_HOME/adaptrt (~/.cache/adaptrt).
# Arguments replace the defaults, e.g. `bash tools/main.sh analyze ~/src --json`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
if (($# == 0)); then set -- analyze /usr/include --baseline; fi
bazel build -c opt //runtime:adaptrt
exec bazel-bin/runtime/adaptrt "$@"
