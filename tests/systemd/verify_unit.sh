#!/usr/bin/env bash
# systemd-analyze verify on vipd.service, pointed at the built binary.
# It must print nothing: systemd reports a bad directive only as a warning.
set -euo pipefail
unit=$1 vipd=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s#/usr/sbin/vipd#$vipd#g" "$unit" >"$dir/vipd.service"
out=$(systemd-analyze verify "$dir/vipd.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
  echo "systemd-analyze verify complained:"
  echo "$out"
  exit 1
fi
grep -q '^Type=notify$' "$dir/vipd.service"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$dir/vipd.service"
grep -q '^WatchdogSec=' "$dir/vipd.service"
# vipd writes net.ipv4.vs.* sysctls: a read-only /proc/sys must leave net writable.
if grep -q '^ProtectKernelTunables=yes' "$dir/vipd.service"; then
  grep -q '^ReadWritePaths=.*/proc/sys/net\b' "$dir/vipd.service" || {
    echo "ProtectKernelTunables=yes without ReadWritePaths=/proc/sys/net breaks the [ipvs] sysctl keys"
    exit 1
  }
fi
echo "vipd.service verified"
