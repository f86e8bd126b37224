#!/bin/bash
# Failover time of vipd and keepalived side by side in the netns lab of
# TESTING.md: two nodes on a bridge, VRRPv3, VIP 203.0.113.10, master priority
# 150 on n1, backup 100 on n2. Each run starts the master, waits until it holds
# the VIP and the backup hears it, waits a random part of one interval, kills
# the master (SIGKILL or SIGTERM) and measures, on the wall clock:
#   vip:  until the VIP is on the backup,
#   garp: until the backup's first gratuitous ARP for the VIP is on the bridge
#         (tcpdump -tt timestamps in the switch namespace).
# The VIP time comes from `ip -ts monitor address` on the backup.
# Usage: failover.sh IMPL(vipd|keepalived) INTERVAL_MS SIGNAL(KILL|TERM) RUNS
# Needs root, a built vipd (VIPD=path, default build/daemon/vipd), keepalived, tcpdump.
set -u
impl=$1 interval_ms=$2 sig=$3 runs=$4
VIPD=${VIPD:-$(dirname "$0")/../../build/daemon/vipd}
p=fb$$
dir=$(mktemp -d)
vip=203.0.113.10
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  [ -f "$dir/ka1/vrrp.pid" ] && kill -9 "$(cat "$dir/ka1/vrrp.pid")" 2>/dev/null
  for n in ${p}n1 ${p}n2 ${p}s; do ip netns del $n 2>/dev/null; done
  [ -n "${KEEP:-}" ] && cp -r "$dir" /tmp/fb-last; rm -rf "$dir"
}
trap cleanup EXIT

source "$(dirname "$0")/two_node_lab.sh"
two_node_lab_up "$p"
mac2=$(ip -n ${p}n2 -br link show eth0 | awk '{print $3}')
ip netns exec ${p}s tcpdump -tt -l -n -e -i br0 arp > "$dir/arp.txt" 2>/dev/null &
pids+=($!)
# Address events on the backup, timestamped by ip itself (no polling delay).
ip -n ${p}n2 -ts monitor address > "$dir/addr.txt" 2>/dev/null &
pids+=($!)
sleep 0.5

interval_s=$(printf '%d.%02d' $((interval_ms / 1000)) $((interval_ms % 1000 / 10)))
start_node() {  # node priority -> pid
  local n=$1 prio=$2
  if [ "$impl" = vipd ]; then
    printf '[global]\ncontrol_socket = "%s/vipd%s.sock"\n[[vrrp.instance]]\nname = "VI_1"\ninterface = "eth0"\nvrid = 51\nversion = 3\npriority = %s\nadvert_interval = "%sms"\nvirtual_addresses = ["%s/24"]\n' \
      "$dir" "$n" "$prio" "$interval_ms" "$vip" > "$dir/vipd$n.toml"
    ip netns exec ${p}n$n "$VIPD" -f "$dir/vipd$n.toml" >> "$dir/vipd$n.log" 2>&1 &
  else
    mkdir -p "$dir/ka$n"
    rm -f "$dir/ka$n/"*.pid  # a dead run's zombie would make keepalived think it is still running
    printf 'global_defs {\n  router_id ka%s\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority %s\n  advert_int %s\n  version 3\n  virtual_ipaddress {\n    %s/24\n  }\n}\n' \
      "$n" "$prio" "$interval_s" "$vip" > "$dir/ka$n/k.conf"
    ip netns exec ${p}n$n keepalived -n -l -D -P -R -f "$dir/ka$n/k.conf" -p "$dir/ka$n/k.pid" -r "$dir/ka$n/vrrp.pid" \
      -c "$dir/ka$n/c.pid" -b "$dir/ka$n/b.pid" >> "$dir/ka$n/log" 2>&1 &
  fi
  echo $!
}
has_vip() { ip -n ${p}n$1 -o addr show dev eth0 | grep -q " $vip/"; }
now() { date +%s.%N; }
wait_until() {  # seconds command...
  local limit=$1; shift
  local end=$(( $(date +%s%N) + limit * 1000000000 ))
  until "$@"; do [ "$(date +%s%N)" -gt "$end" ] && return 1; sleep 0.002; done
}

backup=$(start_node 2 100); pids+=("$backup")
for run in $(seq 1 "$runs"); do
  master=$(start_node 1 150); pids+=("$master")
  # The master holds the VIP and the backup dropped it.
  wait_until 10 bash -c "ip -n ${p}n1 -o addr show dev eth0 | grep -q ' $vip/' && ! ip -n ${p}n2 -o addr show dev eth0 | grep -q ' $vip/'" \
    || { echo "run $run: no master" >&2; exit 1; }
  sleep 0.3
  sleep "0.$(printf '%03d' $((RANDOM % 1000 * interval_ms / 1000 % 1000)))"
  t0=$(now)
  if [ "$impl" = keepalived ] && [ "$sig" = KILL ]; then kill -9 "$(cat "$dir/ka1/vrrp.pid")"; fi
  kill -$sig "$master"
  wait_until 10 has_vip 2 || { echo "run $run: no failover" >&2; exit 1; }
  wait "$master" 2>/dev/null
  sleep 0.2
  t_vip=$(grep " $vip/" "$dir/addr.txt" | grep -v Deleted | tail -1 | sed 's/^\[\([^]]*\)\].*/\1/')
  t_vip=$(date -d "$t_vip" +%s.%N)
  t_garp=$(awk -v t0="$t0" -v mac="$mac2" -v vip="$vip" \
    '$1 > t0 && $2 == mac && index($0, "who-has " vip " ") && index($0, "tell " vip ",") { print $1; exit }' "$dir/arp.txt")
  printf '%s %s %s %d %.1f %.1f\n' "$impl" "$interval_ms" "$sig" "$run" \
    "$(echo "($t_vip - $t0) * 1000" | bc -l)" "$(echo "(${t_garp:-0} - $t0) * 1000" | bc -l)"
  # A killed keepalived leaves its VIP behind; the next master run starts clean.
  ip -n ${p}n1 addr del $vip/24 dev eth0 2>/dev/null
  # The backup is master now; let it see the new master take over again next run.
done
