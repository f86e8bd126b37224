#!/bin/bash
# guest.sh TOOL DIR RULES BUILD: runs INSIDE a fresh bench VM; prints one JSON line.
# Wall time from the tool's start until the kernel holds RULES rules
# (services + real servers), counted in /proc/net/ip_vs.
set -euo pipefail
tool=$1 dir=$2 rules=$3 build=$4
now() { date +%s.%N; }
count() { tail -n +4 /proc/net/ip_vs | wc -l; }
elapsed() { echo "$2 - $1" | bc; }
cd /tmp
case $tool in
  vipd)
    cp "$dir/vipd.toml" /tmp/vipd-current.toml
    t0=$(now)
    "$build/daemon/vipd" -f /tmp/vipd-current.toml >/tmp/vipd.log 2>&1 &
    pid=$!
    # vipd logs the end of its reconcile; then one count confirms the kernel.
    until grep -q "ipvs: reconciled" /tmp/vipd.log; do
      kill -0 $pid || { cat /tmp/vipd.log >&2; exit 1; }
      sleep 0.02
    done
    t1=$(now)
    # vipd's CPU until then, user and system (clock ticks -> s): where the VM time went.
    read -r utime stime < <(awk '{print $14, $15}' /proc/$pid/stat)
    tck=$(getconf CLK_TCK)
    have=$(count)
    first=$(grep "ipvs: reconciled" /tmp/vipd.log | head -1 | sed 's/.*ipvs: //')
    # Up (control socket open) once it logs "running"; polling `vipctl status`
    # instead would build the whole ipvs status each time (at 110k rules under
    # TCG that can pass vipctl's 10 s timeout, and the loop never ends).
    until grep -q " running " /tmp/vipd.log; do sleep 0.05; done
    # status cost: vipctl ipvs --json now (may fail: vipctl gives up after
    # 10 s; status_rc says); ipvsadm -Ln = one dump per service, the full
    # re-read status() did before on every call.
    s0=$(now); src=0; "$build/ctl/vipctl" --socket /run/vipd-bench.sock ipvs --json >/tmp/status.json 2>/tmp/status.err || src=$?; s1=$(now)
    r0=$(now); ipvsadm -Ln >/dev/null; r1=$(now)
    # one-change reloads (VIPD_BENCH_RELOADS of them, default 3): same path, contents
    # alternating between the changed weight and the original, SIGHUP each.
    reload_walls=() reloads=()
    for i in $(seq 1 "${VIPD_BENCH_RELOADS:-3}"); do
      [ $((i % 2)) = 1 ] && src_file="$dir/vipd-reload.toml" || src_file="$dir/vipd.toml"
      cat "$src_file" >/tmp/vipd-current.toml
      h0=$(now)
      kill -HUP $pid
      until grep -q "reloaded: generation $((i + 1))" /tmp/vipd.log; do sleep 0.02; done
      h1=$(now)
      reload_walls+=("$(elapsed "$h0" "$h1")")
      reloads+=("\"$(grep "ipvs: reconciled" /tmp/vipd.log | sed -n "$((i + 1))p" | sed 's/.*ipvs: //')\"")
    done
    join() { local IFS=,; echo "$*"; }
    echo "{\"tool\":\"vipd\",\"rules\":$have,\"wall_s\":$(elapsed "$t0" "$t1"),\"cold\":\"$first\",\"utime_s\":$(echo "scale=2; $utime / $tck" | bc),\"stime_s\":$(echo "scale=2; $stime / $tck" | bc),\"status_s\":$(elapsed "$s0" "$s1"),\"status_rc\":$src,\"status_bytes\":$(wc -c </tmp/status.json),\"ipvsadm_Ln_s\":$(elapsed "$r0" "$r1"),\"reload_wall_s\":[$(join "${reload_walls[@]}")],\"reload\":[$(join "${reloads[@]}")]}"
    kill -TERM $pid; wait $pid || true
    ;;
  ipvsadm)
    t0=$(now)
    ipvsadm -R <"$dir/ipvsadm.rules"
    t1=$(now)
    echo "{\"tool\":\"ipvsadm\",\"rules\":$(count),\"wall_s\":$(elapsed "$t0" "$t1")}"
    ;;
  keepalived)
    t0=$(now)
    keepalived -n -l -C -f "$dir/keepalived.conf" -p /run/ka.pid -c /run/ka-chk.pid >/tmp/ka.log 2>&1 &
    pid=$!
    polls=0
    while [ "$(count)" -lt "$rules" ]; do
      polls=$((polls + 1))
      kill -0 $pid || { cat /tmp/ka.log >&2; exit 1; }
      sleep 0.1
    done
    t1=$(now)
    echo "{\"tool\":\"keepalived\",\"rules\":$(count),\"wall_s\":$(elapsed "$t0" "$t1"),\"polls\":$polls}"
    kill -TERM $pid; wait $pid || true
    ;;
esac
