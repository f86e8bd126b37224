# Sourced by the shell tests that build a small namespace lab inside the test
# VM: netns_script_init PREFIX sets P (names: $P-<node>, $P-sw holds the
# bridges), RUN (/run/$P, logs and sockets) and PIDS (killed at exit); every
# namespace node() or netns_switch() made is deleted at exit, also on failure.
# A script may define fail_context (called by fail before it exits).
P='' RUN='' PIDS=() NETNS_MADE=()

netns_script_init() {
  P=$1$$
  RUN=/run/$P
  mkdir -p "$RUN"
  trap netns_cleanup EXIT
}

netns_cleanup() {
  local pid ns
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${NETNS_MADE[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$RUN"
}

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$RUN"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
  if declare -F fail_context >/dev/null; then fail_context >&2 || true; fi
  exit 1
}

in_ns() {
  local ns=$1
  shift
  ip netns exec "$P-$ns" "$@"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do [ $SECONDS -lt $deadline ] || fail "timed out waiting for $what"; sleep 0.2; done
}

netns_switch() { # netns_switch BRIDGE...: the $P-sw namespace with these bridges
  ip netns add "$P-sw"
  NETNS_MADE+=("$P-sw")
  local bridge
  for bridge in "$@"; do
    ip -n "$P-sw" link add "$bridge" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$P-sw" link set "$bridge" up
  done
}

node() { # node NAME BRIDGE...: a namespace with eth0, eth1... plugged into the bridges
  local name=$1 index=0 bridge
  shift
  ip netns add "$P-$name"
  NETNS_MADE+=("$P-$name")
  ip -n "$P-$name" link set lo up
  for bridge in "$@"; do
    ip link add "$P$name$index" type veth peer name "eth$index" netns "$P-$name"
    ip link set "$P$name$index" netns "$P-sw"
    ip -n "$P-sw" link set "$P$name$index" master "$bridge" up
    ip -n "$P-$name" link set "eth$index" up
    index=$((index + 1))
  done
}
