#!/bin/bash
# vipd's checker on this host (no VM, no keepalived: its checker cannot start
# without IPVS, and this host's kernel has none; vipd's IPVS engine just
# retries). A fresh network namespace with hc_pool_server on 0.0.0.0:80,
# vipd with configs.py's config, a settle period, a window.
# usage: bench/healthcheck/native.sh MODE(tcp|http) SERVERS [SETTLE_S] [WINDOW_S]   (root; BUILD=<build dir>)
set -eu
mode=$1 servers=$2 settle=${3:-5} window=${4:-10}
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$(cd "$here/../.." && pwd)/build-hc2}
ns=hcb-native-$$ dir=$(mktemp -d /tmp/vipd-hc-native.XXXXXX)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
ip netns add "$ns"
ip -n "$ns" link set lo up
cleanup() {
  kill -TERM ${vipd_pid:-} ${pool_pid:-} 2>/dev/null || true
  wait 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
python3 "$here/configs.py" "$servers" "$mode" "$dir" "/run/$ns.sock"
ip netns exec "$ns" "$build/bench/healthcheck/hc_pool_server" 80 "$dir/count" >"$dir/pool.log" 2>&1 &
pool_pid=$!
ip netns exec "$ns" "$build/daemon/vipd" -f "$dir/vipd-$mode.toml" --socket "/run/$ns.sock" >"$dir/vipd.log" 2>&1 &
vipd_pid=$!
sleep "$settle"
ticks() { awk '{ print $14 + $15 }' "/proc/$vipd_pid/stat"; }
# Checks done, counted as in_vm.sh: http, requests the pool answered; tcp,
# PassiveOpens + AttemptFails (full and half-open probes).
checks() {
  if [ "$mode" = http ]; then awk '{ print $2 }' "$dir/count"
  else ip netns exec "$ns" awk '/^Tcp:/ && $7 ~ /^[0-9]+$/ { print $7 + $8 }' /proc/net/snmp; fi
}
t0=$(date +%s.%N) c0=$(ticks) p0=$(checks)
sleep "$window"
t1=$(date +%s.%N) c1=$(ticks) p1=$(checks)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$vipd_pid/status")
start=$(date +%s.%N)
"$build/ctl/vipctl" --socket "/run/$ns.sock" checks --json >"$dir/after.json" || echo '{}' >"$dir/after.json"
status_s=$(echo "$(date +%s.%N) - $start" | bc)
python3 - "$dir/after.json" "$mode" "$servers" "$t0" "$t1" "$c0" "$c1" "$p0" "$p1" "$rss" "$status_s" <<'PY'
import json, sys
path, mode, servers, t0, t1, c0, c1, p0, p1, rss, status_s = sys.argv[1:]
window, ticks, checks = float(t1) - float(t0), int(c1) - int(c0), int(p1) - int(p0)
status = json.load(open(path))
none = {"p50_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}
whole = status.get("lateness", dict(none, recent=none))
late = whole["recent"]
summary = status.get("summary", "status call failed")
print(f"| vipd (host, native) | {mode} | {servers} | {window:.1f} | {checks / window:.0f} | "
      f"{ticks / 100 / checks * 10000:.2f} | {ticks / window:.0f} | {int(rss) / 1024:.1f} | "
      f"{late['p50_ms']:.1f} / {late['p99_ms']:.1f} (max {late['max_ms']:.0f}); whole run "
      f"{whole['p50_ms']:.1f} / {whole['p99_ms']:.1f} | {float(status_s):.2f} s | {summary} |")
PY
