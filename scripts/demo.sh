#!/usr/bin/env bash
# The demo: builds vipd, starts it in a network namespace of its own on an
# example config, shows `vipctl status`, a rejected and an accepted reload,
# and a clean stop. Everything it creates it removes, also on failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh
bash scripts/build.sh build >/dev/null

ns="vipd-demo-$$"
work=$(mktemp -d /tmp/vipd-demo.XXXXXX)
vipd_pid=""
cleanup() {
  [ -n "$vipd_pid" ] && kill -KILL "$vipd_pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
vipctl() { build/ctl/vipctl --socket "$work/vipd.sock" "$@"; }

ip netns add "$ns"
ip -n "$ns" link set lo up
cat >"$work/vipd.toml" <<CONF
[global]
router_id = "demo-lb1"
control_socket = "$work/vipd.sock"
CONF

step "vipd -f vipd.toml --check"
build/daemon/vipd -f "$work/vipd.toml" --check

step "starting vipd in network namespace $ns"
ip netns exec "$ns" build/daemon/vipd -f "$work/vipd.toml" 2>"$work/vipd.log" &
vipd_pid=$!
for _ in $(seq 100); do vipctl status >/dev/null 2>&1 && break; sleep 0.05; done

step "vipctl status"
vipctl status

step "a broken config is rejected and the running one stays"
printf '[global]\ncontrol_socket = "%s"\nrouter_id = 7\n' "$work/vipd.sock" >"$work/vipd.toml"
vipctl reload || true

step "a good config becomes generation 2"
printf '[global]\ncontrol_socket = "%s"\nrouter_id = "demo-lb1-renamed"\n' "$work/vipd.sock" >"$work/vipd.toml"
vipctl reload
vipctl status

step "SIGTERM: a clean stop"
kill -TERM "$vipd_pid"
wait "$vipd_pid" && echo "vipd exited with code 0"
vipd_pid=""

step "vipd's log"
cat "$work/vipd.log"
