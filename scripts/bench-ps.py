#!/usr/bin/env python3
"""`psoxide ps` against procps `ps -eo` with the same columns, side by side.

Runs each pair of commands alternately (psoxide, ps, psoxide, ps, ...) so that both
see the same machine state, and prints the median wall time of each and the ratio
ps / psoxide (above 1: psoxide is faster). With --spawn N it first starts N idle
children (sleep) so that the process table is large, and stops them at the end.

    python3 scripts/bench-ps.py [--bin target/release/psoxide] [--runs 40] [--spawn 900]
"""
import argparse
import os
import signal
import statistics
import subprocess
import time

# (label, psoxide -o columns, procps -o columns): the same information.
CASES = [
    ("pid,ppid,user,rss,vsz,comm",
     "pid,ppid,username,rss,vms,name",
     "pid,ppid,user,rss,vsz,comm"),
    ("+ nice,nlwp,args",
     "pid,ppid,username,nice,rss,vms,num_threads,name,cmdline",
     "pid,ppid,user,ni,rss,vsz,nlwp,comm,args"),
    ("pid,comm",
     "pid,name",
     "pid,comm"),
]


def run_once(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr.decode()}")
    return dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/psoxide")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--spawn", type=int, default=0, help="idle children to add first")
    a = ap.parse_args()
    kids = []
    try:
        for _ in range(a.spawn):
            kids.append(subprocess.Popen(["sleep", "600"]))
        nproc = sum(1 for d in os.listdir("/proc") if d.isdigit())
        print(f"processes: {nproc}; runs per command: {a.runs} (alternating); "
              f"psoxide: {a.bin}; ps: {subprocess.run(['ps', '--version'], capture_output=True, text=True).stdout.strip()}")
        print(f"{'columns':<34} {'psoxide ms':>10} {'ps ms':>8} {'ps/psoxide':>10}")
        for label, ours, theirs in CASES:
            mine = [a.bin, "ps", "-b", "-o", ours]
            procps = ["ps", "-eo", theirs]
            run_once(mine), run_once(procps)  # warm the caches
            tm, tp = [], []
            for _ in range(a.runs):
                tm.append(run_once(mine))
                tp.append(run_once(procps))
            m, p = statistics.median(tm), statistics.median(tp)
            print(f"{label:<34} {m * 1e3:>10.2f} {p * 1e3:>8.2f} {p / m:>9.2f}x")
    finally:
        for k in kids:
            k.send_signal(signal.SIGKILL)
        for k in kids:
            k.wait()


if __name__ == "__main__":
    main()
