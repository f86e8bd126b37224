#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine, as root: installs what
# it needs, builds warning-free, runs every tier (unit, netns, vm, virt), then
# builds again with ASan+UBSan and runs the unit tier there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh
if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: not root: the netns, vm and virt tiers cannot run here and will skip" >&2
fi

echo "== sanitizer build (ASan + UBSan): unit tier"
bash scripts/build.sh build-asan -DVIPD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ctest -L unit --output-on-failure -j2)

echo "== release build: every tier"
bash scripts/build.sh build
cd build
ctest --output-on-failure --timeout 600
