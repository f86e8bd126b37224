#!/bin/sh
# Stage 2 of the vipd test VM: PID 1 after switch_root (run by the host's
# /bin/sh from the run's read-write share, see vm-init.sh and vm-run.sh).
# Sets up /proc, /sys, /dev, /run, the kernel's modules, IPVS and networking
# modules, lo and syslogd, then runs the command the host wrote to cmd.sh and
# leaves its exit code in the share. Never exits: PID 1 exiting would panic.
out=/.vipd-vm/out
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

finish() {
  sync
  busybox poweroff -f
  busybox reboot -f
  while :; do sleep 1; done
}
fail() {
  echo "$*" >>"$out/harness-error"
  echo "vipd-vm-guest: $*"
  echo "VIPD_VM_BOOT_FAILED"
  finish
}

. "$out/config" || fail "cannot read $out/config"

# /proc, /sys and /dev were moved here by vm-init.sh.
mkdir -p /dev/pts /dev/shm || fail "mkdir /dev/pts /dev/shm"
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || fail "mount /dev/pts"
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || fail "mount /dev/shm"
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=755 tmpfs /run || fail "mount /run"
mkdir -p /run/lock /run/netns /var/log
# /tmp stays the overlay's view of the host's /tmp (writes land in the tmpfs
# upper layer), so a source or build tree under /tmp stays visible.
chmod 1777 /tmp 2>/dev/null

kver=$(uname -r)
mkdir -p "/lib/modules/$kver" || fail "mkdir /lib/modules/$kver"
mount --bind "$VIPD_VM_MODDIR/$kver" "/lib/modules/$kver" || fail "bind-mount the kernel's modules"

if [ -n "$VIPD_VM_SCRATCH" ]; then
  mkdir -p "$VIPD_VM_SCRATCH" 2>/dev/null
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vipdscratch "$VIPD_VM_SCRATCH" ||
    fail "mount the scratch share at $VIPD_VM_SCRATCH"
fi

# IPVS with every scheduler, and what network namespaces, veth, bridges,
# macvlan/ipvlan, dummy links, VLANs and IP tunnels need. af_packet, netns,
# IPv6 and unix sockets are built into Debian's kernel. Anything else loads on
# demand through /sbin/modprobe.
# One modprobe for all: a process start costs ~0.1 s under TCG.
modprobe -a ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sed ip_vs_nq ip_vs_mh \
  ip_vs_sh ip_vs_dh ip_vs_fo ip_vs_ovf ip_vs_lblc ip_vs_lblcr \
  nf_conntrack nf_nat veth bridge macvlan ipvlan dummy 8021q tun \
  ipip ip_gre sit ip6_tunnel || fail "modprobe of the IPVS and network modules failed"

ip link set lo up || fail "ip link set lo up"
hostname vipd-vm
busybox syslogd -O /var/log/messages || fail "syslogd"

echo "VIPD_VM_READY $(cut -d" " -f1 /proc/uptime)"
/bin/bash "$out/cmd.sh" >"$out/stdout" 2>"$out/stderr" </dev/null
echo "$?" >"$out/rc.tmp" && mv "$out/rc.tmp" "$out/rc"
echo "VIPD_VM_DONE $(cut -d" " -f1 /proc/uptime)"
finish
