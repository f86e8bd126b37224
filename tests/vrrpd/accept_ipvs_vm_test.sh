#!/bin/bash
# Accept_Mode and IPVS on the same VIP: a vipd director that became master
# with accept = false (the default) keeps balancing the VIP's virtual service
# (IPVS takes those packets in LOCAL_IN before vipd's guard chain), while
# everything else addressed to the VIP is dropped. Runs INSIDE the test VM
# (tests/vm/vm-run.sh), as root:
#   accept_ipvs_vm_test.sh BUILD_DIR
#
#   client .50 --- br0 (198.51.100.0/24) --- director lb .2 (VRRP VIP .100, DR service .100:80; serves :81 itself)
#                        +--------------------- rs1 .11 (VIP on lo, serves :80)
#
# Namespaces are named va<pid>; they and the processes started here (by pid)
# are removed on exit.
set -euo pipefail

BUILD=$(cd "${1:?usage: accept_ipvs_vm_test.sh BUILD_DIR}" && pwd)
source "$(dirname "$0")/../vm/netns_script.sh"
netns_script_init va

netns_switch br0
node client br0
node lb br0
node rs1 br0
ip -n "$P-client" addr add 198.51.100.50/24 dev eth0
ip -n "$P-lb" addr add 198.51.100.2/24 dev eth0
ip -n "$P-rs1" addr add 198.51.100.11/24 dev eth0
ip -n "$P-rs1" addr add 198.51.100.100/32 dev lo
in_ns rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
  net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
ip netns exec "$P-rs1" "$BUILD/lab/labtool" serve rs1 80 >"$RUN/rs1.log" 2>&1 &
PIDS+=($!)
ip netns exec "$P-lb" "$BUILD/lab/labtool" serve lb 81 >"$RUN/lb81.log" 2>&1 &
PIDS+=($!)

cat >"$RUN/vipd.toml" <<CONF
[global]
control_socket = "$RUN/vipd.sock"
script_user = "nobody"

[[vrrp.instance]]
name = "VI_1"
interface = "eth0"
vrid = 51
priority = 100
advert_interval = "100ms"
virtual_addresses = ["198.51.100.100/24"]

[[ipvs.service]]
name = "dr"
address = "198.51.100.100:80"
scheduler = "rr"
forwarding = "dr"

[[ipvs.service.real_server]]
address = "198.51.100.11:80"
CONF
ip netns exec "$P-lb" "$BUILD/daemon/vipd" -f "$RUN/vipd.toml" >"$RUN/vipd.log" 2>&1 &
PIDS+=($!)

guarded() {
  in_ns lb "$BUILD/ctl/vipctl" --socket "$RUN/vipd.sock" vrrp --json 2>/dev/null |
    jq -e '.accept_mode_guard.dropped_addresses | index("198.51.100.100") != null' >/dev/null
}
wait_for 20 "vipd master of the VIP with its guard" guarded
ip -n "$P-lb" -o addr show dev eth0 | grep -q ' 198.51.100.100/' || fail "the VIP is not on the director"
wait_for 10 "the IPVS service" bash -c "ip netns exec $P-lb ipvsadm -Ln | grep -q '198.51.100.11:80'"
wait_for 10 "the servers to listen" bash -c "ip netns exec $P-rs1 ss -ltn | grep -q ':80 ' && ip netns exec $P-lb ss -ltn | grep -q ':81 '"

connects() { in_ns client timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
connects 198.51.100.2 81 || fail "the director's own address does not answer on :81"
out=$(in_ns client "$BUILD/lab/labtool" load http://198.51.100.100/ 1)
echo "through IPVS on the guarded VIP: $out"
[ "$(jq .failed <<<"$out")" = 0 ] && [ "$(jq .ok <<<"$out")" -ge 5 ] || fail "IPVS on the VIP broke: $out"
[ "$(jq -r '.by_server.rs1 // 0' <<<"$out")" -ge 5 ] || fail "not answered by the real server: $out"
if connects 198.51.100.100 81; then fail "the guard let a connection to the VIP's port 81 through"; fi
if in_ns client /bin/busybox ping -c 1 -W 1 198.51.100.100 >/dev/null 2>&1; then fail "the VIP answered a ping"; fi
echo "PASS: IPVS balances the guarded VIP; other traffic to it is dropped"
