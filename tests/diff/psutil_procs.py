#!/usr/bin/env python3
"""psutil's side of the per-process differential test.

``snapshot()`` returns, for every process psutil can construct, what psutil
8.0's ``Process.as_dict(ad_value=None)`` would give, encoded like
``psoxide dump --procs --json``:

* every one of the 32 names of psutil 8.0's ``Process.attrs`` (``ATTRS``);
* named tuples -> objects with psutil 8.0's field names in 8.0 order
  (``FIELDS``); lists/tuples -> arrays; int enums (``ionice.ioclass``,
  connection ``family``/``type``) -> ints; string enums (``status``,
  connection ``status``) -> strings; a connection address -> ``{"ip", "port"}``,
  ``[]`` for the empty tuple psutil gives for port 0, a string for AF_UNIX;
* ``AccessDenied`` and ``ZombieProcess`` -> ``None`` (as_dict's ``ad_value``);
* ``NoSuchProcess`` -> the process is left out (it vanished), except for
  ``environ`` of a process that still exists: recent kernels answer ESRCH for
  ``/proc/PID/environ`` of a kernel thread, and psutil raises NoSuchProcess
  for a live process (spec quirk 10.17).  That value is kept as the error
  object ``{"error": "NoSuchProcess", "msg": ...}`` so the rules can apply
  psoxide's documented deviation (``{}``).

psutil 7.x -> 8.0 mapping (spec section 9), used when the installed psutil is
older than 8:

* ``memory_info``: 7.x ``pmem(rss, vms, shared, text, lib, data, dirty)``;
  ``lib`` and ``dirty`` are dropped.
* ``memory_footprint``: ``uss, pss, swap`` of 7.x ``memory_full_info()``
  (same sources: smaps_rollup, else smaps).
* ``memory_info_ex`` (8.0 meaning; 7.x has none): the five memory_info fields
  followed by ``VmHWM, VmPeak, RssAnon, RssFile, RssShmem, VmSwap,
  HugetlbPages`` of ``/proc/PID/status`` (kB * 1024, 0 when absent).
* ``page_faults`` (7.x has none): fields 10 (minflt) and 12 (majflt) of
  ``/proc/PID/stat``.
* ``ionice.ioclass``: 7.x ``IOPriority`` member -> int.

Not a version difference but a psutil parsing bug (present in 7.2.2 and in
the psutil sources searched): ``threads()`` cuts ``/proc/PID/task/TID/stat``
at the FIRST ")", so for a thread whose name contains ")" it reads the wrong
fields (majflt/cmajflt instead of utime/stime).  The spec (4.6) defines the
times as fields 14/15, which is what psoxide reads; for such threads
``threads_per_spec()`` recomputes them from the stat line cut at the LAST ")"
and counts the case in ``THREAD_NAME_FIXES`` (reported by the test).

Besides the attributes, each sample records ``activity``: the sorted thread
IDs and the summed on-CPU nanoseconds of every thread (first field of
``/proc/PID/task/TID/schedstat``), read once before and once after the
process's attributes.  Two equal readings bracketing a time window prove
that no thread of the process ran during it (see ``diffcheck.ProcCtx``).

Run as a script it prints ``{pid: {attr: value}}`` as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import psutil

PSUTIL_MAJOR = int(psutil.__version__.split(".")[0])

#: psutil 8.0 ``Process.attrs`` on Linux (spec 4.5), alphabetical = as_dict order.
ATTRS = (
    "cmdline", "cpu_affinity", "cpu_num", "cpu_percent", "cpu_times", "create_time",
    "cwd", "environ", "exe", "gids", "io_counters", "ionice", "memory_footprint",
    "memory_info", "memory_info_ex", "memory_maps", "memory_percent", "name",
    "net_connections", "nice", "num_ctx_switches", "num_fds", "num_threads",
    "open_files", "page_faults", "pid", "ppid", "status", "terminal", "threads",
    "uids", "username",
)

#: Field names of the process named tuples, psutil 8.0 order (spec section 8).
FIELDS = {
    "pcputimes": ("user", "system", "children_user", "children_system", "iowait"),
    "pmem": ("rss", "vms", "shared", "text", "data"),
    "pmem_ex": ("rss", "vms", "shared", "text", "data", "peak_rss", "peak_vms",
                "rss_anon", "rss_file", "rss_shmem", "swap", "hugetlb"),
    "pfootprint": ("uss", "pss", "swap"),
    "pmmap_grouped": ("path", "rss", "size", "pss", "shared_clean", "shared_dirty",
                      "private_clean", "private_dirty", "referenced", "anonymous", "swap"),
    "popenfile": ("path", "fd", "position", "mode", "flags"),
    "pthread": ("id", "user_time", "system_time"),
    "puids": ("real", "effective", "saved"),
    "pgids": ("real", "effective", "saved"),
    "pio": ("read_count", "write_count", "read_bytes", "write_bytes", "read_chars",
            "write_chars"),
    "pionice": ("ioclass", "value"),
    "pctxsw": ("voluntary", "involuntary"),
    "ppagefaults": ("minor", "major"),
    "pconn": ("fd", "family", "type", "laddr", "raddr", "status"),
}

#: Attribute -> named tuple kind of its value (or of its list items).
KIND = {
    "cpu_times": "pcputimes", "memory_info": "pmem", "memory_info_ex": "pmem_ex",
    "memory_footprint": "pfootprint", "memory_maps": "pmmap_grouped",
    "open_files": "popenfile", "threads": "pthread", "uids": "puids", "gids": "pgids",
    "io_counters": "pio", "ionice": "pionice", "num_ctx_switches": "pctxsw",
    "page_faults": "ppagefaults", "net_connections": "pconn",
}

#: /proc/PID/status keys of memory_info_ex's extra fields, in pmem_ex order.
STATUS_KEYS = (
    ("peak_rss", "VmHWM"), ("peak_vms", "VmPeak"), ("rss_anon", "RssAnon"),
    ("rss_file", "RssFile"), ("rss_shmem", "RssShmem"), ("swap", "VmSwap"),
    ("hugetlb", "HugetlbPages"),
)


class Vanished(Exception):
    """The process disappeared while it was being sampled."""


def _plain(v):
    """Enum members -> their value; everything else unchanged."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, str):
        return str(v.value) if hasattr(v, "value") else str(v)
    return v


