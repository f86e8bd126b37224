#!/usr/bin/env bash
# Installs every Debian 12 package vipd needs to build, test and run its demo.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang-format
  libmnl-dev libnftables-dev libnl-genl-3-dev libboost-dev libtomlplusplus-dev
  libvirt-dev libsystemd-dev nlohmann-json3-dev libpugixml-dev libssl-dev
  libgtest-dev libgmock-dev
  # netns tier: real VRRP peers and captures
  iproute2 procps psmisc tcpdump keepalived frr
  # vm tier: Debian's kernel under qemu, IPVS tools
  qemu-system-x86 busybox-static kmod cpio xz-utils ipvsadm nftables
  # virt tier
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
