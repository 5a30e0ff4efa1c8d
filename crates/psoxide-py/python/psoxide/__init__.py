"""psoxide: psutil, oxidized.

A drop-in for psutil 8.0 on Linux (``import psoxide as psutil``) built on the Rust
crate ``psoxide``. Each public function here is a thin typed wrapper: the work
(reading the kernel, computing, building the named tuples) happens in the native
module ``psoxide._psoxide`` with the GIL released while it reads or sleeps.

See docs/python.md in the repository for what exists so far and what remains.
"""

from __future__ import annotations

import os as _os
import sys as _sys
import types as _types
from ._lazy import typing as _t

from . import _psoxide
from ._enums import (
    AddressFamily as _AddressFamily,
    BatteryTime,
    ConnectionStatus,
    NicDuplex,
    ProcessIOPriority,
    ProcessRlimit,
    ProcessStatus,
)
from ._exceptions import AccessDenied, Error, NoSuchProcess, TimeoutExpired, ZombieProcess
from . import _enums, _exceptions, _ntuples
from . import _ntuples as _nt

__all__ = [
    # exceptions
    "Error", "NoSuchProcess", "ZombieProcess", "AccessDenied", "TimeoutExpired",
    # version
    "version_info", "__version__",
    # constants
    "AF_LINK", "PROCFS_PATH",
    "BSD", "FREEBSD", "LINUX", "NETBSD", "OPENBSD", "MACOS", "OSX", "POSIX",
    "SUNOS", "WINDOWS", "AIX",
    # enums
    "ProcessStatus", "ConnectionStatus", "NicDuplex", "BatteryTime",
    "ProcessIOPriority", "ProcessRlimit",
    # functions
    "pid_exists", "pids",
    "virtual_memory", "swap_memory",
    "cpu_times", "cpu_percent", "cpu_times_percent", "cpu_count", "cpu_stats",
    "getloadavg", "cpu_freq",
    "net_io_counters", "net_connections", "net_if_addrs", "net_if_stats",
    "disk_io_counters", "disk_partitions", "disk_usage",
    "users", "boot_time", "bytes2human",
    "sensors_temperatures", "sensors_fans", "sensors_battery",
    "heap_info", "heap_trim",
    # processes
    "Process", "Popen", "process_iter", "wait_procs",
]

#: The psutil release whose API this module implements.
version_info = (8, 0, 0)
__version__ = "8.0.0"

# --- platform ----------------------------------------------------------------

POSIX = True
LINUX = True
WINDOWS = False
MACOS = False
OSX = False
FREEBSD = False
OPENBSD = False
NETBSD = False
BSD = False
SUNOS = False
AIX = False

# --- constants: every enum member at top level, as psutil exports them ---------

for _enum in (ProcessStatus, ConnectionStatus, NicDuplex, BatteryTime, ProcessIOPriority, ProcessRlimit):
    for _member in _enum:
        globals()[_member.name] = _member
        __all__.append(_member.name)
del _enum, _member

AF_LINK = _AddressFamily.AF_LINK

# --- the native context --------------------------------------------------------

_TYPES = {
    name: getattr(mod, name)
    for mod, names in (
        (_ntuples, _ntuples.__all__),
        (_exceptions, _exceptions.__all__),
        (_enums, ("NicDuplex", "BatteryTime", "ConnectionStatus", "ProcessStatus",
                  "ProcessIOPriority", "NegSignal")),
    )
    for name in names
}

#: One context per import: the core's Host (roots, nowrap counters, caches) and the
#: CPU-percent baselines of the importing thread, taken now as psutil does.
_ctx = _psoxide.Context(_TYPES)

PROCFS_PATH = "/proc"

from . import _process  # noqa: E402 - needs the context

_process._ctx = _ctx
from ._process import Popen, Process, process_iter, wait_procs  # noqa: E402


class _Module(_types.ModuleType):
    """The package's module type: assigning ``PROCFS_PATH`` re-roots the context."""

    @property
    def PROCFS_PATH(self) -> str:  # noqa: N802 - psutil's name
        return self.__dict__["PROCFS_PATH"]

    @PROCFS_PATH.setter
    def PROCFS_PATH(self, value: str) -> None:  # noqa: N802
        _ctx.set_procfs_path(value)
        self.__dict__["PROCFS_PATH"] = value


_sys.modules[__name__].__class__ = _Module

# --- CPU -------------------------------------------------------------------------


def cpu_times(percpu: bool = False) -> _t.Union[_nt.scputimes, _t.List[_nt.scputimes]]:
    """System-wide CPU times in seconds, or one entry per CPU with ``percpu``."""
    return _ctx.cpu_times(percpu)


def cpu_percent(
    interval: _t.Optional[float] = None, percpu: bool = False
) -> _t.Union[float, _t.List[float]]:
    """System-wide CPU utilisation in percent (0-100), or a list per CPU.

    ``interval`` > 0 blocks that many seconds (without holding the GIL); ``None`` or
    0 compares with this thread's previous call (or the import, for the importing
    thread).
    """
    return _ctx.cpu_percent(interval, percpu)


def cpu_times_percent(
    interval: _t.Optional[float] = None, percpu: bool = False
) -> _t.Union[_nt.scputimes, _t.List[_nt.scputimes]]:
    """Per-state CPU utilisation percentages; ``interval`` as for cpu_percent()."""
    return _ctx.cpu_times_percent(interval, percpu)


