#!/usr/bin/env python3
"""`psoxide ps` against procps `ps -eo` with the same columns, side by side.

Runs each pair of commands alternately (psoxide, ps, psoxide, ps, ...) so that both
see the same machine state, and prints the median wall time and the median CPU time
(user + system, from wait4) of each, with the ratios ps / psoxide (above 1: psoxide
is faster). On a loaded machine the CPU time is the steadier measure; the wall time
includes waiting for a CPU. With --spawn N it first starts N idle
children (sleep) so that the process table is large, and stops them at the end.

With a C compiler at hand it also runs scripts/ps-floor.c (the bare system calls
psoxide makes for those columns, nothing else) in the same rotation and prints its
CPU time and ps / floor: the best ratio any implementation making those calls can
reach on this machine at that moment.

    python3 scripts/bench-ps.py [--bin target/release/psoxide] [--runs 40] [--spawn 900]
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

# (label, psoxide -o columns, procps -o columns, ps-floor.c mask): the same
# information; the mask selects the floor's calls (1 pidfd + PIDFD_GET_INFO, 2 statm,
# 4 cmdline; stat always).
CASES = [
    ("default (ps aux-like)",
     "pid,username,memory_percent,vms,rss,terminal,status,create_time,cpu_times,cmdline",
     "pid,user,pmem,vsz,rss,tty,stat,start,time,args", 7),
    ("pid,ppid,user,rss,vsz,comm",
     "pid,ppid,username,rss,vms,name",
     "pid,ppid,user,rss,vsz,comm", 3),
    ("+ nice,nlwp,args",
     "pid,ppid,username,nice,rss,vms,num_threads,name,cmdline",
     "pid,ppid,user,ni,rss,vsz,nlwp,comm,args", 7),
    ("pid,comm",
     "pid,name",
     "pid,comm", 0),
]


def build_floor(tmp):
    """The compiled floor program, or None without a C compiler."""
    cc = shutil.which("cc") or shutil.which("gcc")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ps-floor.c")
    if not cc:
        return None
    out = os.path.join(tmp, "ps-floor")
    subprocess.run([cc, "-O2", "-o", out, src], check=True)
    return out


def run_once(cmd):
    """(wall seconds, CPU seconds user + system) of one run of `cmd`."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with {p.returncode}")
    return dt, ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/psoxide")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--spawn", type=int, default=0, help="idle children to add first")
    a = ap.parse_args()
    kids = []
    tmp = tempfile.mkdtemp(prefix="bench-ps-")
    try:
        floor = build_floor(tmp)
        for _ in range(a.spawn):
            kids.append(subprocess.Popen(["sleep", "600"]))
        nproc = sum(1 for d in os.listdir("/proc") if d.isdigit())
        print(f"processes: {nproc}; runs per command: {a.runs} (alternating); "
              f"psoxide: {a.bin}; ps: {subprocess.run(['ps', '--version'], capture_output=True, text=True).stdout.strip()}")
        print(f"{'columns':<34} {'wall: psoxide ms':>16} {'ps ms':>7} {'ratio':>6}"
              f" {'CPU: psoxide ms':>15} {'ps ms':>7} {'ratio':>6}"
              + (f" {'floor ms':>8} {'ps/floor':>8}" if floor else ""))
        for label, ours, theirs, mask in CASES:
            mine = [a.bin, "ps", "-b", "-o", ours]
            procps = ["ps", "-eo", theirs]
            bare = [floor, str(mask)] if floor else None
            run_once(mine), run_once(procps)  # warm the caches
            tm, tp, tf = [], [], []
            for _ in range(a.runs):
                tm.append(run_once(mine))
                tp.append(run_once(procps))
                if bare:
                    tf.append(run_once(bare))
            m, p = statistics.median(w for w, _ in tm), statistics.median(w for w, _ in tp)
            mc, pc = statistics.median(c for _, c in tm), statistics.median(c for _, c in tp)
            line = (f"{label:<34} {m * 1e3:>16.2f} {p * 1e3:>7.2f} {p / m:>5.2f}x"
                    f" {mc * 1e3:>15.2f} {pc * 1e3:>7.2f} {pc / mc:>5.2f}x")
            if tf:
                fc = statistics.median(c for _, c in tf)
                line += f" {fc * 1e3:>8.2f} {pc / fc:>7.2f}x"
            print(line)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for k in kids:
            k.send_signal(signal.SIGKILL)
        for k in kids:
            k.wait()


if __name__ == "__main__":
    main()
