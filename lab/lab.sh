#!/usr/bin/env bash
# The director-pair lab, as functions to source. Builds, in network
# namespaces of a kernel that has IPVS (the test VM, or a host with it):
#
#   client ---+--- bridge(s) in a switch namespace ---+--- rs1, rs2, rs3 (labtool web servers)
#             +--- lb1 (vipd, priority 150)            |
#             +--- lb2 (vipd, priority 100)  ----------+
#
# DR:  one LAN 198.51.100.0/24; VIP 198.51.100.100 on the directors and on the
#      real servers' lo (arp_ignore=1, arp_announce=2: the classic DR recipe).
# NAT: outside LAN 203.0.113.0/24 (client, VIP 203.0.113.100); inside LAN
#      198.51.100.0/24 (real servers, whose gateway is the second VIP
#      198.51.100.1); both VIPs in one sync group.
#
# Everything is named with LAB_PREFIX (default "vl<pid>") and removed by
# lab_down, by name and pid.
#
# Needs: LAB_BUILD (the build directory holding daemon/vipd, ctl/vipctl,
# lab/labtool) and LAB_DIR (a writable directory for configs and logs).
# Control sockets live in LAB_RUN (default /run/<prefix>): LAB_DIR may be a
# 9p share in the test VM, which cannot hold sockets.

LAB_PREFIX=${LAB_PREFIX:-vl$$}
LAB_MODE=${LAB_MODE:-dr}
LAB_ADVERT=${LAB_ADVERT:-1s}
# Maglev hashing over (client address, port) with sloppy TCP on the
# directors: a director that takes over mid-connection, before the kernel's
# connection sync has told it of that connection, still sends its packets to
# the same real server instead of answering them with a reset. "fallback"
# makes mh pass over a real server at weight 0 (failed or draining) rather
# than drop the connections that hash to it.
LAB_SCHEDULER=${LAB_SCHEDULER:-mh}
LAB_SCHEDULER_FLAGS=${LAB_SCHEDULER_FLAGS-'"fallback", "port"'}
LAB_REAL_SERVERS=${LAB_REAL_SERVERS:-"rs1 rs2 rs3"}
LAB_DIRECTORS="lb1 lb2"
LAB_RUN=${LAB_RUN:-/run/$LAB_PREFIX}

lab_ns() { echo "${LAB_PREFIX}-$1"; }
lab_exec() {
  local node=$1
  shift
  ip netns exec "$(lab_ns "$node")" "$@"
}

lab_outside_net() { [ "$LAB_MODE" = nat ] && echo 203.0.113 || echo 198.51.100; }
lab_vip() { echo "$(lab_outside_net).100"; }
lab_inside_vip() { echo 198.51.100.1; }
lab_rs_address() { echo "198.51.100.1${1#rs}"; }  # rs1 -> .11
lab_director_octet() { [ "$1" = lb1 ] && echo 2 || echo 3; }

# A node namespace with eth<N> veths plugged into the switch's bridges.
_lab_node() {
  local node=$1
  shift
  local ns sw index=0
  ns=$(lab_ns "$node")
  sw=$(lab_ns sw)
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  for bridge in "$@"; do
    ip link add "${LAB_PREFIX}${node}${index}" type veth peer name "eth$index" netns "$ns"
    ip link set "${LAB_PREFIX}${node}${index}" netns "$sw"
    ip -n "$sw" link set "${LAB_PREFIX}${node}${index}" master "$bridge" up
    ip -n "$ns" link set "eth$index" up
    index=$((index + 1))
  done
}

