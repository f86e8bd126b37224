#!/usr/bin/env bash
# Builds the initramfs of the virt tier's appliance guest: static busybox and
# Debian's virtio_blk / virtio_net (with their dependencies, in modprobe's
# order) from the kernel tests/vm/vm-prepare.sh caches. Its /init prints the
# disk's size and the NIC's MAC on the serial console, then idles.
#   virt-initramfs.sh OUT.cpio.gz   -> prints the kernel (vmlinux) path
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: virt-initramfs.sh OUT.cpio.gz}
export PATH=$PATH:/usr/sbin:/sbin

prepared=$("$here/../vm/vm-prepare.sh")  # two lines; the first is the kernel directory
kdir=${prepared%%$'\n'*}
kver=$(cat "$kdir/version")
root=$kdir/root

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,mod}
cp /bin/busybox "$work/bin/busybox"
for applet in sh mount insmod cat echo sleep ls poweroff; do ln -s busybox "$work/bin/$applet"; done

: >"$work/mod/order"
modprobe -d "$root" -S "$kver" --show-depends -a virtio_pci virtio_blk virtio_net |
  awk '$1 == "insmod" {print $2}' | while read -r ko; do
    name=$(basename "$ko")
    grep -qx "$name" "$work/mod/order" && continue
    cp "$ko" "$work/mod/$name"
    echo "$name" >>"$work/mod/order"
  done

cat >"$work/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /mod/order); do insmod "/mod/$m" || echo "VIPD-GUEST-ERROR: insmod $m"; done
sleep 1
echo "VIPD-DISK-SECTORS: $(cat /sys/block/vda/size 2>/dev/null || echo none)"
for nic in /sys/class/net/eth*; do echo "VIPD-MAC: $(cat "$nic/address")"; done
echo "VIPD-GUEST-READY"
while :; do sleep 60; done
INIT
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
echo "$kdir/vmlinux"
