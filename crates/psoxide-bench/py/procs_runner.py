"""psutil column of `psoxide-bench procs` (same protocol as the Rust runners).

  python procs_runner.py              serve "WORKLOAD N" lines -> "wall_ns user_ns sys_ns items" | "NA"
  python procs_runner.py run W N      run W N times, then exit (strace, peak RSS)
  python procs_runner.py dump W       W1/W2 rows as JSON lines (check mode)

$PSOXIDE_BENCH_FIXTURES: a directory whose files are all opened and held (num_fds, open_files).
"""
import json
import os
import resource
import sys
import time

import psutil

W1_ATTRS = ['pid', 'ppid', 'name', 'status', 'cpu_times', 'memory_info', 'num_threads',
            'create_time', 'cmdline', 'username']
W2_ATTRS = ['pid', 'name', 'memory_info']
me = psutil.Process()


def w1():
    return [p.info for p in psutil.process_iter(attrs=W1_ATTRS)]


def w1_cold():
    psutil.process_iter.cache_clear()
    return w1()


def w2():
    return [p.info for p in psutil.process_iter(attrs=W2_ATTRS)]


def oneshot():
    with me.oneshot():
        return [me.name(), me.cpu_times(), me.memory_info(), me.memory_full_info(), me.num_fds(),
                me.open_files(), me.cmdline()]


TABLE = {
    'w1': w1,
    'w1.cold': w1_cold,
    'w2': w2,
    'w3.name': me.name,
    'w3.cpu_times': me.cpu_times,
    'w3.memory_info': me.memory_info,
    'w3.memory_full_info': me.memory_full_info,
    'w3.num_fds': me.num_fds,
    'w3.open_files': me.open_files,
    'w3.cmdline': me.cmdline,
    'w3.oneshot': oneshot,
    'net': lambda: psutil.net_connections('inet'),
    'pids': psutil.pids,
}


def count(r):
    return len(r) if hasattr(r, '__len__') else 1


def dump(w):
    for d in TABLE[w]():
        if w.startswith('w1'):
            t, m = d['cpu_times'], d['memory_info']
            row = {'pid': d['pid'], 'ppid': d['ppid'], 'name': d['name'], 'status': d['status'],
                   'utime': t.user if t else 0.0, 'stime': t.system if t else 0.0,
                   'rss': m.rss if m else 0, 'vms': m.vms if m else 0,
                   'num_threads': d['num_threads'] or 0, 'create_time': d['create_time'] or 0.0,
                   'cmdline': d['cmdline'] or [], 'username': d['username'] or ''}
        else:
            m = d['memory_info']
            row = {'pid': d['pid'], 'name': d['name'], 'rss': m.rss if m else 0}
        print(json.dumps(row))


def main():
    d = os.environ.get('PSOXIDE_BENCH_FIXTURES')
    held = [open(os.path.join(d, n), 'rb') for n in sorted(os.listdir(d))] if d else []  # noqa: SIM115
    a = sys.argv[1:]
    if a[:1] == ['run']:
        f = TABLE[a[1]]
        for _ in range(int(a[2])):
            f()
        return
    if a[:1] == ['dump']:
        dump(a[1])
        return
    ns = time.perf_counter_ns
    for line in sys.stdin:
        p = line.split()
        if len(p) != 2:
            continue
        f = TABLE.get(p[0])
        if f is None:
            print('NA', flush=True)
            continue
        n = max(1, int(p[1]))
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = ns()
        for _ in range(n):
            r = f()
        wall = ns() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        print(wall, round((r1.ru_utime - r0.ru_utime) * 1e9), round((r1.ru_stime - r0.ru_stime) * 1e9),
              count(r), flush=True)
    del held


if __name__ == '__main__':
    main()
