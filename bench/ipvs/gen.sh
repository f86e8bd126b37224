#!/bin/bash
# gen.sh SERVICES REALS DIR: the same rule set three ways, in DIR:
#   vipd.toml, vipd-reload.toml (one real server's weight changed),
#   ipvsadm.rules (ipvsadm -R), keepalived.conf (no checks: real servers are up).
# Services 198.51.100.1-250 x ports from 1000, wrr, DR; real servers 203.0.113.1-REALS:80.
set -euo pipefail
n=${1:?services} r=${2:?real servers} dir=${3:?dir}
mkdir -p "$dir"
awk -v n="$n" -v r="$r" -v dir="$dir" 'BEGIN {
  v = dir "/vipd.toml"; w = dir "/vipd-reload.toml"; a = dir "/ipvsadm.rules"; k = dir "/keepalived.conf"
  head = "[global]\nrouter_id = \"bench\"\ncontrol_socket = \"/run/vipd-bench.sock\"\nscript_user = \"nobody\"\n"
  print head > v; print head > w
  print "global_defs {\n  router_id bench\n}" > k
  for (i = 0; i < n; i++) {
    ip = "198.51.100." (i % 250 + 1); port = 1000 + int(i / 250)
    s = sprintf("\n[[ipvs.service]]\nname = \"s%d\"\naddress = \"%s:%d\"\nscheduler = \"wrr\"\nforwarding = \"dr\"\n", i, ip, port)
    printf "%s", s > v; printf "%s", s > w
    printf "-A -t %s:%d -s wrr\n", ip, port > a
    printf "virtual_server %s %d {\n  lb_algo wrr\n  lb_kind DR\n  protocol TCP\n", ip, port > k
    for (j = 1; j <= r; j++) {
      rs = "203.0.113." j
      printf "\n[[ipvs.service.real_server]]\naddress = \"%s:80\"\nweight = 1\n", rs > v
      wt = (i == int(n / 2) && j == 1) ? 5 : 1
      printf "\n[[ipvs.service.real_server]]\naddress = \"%s:80\"\nweight = %d\n", rs, wt > w
      printf "-a -t %s:%d -r %s:80 -g -w 1\n", ip, port, rs > a
      printf "  real_server %s 80 {\n    weight 1\n  }\n", rs > k
    }
    print "}" > k
  }
}'
