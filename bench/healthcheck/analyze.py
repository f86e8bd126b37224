#!/usr/bin/env python3
"""Summarises a bench run directory (results.tsv, vipd's status snapshots).

CPU seconds per 10,000 checks = CPU ticks in the window / 100 / checks * 10,000.
Checks in the window, the same count for every program:
- http: requests the pool server answered (a kept connection carries many
  checks, so connections no longer count them);
- tcp: TCP connection requests the pool's namespace received as the server
  side: PassiveOpens (handshakes completed: a full connect) + AttemptFails
  (requests that ended before: a half-open probe's RST to the server's
  SYN-RECV; a refused connect would count too, none in the window) from
  /proc/net/snmp.
The connections the pool accepted are shown beside them. vipd's lateness
percentiles come from the status taken after the window (a status call inside
the window would itself delay probes): "recent" (the last 10-20 s, startup
left out once the run is longer than 20 s) and the whole run.
"""
import json
import os
import sys

PROGRAM_NAMES = {"keepalived": "keepalived 2.2.7 checker",
                 "vipdgraceful": "vipd, close = graceful",
                 "vipdb": "vipd B (VIPD_B)",
                 "floor": "floor (hc_probe_floor)",
                 "floorreuse": "floor, socket reused",
                 "floorkeep": "floor, connection kept"}


def checks_of(mode, answered, passive_opens, attempt_fails):
    return answered if mode == "http" else passive_opens + attempt_fails


def lateness_of(out, program, mode):
    if not program.startswith("vipd"):
        return "n/a (not exposed)" if program == "keepalived" else "n/a"
    try:
        with open(os.path.join(out, f"run-{program}-{mode}", "after.json")) as f:
            after = json.load(f)["lateness"]
        recent = after["recent"]
        return (f"{recent['p50_ms']:.1f} / {recent['p99_ms']:.1f} (max {recent['max_ms']:.0f}); "
                f"whole run {after['p50_ms']:.1f} / {after['p99_ms']:.1f} (max {after['max_ms']:.0f})")
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"unavailable ({e.__class__.__name__})"


def main():
    out = sys.argv[1]
    print("| program | check | real servers | window s | checks/s | accepted/s | "
          "CPU-s per 10,000 checks | CPU % | RSS MiB | lateness p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with open(os.path.join(out, "results.tsv")) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 8:  # before requests and AttemptFails were recorded: handshakes only
                program, mode, servers, window, ticks, accepted, rss, passive_opens = fields
                answered, attempt_fails = passive_opens, 0
            else:
                program, mode, servers, window, ticks, accepted, answered, rss, passive_opens, attempt_fails = fields
            window, ticks, accepted = float(window), int(ticks), int(accepted)
            checks = checks_of(mode, int(answered), int(passive_opens), int(attempt_fails))
            per10k = ticks / 100.0 / checks * 10000 if checks else float("nan")
            print(f"| {PROGRAM_NAMES.get(program, 'vipd')} | {mode} | {servers} | {window:.1f} | "
                  f"{checks / window:.0f} | {accepted / window:.0f} | {per10k:.2f} | {ticks / window:.0f} | "
                  f"{int(rss) / 1024:.1f} | {lateness_of(out, program, mode)} |")


if __name__ == "__main__":
    main()
