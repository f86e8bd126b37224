#!/usr/bin/env bash
# vm-run.sh [--cpus N] [--mem MiB] [--timeout SECONDS] -- COMMAND [ARGS...]
#
# Runs COMMAND inside a qemu VM (TCG) booting Debian's own kernel with IPVS
# and every IPVS scheduler loaded, in the host's current directory, with the
# host's / visible read-only (writes go to a tmpfs overlay). COMMAND's stdout,
# stderr and exit code become vm-run.sh's own.
#
# Environment passed into the VM: PATH, LANG, LC_ALL, TZ, every VIPD_* and
# GTEST_* variable, *SAN_OPTIONS, and the names listed in VIPD_VM_PASSENV.
# VIPD_VM_SCRATCH: a host directory shared read-write at the same path in the
#   VM (created if missing, kept); without it a temporary one is used and
#   removed. Inside the VM the variable always names the writable directory.
#   The VM's serial console is copied there as vm-console.log.
# VIPD_VM_CACHE: the cache vm-prepare.sh fills (default /var/cache/vipd-vm).
# VIPD_VM_KEEP=1: keep the run directory (console log, result files).
# VIPD_VM_APPEND: extra kernel command line (e.g. loglevel=7 to debug boot).
#
# Exit codes of the harness itself (with a message on stderr):
#   124 timeout (qemu killed), 125 usage error, boot failure, kernel panic or
#   a VM that stopped without a result.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cpus=1
mem=512
timeout=120

err() { echo "vm-run: $*" >&2; }
usage() {
  err "usage: vm-run.sh [--cpus N] [--mem MiB] [--timeout SECONDS] -- COMMAND [ARGS...]"
  exit 125
}

while [ $# -gt 0 ]; do
  case "$1" in
    --cpus) [ $# -ge 2 ] || usage; cpus=$2; shift 2 ;;
    --mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
[ $# -ge 1 ] || usage
for v in "$cpus" "$mem" "$timeout"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { err "not a positive integer: $v"; usage; }
done

prepared=$("$here/vm-prepare.sh") || { err "vm-prepare.sh failed"; exit 125; }
kdir=$(sed -n 1p <<<"$prepared")
initramfs=$(sed -n 2p <<<"$prepared")
[ -f "$kdir/vmlinux" ] && [ -f "$initramfs" ] || { err "vm-prepare.sh gave no kernel/initramfs"; exit 125; }
kver=$(cat "$kdir/version")
case "$kdir" in
  *[[:space:]]*) err "the cache path must not contain white space: $kdir"; exit 125 ;;
esac

run=$(mktemp -d "${TMPDIR:-/tmp}/vipd-vm.XXXXXX") || { err "mktemp failed"; exit 125; }
qpid=
cleanup() {
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
    kill -TERM "$qpid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
  fi
  if [ "${VIPD_VM_KEEP:-0}" = 1 ]; then
    err "kept $run"
  else
    rm -rf "$run"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

out=$run/out
mkdir -p "$out"

if [ -n "${VIPD_VM_SCRATCH:-}" ]; then
  mkdir -p "$VIPD_VM_SCRATCH" || { err "cannot create $VIPD_VM_SCRATCH"; exit 125; }
  scratch=$(cd "$VIPD_VM_SCRATCH" && pwd)
  keep_scratch=1
else
  scratch=$run/scratch
  mkdir -p "$scratch"
  keep_scratch=0
fi
export VIPD_VM_SCRATCH=$scratch

cp "$here/vm-guest.sh" "$out/vm-guest.sh"
{
  printf 'VIPD_VM_MODDIR=%q\n' "$kdir/root/lib/modules"
  printf 'VIPD_VM_SCRATCH=%q\n' "$scratch"
} >"$out/config"

# The command, run by bash in the VM: same directory, selected environment.
{
  printf 'cd -- %q || { echo "vm-run: cannot enter %q in the VM" >&2; exit 125; }\n' "$PWD" "$PWD"
  for name in $(compgen -e); do
    case "$name" in
      PATH|LANG|LC_ALL|TZ|VIPD_*|GTEST_*|*SAN_OPTIONS) ;;
      *) [[ " ${VIPD_VM_PASSENV:-} " == *" $name "* ]] || continue ;;
    esac
    printf 'export %s=%q\n' "$name" "${!name}"
  done
  printf 'exec'
  printf ' %q' "$@"
  printf '\n'
} >"$out/cmd.sh"

