#!/usr/bin/env python3
"""Produce the `psoxide dump --json` contract from the real psutil.

The output is one JSON object whose keys are psutil function names (see
``KEYS``) and whose values are what psutil 8.0 returns, encoded as:

* named tuples -> objects keyed by field name, fields in psutil 8.0 order
  (``FIELDS``, from section 8 of the spec);
* dicts -> objects, lists/tuples -> arrays, None -> null;
* int enums (NicDuplex, address family, BatteryTime) -> their int value;
* a call that raises -> ``{"error": "<ExceptionName>", "msg": "<str(exc)>"}``.

The installed psutil may be older than 8.0 (PyPI's newest is 7.2.2 at the
time of writing).  Where 7.x and 8.0 return different shapes for the same
machine state, ``dump()`` converts the 7.x result into the 8.0 shape; every
such conversion is listed in ``README.md`` and guarded by ``PSUTIL_MAJOR``.

Run as a script it prints the JSON object to stdout.
"""

from __future__ import annotations

import json
import socket
import sys
import warnings

import psutil

PSUTIL_MAJOR = int(psutil.__version__.split(".")[0])

#: Field names of the named tuples used below, psutil 8.0 order (spec section 8).
FIELDS = {
    "scputimes": (
        "user", "system", "idle", "nice", "iowait", "irq", "softirq",
        "steal", "guest", "guest_nice",
    ),
    "scpustats": ("ctx_switches", "interrupts", "soft_interrupts", "syscalls"),
    "scpufreq": ("current", "min", "max"),
    "svmem": (
        "total", "available", "percent", "used", "free", "active", "inactive",
        "buffers", "cached", "shared", "slab",
    ),
    "sswap": ("total", "used", "free", "percent", "sin", "sout"),
    "sdiskpart": ("device", "mountpoint", "fstype", "opts"),
    "sdiskusage": ("total", "used", "free", "percent"),
    "sdiskio": (
        "read_count", "write_count", "read_bytes", "write_bytes", "read_time",
        "write_time", "read_merged_count", "write_merged_count", "busy_time",
    ),
    "snetio": (
        "bytes_sent", "bytes_recv", "packets_sent", "packets_recv", "errin",
        "errout", "dropin", "dropout",
    ),
    "snicaddr": ("family", "address", "netmask", "broadcast", "ptp"),
    "snicstats": ("isup", "duplex", "speed", "mtu", "flags"),
    "shwtemp": ("label", "current", "high", "critical"),
    "sfan": ("label", "current"),
    "sbattery": ("percent", "secsleft", "power_plugged"),
    "suser": ("name", "terminal", "host", "started", "pid"),
}

#: Every key of the dump, in output order.
KEYS = (
    "cpu_times", "cpu_times_percpu", "cpu_count_logical", "cpu_count_physical",
    "cpu_stats", "cpu_freq", "cpu_freq_percpu", "getloadavg", "virtual_memory",
    "swap_memory", "disk_partitions", "disk_partitions_all", "disk_usage",
    "disk_io_counters", "disk_io_counters_perdisk", "net_io_counters",
    "net_io_counters_pernic", "net_if_addrs", "net_if_stats",
    "sensors_temperatures", "sensors_fans", "sensors_battery", "boot_time",
    "users",
)


def error_object(exc: BaseException) -> dict:
    """The contract's encoding of a raised exception."""
    return {"error": type(exc).__name__, "msg": str(exc)}


