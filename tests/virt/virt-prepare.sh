#!/usr/bin/env bash
# One-time machine prerequisites of the virt tier (TESTING.md, libvirt): a
# log directory, the libvirt-qemu user the qemu driver insists on, and (only
# when the file is missing) /etc/libvirt/qemu.conf running guests as root so
# that libvirtd does not re-probe qemu on every define (~4 s each; /dev/kvm is
# not group-readable here and guests are TCG anyway). Idempotent.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
mkdir -p /var/log/libvirt/qemu
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
if ! getent passwd libvirt-qemu >/dev/null; then
  useradd --system --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin -g libvirt-qemu libvirt-qemu
fi
if [ ! -e /etc/libvirt/qemu.conf ]; then
  mkdir -p /etc/libvirt
  cat >/etc/libvirt/qemu.conf <<'CONF'
# Written by vipd's tests/virt/virt-prepare.sh (test machines only).
user = "root"
group = "root"
CONF
fi