esc() { printf '%s' "${1//,/,,}"; }
log=$run/console.log
qemu_args=(
  -nodefaults -no-user-config
  -machine pc,accel=tcg -cpu max -smp "$cpus" -m "$mem"
  -kernel "$kdir/vmlinux" -initrd "$initramfs"
  # no_timer_check: on a loaded host the IO-APIC timer check fails under TCG
  # ("IO-APIC + timer doesn't work!") and panics the boot.
  -append "console=ttyS0 panic=-1 oops=panic loglevel=4 mitigations=off no_timer_check ${VIPD_VM_APPEND:-}"
  -display none -nic none -monitor none -serial "file:$log" -no-reboot
  -virtfs "local,path=/,mount_tag=vipdroot,security_model=none,readonly=on,multidevs=remap"
  -virtfs "local,path=$(esc "$out"),mount_tag=vipdout,security_model=none,multidevs=remap"
  -virtfs "local,path=$(esc "$scratch"),mount_tag=vipdscratch,security_model=none,multidevs=remap"
)

# boot: one VM run; sets timed_out and qrc. The deadline covers all attempts.
# A boot that has not reached the command within boot_limit seconds (seen
# once: TCG hung with an empty console) is killed, and so counts as a VM that
# failed before the command started.
deadline=$(( $(date +%s%N) / 1000000 + timeout * 1000 ))
boot_limit=${VIPD_VM_BOOT_LIMIT:-60}
boot() {
  qemu-system-x86_64 "${qemu_args[@]}" </dev/null >"$run/qemu.out" 2>&1 &
  qpid=$!
  timed_out=0
  local now ready=0 boot_deadline=$(( $(date +%s%N) / 1000000 + boot_limit * 1000 ))
  while kill -0 "$qpid" 2>/dev/null; do
    now=$(( $(date +%s%N) / 1000000 ))
    if [ "$now" -ge "$deadline" ]; then
      timed_out=1
      kill -KILL "$qpid" 2>/dev/null
      break
    fi
    if [ "$ready" = 0 ]; then
      if grep -q '^VIPD_VM_READY' "$log" 2>/dev/null; then
        ready=1
      elif [ "$now" -ge "$boot_deadline" ]; then
        err "no VIPD_VM_READY within $boot_limit s: the boot hung; qemu killed"
        kill -KILL "$qpid" 2>/dev/null
        break
      fi
    fi
    sleep 0.05
  done
  wait "$qpid" 2>/dev/null
  qrc=$?
  qpid=
}

boot
# A VM that died before the command started (no VIPD_VM_READY: e.g. a TCG
# boot-time panic on a loaded host) is booted once more; the command has not
# run, so this cannot turn a failure of the command into a pass. The first
# console log stays beside the second one (console.1.log).
if [ "$timed_out" = 0 ] && ! grep -q '^VIPD_VM_READY' "$log" 2>/dev/null; then
  err "the VM failed before the command started; booting once more. First console:"
  tail -n 15 "$log" 2>/dev/null | sed 's/^/vm-run:   /' >&2
  mv "$log" "$run/console.1.log"
  [ "$keep_scratch" = 1 ] && cp "$run/console.1.log" "$scratch/vm-console.1.log" 2>/dev/null
  rm -f "$out/stdout" "$out/stderr" "$out/rc" "$out/harness-error"
  boot
fi

[ "$keep_scratch" = 1 ] && cp "$log" "$scratch/vm-console.log" 2>/dev/null

show_log() {
  err "last lines of the VM console ($log):"
  tail -n "${1:-30}" "$log" 2>/dev/null | sed 's/^/vm-run:   /' >&2
  [ -s "$run/qemu.out" ] && sed 's/^/vm-run: qemu: /' "$run/qemu.out" >&2
}

# Whatever the command wrote reaches the caller, even when the run failed.
[ -f "$out/stdout" ] && cat "$out/stdout"
[ -f "$out/stderr" ] && cat "$out/stderr" >&2

if [ "$timed_out" = 1 ]; then
  err "TIMEOUT: the VM did not finish within $timeout s; qemu killed"
  show_log
  exit 124
fi
if grep -q 'Kernel panic' "$log" 2>/dev/null; then
  err "KERNEL PANIC in the VM"
  show_log 60
  exit 125
fi
if grep -q VIPD_VM_BOOT_FAILED "$log" 2>/dev/null; then
  err "BOOT FAILED: $(cat "$out/harness-error" 2>/dev/null || grep -m1 'vipd-vm-init:' "$log")"
  show_log
  exit 125
fi
rc=$(cat "$out/rc" 2>/dev/null)
if ! [[ "$rc" =~ ^[0-9]+$ ]]; then
  err "the VM stopped without a result (qemu exit status $qrc)"
  show_log
  exit 125
fi
exit "$rc"
