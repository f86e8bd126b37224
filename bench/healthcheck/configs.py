#!/usr/bin/env python3
"""Writes the bench's equivalent vipd and keepalived configs for N real servers.

usage: configs.py N MODE(tcp|http) OUT_DIR SOCKET
Real servers 127.1.A.B:80 (all answered by one pool_server on 0.0.0.0:80),
in 10 NAT services of N/10 (one service below 10), VIPs 203.0.113.1-10:80.
vipdgraceful-MODE.toml: the same with close = "graceful" (FIN instead of RST).
Both check every 1 s with a 1 s timeout and a random first delay up to 1 s
(keepalived's default warmup = delay_loop; vipd's warmup key).
"""
import os
import sys


def servers(n):
    return [f"127.1.{i // 250}.{i % 250 + 1}" for i in range(n)]


def split(items, parts):
    size = (len(items) + parts - 1) // parts
    return [items[i:i + size] for i in range(0, len(items), size)]


def vipd(groups, mode, socket, close="reset"):
    out = [f'[global]\nrouter_id = "bench"\ncontrol_socket = "{socket}"\n']
    for s, group in enumerate(groups):
        out.append(f'[[ipvs.service]]\nname = "s{s}"\naddress = "203.0.113.{s + 1}:80"\n'
                   'scheduler = "rr"\nforwarding = "nat"\n')
        out.append(f'[ipvs.service.check]\ntype = "{mode}"\n' + ('path = "/"\n' if mode == "http" else "") +
                   'interval = "1s"\ntimeout = "1s"\nwarmup = "1s"\n' +
                   (f'close = "{close}"\n' if close != "reset" else ""))
        for address in group:
            out.append(f'[[ipvs.service.real_server]]\naddress = "{address}:80"\n')
    return "\n".join(out)


def keepalived(groups, mode):
    check = ("TCP_CHECK {\n      connect_timeout 1\n    }" if mode == "tcp" else
             "HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n"
             "      connect_timeout 1\n    }")
    out = ["global_defs {\n  router_id bench\n}\n"]
    for s, group in enumerate(groups):
        out.append(f"virtual_server 203.0.113.{s + 1} 80 {{\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n"
                   "  protocol TCP\n")
        for address in group:
            out.append(f"  real_server {address} 80 {{\n    weight 1\n    {check}\n  }}\n")
        out.append("}\n")
    return "".join(out)


def main():
    n, mode, out_dir, socket = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    groups = split(servers(n), min(10, n))
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, f"vipd-{mode}.toml"), "w") as f:
        f.write(vipd(groups, mode, socket))
    with open(os.path.join(out_dir, f"vipdgraceful-{mode}.toml"), "w") as f:
        f.write(vipd(groups, mode, socket, close="graceful"))
    with open(os.path.join(out_dir, f"keepalived-{mode}.conf"), "w") as f:
        f.write(keepalived(groups, mode))


if __name__ == "__main__":
    main()
