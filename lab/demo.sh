#!/usr/bin/env bash
# The director-pair story, step by step, on a kernel with IPVS (run inside
# the test VM by scripts/demo.sh). LAB_BUILD names the build directory;
# LAB_MODE=dr (default) or nat.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export LAB_BUILD=${LAB_BUILD:-$here/../build}
export LAB_DIR=${LAB_DIR:-$(mktemp -d /tmp/vipd-lab.XXXXXX)}
source "$here/lab.sh"
trap lab_down EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
pretty() { sed -e 's/^{"started_at":[0-9.]*,//' -e 's/}$//' -e 's/,"failures":\[.*\]//'; }

step "Building the lab ($LAB_MODE): a client, two directors (lb1 priority 150, lb2 priority 100), three nginx-like real servers"
lab_up
lab_start_director lb1 && lab_start_director lb2 || exit 1
master=$(lab_wait_master "" 20) || { echo "no master elected"; exit 1; }
echo "VIP $(lab_vip) is held by: $master"

step "vipctl status on both directors"
for lb in lb1 lb2; do
  echo "--- $lb"
  lab_vipctl "$lb" status
done

step "vipctl vrrp and vipctl ipvs on $master"
lab_vipctl "$master" vrrp
lab_vipctl "$master" ipvs

step "Client: 3 s of requests to http://$(lab_vip)/ (Maglev hashing, mh, spreads them over three real servers)"
lab_load 3 20 | pretty

step "rs2 dies: its health check fails (fall 2 x 1 s + 0.5 s timeout) and IPVS drops it"
lab_kill_rs rs2
killed_at=$SECONDS
deadline=$((SECONDS + 10))
while [ $SECONDS -lt $deadline ] && lab_vipctl "$master" ipvs | grep -q "198.51.100.12:80"; do sleep 0.2; done
echo "rs2 left IPVS after about $((SECONDS - killed_at)) s"
lab_vipctl "$master" checks
lab_vipctl "$master" ipvs
echo "Client, 2 s:"
lab_load 2 20 | pretty

step "The master ($master) crashes (vipd SIGKILLed, the node drops off the network) under client traffic"
lab_load 10 20 >"$LAB_DIR/failover.json" &
load_pid=$!
sleep 2
killed_at=$SECONDS
lab_crash_director "$master"
other=lb2
[ "$master" = lb2 ] && other=lb1
moved=no
if lab_wait_master "$other" 10 >/dev/null; then
  moved=yes
  echo "VIP moved to $other after $((SECONDS - killed_at)) s (whole seconds)"
else
  echo "VIP did not move to $other!"
fi
wait "$load_pid"
echo "Client during the failover (10 s):"
pretty <"$LAB_DIR/failover.json"
lab_vipctl "$other" vrrp

step "Summary"
outage=$(sed -n 's/.*"longest_outage":\([0-9.]*\).*/\1/p' "$LAB_DIR/failover.json")
failed=$(sed -n 's/.*"failed":\([0-9]*\).*/\1/p' "$LAB_DIR/failover.json")
rs2_left=no
lab_vipctl "$other" ipvs | grep -q "198.51.100.12:80" || rs2_left=yes
echo "master elected: $master; rs2 out of the pool: $rs2_left; VIP moved to $other after SIGKILL: $moved"
echo "requests failed during the failover: $failed (longest outage ${outage}s; bound: Master_Down_Interval 3.6 s at 1 s adverts, plus the 1 s a client waits for a connection)"
