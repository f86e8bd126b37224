#!/bin/bash
# Self-tests of the VM harness, run INSIDE the VM by vm-run.sh:
#   vm_selftest_guest.sh ipvsadm|schedulers|ipv6|netns
# Exits non-zero with a message on the first failed check.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_line() { # expect_line TEXT REGEX: some line of TEXT matches REGEX
  grep -Eq -- "$2" <<<"$1" || { printf '%s\n' "$1" >&2; fail "no line matches /$2/"; }
}

case_ipvsadm() {
  ipvsadm -A -t 198.51.100.1:80 -s rr
  ipvsadm -a -t 198.51.100.1:80 -r 198.51.100.2:80 -m
  out=$(ipvsadm -Ln)
  printf '%s\n' "$out"
  expect_line "$out" '^IP Virtual Server version [0-9.]+'
  expect_line "$out" '^TCP +198\.51\.100\.1:80 +rr *$'
  expect_line "$out" '^ +-> +198\.51\.100\.2:80 +Masq +1 +0 +0 *$'
  [ "$(grep -c -- '->' <<<"$out")" -eq 2 ] || fail "expected the header line and one real server"
  ipvsadm -D -t 198.51.100.1:80
  [ "$(ipvsadm -Ln | grep -c '^TCP')" -eq 0 ] || fail "service still present after -D"
}

case_schedulers() {
  local port=1000 s
  for s in rr wrr lc wlc sed nq mh sh dh fo ovf lblc lblcr; do
    port=$((port + 1))
    ipvsadm -A -t "198.51.100.1:$port" -s "$s" || fail "ipvsadm -A -s $s"
    ipvsadm -a -t "198.51.100.1:$port" -r 198.51.100.2:80 -m -w 2 || fail "real server for -s $s"
  done
  out=$(ipvsadm -Ln)
  printf '%s\n' "$out"
  port=1000
  for s in rr wrr lc wlc sed nq mh sh dh fo ovf lblc lblcr; do
    port=$((port + 1))
    expect_line "$out" "^TCP +198\\.51\\.100\\.1:$port +$s( |\$)"
    grep -q "^ip_vs_$s " /proc/modules || fail "module ip_vs_$s not loaded"
  done
  [ "$(grep -c '^TCP' <<<"$out")" -eq 13 ] || fail "expected 13 services"
  ipvsadm -C
  [ -z "$(ipvsadm -Ln | grep '^TCP' || true)" ] || fail "services left after -C"
}

case_ipv6() {
  ipvsadm -A -t '[2001:db8::1]:80' -s wlc
  ipvsadm -a -t '[2001:db8::1]:80' -r '[2001:db8::2]:80' -m -w 3
  ipvsadm -A -u '[2001:db8::1]:53' -s rr
  out=$(ipvsadm -Ln)
  printf '%s\n' "$out"
  expect_line "$out" '^TCP +\[2001:db8::1\]:80 +wlc'
  expect_line "$out" '^ +-> +\[2001:db8::2\]:80 +Masq +3 '
  expect_line "$out" '^UDP +\[2001:db8::1\]:53 +rr'
}

# Two namespaces on a bridge (in a third namespace), TCP both with busybox
# httpd/wget and with nc. (busybox 1.35 wget -T segfaults: use timeout(1).)