lab_up() {
  mkdir -p "$LAB_DIR"
  local sw
  sw=$(lab_ns sw)
  ip netns add "$sw"
  for bridge in br0 br1; do
    ip -n "$sw" link add "$bridge" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$sw" link set "$bridge" up
  done
  local out
  out=$(lab_outside_net)
  _lab_node client br0
  ip -n "$(lab_ns client)" addr add "$out.50/24" dev eth0
  # NAT: the client's gateway is the director pair too (a LAN client), so a
  # packet that reaches it with a real server's address is answered with a
  # reset that reaches the real server (see drop_untranslated_replies).
  [ "$LAB_MODE" = nat ] && ip -n "$(lab_ns client)" route add default via "$(lab_vip)"

  for lb in $LAB_DIRECTORS; do
    local octet
    octet=$(lab_director_octet "$lb")
    if [ "$LAB_MODE" = nat ]; then
      _lab_node "$lb" br0 br1
      ip -n "$(lab_ns "$lb")" addr add "198.51.100.$octet/24" dev eth1
      lab_exec "$lb" sysctl -qw net.ipv4.ip_forward=1
    else
      _lab_node "$lb" br0
    fi
    ip -n "$(lab_ns "$lb")" addr add "$out.$octet/24" dev eth0
  done

  for rs in $LAB_REAL_SERVERS; do
    local bridge=br0 address
    [ "$LAB_MODE" = nat ] && bridge=br1
    address=$(lab_rs_address "$rs")
    _lab_node "$rs" "$bridge"
    ip -n "$(lab_ns "$rs")" addr add "$address/24" dev eth0
    if [ "$LAB_MODE" = nat ]; then
      ip -n "$(lab_ns "$rs")" route add default via "$(lab_inside_vip)"
    else
      ip -n "$(lab_ns "$rs")" addr add "$(lab_vip)/32" dev lo
      lab_exec "$rs" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
        net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
    fi
    lab_start_rs "$rs"
  done
}

lab_start_rs() {
  local rs=$1
  # `ip netns exec` execs the program, so $! is the server's own pid.
  ip netns exec "$(lab_ns "$rs")" "$LAB_BUILD/lab/labtool" serve "$rs" 80 >>"$LAB_DIR/$rs.log" 2>&1 &
  echo $! >"$LAB_DIR/$rs.pid"
  disown $!
}

lab_kill_rs() {
  [ -f "$LAB_DIR/$1.pid" ] && kill -KILL "$(cat "$LAB_DIR/$1.pid")" 2>/dev/null
  rm -f "$LAB_DIR/$1.pid"
}

# The director's vipd config. Extra real servers: LAB_EXTRA_RS="rs4".
lab_write_config() {
  local lb=$1 priority=100 file="$LAB_DIR/$1.toml"
  [ "$lb" = lb1 ] && priority=150
  local forwarding=dr sync_interface=eth0
  [ "$LAB_MODE" = nat ] && forwarding=nat && sync_interface=eth1
  {
    cat <<CONF
[global]
router_id = "$lb"
control_socket = "$LAB_RUN/$lb.sock"
script_user = "nobody"

[[vrrp.instance]]
name = "VI_OUT"
interface = "eth0"
vrid = 51
priority = $priority
advert_interval = "$LAB_ADVERT"
virtual_addresses = ["$(lab_vip)/24"]
CONF
    if [ "$LAB_MODE" = nat ]; then
      cat <<CONF

[[vrrp.instance]]
name = "VI_IN"
interface = "eth1"
vrid = 52
priority = $priority
advert_interval = "$LAB_ADVERT"
virtual_addresses = ["$(lab_inside_vip)/24"]

[[vrrp.sync_group]]
name = "G1"
instances = ["VI_OUT", "VI_IN"]
CONF
    fi
    cat <<CONF

[ipvs]
flush_on_stop = false
drain_timeout = "10s"
# See the scheduler's comment at the top. expire_nodest_conn: a client that
# reuses a source port whose old IPVS connection still points at a failed
# (weight 0, or already deleted) real server is rescheduled, not sent there.
sloppy_tcp = true
expire_nodest_conn = true
# NAT: a real server's reply that IPVS did not translate (a hand-over before
# the connection sync told the new master of that connection) is dropped
# instead of reaching the client with the real server's address, which the
# client would answer with a reset. The client's or the real server's
# retransmission then passes: sloppy_tcp and mh's port hash send a client
# packet to the same real server, and once synced the reply is translated.
drop_untranslated_replies = true

[[ipvs.service]]
name = "web"
address = "$(lab_vip):80"
protocol = "tcp"
scheduler = "$LAB_SCHEDULER"
scheduler_flags = [$LAB_SCHEDULER_FLAGS]
forwarding = "$forwarding"

[ipvs.service.check]
type = "http"
path = "/"
expect_status = [200]
interval = "1s"
timeout = "500ms"
rise = 2
fall = 2
CONF
    for rs in $LAB_REAL_SERVERS ${LAB_EXTRA_RS:-}; do
      printf '\n[[ipvs.service.real_server]]\naddress = "%s:80"\nweight = 1\n' "$(lab_rs_address "$rs")"
    done
    cat <<CONF

[ipvs.sync]
interface = "$sync_interface"
sync_id = 51
follow_instance = "VI_OUT"
CONF
  } >"$file"
}

