#!/usr/bin/env bash
# Configures and builds vipd into a build directory: build.sh DIR [cmake options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
shift
cmake -S "$root" -B "$dir" -DVIPD_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