case_netns() {
  local bb=/bin/busybox
  www=""  # global: the EXIT trap reads it
  www=$(mktemp -d)
  echo "hello from ns2" >"$www/index.html"
  ip netns add vmt-sw
  ip netns add vmt-ns1
  ip netns add vmt-ns2
  cleanup_netns() {
    local rc=$? pid
    set +e
    for pid in $(cat "$www"/*.pid 2>/dev/null); do kill "$pid" 2>/dev/null; done
    ip netns del vmt-ns1; ip netns del vmt-ns2; ip netns del vmt-sw; ip netns del vmt-rs 2>/dev/null
    exit "$rc"
  }
  trap cleanup_netns EXIT
  ip -n vmt-sw link add br0 type bridge
  ip -n vmt-sw link set br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  ip -n vmt-sw link set br0 up
  for n in 1 2; do
    ip netns exec "vmt-ns$n" ip link set lo up
    ip link add "vmt$n" type veth peer name eth0 netns "vmt-ns$n"
    ip link set "vmt$n" netns vmt-sw
    ip -n vmt-sw link set "vmt$n" master br0 up
    ip -n "vmt-ns$n" addr add "198.51.100.$n/24" dev eth0
    ip -n "vmt-ns$n" addr add "2001:db8:1::$n/64" dev eth0 nodad
    ip -n "vmt-ns$n" link set eth0 up
  done
  ip netns exec vmt-ns1 "$bb" ping -c1 -W5 198.51.100.2 >/dev/null || fail "ping ns1 -> ns2"

  # busybox httpd in ns2 (-f: foreground, so its pid is ours to kill).
  ip netns exec vmt-ns2 "$bb" httpd -f -p 8080 -h "$www" &
  echo $! >"$www/httpd.pid"
  local got="" i
  for i in $(seq 50); do
    got=$(timeout 5 ip netns exec vmt-ns1 "$bb" wget -q -O - http://198.51.100.2:8080/index.html 2>/dev/null) && break
    sleep 0.1
  done
  [ "$got" = "hello from ns2" ] || fail "HTTP ns1 -> ns2 over IPv4 returned '$got'"
  got=$(timeout 5 ip netns exec vmt-ns1 "$bb" wget -q -O - 'http://[2001:db8:1::2]:8080/index.html') ||
    fail "HTTP over IPv6 failed"
  [ "$got" = "hello from ns2" ] || fail "HTTP ns1 -> ns2 over IPv6 returned '$got'"

  # Raw TCP with busybox nc: ns2 listens, ns1 sends.
  ip netns exec vmt-ns2 "$bb" nc -l -p 9000 >"$www/nc.out" &
  echo $! >"$www/nc.pid"
  for i in $(seq 50); do
    echo "payload 42" | ip netns exec vmt-ns1 "$bb" nc -w 2 198.51.100.2 9000 2>/dev/null && break
    sleep 0.1
  done
  for i in $(seq 50); do [ -s "$www/nc.out" ] && break; sleep 0.1; done
  [ "$(cat "$www/nc.out")" = "payload 42" ] || fail "nc payload not received: '$(cat "$www/nc.out")'"
  echo "netns: ping, HTTP (IPv4, IPv6) and nc between namespaces OK"

  # Real traffic through IPVS (NAT) in the VM's root namespace: client
  # vmt-ns1 (198.51.100.1) -> VIP 198.51.100.10:80 on the director's bridge
  # port -> real server vmt-rs (203.0.113.2:8080, routed back via director).
  ip netns add vmt-rs
  ip netns exec vmt-rs ip link set lo up
  ip link add vmt-d0 type veth peer name vmt-d0p
  ip link set vmt-d0p netns vmt-sw
  ip -n vmt-sw link set vmt-d0p master br0 up
  ip addr add 198.51.100.10/24 dev vmt-d0
  ip link set vmt-d0 up
  ip link add vmt-d1 type veth peer name eth0 netns vmt-rs
  ip addr add 203.0.113.1/24 dev vmt-d1
  ip link set vmt-d1 up
  ip -n vmt-rs addr add 203.0.113.2/24 dev eth0
  ip -n vmt-rs link set eth0 up
  ip -n vmt-rs route add default via 203.0.113.1
  sysctl -qw net.ipv4.ip_forward=1
  echo "hello from the real server" >"$www/rs.html"
  ip netns exec vmt-rs "$bb" httpd -f -p 8080 -h "$www" &
  echo $! >"$www/rs.pid"
  ipvsadm -A -t 198.51.100.10:80 -s rr
  ipvsadm -a -t 198.51.100.10:80 -r 203.0.113.2:8080 -m
  got=""
  for i in $(seq 50); do
    got=$(timeout 5 ip netns exec vmt-ns1 "$bb" wget -q -O - http://198.51.100.10/rs.html 2>/dev/null) && break
    sleep 0.1
  done
  [ "$got" = "hello from the real server" ] || fail "HTTP through IPVS NAT returned '$got'"
  # The connection table shows the NAT path at once (--stats lags up to 2 s).
  out=$(ipvsadm -Lnc)
  printf '%s\n' "$out"
  expect_line "$out" '^TCP .* 198\.51\.100\.1:[0-9]+ +198\.51\.100\.10:80 +203\.0\.113\.2:8080 *$'
  ipvsadm -C
  echo "netns: HTTP through an IPVS NAT service OK"
}

[ $# -eq 1 ] || fail "usage: $0 ipvsadm|schedulers|ipv6|netns"
case "$1" in
  ipvsadm | schedulers | ipv6 | netns) "case_$1" ;;
  *) fail "unknown case $1" ;;
esac
echo "PASS: $1"
