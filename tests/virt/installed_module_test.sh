#!/usr/bin/env bash
# `cmake --install` into a temporary prefix: the installed vipd, given a
# [virt] config (libvirt's in-process test driver, one bridge), loads its
# libvirt module from there, not from the build tree. In a network namespace
# of its own (root).
set -euo pipefail
build=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for a network namespace"; exit 0; }
ns=vipd-inst-$$
dir=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
cmake --install "$build" --prefix "$dir/prefix" >/dev/null
module=$(find "$dir/prefix" -name vipd-libvirt.so)
[ -n "$module" ] || { echo "FAIL: vipd-libvirt.so not installed under the prefix"; exit 1; }
cat >"$dir/vipd.toml" <<CONF
[global]
control_socket = "$dir/vipd.sock"
[virt]
uri = "test:///default"
[[virt.bridge]]
name = "br-inst"
CONF
ip netns add "$ns"
ip netns exec "$ns" "$dir/prefix/sbin/vipd" -f "$dir/vipd.toml" >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  ip -n "$ns" link show br-inst >/dev/null 2>&1 && break
  sleep 0.1
done
grep -q "virt: loaded $module" "$dir/log" || { echo "FAIL: vipd did not load $module:"; cat "$dir/log"; exit 1; }
ip -n "$ns" link show br-inst >/dev/null || { echo "FAIL: no bridge:"; cat "$dir/log"; exit 1; }
echo "PASS: installed vipd loaded $module"
