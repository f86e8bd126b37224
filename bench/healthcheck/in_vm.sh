#!/bin/bash
# Runs inside the IPVS test VM (tests/vm/vm-run.sh): for each mode and each
# program (vipd, keepalived's checker), a fresh namespace with the pool server
# on 0.0.0.0:80, the program with the configs from configs.py, a settle
# period, then a measured window. Writes one line per run to
# $OUT/results.tsv (program mode servers window_s cpu_ticks accepted answered rss_kib
# passive_opens attempt_fails: window deltas of the pool's connections accepted and
# requests answered, and of the namespace's PassiveOpens and AttemptFails)
# (vipd's control socket lives in /run: 9p cannot hold sockets)
# and vipd's checks status after the window (lateness since its start; no
# status call before or during the window: building it blocks vipd's loop).
# GRACEFUL=1: also vipd with close = "graceful" (FIN instead of RST), program vipdgraceful.
# VIPD_B=<vipd binary>: also that vipd (an A/B in one boot), program vipdb.
# FLOOR=<hc_probe_floor binary>: also the floor (probe_floor.cpp), programs
# floor (tcp, http), floorreuse (tcp through connect(AF_UNSPEC)) and floorkeep
# (http on a kept connection).
# usage: in_vm.sh OUT_DIR POOL_SERVER VIPD VIPCTL SERVERS SETTLE_S WINDOW_S MODES...
set -u
out=$1 pool=$2 vipd=$3 vipctl=$4 servers=$5 settle=$6 window=$7
shift 7
vipd_b=${VIPD_B:-} floor=${FLOOR:-}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# "ACCEPTED ANSWERED": the pool's connections accepted and requests answered.
counts() { cat "$1" 2>/dev/null || echo 0 0; }
# "PASSIVE_OPENS ATTEMPT_FAILS" of the namespace's kernel: handshakes completed
# as the server side (a full tcp check), and connection requests that ended
# before (a half-open check's RST to the server's SYN-RECV; also a refused connect).
tcp_counts() { ip netns exec "$1" awk '/^Tcp:/ && $7 ~ /^[0-9]+$/ { print $7, $8 }' /proc/net/snmp; }

run() {  # program mode
  local program=$1 mode=$2 ns="hcb-$1-$2" dir="$out/run-$1-$2"
  mkdir -p "$dir"
  ip netns add "$ns" && ip -n "$ns" link set lo up
  ip netns exec "$ns" "$pool" 80 "$dir/count" >"$dir/pool.log" 2>&1 &
  local pool_pid=$! pid parent=""
  case $program in
  vipd | vipdgraceful)
    ip netns exec "$ns" "$vipd" -f "$out/$program-$mode.toml" --socket "/run/$ns.sock" >"$dir/vipd.log" 2>&1 &
    pid=$! ;;
  vipdb)
    ip netns exec "$ns" "$vipd_b" -f "$out/vipd-$mode.toml" --socket "/run/$ns.sock" >"$dir/vipd.log" 2>&1 &
    pid=$! ;;
  floor | floorreuse | floorkeep)
    local floor_mode=$mode
    [ "$program" = floorreuse ] && floor_mode=tcp-reuse
    [ "$program" = floorkeep ] && floor_mode=http-keep
    ip netns exec "$ns" "$floor" "$floor_mode" "$servers" >"$dir/floor.log" 2>&1 &
    pid=$! ;;
  keepalived)
    ip netns exec "$ns" keepalived -n -C -R -f "$out/keepalived-$mode.conf" -p "$dir/k.pid" \
      -c "$dir/k-checker.pid" -r "$dir/k-vrrp.pid" -b "$dir/k-bfd.pid" >"$dir/keepalived.log" 2>&1 &
    parent=$!
    for _ in $(seq 100); do [ -s "$dir/k-checker.pid" ] && break; sleep 0.1; done
    pid=$(cat "$dir/k-checker.pid") ;;
  esac
  sleep "$settle"
  local t0 c0 a0 q0 p0 f0 t1 c1 a1 q1 p1 f1 r
  t0=$(date +%s.%N) c0=$(ticks "$pid")
  read -r a0 q0 <<<"$(counts "$dir/count")"
  read -r p0 f0 <<<"$(tcp_counts "$ns")"
  sleep "$window"
  t1=$(date +%s.%N) c1=$(ticks "$pid")
  read -r a1 q1 <<<"$(counts "$dir/count")"
  read -r p1 f1 <<<"$(tcp_counts "$ns")"
  r=$(rss "$pid")
  [ "${program#vipd}" != "$program" ] && "$vipctl" --socket "/run/$ns.sock" checks --json >"$dir/after.json"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$program" "$mode" "$servers" \
    "$(echo "$t1 - $t0" | bc)" "$((c1 - c0))" "$((a1 - a0))" "$((q1 - q0))" "$r" "$((p1 - p0))" "$((f1 - f0))" \
    >>"$out/results.tsv"
  if [ "$program" != keepalived ]; then kill -TERM "$pid"; else kill -TERM "$parent"; fi
  sleep 1
  kill -KILL "$pid" ${parent:+"$parent"} 2>/dev/null
  kill -KILL "$pool_pid" 2>/dev/null
  wait 2>/dev/null
  ip netns del "$ns"
}

# hpet under TCG (TSC marked unstable): every clock read is a system call there.
cat /sys/devices/system/clocksource/clocksource0/current_clocksource >"$out/clocksource" 2>/dev/null
for mode in "$@"; do
  run vipd "$mode"
  [ -n "${GRACEFUL:-}" ] && run vipdgraceful "$mode"
  [ -n "$vipd_b" ] && run vipdb "$mode"
  [ -n "$floor" ] && run floor "$mode"
  [ -n "$floor" ] && [ "$mode" = tcp ] && run floorreuse "$mode"
  [ -n "$floor" ] && [ "$mode" = http ] && run floorkeep "$mode"
  run keepalived "$mode"
done
cp /var/log/messages "$out/syslog" 2>/dev/null