def cpu_count(logical: bool = True) -> _t.Optional[int]:
    """Number of logical CPUs, or physical cores with ``logical=False``; None if unknown."""
    return _ctx.cpu_count(logical)


def cpu_stats() -> _nt.scpustats:
    """CPU event counters since boot."""
    return _ctx.cpu_stats()


def cpu_freq(percpu: bool = False) -> _t.Union[_nt.scpufreq, _t.List[_nt.scpufreq], None]:
    """CPU frequency in MHz (mean over CPUs), or one entry per CPU with ``percpu``."""
    return _ctx.cpu_freq(percpu)


def getloadavg() -> _t.Tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    return _ctx.getloadavg()


# --- memory --------------------------------------------------------------------------


def virtual_memory() -> _nt.svmem:
    """System memory usage in bytes."""
    return _ctx.virtual_memory()


def swap_memory() -> _nt.sswap:
    """Swap memory usage in bytes."""
    return _ctx.swap_memory()


# --- disks ---------------------------------------------------------------------------


def disk_partitions(all: bool = False) -> _t.List[_nt.sdiskpart]:  # noqa: A002 - psutil's name
    """Mounted file systems; physical devices only unless ``all``."""
    return _ctx.disk_partitions(all)


def disk_usage(path: _t.Union[str, bytes, _os.PathLike, int]) -> _nt.sdiskusage:
    """Usage of the file system holding ``path`` (or the open file descriptor ``path``
    when it is an ``int``, as ``os.statvfs`` takes it), in bytes."""
    if isinstance(path, int):
        return _ctx.disk_usage_fd(path)
    return _ctx.disk_usage(path)


def disk_io_counters(
    perdisk: bool = False, nowrap: bool = True
) -> _t.Union[_nt.sdiskio, _t.Dict[str, _nt.sdiskio], None]:
    """Disk I/O counters summed over whole devices, or per device with ``perdisk``."""
    return _ctx.disk_io_counters(perdisk, nowrap)


disk_io_counters.cache_clear = _ctx.disk_io_counters_cache_clear  # type: ignore[attr-defined]

# --- network -------------------------------------------------------------------------


def net_io_counters(
    pernic: bool = False, nowrap: bool = True
) -> _t.Union[_nt.snetio, _t.Dict[str, _nt.snetio], None]:
    """Network I/O counters summed over interfaces, or per interface with ``pernic``."""
    return _ctx.net_io_counters(pernic, nowrap)


net_io_counters.cache_clear = _ctx.net_io_counters_cache_clear  # type: ignore[attr-defined]


def net_connections(kind: str = "inet") -> _t.List[_nt.sconn]:
    """System-wide socket connections of ``kind`` (inet, tcp, udp, unix, all, ...)."""
    return _ctx.net_connections(kind)


def net_if_addrs() -> _t.Dict[str, _t.List[_nt.snicaddr]]:
    """Addresses of every network interface."""
    return _ctx.net_if_addrs()


def net_if_stats() -> _t.Dict[str, _nt.snicstats]:
    """Status of every network interface."""
    return _ctx.net_if_stats()


# --- sensors -------------------------------------------------------------------------


def sensors_temperatures(fahrenheit: bool = False) -> _t.Dict[str, _t.List[_nt.shwtemp]]:
    """Hardware temperatures by chip, in Celsius (Fahrenheit if asked)."""
    return _ctx.sensors_temperatures(fahrenheit)


def sensors_fans() -> _t.Dict[str, _t.List[_nt.sfan]]:
    """Fan speeds in RPM by chip."""
    return _ctx.sensors_fans()


def sensors_battery() -> _t.Optional[_nt.sbattery]:
    """Battery status, or None without a battery."""
    return _ctx.sensors_battery()


# --- other ---------------------------------------------------------------------------


def boot_time() -> float:
    """System boot time in seconds since the epoch."""
    return _ctx.boot_time()


def users() -> _t.List[_nt.suser]:
    """Users logged in."""
    return _ctx.users()


def bytes2human(n: int) -> str:
    """``n`` bytes as a short string with a binary prefix (``10000`` gives ``'9.8K'``)."""
    return _psoxide.bytes2human(n)


if _psoxide.HAS_HEAP:

    def heap_info() -> _nt.pheap:
        """This process's C heap usage (glibc malloc), in bytes."""
        return _ctx.heap_info()

    def heap_trim() -> None:
        """Return free C heap memory to the system (glibc ``malloc_trim(0)``)."""
        _ctx.heap_trim()

else:  # musl: psutil has neither function there
    __all__.remove("heap_info")
    __all__.remove("heap_trim")


def _set_debug(value: bool) -> None:
    """Print a ``psutil-debug [file:line]> message`` line on stderr for each thing
    psoxide ignores on the way to a result (on at import when ``PSUTIL_DEBUG`` is set)."""
    _psoxide.set_debug(bool(value))


if _os.environ.get("PSUTIL_DEBUG"):
    _set_debug(True)


# --- process table -------------------------------------------------------------------


def pids() -> _t.List[int]:
    """The PIDs of every process, sorted."""
    return _ctx.pids()


def pid_exists(pid: int) -> bool:
    """Whether a process (not a thread) with this PID exists."""
    return _ctx.pid_exists(pid)

