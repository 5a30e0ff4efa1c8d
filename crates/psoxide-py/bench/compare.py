"""psutil against `import psoxide as psutil`, side by side in one run.

    .venv/bin/python crates/psoxide-py/bench/compare.py [--rounds 30] [--no-spawn]
        [--spawner target/release/psoxide-bench] [--out FILE.md]

Both modules run the same workload code (below) in two long-lived runner processes
(`compare.py runner MODULE`), so interpreter start-up and imports are not timed. A
runner reads `WORKLOAD N` lines and answers the wall time of N calls in nanoseconds.
Every round sends one batch of every workload to both runners, in a shuffled order,
and keeps the ratio psutil time / psoxide time of that round; the table reports the
median ratio over the rounds (and the median time per call of each module).

The process table is filled first with `psoxide-bench procs spawn DIR` (~1,000
children: sleeps, idlers with threads and long command lines, ~400 loopback TCP
ends), unless `--no-spawn`. The import is measured separately: a fresh interpreter
runs `import MODULE` and prints the `-X importtime` cumulative time of that import;
the two modules alternate for `--import-rounds` rounds.

Workloads (the ones of the anchors' benchmark, written against the psutil API):
- W1: `process_iter` with ten attributes, every value fetched (`p.info`);
- W2: `process_iter` with pid, name and memory_info;
- W3: calls on the runner's own process (`Process()`), each alone, and all in `oneshot`;
- W4: system-wide calls.
"""

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

W1_ATTRS = ['pid', 'ppid', 'name', 'status', 'cpu_times', 'memory_info',
            'num_threads', 'create_time', 'cmdline', 'username']
W2_ATTRS = ['pid', 'name', 'memory_info']

W3 = ['name', 'cpu_times', 'memory_info', 'memory_full_info', 'num_fds', 'open_files',
      'cmdline', 'oneshot']
W4 = ['virtual_memory', 'swap_memory', 'cpu_times_percpu', 'cpu_count_phys', 'cpu_freq',
      'boot_time', 'disk_partitions', 'disk_usage', 'disk_io_counters', 'net_io_counters',
      'net_if_addrs', 'net_connections', 'users', 'pids']

# Calls per batch: about 2-20 ms of work per batch for the slower module.
BATCH = {'w1': 1, 'w2': 1, 'w3.open_files': 100, 'w3.oneshot': 100,
         'w4.net_connections': 2, 'w4.disk_partitions': 200, 'w4.net_if_addrs': 200,
         'w4.pids': 200, 'w4.users': 500, 'w4.cpu_freq': 200}
DEFAULT_BATCH = 1000


def workloads(ps):
    """The workload callables for module `ps` (psutil or psoxide)."""
    me = ps.Process()

    def w1():
        return [p.info for p in ps.process_iter(W1_ATTRS)]

    def w2():
        return [p.info for p in ps.process_iter(W2_ATTRS)]

    def oneshot():
        with me.oneshot():
            return (me.name(), me.cpu_times(), me.memory_info(), me.memory_full_info(),
                    me.num_fds(), me.open_files(), me.cmdline())

    w = {'w1': w1, 'w2': w2, 'w3.oneshot': oneshot}
    for name in W3:
        if name != 'oneshot':
            w['w3.' + name] = getattr(me, name)
    w.update({
        'w4.virtual_memory': ps.virtual_memory,
        'w4.swap_memory': ps.swap_memory,
        'w4.cpu_times_percpu': lambda: ps.cpu_times(percpu=True),
        'w4.cpu_count_phys': lambda: ps.cpu_count(logical=False),
        'w4.cpu_freq': lambda: ps.cpu_freq(percpu=True),
        'w4.boot_time': ps.boot_time,
        'w4.disk_partitions': ps.disk_partitions,
        'w4.disk_usage': lambda: ps.disk_usage('/'),
        'w4.disk_io_counters': lambda: ps.disk_io_counters(perdisk=True),
        'w4.net_io_counters': lambda: ps.net_io_counters(pernic=True),
        'w4.net_if_addrs': ps.net_if_addrs,
        'w4.net_connections': lambda: ps.net_connections('inet'),
        'w4.users': ps.users,
        'w4.pids': ps.pids,
    })
    return w


def runner(module):
    """Serve `WORKLOAD N` lines on stdin: run N calls, answer the wall time in ns."""
    # memory_full_info is deprecated in 8.0 (psoxide warns, psutil 7.2.2 does not):
    # the benchmark measures the call as a program that silenced the warning would.
    warnings.simplefilter('ignore', DeprecationWarning)
    __import__(module)
    ps = sys.modules[module]
    w = workloads(ps)
    # The same object table both ways: the first process_iter fills the cache.
    w['w1']()
    clock = time.perf_counter_ns
    for line in sys.stdin:
        name, n = line.split()
        f, n = w[name], int(n)
        t0 = clock()
        for _ in range(n):
            f()
        print(clock() - t0, flush=True)


