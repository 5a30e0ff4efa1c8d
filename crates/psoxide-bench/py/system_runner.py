"""psutil runner for psoxide-bench (embedded in the binary, run with `python -c`).

  serve (default)   stdin lines -> stdout lines:
                      "CALL N"     -> "wall_ns" for N calls (timed here, so process start-up
                                      and the pipe round trip are excluded), or "NA"
                      "JSON CALL"  -> the call's result as one line of JSON (named tuples as
                                      objects, enums as their values), or "NA"
                      "VERSION"    -> "psutil_version python_version"
  run CALL N        call CALL once, then N more times, and exit (for strace -c)
"""

import enum
import json
import sys
import time

import psutil

CALLS = {
    'cpu_times': psutil.cpu_times,
    'cpu_times_percpu': lambda: psutil.cpu_times(percpu=True),
    'cpu_percent': psutil.cpu_percent,
    'cpu_percent_percpu': lambda: psutil.cpu_percent(percpu=True),
    'cpu_times_percent': psutil.cpu_times_percent,
    'cpu_times_percent_percpu': lambda: psutil.cpu_times_percent(percpu=True),
    'cpu_count': psutil.cpu_count,
    'cpu_count_physical': lambda: psutil.cpu_count(logical=False),
    'cpu_stats': psutil.cpu_stats,
    'cpu_freq': psutil.cpu_freq,
    'cpu_freq_percpu': lambda: psutil.cpu_freq(percpu=True),
    'getloadavg': psutil.getloadavg,
    'boot_time': psutil.boot_time,
    'virtual_memory': psutil.virtual_memory,
    'swap_memory': psutil.swap_memory,
    'disk_partitions': psutil.disk_partitions,
    'disk_partitions_all': lambda: psutil.disk_partitions(all=True),
    'disk_usage': lambda: psutil.disk_usage('/'),
    'disk_io_counters': psutil.disk_io_counters,
    'disk_io_counters_perdisk': lambda: psutil.disk_io_counters(perdisk=True),
    'net_io_counters': psutil.net_io_counters,
    'net_io_counters_pernic': lambda: psutil.net_io_counters(pernic=True),
    'disk_io_counters_raw': lambda: psutil.disk_io_counters(nowrap=False),
    'disk_io_counters_perdisk_raw': lambda: psutil.disk_io_counters(perdisk=True, nowrap=False),
    'net_io_counters_raw': lambda: psutil.net_io_counters(nowrap=False),
    'net_io_counters_pernic_raw': lambda: psutil.net_io_counters(pernic=True, nowrap=False),
    'net_if_addrs': psutil.net_if_addrs,
    'net_if_stats': psutil.net_if_stats,
    'sensors_temperatures': psutil.sensors_temperatures,
    'sensors_fans': psutil.sensors_fans,
    'sensors_battery': psutil.sensors_battery,
    'users': psutil.users,
}
if hasattr(psutil, 'heap_info'):
    CALLS['heap_info'] = psutil.heap_info
    CALLS['heap_trim'] = psutil.heap_trim


def plain(v):
    if isinstance(v, enum.Enum):
        return plain(v.value)
    if isinstance(v, tuple) and hasattr(v, '_asdict'):
        return {k: plain(x) for k, x in v._asdict().items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    return repr(v)


def main():
    args = sys.argv[1:]
    if args and args[0] == 'run':
        f = CALLS[args[1]]
        f()
        for _ in range(int(args[2])):
            f()
        return
    clock = time.perf_counter_ns
    out = sys.stdout
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == 'VERSION':
            out.write('%s %s\n' % (psutil.__version__, sys.version.split()[0]))
        elif parts[0] == 'JSON' and len(parts) == 2:
            f = CALLS.get(parts[1])
            if f is None:
                out.write('NA\n')
            else:
                try:
                    out.write(json.dumps(plain(f())) + '\n')
                except Exception as e:  # noqa: BLE001
                    out.write(json.dumps({'__error__': '%s: %s' % (type(e).__name__, e)}) + '\n')
        elif len(parts) == 2:
            f = CALLS.get(parts[0])
            if f is None:
                out.write('NA\n')
            else:
                n = int(parts[1])
                t0 = clock()
                for _ in range(n):
                    f()
                out.write('%d\n' % (clock() - t0))
        else:
            out.write('NA\n')
        out.flush()


if __name__ == '__main__':
    main()
