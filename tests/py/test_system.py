"""Differential tests of the system functions against real psutil.

Each value is read by psutil just before and just after psoxide. Counters must lie
in the [before, after] bracket; values that move both ways (memory, disk space,
load) get a margin of the observed movement plus a fixed slack, because other
processes (builds) run on this machine; everything else must be equal. Named tuples
must have psutil 8.0's type name and field order; where 7.2.2 differs from 8.0
(spec section 9) the comparison is by field name.
"""

import os
import socket

import psutil
import pytest

import psoxide
from conftest import SCPUTIMES_80, as_dict, within

MIB = 1 << 20
TICK = 0.02  # a CPU-time reading is a multiple of 1/CLK_TCK; a float sum may be off by a bit


def sample(name, *args, **kw):
    before = getattr(psutil, name)(*args, **kw)
    ours = getattr(psoxide, name)(*args, **kw)
    after = getattr(psutil, name)(*args, **kw)
    return before, ours, after


def check_counters(before, ours, after, slack=0):
    assert type(ours).__name__ == type(before).__name__
    b, o, a = as_dict(before), as_dict(ours), as_dict(after)
    for k, v in o.items():
        assert within(b.get(k, 0), v, a.get(k, 0), slack), (k, b.get(k), v, a.get(k))


# --- CPU ---------------------------------------------------------------------------


def check_cputimes(before, ours, after):
    assert type(ours).__name__ == "scputimes"
    assert ours._fields == SCPUTIMES_80
    assert all(isinstance(x, float) for x in ours)
    check_counters(before, ours, after, TICK)


def test_cpu_times():
    check_cputimes(*sample("cpu_times"))


def test_cpu_times_percpu():
    before, ours, after = sample("cpu_times", percpu=True)
    assert isinstance(ours, list) and len(ours) == len(before) == len(after)
    for b, o, a in zip(before, ours, after):
        check_cputimes(b, o, a)


def test_cpu_percent():
    v = psoxide.cpu_percent(interval=0.1)
    assert isinstance(v, float) and 0.0 <= v <= 100.0
    per = psoxide.cpu_percent(interval=0.1, percpu=True)
    assert isinstance(per, list) and len(per) == psutil.cpu_count()
    assert all(isinstance(x, float) and 0.0 <= x <= 100.0 for x in per)


def test_cpu_times_percent():
    t = psoxide.cpu_times_percent(interval=0.1)
    assert type(t).__name__ == "scputimes" and t._fields == SCPUTIMES_80
    assert all(0.0 <= x <= 100.0 for x in t)
    per = psoxide.cpu_times_percent(interval=0.1, percpu=True)
    assert len(per) == psutil.cpu_count()
    assert all(type(x).__name__ == "scputimes" for x in per)


@pytest.mark.parametrize("logical", [True, False])
def test_cpu_count(logical):
    assert psoxide.cpu_count(logical=logical) == psutil.cpu_count(logical=logical)
    assert psoxide.cpu_count(logical) == psutil.cpu_count(logical)


def test_cpu_stats():
    before, ours, after = sample("cpu_stats")
    assert ours._fields == before._fields
    check_counters(before, ours, after)
    assert ours.syscalls == 0


@pytest.mark.parametrize("percpu", [False, True])
def test_cpu_freq(percpu):
    before, ours, after = sample("cpu_freq", percpu=percpu)
    if before is None:
        assert ours is None
        return
    if not percpu:
        before, ours, after = [before], [ours], [after]
    assert len(ours) == len(before)
    for b, o, a in zip(before, ours, after):
        assert type(o).__name__ == "scpufreq" and o._fields == b._fields
        assert (o.min, o.max) == (b.min, b.max)
        assert within(b.current, o.current, a.current, 1.0 if b.current == a.current else 0.0) or (
            b.current != a.current
        )


def test_getloadavg():
    before, ours, after = sample("getloadavg")
    assert type(ours) is tuple and len(ours) == 3
    for b, o, a in zip(before, ours, after):
        assert within(b, o, a, 0.01)


# --- memory --------------------------------------------------------------------------


