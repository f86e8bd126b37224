#!/bin/sh
# /init of the vipd test VM's initramfs (static busybox; see vm-prepare.sh).
# Loads the virtio/9p/overlay modules, mounts the host's / read-only over 9p
# under an overlay with a tmpfs upper layer, mounts the run's read-write
# share at /.vipd-vm/out and switch_roots to the stage-2 script the host put
# there (vm-guest.sh). Any failure prints VIPD_VM_BOOT_FAILED and powers off.
export PATH=/bin

fail() {
  echo "vipd-vm-init: $*"
  echo "VIPD_VM_BOOT_FAILED"
  poweroff -f
  reboot -f
  while :; do sleep 1; done
}

mount -t proc proc /proc || fail "mount /proc"
mount -t sysfs sysfs /sys || fail "mount /sys"
mount -t devtmpfs devtmpfs /dev || fail "mount /dev"
for m in $(cat /mod/order); do
  insmod "/mod/$m" || fail "insmod $m"
done
mkdir -p /mnt/host /mnt/rw
opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$opts,ro,cache=loose" vipdroot /mnt/host || fail "mount host root over 9p"
mount -t tmpfs -o mode=755 tmpfs /mnt/rw || fail "mount tmpfs"
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay -o lowerdir=/mnt/host,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /newroot ||
  fail "mount overlay"
mkdir -p /newroot/.vipd-vm/out || fail "mkdir /.vipd-vm/out"
mount -t 9p -o "$opts" vipdout /newroot/.vipd-vm/out || fail "mount output share"
[ -f /newroot/.vipd-vm/out/vm-guest.sh ] || fail "no vm-guest.sh in the output share"
mount --move /proc /newroot/proc || fail "move /proc"
mount --move /sys /newroot/sys || fail "move /sys"
mount --move /dev /newroot/dev || fail "move /dev"
exec switch_root /newroot /bin/sh /.vipd-vm/out/vm-guest.sh
fail "switch_root failed"
