#!/usr/bin/env python3
"""Summarises a bench run directory (results.tsv, vipd's status snapshots).

CPU seconds per 10,000 checks = CPU ticks in the window / 100 / checks * 10,000,
with checks = TCP handshakes the pool's namespace completed as the server
side in the window (PassiveOpens in /proc/net/snmp: a kernel count, the same
for both programs); the connections the pool server accepted are shown too. vipd's lateness percentiles
come from the status taken after the window (a status call inside the
window would itself delay probes): "recent" (the last 10-20 s, startup left
out once the run is longer than 20 s) and the whole run.
"""
import json
import os
import sys


def main():
    out = sys.argv[1]
    print("| program | check | real servers | window s | checks/s (handshakes) | accepted/s | "
          "CPU-s per 10,000 checks | CPU % | RSS MiB | lateness p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with open(os.path.join(out, "results.tsv")) as f:
        for line in f:
            program, mode, servers, window, ticks, accepted, rss, checks = line.split()
            window, ticks, checks, accepted = float(window), int(ticks), int(checks), int(accepted)
            per10k = ticks / 100.0 / checks * 10000 if checks else float("nan")
            lateness = "n/a (not exposed)"
            run_dir = os.path.join(out, f"run-{program}-{mode}")
            if program.startswith("vipd"):
                try:
                    after = json.load(open(os.path.join(run_dir, "after.json")))["lateness"]
                    recent = after["recent"]
                    lateness = (f"{recent['p50_ms']:.1f} / {recent['p99_ms']:.1f} (max {recent['max_ms']:.0f}); "
                                f"whole run {after['p50_ms']:.1f} / {after['p99_ms']:.1f} (max {after['max_ms']:.0f})")
                except (OSError, ValueError, KeyError, TypeError) as e:
                    lateness = f"unavailable ({e.__class__.__name__})"
            program_name = {"keepalived": "keepalived 2.2.7 checker",
                            "vipdgraceful": "vipd, close = graceful",
                            "vipdb": "vipd B (VIPD_B)",
                            "floor": "floor (hc_probe_floor)",
                            "floorreuse": "floor, socket reused"}.get(program, "vipd")
            if not program.startswith("vipd") and program != "keepalived":
                lateness = "n/a"
            print(f"| {program_name} | {mode} | {servers} | {window:.1f} | {checks / window:.0f} | "
                  f"{accepted / window:.0f} | {per10k:.2f} | {ticks / window:.0f} | {int(rss) / 1024:.1f} | {lateness} |")


if __name__ == "__main__":
    main()
