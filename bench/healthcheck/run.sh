#!/bin/bash
# Health-check bench: vipd against keepalived 2.2.7's checker, same VM boot,
# same pool server, equivalent configs. See README.md.
# usage: bench/healthcheck/run.sh [--servers N] [--settle S] [--window S] [--cpus N] [--modes "tcp http"]
#   GRACEFUL=1 also runs vipd with close = "graceful" (FIN, not RST) in the same boot.
#   VIPD_B=<vipd binary> also runs that vipd (an A/B in one boot).
#   FLOOR=1 also runs hc_probe_floor (the same probes and nothing else; probe_floor.cpp).
#   BUILD=<build dir> (default build-hc2 beside this repo's root) must hold vipd, vipctl, hc_pool_server.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build-hc2}
servers=1000 settle=8 window=20 cpus=2 modes="tcp http"
while [ $# -gt 0 ]; do
  case $1 in
    --servers) servers=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for binary in daemon/vipd ctl/vipctl bench/healthcheck/hc_pool_server; do
  [ -x "$build/$binary" ] || { echo "missing $build/$binary (build it first)" >&2; exit 2; }
done
out=${OUT:-$(mktemp -d /tmp/vipd-hc-bench.XXXXXX)}
mkdir -p "$out"
for mode in $modes; do python3 "$here/configs.py" "$servers" "$mode" "$out" "$out/vipd.sock"; done
echo "bench dir: $out (servers $servers, settle ${settle}s, window ${window}s, $cpus vCPU)" >&2
VIPD_VM_SCRATCH=$out "$root/tests/vm/vm-run.sh" --cpus "$cpus" --mem 2048 --timeout 900 -- \
  env GRACEFUL="${GRACEFUL:-}" VIPD_B="${VIPD_B:-}" FLOOR="${FLOOR:+$build/bench/healthcheck/hc_probe_floor}" \
  "$here/in_vm.sh" "$out" "$build/bench/healthcheck/hc_pool_server" "$build/daemon/vipd" "$build/ctl/vipctl" \
  "$servers" "$settle" "$window" $modes
python3 "$here/analyze.py" "$out"
