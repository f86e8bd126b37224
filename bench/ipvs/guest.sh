#!/bin/bash
# guest.sh TOOL DIR RULES BUILD: runs INSIDE a fresh bench VM; prints one JSON line.
# Wall time from the tool's start until the kernel holds RULES rules
# (services + real servers): BUILD's ipvs_rules_timer (rules_timer.cpp)
# starts the tool and counts /proc/net/ip_vs, the same clock for each tool.
set -euo pipefail
tool=$1 dir=$2 rules=$3 build=$4
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# prints the timer's fields without braces, for the JSON line
timed() { local t; t=$("$build/bench/ipvs/ipvs_rules_timer" "$rules" "$@") && t=${t#\{} && echo "${t%\}}"; }
# vipd's log: seconds from the SIGHUP that made generation $1 to its "reloaded" line.
logged_reload() {
  awk -v g="$1" 'function t(stamp, p) { split(substr(stamp, 12), p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
    / SIGHUP: reloading / { if (++n == g - 1) from = t($1) }
    $0 ~ (" reloaded: generation " g "$") { printf "%.3f", t($1) - from }' /tmp/vipd.log
}
stop() { kill -TERM "$1"; while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }
cd /tmp
case $tool in
  vipd)
    cp "$dir/vipd.toml" /tmp/vipd-current.toml
    timing=$(timed --output /tmp/vipd.log -- "$build/daemon/vipd" -f /tmp/vipd-current.toml) || { cat /tmp/vipd.log >&2; exit 1; }
    pid=$(field pid "$timing")
    # vipd's CPU until then, user and system (clock ticks -> s): where the VM time went.
    read -r utime stime < <(awk '{print $14, $15}' /proc/$pid/stat)
    ticks() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }
    until grep -q "ipvs: reconciled" /tmp/vipd.log; do sleep 0.02; done
    first=$(grep "ipvs: reconciled" /tmp/vipd.log | head -1 | sed 's/.*ipvs: //')
    # Up (control socket open) once it logs "running"; polling `vipctl status`
    # instead would build the whole ipvs status each time (at 110k rules under
    # TCG that can pass vipctl's 10 s timeout, and the loop never ends).
    until grep -q " running " /tmp/vipd.log; do sleep 0.05; done
    # status cost: vipctl ipvs --json now (status_rc non-zero if it failed,
    # e.g. past its --timeout); ipvsadm -Ln = one dump per service, the full
    # re-read status() did before on every call.
    s0=$(now); src=0; "$build/ctl/vipctl" --socket /run/vipd-bench.sock --timeout 120 ipvs --json >/tmp/status.json 2>/tmp/status.err || src=$?; s1=$(now)
    r0=$(now); ipvsadm -Ln >/dev/null; r1=$(now)
    # one-change reloads (VIPD_BENCH_RELOADS of them, default 3): same path, contents
    # alternating between the changed weight and the original, SIGHUP each;
    # each timed by vipd's own log, from "SIGHUP: reloading" to "reloaded".
    reload_walls=() reloads=()
    for i in $(seq 1 "${VIPD_BENCH_RELOADS:-3}"); do
      [ $((i % 2)) = 1 ] && src_file="$dir/vipd-reload.toml" || src_file="$dir/vipd.toml"
      cat "$src_file" >/tmp/vipd-current.toml
      kill -HUP $pid
      until grep -q "reloaded: generation $((i + 1))" /tmp/vipd.log; do sleep 0.02; done
      reload_walls+=("$(logged_reload "$((i + 1))")")
      reloads+=("\"$(grep "ipvs: reconciled" /tmp/vipd.log | sed -n "$((i + 1))p" | sed 's/.*ipvs: //')\"")
    done
    join() { local IFS=,; echo "$*"; }
    echo "{\"tool\":\"vipd\",$timing,\"cold\":\"$first\",\"utime_s\":$(ticks "$utime"),\"stime_s\":$(ticks "$stime"),\"status_s\":$(elapsed "$s0" "$s1"),\"status_rc\":$src,\"status_bytes\":$(wc -c </tmp/status.json),\"ipvsadm_Ln_s\":$(elapsed "$r0" "$r1"),\"reload_wall_s\":[$(join "${reload_walls[@]}")],\"reload\":[$(join "${reloads[@]}")]}"
    stop "$pid"
    ;;
  ipvsadm)
    timing=$(timed -- ipvsadm -R <"$dir/ipvsadm.rules")
    echo "{\"tool\":\"ipvsadm\",$timing}"
    ;;
  keepalived)
    timing=$(timed --output /tmp/ka.log -- keepalived -n -l -C -f "$dir/keepalived.conf" -p /run/ka.pid -c /run/ka-chk.pid) ||
      { cat /tmp/ka.log >&2; exit 1; }
    pid=$(field pid "$timing")
    echo "{\"tool\":\"keepalived\",$timing}"
    stop "$pid"
    ;;
esac