def test_virtual_memory():
    before, ours, after = sample("virtual_memory")
    assert type(ours).__name__ == "svmem" and ours._fields == before._fields
    assert ours.total == before.total
    for k in ("available", "used", "free", "active", "inactive", "buffers", "cached", "shared", "slab"):
        b, o, a = getattr(before, k), getattr(ours, k), getattr(after, k)
        assert within(b, o, a, 64 * MIB + abs(a - b)), k
    assert ours.used == ours.total - ours.available
    assert ours.percent == round((ours.total - ours.available) / ours.total * 100, 1)


def test_swap_memory():
    before, ours, after = sample("swap_memory")
    assert type(ours).__name__ == "sswap" and ours._fields == before._fields
    assert ours.total == before.total
    for k in ("used", "free"):
        assert within(getattr(before, k), getattr(ours, k), getattr(after, k), 64 * MIB)
    for k in ("sin", "sout"):
        assert within(getattr(before, k), getattr(ours, k), getattr(after, k))


# --- disks ---------------------------------------------------------------------------


@pytest.mark.parametrize("all_", [False, True])
def test_disk_partitions(all_):
    before, ours, after = sample("disk_partitions", all=all_)
    assert all(type(p).__name__ == "sdiskpart" for p in ours)
    assert ours in (before, after)


@pytest.mark.parametrize("path", ["/", b"/", "/proc", os.path.expanduser("~")])
def test_disk_usage(path):
    before, ours, after = sample("disk_usage", path)
    assert type(ours).__name__ == "sdiskusage" and ours._fields == before._fields
    assert ours.total == before.total
    for k in ("used", "free"):
        b, o, a = getattr(before, k), getattr(ours, k), getattr(after, k)
        assert within(b, o, a, 64 * MIB + abs(a - b)), k
    denom = ours.used + ours.free
    assert ours.percent == (round(ours.used / denom * 100, 1) if denom else 0.0)


def test_disk_io_counters():
    before, ours, after = sample("disk_io_counters")
    if before is None:
        assert ours is None
        return
    assert ours._fields == before._fields
    check_counters(before, ours, after)


def test_disk_io_counters_perdisk():
    before, ours, after = sample("disk_io_counters", perdisk=True)
    assert list(ours) == list(before)
    for k in ours:
        check_counters(before[k], ours[k], after[k])


# --- network -------------------------------------------------------------------------


def test_net_io_counters():
    before, ours, after = sample("net_io_counters")
    assert ours._fields == before._fields
    check_counters(before, ours, after)


def test_net_io_counters_pernic():
    before, ours, after = sample("net_io_counters", pernic=True, nowrap=False)
    assert list(ours) == list(before)
    for k in ours:
        check_counters(before[k], ours[k], after[k])


def _conn_key(c):
    return tuple(c)


@pytest.mark.parametrize(
    "kind", ["inet", "inet4", "inet6", "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix", "all"]
)
def test_net_connections(kind):
    before, ours, after = sample("net_connections", kind)
    for c in ours:
        assert type(c).__name__ == "sconn"
        assert c._fields == ("fd", "family", "type", "laddr", "raddr", "status", "pid")
        assert isinstance(c.family, socket.AddressFamily)
        assert isinstance(c.status, psoxide.ConnectionStatus)
        if c.family in (socket.AF_INET, socket.AF_INET6):
            assert c.laddr == () or type(c.laddr).__name__ == "addr"
            assert c.raddr == () or type(c.raddr).__name__ == "addr"
        else:
            assert isinstance(c.laddr, str) and c.raddr == ""
    stable = set(map(_conn_key, before)) & set(map(_conn_key, after))
    mine = set(map(_conn_key, ours))
    # psutil's duplicates (a socket shared by two fds of one process) collapse in a set.
    assert stable <= mine, sorted(stable - mine)[:5]
    extra = mine - set(map(_conn_key, before)) - set(map(_conn_key, after))
    assert len(extra) <= 5 + len(mine) // 10, sorted(extra)[:5]


