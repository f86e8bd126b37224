#!/usr/bin/env bash
# Guest start-up benchmark (root): N guests from one base image (qcow2
# overlays, direct kernel boot, TCG, 128 MiB, no NIC), first by vipd's
# virt::Manager, then by a shell loop of qemu-img create -b + virsh define +
# virsh start. Its own libvirtd + virtlogd run in a network namespace of
# this script's own; everything is stopped by pid and removed at exit.
#   bench/virt/run.sh [N]      (BUILD=build-virt by default)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
n=${1:-20}
build=${BUILD:-$repo/build-virt}
bench_bin=$build/bench/virt/vipd_virt_bench
[ -x "$bench_bin" ] || { echo "build it first: cmake --build $build --target vipd_virt_bench" >&2; exit 2; }
pgrep -x libvirtd >/dev/null && { echo "a libvirtd is already running; not touching it" >&2; exit 2; }
export PATH=$PATH:/usr/sbin:/sbin
virsh="virsh -q -c qemu:///system"

"$repo/tests/virt/virt-prepare.sh"
work=$(mktemp -d /tmp/vipd-virt-bench.XXXXXX)
ns=vipd-vbench-$$
virtlogd_pid= libvirtd_pid=
cleanup() {
  for d in $($virsh list --all --name 2>/dev/null | grep '^vbench-' || true); do
    $virsh destroy "$d" >/dev/null 2>&1 || true
    $virsh undefine "$d" >/dev/null 2>&1 || true
  done
  for pid in $libvirtd_pid $virtlogd_pid; do
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

kernel=$("$repo/tests/virt/virt-initramfs.sh" "$work/initrd.cpio.gz")
qemu-img create -q -f qcow2 "$work/base.qcow2" 1G
qemu-io -c "write -P 0x5a 0 64M" "$work/base.qcow2" >/dev/null  # a base with 64 MiB of data
mkdir -p "$work/vipd" "$work/shell"

ip netns add "$ns"
nsenter --net="/run/netns/$ns" /usr/sbin/virtlogd >"$work/virtlogd.log" 2>&1 &
virtlogd_pid=$!
nsenter --net="/run/netns/$ns" /usr/sbin/libvirtd >"$work/libvirtd.log" 2>&1 &
libvirtd_pid=$!
for _ in $(seq 1 600); do $virsh version >/dev/null 2>&1 && break; sleep 0.1; done
$virsh version >/dev/null

echo "== $n guests, base $(du -k --apparent-size "$work/base.qcow2" | cut -f1) KiB apparent / $(du -k "$work/base.qcow2" | cut -f1) KiB used"
"$bench_bin" "$n" "$work/base.qcow2" "$kernel" "$work/initrd.cpio.gz" "$work/vipd"

booted() { grep -q VIPD-GUEST-READY "$1" 2>/dev/null; }
start=$(date +%s.%N)
for i in $(seq 0 $((n - 1))); do
  name=vbench-shell-$i
  qemu-img create -q -f qcow2 -b "$work/base.qcow2" -F qcow2 "$work/shell/$name.qcow2"
  cat >"$work/shell/$name.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type><kernel>$kernel</kernel><initrd>$work/initrd.cpio.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$work/shell/$name.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <serial type='file'><source path='$work/shell/$name.log'/><target port='0'/></serial>
  </devices>
</domain>
XML
  $virsh define "$work/shell/$name.xml" >/dev/null
  $virsh start "$name" >/dev/null
done
running=$(echo "$(date +%s.%N) - $start" | bc)
for _ in $(seq 1 9000); do
  all=1
  for i in $(seq 0 $((n - 1))); do booted "$work/shell/vbench-shell-$i.log" || { all=0; break; }; done
  [ $all = 1 ] && break
  sleep 0.1
done
[ $all = 1 ] || { echo "shell: not all booted" >&2; exit 1; }
boot=$(echo "$(date +%s.%N) - $start" | bc)
printf 'shell: %d guests running after %.2f s, booted after %.2f s\n' "$n" "$running" "$boot"

overlays_kib() { du -kc "$1"/*.qcow2 | tail -n1 | cut -f1; }
echo "disk: base $(du -k "$work/base.qcow2" | cut -f1) KiB; $n vipd overlays $(overlays_kib "$work/vipd") KiB;" \
  "$n shell overlays $(overlays_kib "$work/shell") KiB (after boot)"
for f in "$work"/vipd/*.qcow2; do
  backing=$(qemu-img info -U --output=json "$f" | sed -n 's/.*"backing-filename": "\([^"]*\)".*/\1/p')
  [ "$backing" = "$work/base.qcow2" ] || { echo "$f: unexpected backing file '$backing'" >&2; exit 1; }
done
