#!/usr/bin/env bash
# The demo: two vipd directors sharing a VIP in front of three real servers,
# with a real server and then the master killed under client traffic
# (lab/demo.sh). It runs inside a small VM booting Debian's kernel (this
# host's kernel may lack IPVS), or directly where the kernel has IPVS.
# Usage: bash scripts/demo.sh [dr|nat]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export LAB_MODE=${1:-dr}

bash scripts/install-deps.sh
echo "building vipd (the first build takes a few minutes)..."
bash scripts/build.sh build >/dev/null

if [ -d /proc/net/ip_vs ] || modprobe -q ip_vs 2>/dev/null; then
  exec bash lab/demo.sh
fi

echo "this kernel has no IPVS: running the lab in a VM with Debian's kernel (tests/vm/vm-run.sh)"
scratch=$(mktemp -d /tmp/vipd-demo.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
: >"$scratch/demo.log"
VIPD_VM_SCRATCH=$scratch VIPD_VM_PASSENV=LAB_MODE tests/vm/vm-run.sh --cpus 2 --mem 1024 --timeout 300 -- \
  bash -c 'bash lab/demo.sh >"$VIPD_VM_SCRATCH/demo.log" 2>&1' &
vm=$!
tail -n +1 --pid=$vm -f "$scratch/demo.log"
wait $vm