lab_start_director() {
  local lb=$1 pid deadline=$((SECONDS + 20))
  lab_write_config "$lb"
  ip netns exec "$(lab_ns "$lb")" "$LAB_BUILD/daemon/vipd" -f "$LAB_DIR/$lb.toml" >>"$LAB_DIR/$lb.log" 2>&1 &
  pid=$!
  echo "$pid" >"$LAB_DIR/$lb.pid"
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
    lab_vipctl "$lb" status >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "lab: $lb did not come up; its log:" >&2
  cat "$LAB_DIR/$lb.log" >&2
  return 1
}

lab_signal_director() {
  [ -f "$LAB_DIR/$1.pid" ] && kill "-$2" "$(cat "$LAB_DIR/$1.pid")" 2>/dev/null
}

# Ends a director's vipd with a signal and waits for it: TERM (a clean
# stop) or KILL.
_lab_end_director() {
  local pid
  pid=$(cat "$LAB_DIR/$1.pid" 2>/dev/null) || return 0
  kill "-$2" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -f "$LAB_DIR/$1.pid"
}

lab_stop_director() { _lab_end_director "$1" TERM; }
lab_kill_director() { _lab_end_director "$1" KILL; }

# A director's machine dies: vipd is SIGKILLed and the node drops off the
# network (its switch ports go down), so neither its VIP, left on the
# interface as a crash leaves it, nor its kernel's IPVS rules answer any more.
# lab_revive_director brings the ports back (vipd is started separately).
lab_crash_director() {
  lab_kill_director "$1"
  _lab_switch_ports "$1" down
}

lab_revive_director() { _lab_switch_ports "$1" up; }

_lab_switch_ports() {
  local index
  for index in 0 1; do
    ip -n "$(lab_ns sw)" link set "${LAB_PREFIX}$1$index" "$2" 2>/dev/null
  done
  return 0
}

lab_vipctl() {
  local lb=$1
  shift
  "$LAB_BUILD/ctl/vipctl" --socket "$LAB_RUN/$lb.sock" "$@"
}

# The directors whose running vipd holds the VIP (a killed one may leave it behind).
lab_master() {
  local lb
  for lb in $LAB_DIRECTORS; do
    [ -f "$LAB_DIR/$lb.pid" ] || continue
    ip -n "$(lab_ns "$lb")" -o addr show dev eth0 2>/dev/null | grep -q " $(lab_vip)/" && echo "$lb"
  done
}

# Waits until exactly one director (the given one, if named) holds the VIP;
# prints it. lab_wait_master [DIRECTOR] [SECONDS]
lab_wait_master() {
  local m deadline=$((SECONDS + ${2:-20}))
  while [ $SECONDS -lt $deadline ]; do
    m=$(lab_master)
    if [ -n "$m" ] && [ "$(wc -w <<<"$m")" = 1 ] && { [ -z "${1:-}" ] || [ "$m" = "$1" ]; }; then
      echo "$m"
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# Client load: lab_load SECONDS [GAP_MS] prints labtool's JSON summary.
lab_load() { lab_exec client "$LAB_BUILD/lab/labtool" load "http://$(lab_vip)/" "$@"; }
lab_stream() { lab_exec client "$LAB_BUILD/lab/labtool" stream "http://$(lab_vip)/stream?n=$1&ms=$2"; }

lab_down() {
  local node pid
  for node in $LAB_DIRECTORS; do lab_stop_director "$node"; done
  for node in $LAB_REAL_SERVERS ${LAB_EXTRA_RS:-}; do lab_kill_rs "$node"; done
  for node in client $LAB_DIRECTORS $LAB_REAL_SERVERS ${LAB_EXTRA_RS:-} sw; do
    # Anything still running in the namespace goes with it.
    for pid in $(ip netns pids "$(lab_ns "$node")" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$(lab_ns "$node")" 2>/dev/null
  done
  rm -rf "$LAB_RUN"
  return 0
}