def _plain(value):
    """Enum members and other int/float/str subclasses -> plain JSON scalars."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, int):  # IntEnum (NicDuplex, AddressFamily, BatteryTime)
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):  # StrEnum
        return str(value)
    raise TypeError(f"unexpected value {value!r} of type {type(value).__name__}")


def _tuple(obj, kind: str, default=None) -> dict:
    """Named tuple -> object with the 8.0 field names in 8.0 order.

    Fields are taken by name, so a 7.x tuple whose positional order differs
    (scputimes) comes out in 8.0 order.  ``default`` fills a field the
    installed psutil does not provide (7.x scputimes on kernels lacking a
    column; 8.0 reports 0 there, spec 2.1).
    """
    out = {}
    for name in FIELDS[kind]:
        if default is not None and not hasattr(obj, name):
            out[name] = default
        else:
            out[name] = _plain(getattr(obj, name))
    return out


# --- one function per key ---------------------------------------------------

def _cpu_times():
    return _tuple(psutil.cpu_times(), "scputimes", default=0.0)


def _cpu_times_percpu():
    return [_tuple(t, "scputimes", default=0.0) for t in psutil.cpu_times(percpu=True)]


def _cpu_freq():
    f = psutil.cpu_freq()
    return None if f is None else _tuple(f, "scpufreq")


def _cpu_freq_percpu():
    return [_tuple(f, "scpufreq") for f in psutil.cpu_freq(percpu=True)]


def _getloadavg():
    return [float(x) for x in psutil.getloadavg()]


def _disk_usage():
    out = {}
    for part in psutil.disk_partitions(all=False):
        try:
            out[part.mountpoint] = _tuple(psutil.disk_usage(part.mountpoint), "sdiskusage")
        except Exception as exc:  # noqa: BLE001 - recorded in the contract
            out[part.mountpoint] = error_object(exc)
    return out


def _disk_io_counters():
    d = psutil.disk_io_counters()
    return None if d is None else _tuple(d, "sdiskio")


def _net_io_counters():
    n = psutil.net_io_counters()
    return None if n is None else _tuple(n, "snetio")


def _net_if_addrs():
    addrs = {
        nic: [_tuple(a, "snicaddr") for a in entries]
        for nic, entries in psutil.net_if_addrs().items()
    }
    if PSUTIL_MAJOR < 8:
        # 8.0: an IPv4 address with a /32 netmask has broadcast None (spec 9.4).
        for entries in addrs.values():
            for a in entries:
                if a["family"] == socket.AF_INET and a["netmask"] == "255.255.255.255":
                    a["broadcast"] = None
        # 8.0: a NIC's link-layer entry without a hardware address (tun, some
        # tunnels) becomes an AF_UNSPEC entry instead of being dropped, and it
        # also gives an address-less NIC a place in the dict (spec 2.4, 9.4).
        # 7.x drops it, so a NIC that 7.x reports without a family-17 entry is
        # taken to have such an entry.  As entries are sorted by family
        # (AF_UNSPEC = 0 first) before the dict is built, those NICs come
        # first, in kernel (ifindex) order, and the AF_UNSPEC entry comes
        # first in their list.
        unspec = {
            "family": int(socket.AF_UNSPEC), "address": None,
            "netmask": None, "broadcast": None, "ptp": None,
        }
        front = {}
        for _index, nic in socket.if_nameindex():
            entries = addrs.get(nic, [])
            if not any(a["family"] == int(socket.AF_PACKET) for a in entries):
                front[nic] = [dict(unspec)] + entries
        if front:
            addrs = {**front, **{nic: e for nic, e in addrs.items() if nic not in front}}
    return addrs


def _net_if_stats():
    return {nic: _tuple(s, "snicstats") for nic, s in psutil.net_if_stats().items()}


def _sensors_temperatures():
    return {
        chip: [_tuple(t, "shwtemp") for t in temps]
        for chip, temps in psutil.sensors_temperatures().items()
    }


def _sensors_fans():
    return {chip: [_tuple(f, "sfan") for f in fans] for chip, fans in psutil.sensors_fans().items()}


def _sensors_battery():
    b = psutil.sensors_battery()
    if b is None:
        return None
    out = _tuple(b, "sbattery")
    # 8.0: percent is always a float (7.x: int when read from `capacity`).
    out["percent"] = float(out["percent"])
    return out


COLLECTORS = {
    "cpu_times": _cpu_times,
    "cpu_times_percpu": _cpu_times_percpu,
    "cpu_count_logical": lambda: psutil.cpu_count(logical=True),
    "cpu_count_physical": lambda: psutil.cpu_count(logical=False),
    "cpu_stats": lambda: _tuple(psutil.cpu_stats(), "scpustats"),
    "cpu_freq": _cpu_freq,
    "cpu_freq_percpu": _cpu_freq_percpu,
    "getloadavg": _getloadavg,
    "virtual_memory": lambda: _tuple(psutil.virtual_memory(), "svmem"),
    "swap_memory": lambda: _tuple(psutil.swap_memory(), "sswap"),
    "disk_partitions": lambda: [_tuple(p, "sdiskpart") for p in psutil.disk_partitions(all=False)],
    "disk_partitions_all": lambda: [_tuple(p, "sdiskpart") for p in psutil.disk_partitions(all=True)],
    "disk_usage": _disk_usage,
    "disk_io_counters": _disk_io_counters,
    "disk_io_counters_perdisk": lambda: {
        name: _tuple(d, "sdiskio") for name, d in psutil.disk_io_counters(perdisk=True).items()
    },
    "net_io_counters": _net_io_counters,
    "net_io_counters_pernic": lambda: {
        nic: _tuple(n, "snetio") for nic, n in psutil.net_io_counters(pernic=True).items()
    },
    "net_if_addrs": _net_if_addrs,
    "net_if_stats": _net_if_stats,
    "sensors_temperatures": _sensors_temperatures,
    "sensors_fans": _sensors_fans,
    "sensors_battery": _sensors_battery,
    "boot_time": lambda: float(psutil.boot_time()),
    "users": lambda: [_tuple(u, "suser") for u in psutil.users()],
}
assert tuple(COLLECTORS) == KEYS


def dump() -> dict:
    """Compute every key once, in ``KEYS`` order; JSON-normalised result."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # psutil's RuntimeWarnings are not part of the contract
        for key, collect in COLLECTORS.items():
            try:
                out[key] = collect()
            except Exception as exc:  # noqa: BLE001 - recorded in the contract
                out[key] = error_object(exc)
    # Round-trip so the in-process result has exactly the shape a parsed dump has.
    return json.loads(to_json(out))


def to_json(data: dict) -> str:
    return json.dumps(data, allow_nan=False)


def main() -> int:
    sys.stdout.write(to_json(dump()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
