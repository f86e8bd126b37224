#!/bin/bash
# run.sh [REPS] [SIZES...]: cold-start bench of vipd, ipvsadm -R and
# keepalived 2.2.7 (checker only, no checks), one fresh VM per run (the
# kernel's dest trash makes reruns in one VM slow), tools alternated.
# SIZES are services (x 10 real servers); default 1000 10000.
# Env: BUILD (default build-ipvs2): a build holding daemon/vipd, ctl/vipctl and
# bench/ipvs/ipvs_rules_timer (the clock of every tool, see README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${BUILD:-$root/build-ipvs2}" && pwd)
reps=${1:-1}
shift || true

[ $# -gt 0 ] && sizes=("$@") || sizes=(1000 10000)
work=$(mktemp -d /tmp/ipvs-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
for n in "${sizes[@]}"; do
  "$here/gen.sh" "$n" 10 "$work/$n"
  rules=$((n * 11))
  for rep in $(seq 1 "$reps"); do
    tools=(vipd ipvsadm keepalived)
    [ $((rep % 2)) = 0 ] && tools=(keepalived ipvsadm vipd)
    for tool in "${tools[@]}"; do
      line=$("$root/tests/vm/vm-run.sh" --cpus 2 --mem 2048 --timeout 600 -- \
        "$here/guest.sh" "$tool" "$work/$n" "$rules" "$build" 2>/dev/null | grep '^{') ||
        line="{\"tool\":\"$tool\",\"failed\":true}"
      echo "{\"services\":$n,\"rep\":$rep,${line#\{}"
    done
  done
done
