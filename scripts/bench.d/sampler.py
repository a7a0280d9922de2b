#!/usr/bin/env python3
"""Samples the memory and CPU of processes from /proc for scripts/bench.

usage: sampler.py --out FILE --stop-file PATH [--interval 0.2] [--max-seconds S] NAME=PID ...

Every interval (default 0.2 s, 5 Hz) it reads, for each NAME=PID and the processes below it
(the nginx sink's worker, say), VmRSS from /proc/<pid>/status and utime+stime from
/proc/<pid>/stat. It stops when PATH exists, after --max-seconds, or on SIGTERM, and writes
FILE as JSON: per name, peak and last RSS (MiB), VmHWM of the root process (MiB), CPU seconds
used while sampling, sample count; and the sampled wall time.
"""
import argparse
import json
import os
import signal
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    return kids


def tree(root, kids):
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(kids.get(pid, []))
    return out


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        rest = stat[stat.rindex(")") + 2:].split()
        return int(rest[11]) + int(rest[12])   # utime, stime
    except (OSError, ValueError, IndexError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--stop-file", required=True)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument("targets", nargs="+", help="NAME=PID")
    args = ap.parse_args()

    targets = {}
    for item in args.targets:
        name, _, pid = item.partition("=")
        targets[name] = int(pid)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))

    state = {name: {"peak_rss_kib": 0, "last_rss_kib": 0, "cpu0": {}, "cpu1": {}, "samples": 0, "vmhwm_kib": None, "alive": True}
             for name in targets}
    t0 = time.time()
    deadline = t0 + args.max_seconds
    while True:
        kids = children_map() if any(s["alive"] for s in state.values()) else {}
        for name, root in targets.items():
            s = state[name]
            if not s["alive"]:
                continue
            if not os.path.exists(f"/proc/{root}"):
                s["alive"] = False
                continue
            rss = 0
            for pid in tree(root, kids):
                kib = status_kib(pid, "VmRSS")
                if kib is not None:
                    rss += kib
                ticks = cpu_ticks(pid)
                if ticks is not None:
                    s["cpu0"].setdefault(pid, ticks)
                    s["cpu1"][pid] = ticks
            hwm = status_kib(root, "VmHWM")
            if hwm is not None:
                s["vmhwm_kib"] = hwm
            s["last_rss_kib"] = rss
            s["peak_rss_kib"] = max(s["peak_rss_kib"], rss)
            s["samples"] += 1
        if stopping or os.path.exists(args.stop_file) or time.time() >= deadline:
            break
        time.sleep(args.interval)

    out = {"seconds": round(time.time() - t0, 3), "interval_s": args.interval, "processes": {}}
    for name, s in state.items():
        cpu = sum(s["cpu1"][pid] - s["cpu0"].get(pid, s["cpu1"][pid]) for pid in s["cpu1"]) / TICK
        out["processes"][name] = {
            "pid": targets[name],
            "peak_rss_mib": round(s["peak_rss_kib"] / 1024, 1),
            "last_rss_mib": round(s["last_rss_kib"] / 1024, 1),
            "vmhwm_mib": None if s["vmhwm_kib"] is None else round(s["vmhwm_kib"] / 1024, 1),
            "cpu_s": round(cpu, 2),
            "samples": s["samples"],
            "alive_at_end": s["alive"],
        }
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    sys.exit(main())
