#!/bin/bash
# Stability of many fast instances: N VRRPv3 instances (VRIDs 1..N, one IPv4
# VIP each, 203.0.113.1..N) at INTERVAL_MS adverts between two vipd nodes in
# the netns lab of TESTING.md (n1 priority 150, n2 priority 100). After the
# initial election (n1 master of all N, n2 backup of all N) it waits
# SECONDS and reports, per node: state transitions during the window (every
# one is spurious: nothing changed), adverts sent/received, drops, and CPU
# seconds (utime + stime from /proc/PID/stat) used during the window.
# Usage: stability.sh [N=200] [INTERVAL_MS=10] [SECONDS=60]
# Needs root and a built vipd and vipctl (VIPD=path, VIPCTL=path).
# WRAP1 / WRAP2: a command prefix for node 1 / 2, e.g. for a profile
#   WRAP2="valgrind --tool=callgrind --callgrind-out-file=/tmp/n2.cg"
# (nodes are stopped with SIGTERM first so the tool writes its output).
set -u
n=${1:-200} interval_ms=${2:-10} secs=${3:-60}
here=$(dirname "$0")
VIPD=${VIPD:-$here/../../build/daemon/vipd}
VIPCTL=${VIPCTL:-$here/../../build/ctl/vipctl}
p=fs$$
dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    alive=0; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  for x in ${p}n1 ${p}n2 ${p}s; do ip netns del $x 2>/dev/null; done
  [ -n "${KEEP:-}" ] && cp -r "$dir" /tmp/fs-last; rm -rf "$dir"
}
trap cleanup EXIT

source "$(dirname "$0")/two_node_lab.sh"
two_node_lab_up "$p"

start_node() {  # node priority -> pid
  local node=$1 prio=$2 f=$dir/vipd$1.toml
  printf '[global]\ncontrol_socket = "%s/vipd%s.sock"\n' "$dir" "$node" > "$f"
  for v in $(seq 1 "$n"); do
    printf '[[vrrp.instance]]\nname = "VI_%03d"\ninterface = "eth0"\nvrid = %d\nversion = 3\npriority = %d\nadvert_interval = "%dms"\nvirtual_addresses = ["203.0.113.%d/24"]\n' \
      "$v" "$v" "$prio" "$interval_ms" "$v" >> "$f"
  done
  local wrap_var=WRAP$node
  # shellcheck disable=SC2086
  ip netns exec ${p}n$node ${!wrap_var:-} "$VIPD" -f "$f" >> "$dir/vipd$node.log" 2>&1 &
  echo $!
}
status() { "$VIPCTL" --socket "$dir/vipd$1.sock" vrrp --json 2>/dev/null; }
# "transitions sent received drops" summed over the instances
totals() {
  status "$1" | python3 -c '
import json, sys
j = json.load(sys.stdin)["instances"]
print(sum(i["transitions"] for i in j), sum(i["adverts_sent"] for i in j),
      sum(i["adverts_received"] for i in j), sum(sum(i["drops"].values()) for i in j))'
}
count_state() {  # node state -> how many instances are in it
  status "$1" | python3 -c "import json, sys; print(sum(i['state'] == '$2' for i in json.load(sys.stdin)['instances']))" 2>/dev/null
}
cpu() {  # pid -> utime + stime in clock ticks
  awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
stime() {  # pid -> stime in clock ticks (the kernel's share: sendmsg, and the bridge delivering to the peer)
  awk '{ sub(/.*\) /, ""); print $13 }' "/proc/$1/stat"
}
ctxsw() {  # pid -> voluntary + involuntary context switches (loop wake-ups, preemptions)
  awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"
}
late() {  # node -> "advert slots missed, Master_Down expiries saved by a queued advert" (vipd >= this change)
  status "$1" | python3 -c '
import json, sys
j = json.load(sys.stdin)["instances"]
print(sum(i.get("advert_slots_missed", 0) for i in j), sum(i.get("master_down_late_adverts", 0) for i in j))'
}

n1=$(start_node 1 150); pids+=("$n1")
n2=$(start_node 2 100); pids+=("$n2")
end=$((SECONDS + 30))
until [ "$(count_state 1 MASTER)" = "$n" ] && [ "$(count_state 2 BACKUP)" = "$n" ]; do
  [ $SECONDS -gt $end ] && { echo "no initial election: n1 $(count_state 1 MASTER) master, n2 $(count_state 2 BACKUP) backup" >&2; exit 1; }
  sleep 0.2
done
sleep 1
read -r t1a s1a r1a d1a < <(totals 1)
read -r t2a s2a r2a d2a < <(totals 2)
c1a=$(cpu "$n1") c2a=$(cpu "$n2") k1a=$(stime "$n1") k2a=$(stime "$n2") x1a=$(ctxsw "$n1") x2a=$(ctxsw "$n2")
sleep "$secs"
read -r t1b s1b r1b d1b < <(totals 1)
read -r t2b s2b r2b d2b < <(totals 2)
c1b=$(cpu "$n1") c2b=$(cpu "$n2") k1b=$(stime "$n1") k2b=$(stime "$n2") x1b=$(ctxsw "$n1") x2b=$(ctxsw "$n2")
hz=$(getconf CLK_TCK)
echo "instances $n, interval ${interval_ms} ms, window ${secs} s"
printf 'n1 (master): transitions %d, adverts sent %d, received %d, drops %d, cpu %.2f s (%.1f%% of one core), master now %s/%d\n' \
  $((t1b - t1a)) $((s1b - s1a)) $((r1b - r1a)) $((d1b - d1a)) "$(echo "($c1b - $c1a) / $hz" | bc -l)" \
  "$(echo "($c1b - $c1a) / $hz / $secs * 100" | bc -l)" "$(count_state 1 MASTER)" "$n"
printf 'n2 (backup): transitions %d, adverts sent %d, received %d, drops %d, cpu %.2f s (%.1f%% of one core), backup now %s/%d\n' \
  $((t2b - t2a)) $((s2b - s2a)) $((r2b - r2a)) $((d2b - d2a)) "$(echo "($c2b - $c2a) / $hz" | bc -l)" \
  "$(echo "($c2b - $c2a) / $hz / $secs * 100" | bc -l)" "$(count_state 2 BACKUP)" "$n"
printf 'cpu in the kernel (stime): n1 %.2f s, n2 %.2f s\n' "$(echo "($k1b - $k1a) / $hz" | bc -l)" "$(echo "($k2b - $k2a) / $hz" | bc -l)"
echo "context switches: n1 $((x1b - x1a)), n2 $((x2b - x2a))"
echo "since start: n1 advert slots missed, master-down saves: $(late 1); n2: $(late 2)"
