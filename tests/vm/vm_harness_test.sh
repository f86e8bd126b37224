#!/bin/bash
# Host-side tests of vm-run.sh: exit codes, separate stdout/stderr, argument
# quoting, environment, working directory, scratch share, read-only host,
# timeout and kernel panic (both must fail loudly, never pass).
#   vm_harness_test.sh [PATH/TO/vm-run.sh]
set -uo pipefail

vmrun=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/vm-run.sh}
base=${VIPD_VM_SCRATCH:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "$base" ] || base=$tmp/scratch
failures=0

check() { # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
# run NAME ARGS...: vm-run.sh ARGS with stdout/stderr/rc in $tmp/NAME.*
run() {
  local name=$1; shift
  local t0=$(date +%s%N)
  VIPD_VM_SCRATCH=$base/$name "$vmrun" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  echo $? >"$tmp/$name.rc"
  echo "     ($name: rc $(cat "$tmp/$name.rc"), $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
}
rc() { cat "$tmp/$1.rc"; }
eq() { [ "$1" = "$2" ] || { echo "     expected '$2', got '$1'"; return 1; }; }
has() { grep -q -- "$2" "$tmp/$1" || { echo "     '$2' not in $1:"; sed 's/^/       /' "$tmp/$1" | tail -n 15; return 1; }; }
hasnot() { ! grep -q -- "$2" "$tmp/$1" || { echo "     '$2' unexpectedly in $1"; return 1; }; }

# 1. exit code, separate streams, quoting, environment, cwd, scratch, ro host.
cd "$tmp"
marker=$tmp/host-marker
export VIPD_HARNESS_VALUE='two words $HOME "q" '\''s'\'' \back'
export NOT_PASSED=secret
run basic -- bash -c '
  echo "to stdout"; echo "to stderr" >&2
  printf "arg:%s\n" "$@"
  echo "env:$VIPD_HARNESS_VALUE"
  echo "other:${NOT_PASSED:-unset}"
  echo "pwd:$PWD"
  echo "kernel:$(uname -r)"
  echo "from the vm" >"$VIPD_VM_SCRATCH/artefact"
  echo "scratch:$VIPD_VM_SCRATCH"
  touch "'"$marker"'" && echo "overlay write ok"
  exit 3' inner 'a b' '*' ''
check "exit code 3 propagates" eq "$(rc basic)" 3
check "stdout carries stdout" has basic.out '^to stdout$'
check "stdout has no stderr" hasnot basic.out 'to stderr'
check "stderr carries stderr" has basic.err '^to stderr$'
check "stderr has no stdout" hasnot basic.err 'to stdout'
check "arguments keep spaces, globs, empties" eq "$(grep '^arg:' "$tmp/basic.out" | tr '\n' '|')" "arg:a b|arg:*|arg:|"
check "VIPD_* passes verbatim" eq "$(grep '^env:' "$tmp/basic.out")" "env:$VIPD_HARNESS_VALUE"
check "other variables do not pass" has basic.out '^other:unset$'
check "command runs in the host's cwd" has basic.out "^pwd:$tmp\$"
check "guest runs Debian's kernel" has basic.out '^kernel:.*-amd64$'
check "scratch is the host directory" has basic.out "^scratch:$base/basic\$"
check "artefact left in scratch" eq "$(cat "$base/basic/artefact" 2>/dev/null)" "from the vm"
check "console log kept in scratch" test -s "$base/basic/vm-console.log"
check "guest writes to the root are writable (overlay)" has basic.out '^overlay write ok$'
check "guest writes do not reach the host" test ! -e "$marker"

# 2. success and plain failure.
run ok -- true
check "true exits 0" eq "$(rc ok)" 0
check "true prints nothing" test ! -s "$tmp/ok.out"
run false -- false
check "false exits 1" eq "$(rc false)" 1
run notfound -- /nonexistent/command
check "missing command exits 127" eq "$(rc notfound)" 127

# 3. a hang is a timeout (124) with a message, and qemu is gone.
run hang --timeout 8 -- sleep 600
check "hang exits 124" eq "$(rc hang)" 124
check "hang reports TIMEOUT" has hang.err 'TIMEOUT'
no_qemu() { ! pgrep -f -- "qemu-system[-]x86_64 .*path=$base/hang," >/dev/null; }
check "no qemu left behind after the timeout" no_qemu

# 4. a kernel panic fails loudly (125), it is never a pass.
run panic -- sh -c 'echo 1 >/proc/sys/kernel/sysrq; echo c >/proc/sysrq-trigger; sleep 30; exit 0'
check "panic exits 125" eq "$(rc panic)" 125
check "panic is reported" has panic.err 'KERNEL PANIC'

# 5. a boot failure (no init in the initramfs) is retried once, then fails
#    loudly; the command never runs.
VIPD_VM_APPEND="rdinit=/nonexistent init=/nonexistent" run bootfail -- true
check "boot failure exits 125" eq "$(rc bootfail)" 125
check "boot failure is retried once" has bootfail.err 'booting once more'
check "boot failure is reported" has bootfail.err 'KERNEL PANIC'

# 6. usage errors.
run usage --cpus x -- true
check "bad option value exits 125" eq "$(rc usage)" 125

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