def import_time(python, module):
    """Cumulative microseconds of `import module` in a fresh interpreter (-X importtime)."""
    r = subprocess.run([python, '-X', 'importtime', '-c', f'import {module}'],
                       capture_output=True, text=True, check=True)
    for line in r.stderr.splitlines():
        # "import time: self [us] | cumulative | imported package"
        parts = [p.strip() for p in line.split('|')]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    raise RuntimeError(f'no importtime line for {module}: {r.stderr[-500:]}')


def spawn_table(spawner, tmp):
    d = os.path.join(tmp, 'table')
    p = subprocess.Popen([spawner, 'procs', 'spawn', d], stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not os.path.exists(os.path.join(d, 'ready')):
        if p.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f'{spawner} procs spawn did not get ready')
        time.sleep(0.1)
    return p


def geomean(xs):
    return statistics.geometric_mean(xs) if xs else float('nan')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--rounds', type=int, default=30)
    ap.add_argument('--import-rounds', type=int, default=20)
    ap.add_argument('--no-spawn', action='store_true')
    ap.add_argument('--spawner', default='target/release/psoxide-bench')
    ap.add_argument('--only', help='comma-separated workload names')
    ap.add_argument('--out', help='also write the markdown table to this file')
    a = ap.parse_args()
    py = sys.executable
    here = os.path.abspath(__file__)
    names = list(workloads_names())
    if a.only:
        names = [n for n in names if n in a.only.split(',')]
    with tempfile.TemporaryDirectory() as tmp:
        table = None if a.no_spawn else spawn_table(a.spawner, tmp)
        try:
            nproc = sum(1 for e in os.listdir('/proc') if e.isdigit())
            runners = {m: subprocess.Popen([py, here, 'runner', m], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, text=True, bufsize=1)
                       for m in ('psutil', 'psoxide')}

            def batch(m, name):
                r = runners[m]
                r.stdin.write(f'{name} {BATCH.get(name, DEFAULT_BATCH)}\n')
                r.stdin.flush()
                line = r.stdout.readline()
                if not line:
                    raise RuntimeError(f'runner {m} died during {name}')
                return int(line) / BATCH.get(name, DEFAULT_BATCH)

            ratios = {n: [] for n in names}
            per_call = {n: {'psutil': [], 'psoxide': []} for n in names}
            for n in names:  # warm-up round
                batch('psutil', n)
                batch('psoxide', n)
            rng = random.Random(8)
            for _ in range(a.rounds):
                order = names[:]
                rng.shuffle(order)
                for n in order:
                    pair = ['psutil', 'psoxide']
                    rng.shuffle(pair)
                    t = {m: batch(m, n) for m in pair}
                    ratios[n].append(t['psutil'] / t['psoxide'])
                    for m in pair:
                        per_call[n][m].append(t[m])
            for r in runners.values():
                r.stdin.close()
                r.wait()
        finally:
            if table is not None:
                table.send_signal(signal.SIGTERM)
                table.wait()
    imports = {'psutil': [], 'psoxide': []}
    for _ in range(a.import_rounds):
        for m in ('psutil', 'psoxide'):
            imports[m].append(import_time(py, m))

    out = []
    out.append(f'processes in the table: {nproc}; rounds: {a.rounds}; '
               f'python {sys.version.split()[0]}')
    out.append('')
    out.append('| workload | psutil per call | psoxide per call | psutil / psoxide (median of rounds) |')
    out.append('|---|---:|---:|---:|')
    med = {}
    for n in names:
        med[n] = statistics.median(ratios[n])
        out.append(f'| {n} | {fmt_ns(statistics.median(per_call[n]["psutil"]))} '
                   f'| {fmt_ns(statistics.median(per_call[n]["psoxide"]))} | {med[n]:.2f}x |')
    w3 = [med[n] for n in names if n.startswith('w3.')]
    w4 = [med[n] for n in names if n.startswith('w4.')]
    out.append(f'| W3 geomean ({len(w3)} calls) | | | {geomean(w3):.2f}x |')
    out.append(f'| W4 geomean ({len(w4)} calls) | | | {geomean(w4):.2f}x |')
    ip, ix = statistics.median(imports['psutil']), statistics.median(imports['psoxide'])
    out.append(f'| import (cumulative, -X importtime, median of {a.import_rounds}) '
               f'| {ip / 1000:.1f} ms | {ix / 1000:.1f} ms | {ip / ix:.2f}x |')
    text = '\n'.join(out)
    print(text)
    if a.out:
        with open(a.out, 'w') as f:
            f.write(text + '\n')


def workloads_names():
    yield 'w1'
    yield 'w2'
    for n in W3:
        yield 'w3.' + n
    for n in W4:
        yield 'w4.' + n


def fmt_ns(ns):
    if ns >= 1e6:
        return f'{ns / 1e6:.2f} ms'
    if ns >= 1e3:
        return f'{ns / 1e3:.1f} µs'
    return f'{ns:.0f} ns'


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'runner':
        runner(sys.argv[2])
    else:
        main()