def _addr(a):
    if isinstance(a, str):
        return a  # AF_UNIX path
    if not a:
        return []  # port 0: psutil gives ()
    return {"ip": a.ip, "port": int(a.port)}


def _record(kind, t):
    return {f: _plain(getattr(t, f)) for f in FIELDS[kind]}


def _read(path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError):
        raise Vanished from None


def status_fields(pid) -> dict:
    """memory_info_ex's extra fields from /proc/PID/status (kB * 1024, 0 if absent)."""
    values = {}
    for line in _read(f"/proc/{pid}/status").decode("utf-8", "replace").splitlines():
        key, _, rest = line.partition(":")
        values[key] = rest
    out = {}
    for field, key in STATUS_KEYS:
        raw = values.get(key, "").split()
        out[field] = int(raw[0]) * 1024 if raw else 0
    return out


def stat_page_faults(pid) -> dict:
    """ppagefaults from fields 10 (minflt) and 12 (majflt) of /proc/PID/stat."""
    data = _read(f"/proc/{pid}/stat")
    rest = data[data.rfind(b")") + 2:].split()
    # rest[0] is field 3 (state): field N is rest[N - 3].
    return {"minor": int(rest[7]), "major": int(rest[9])}


THREAD_NAME_FIXES: list[tuple[int, int, str]] = []
"""(pid, tid, comm) of threads whose times were recomputed (see module doc)."""

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def threads_per_spec(pid, threads: list) -> list:
    """psutil's threads() with the times of ")"-named threads re-read correctly."""
    out = []
    for t in threads:
        try:
            data = _read(f"/proc/{pid}/task/{t['id']}/stat")
        except Vanished:
            out.append(t)
            continue
        comm = data[data.find(b"(") + 1:data.rfind(b")")]
        if b")" in comm:
            rest = data[data.rfind(b")") + 2:].split()
            t = {"id": t["id"], "user_time": int(rest[11]) / CLOCK_TICKS,
                 "system_time": int(rest[12]) / CLOCK_TICKS}
            THREAD_NAME_FIXES.append((pid, t["id"], comm.decode("utf-8", "replace")))
        out.append(t)
    return out


