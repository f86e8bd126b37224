#!/usr/bin/env bash
# Prepares (once) everything tests/vm/vm-run.sh needs to boot Debian's own
# kernel under qemu: the kernel package unpacked with its modules (depmod'ed),
# the uncompressed vmlinux (PVH boot) and a busybox initramfs.
#
# Cache: ${VIPD_VM_CACHE:-/var/cache/vipd-vm}, outside the source tree.
# Idempotent and safe against concurrent runs (flock on the cache).
# Prints two lines on stdout: the prepared kernel directory (holding vmlinux,
# root/lib/modules/VERSION and version) and the initramfs built from this
# source tree's vm-init.sh (one per version of that script, kept side by side
# so that trees with different versions can share the cache).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VIPD_VM_CACHE:-/var/cache/vipd-vm}

log() { echo "vm-prepare: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Tools this script and vm-run.sh need; install-deps.sh when one is missing.
need_tools() {
  local t
  for t in qemu-system-x86_64 busybox depmod modprobe cpio xz gzip ipvsadm apt-get dpkg-deb flock; do
    command -v "$t" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$t" >/dev/null 2>&1 || return 1
  done
  [ -x /bin/busybox ] || return 1
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed"
}
export PATH=$PATH:/usr/sbin:/sbin
if ! need_tools; then
  log "installing packages with $repo/scripts/install-deps.sh"
  "$repo/scripts/install-deps.sh" || die "install-deps.sh failed"
  need_tools || die "tools still missing after install-deps.sh"
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# The kernel package linux-image-amd64 depends on (e.g. linux-image-6.1.0-56-amd64).
kernel_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}
pkg=$(kernel_pkg || true)
if [ -z "$pkg" ]; then
  # A fresh CI image may have no package lists yet.
  log "apt-get update (no package lists know linux-image-amd64)"
  apt-get update -qq || die "apt-get update failed"
  pkg=$(kernel_pkg || true)
fi
[ -n "$pkg" ] || die "cannot find the kernel package linux-image-amd64 depends on"
kver=${pkg#linux-image-}
kdir=$cache/$kver

# The initramfs carries vm-init.sh; a changed script means a new initramfs.
init_src=$here/vm-init.sh
[ -f "$init_src" ] || die "missing $init_src"
init_sum=$(sha256sum "$init_src" | cut -c1-16)

initramfs=$kdir/initramfs-$init_sum.cpio.gz
if [ -f "$kdir/ready" ] && [ -f "$initramfs" ]; then
  echo "$kdir"
  echo "$initramfs"
  exit 0
fi

start=$(date +%s)
if [ ! -f "$kdir/ready" ]; then
  log "preparing $pkg in $kdir"
  rm -rf "$kdir"
  mkdir -p "$kdir.tmp" && rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp/dl"
  chmod 777 "$kdir.tmp/dl"   # apt's _apt sandbox user writes the download
  (cd "$kdir.tmp/dl" && apt-get download -q "$pkg" >&2) || {
    log "apt-get download failed, retrying after apt-get update"
    apt-get update -qq || die "apt-get update failed"
    (cd "$kdir.tmp/dl" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed"
  }
  deb=$(ls "$kdir.tmp/dl"/*.deb | head -n1)
  dpkg-deb -x "$deb" "$kdir.tmp/root" || die "dpkg-deb -x $deb failed"
  rm -rf "$kdir.tmp/dl" "$kdir.tmp/root/usr/share"
  [ -d "$kdir.tmp/root/lib/modules/$kver" ] || die "package has no lib/modules/$kver"
  depmod -b "$kdir.tmp/root" "$kver" || die "depmod failed"

  # vmlinuz is a bzImage whose payload is xz; the uncompressed ELF boots via
  # PVH, noticeably faster than letting the decompressor run under TCG.
  vmlinuz=$kdir.tmp/root/boot/vmlinuz-$kver
  [ -f "$vmlinuz" ] || die "missing $vmlinuz"
  off=$(grep -abo -m1 $'\xfd7zXZ' "$vmlinuz" | head -n1 | cut -d: -f1 || true)
  [ -n "$off" ] || die "no xz payload in $vmlinuz"
  tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream >"$kdir.tmp/vmlinux" 2>/dev/null || true
  [ "$(head -c4 "$kdir.tmp/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] ||
    die "extracted vmlinux is not an ELF file"
  cp "$vmlinuz" "$kdir.tmp/vmlinuz"
  echo "$kver" >"$kdir.tmp/version"
  touch "$kdir.tmp/ready"
  mv "$kdir.tmp" "$kdir"
fi

# Initramfs: static busybox, the modules needed to reach the host's root over
# 9p and build the overlay (in dependency order), and vm-init.sh as /init.
root=$kdir/root
ird=$(mktemp -d "$kdir/initramfs.XXXXXX")
trap 'rm -rf "$ird"' EXIT
mkdir -p "$ird/bin" "$ird/mod" "$ird/proc" "$ird/sys" "$ird/dev" "$ird/mnt" "$ird/newroot"
cp /bin/busybox "$ird/bin/busybox"
for a in sh mount mkdir insmod switch_root cat echo poweroff reboot sleep ln cp; do
  ln -s busybox "$ird/bin/$a"
done
: >"$ird/mod/order"
for m in virtio_pci 9pnet_virtio 9p overlay; do
  modprobe -d "$root" -S "$kver" --show-depends "$m" >"$ird/deps" || die "modprobe --show-depends $m failed"
  while read -r kind path _; do
    [ "$kind" = insmod ] || continue
    name=$(basename "$path")
    grep -qxF "$name" "$ird/mod/order" && continue
    case "$path" in
      *.ko) cp "$path" "$ird/mod/$name" ;;
      *.ko.xz) xz -dc "$path" >"$ird/mod/${name%.xz}"; name=${name%.xz} ;;
      *.ko.zst) die "zstd-compressed modules are not supported" ;;
    esac
    echo "$name" >>"$ird/mod/order"
  done <"$ird/deps"
  # builtin modules print "builtin NAME": nothing to load
done
rm -f "$ird/deps"
cp "$init_src" "$ird/init"
chmod 755 "$ird/init"
(cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$kdir/initramfs.tmp.$$"
mv "$kdir/initramfs.tmp.$$" "$initramfs"
log "ready in $(( $(date +%s) - start )) s: $kdir"
echo "$kdir"
echo "$initramfs"