def _map_80(addrs):
    """psutil 7.x's net_if_addrs() in 8.0's shape (spec 9.4): /32 IPv4 entries have
    no broadcast. (Address-less NICs, which 8.0 lists with AF_UNSPEC, do not occur
    on this machine's interfaces; the test fails if one does.)"""
    out = {}
    for nic, entries in addrs.items():
        fixed = []
        for e in entries:
            if e.family == socket.AF_INET and e.netmask == "255.255.255.255":
                e = e._replace(broadcast=None)
            fixed.append(e)
        out[nic] = fixed
    return out


def test_net_if_addrs():
    before, ours, after = sample("net_if_addrs")
    assert ours in (_map_80(before), _map_80(after))
    for entries in ours.values():
        for e in entries:
            assert type(e).__name__ == "snicaddr"
            assert isinstance(e.family, socket.AddressFamily)


def test_net_if_stats():
    before, ours, after = sample("net_if_stats")
    assert ours in (before, after)
    for s in ours.values():
        assert type(s).__name__ == "snicstats"
        assert isinstance(s.duplex, psoxide.NicDuplex)


# --- sensors -------------------------------------------------------------------------


@pytest.mark.parametrize("fahrenheit", [False, True])
def test_sensors_temperatures(fahrenheit):
    before, ours, after = sample("sensors_temperatures", fahrenheit=fahrenheit)
    assert list(ours) == list(before)
    for chip in ours:
        assert len(ours[chip]) == len(before[chip])
        for b, o, a in zip(before[chip], ours[chip], after[chip]):
            assert type(o).__name__ == "shwtemp"
            assert (o.label, o.high, o.critical) == (b.label, b.high, b.critical)
            assert within(b.current, o.current, a.current, 1.0)


def test_sensors_fans():
    before, ours, after = sample("sensors_fans")
    assert list(ours) == list(before)
    for chip in ours:
        for b, o, a in zip(before[chip], ours[chip], after[chip]):
            assert type(o).__name__ == "sfan" and o.label == b.label
            assert within(b.current, o.current, a.current, 0.1 * max(b.current, a.current))


def test_sensors_battery():
    before, ours, after = sample("sensors_battery")
    if before is None:
        assert ours is None
        return
    assert type(ours).__name__ == "sbattery"
    assert isinstance(ours.percent, float)  # 8.0: always a float
    assert ours.power_plugged == before.power_plugged


# --- other ---------------------------------------------------------------------------


def test_boot_time():
    before, ours, after = sample("boot_time")
    assert isinstance(ours, float)
    assert ours in (before, after)


def test_users():
    before, ours, after = sample("users")
    assert ours in (before, after)
    assert all(type(u).__name__ == "suser" for u in ours)


def test_pids():
    before, ours, after = sample("pids")
    assert ours == sorted(ours)
    assert set(before) & set(after) <= set(ours)
    assert os.getpid() in ours


@pytest.mark.parametrize("pid", [1, 0, -1, 2**31 - 1, "self", "tid"])
def test_pid_exists(pid):
    if pid == "self":
        pid = os.getpid()
    elif pid == "tid":
        import threading

        ev = threading.Event()
        th = threading.Thread(target=ev.wait)
        th.start()
        try:
            tid = th.native_id
            assert psoxide.pid_exists(tid) is psutil.pid_exists(tid) is False
        finally:
            ev.set()
            th.join()
        return
    assert psoxide.pid_exists(pid) is psutil.pid_exists(pid)


def test_heap_info():
    h = psoxide.heap_info()
    assert type(h).__name__ == "pheap" and h._fields == ("heap_used", "mmap_used")
    assert all(isinstance(x, int) and x >= 0 for x in h)
    assert psoxide.heap_trim() is None


@pytest.mark.parametrize(
    "n,text",
    [(10000, "9.8K"), (100001221, "95.4M"), (-2048, "-2.0K"), (1023, "1023.0B"), (0, "0.0B"),
     (1024, "1.0K"), (2**60, "1.0E"), (2**70, "1.0Z"), (2**80 * 3, "3.0Y"), (1536.0, "1.5K")],
)
def test_bytes2human(n, text):
    assert psoxide.bytes2human(n) == text