def activity(pid):
    """(sorted thread IDs, summed on-CPU ns of the threads); None if unreadable."""
    try:
        tids = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except (FileNotFoundError, ProcessLookupError):
        raise Vanished from None
    except OSError:
        return None
    total = 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            return [tids, None]  # a thread exited mid-read: certainly active
        except OSError:
            return None
    return [tids, total]


def _memory_info(p):
    return _record("pmem", p.memory_info())


def _getter(p, attr):
    """The value of one attribute in the 8.0 JSON shape (may raise psutil errors)."""
    if attr == "pid":
        return p.pid
    if attr == "memory_info":
        return _memory_info(p)
    if attr == "memory_info_ex":
        if PSUTIL_MAJOR >= 8:
            return _record("pmem_ex", p.memory_info_ex())
        out = _memory_info(p)
        out.update(status_fields(p.pid))
        return out
    if attr == "memory_footprint":
        if PSUTIL_MAJOR >= 8:
            return _record("pfootprint", p.memory_footprint())
        return _record("pfootprint", p.memory_full_info())
    if attr == "page_faults":
        if PSUTIL_MAJOR >= 8:
            return _record("ppagefaults", p.page_faults())
        return stat_page_faults(p.pid)
    if attr == "net_connections":
        return [
            {"fd": c.fd, "family": int(c.family), "type": int(c.type),
             "laddr": _addr(c.laddr), "raddr": _addr(c.raddr), "status": _plain(c.status)}
            for c in p.net_connections()
        ]
    v = getattr(p, attr)()
    kind = KIND.get(attr)
    if kind is None:
        if isinstance(v, dict):
            return dict(v)
        if isinstance(v, list):
            return [_plain(x) for x in v]
        return _plain(v)
    if attr == "threads":
        return threads_per_spec(p.pid, [_record(kind, x) for x in v])
    if isinstance(v, list):
        return [_record(kind, x) for x in v]
    return _record(kind, v)


def sample(pid: int, attrs=ATTRS) -> dict | None:
    """One process: {"attrs": {...}, "activity": [start, end]}; None if it is gone."""
    try:
        p = psutil.Process(pid)
        act0 = activity(pid)
        out = {}
        with p.oneshot(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 8.0 deprecations are not our concern here
            for attr in attrs:
                try:
                    out[attr] = _getter(p, attr)
                except (psutil.AccessDenied, psutil.ZombieProcess, PermissionError):
                    out[attr] = None
                except psutil.NoSuchProcess as exc:
                    if attr == "environ" and _alive(p):
                        out[attr] = {"error": "NoSuchProcess", "msg": str(exc)}
                    else:
                        raise Vanished from None
                except psutil.Error:
                    raise
                except Exception as exc:  # noqa: BLE001 - psutil leaked an OSError etc.
                    if not _alive(p):
                        raise Vanished from None
                    out[attr] = {"error": type(exc).__name__, "msg": str(exc)}
        act1 = activity(pid)
    except (psutil.NoSuchProcess, Vanished):
        return None
    # JSON round trip: tuples -> lists, exactly what the comparison sees from psoxide.
    return json.loads(json.dumps({"attrs": out, "activity": [act0, act1]}))


def _alive(p) -> bool:
    try:
        return p.is_running()
    except psutil.Error:
        return False


def snapshot(pids=None, attrs=ATTRS) -> dict[int, dict]:
    """{pid: sample} for every process (or the given PIDs) that exists throughout its read."""
    out = {}
    for pid in sorted(pids if pids is not None else psutil.pids()):
        s = sample(pid, attrs)
        if s is not None:
            out[pid] = s
    return out


def mem_total() -> int:
    """The total memory_percent divides by (psutil caches it the same way)."""
    return psutil.virtual_memory().total


if __name__ == "__main__":
    json.dump({str(k): v["attrs"] for k, v in snapshot().items()}, sys.stdout)
    sys.stdout.write("\n")
