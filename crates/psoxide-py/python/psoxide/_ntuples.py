"""The named tuples psoxide returns, with psutil 8.0's type names and field order.

Each is a ``typing.NamedTuple``: a real ``tuple`` (indexing, unpacking, ``==`` with
plain tuples, hashing, pickling) with attribute access, ``_fields``, ``_asdict()``
and ``_replace()``. The Rust extension builds them by calling the class, so the
values it returns are exactly these types.
"""

from __future__ import annotations

from ._lazy import NamedTuple, typing as _t

# Enum classes appear in annotations only; they are imported for
# ``typing.get_type_hints``.
from ._enums import BatteryTime, ConnectionStatus, NicDuplex, ProcessIOPriority  # noqa: F401

import warnings as _warnings

import socket as _socket

__all__ = [
    "scputimes", "scpustats", "scpufreq", "svmem", "sswap", "sdiskpart",
    "sdiskusage", "sdiskio", "snetio", "addr", "sconn", "pconn", "snicaddr",
    "snicstats", "shwtemp", "sfan", "sbattery", "suser", "pheap",
    # Process
    "pcputimes", "pmem", "pmem_ex", "pfootprint", "pfullmem", "pmmap_grouped",
    "pmmap_ext", "popenfile", "pthread", "puids", "pgids", "pio", "pionice",
    "pctxsw", "ppagefaults",
]


# --- CPU -------------------------------------------------------------------


class scputimes(NamedTuple):
    """CPU times in seconds (or percentages from cpu_times_percent), 8.0 order."""

    user: float
    system: float
    idle: float
    nice: float
    iowait: float
    irq: float
    softirq: float
    steal: float
    guest: float
    guest_nice: float


class scpustats(NamedTuple):
    """CPU event counters since boot."""

    ctx_switches: int
    interrupts: int
    soft_interrupts: int
    syscalls: int


class scpufreq(NamedTuple):
    """CPU frequency in MHz."""

    current: float
    min: float
    max: float


# --- memory ----------------------------------------------------------------


class svmem(NamedTuple):
    """System memory in bytes (percent: 0-100)."""

    total: int
    available: int
    percent: float
    used: int
    free: int
    active: int
    inactive: int
    buffers: int
    cached: int
    shared: int
    slab: int


class sswap(NamedTuple):
    """Swap memory in bytes (percent: 0-100; sin/sout: bytes swapped since boot)."""

    total: int
    used: int
    free: int
    percent: float
    sin: int
    sout: int


# --- disks -----------------------------------------------------------------


class sdiskpart(NamedTuple):
    """A mounted file system."""

    device: str
    mountpoint: str
    fstype: str
    opts: str


class sdiskusage(NamedTuple):
    """File-system usage in bytes (percent: 0-100)."""

    total: int
    used: int
    free: int
    percent: float


class sdiskio(NamedTuple):
    """Block-device I/O counters (bytes, counts, milliseconds)."""

    read_count: int
    write_count: int
    read_bytes: int
    write_bytes: int
    read_time: int
    write_time: int
    read_merged_count: int
    write_merged_count: int
    busy_time: int


# --- network ---------------------------------------------------------------


class snetio(NamedTuple):
    """Network I/O counters (bytes and packets)."""

    bytes_sent: int
    bytes_recv: int
    packets_sent: int
    packets_recv: int
    errin: int
    errout: int
    dropin: int
    dropout: int


class addr(NamedTuple):
    """An inet endpoint of a connection."""

    ip: str
    port: int


class sconn(NamedTuple):
    """A socket of the system."""

    fd: int
    family: _socket.AddressFamily
    type: _t.Union[_socket.SocketKind, int]
    laddr: _t.Union[addr, tuple, str]
    raddr: _t.Union[addr, tuple, str]
    status: ConnectionStatus
    pid: _t.Optional[int]


class pconn(NamedTuple):
    """A socket of one process."""

    fd: int
    family: _socket.AddressFamily
    type: _t.Union[_socket.SocketKind, int]
    laddr: _t.Union[addr, tuple, str]
    raddr: _t.Union[addr, tuple, str]
    status: ConnectionStatus


class snicaddr(NamedTuple):
    """One address of a network interface."""

    family: _socket.AddressFamily
    address: _t.Optional[str]
    netmask: _t.Optional[str]
    broadcast: _t.Optional[str]
    ptp: _t.Optional[str]


class snicstats(NamedTuple):
    """Status of a network interface (speed in Mbps, MTU in bytes)."""

    isup: bool
    duplex: NicDuplex
    speed: int
    mtu: int
    flags: str


# --- sensors ---------------------------------------------------------------


class shwtemp(NamedTuple):
    """A temperature sensor (degrees Celsius, or Fahrenheit when asked)."""

    label: str
    current: float
    high: _t.Optional[float]
    critical: _t.Optional[float]


class sfan(NamedTuple):
    """A fan (RPM)."""

    label: str
    current: int


class sbattery(NamedTuple):
    """Battery status (percent 0-100, seconds left or a BatteryTime member)."""

    percent: float
    secsleft: _t.Union[int, BatteryTime]
    power_plugged: _t.Optional[bool]


# --- other -----------------------------------------------------------------


class suser(NamedTuple):
    """A logged-in user."""

    name: str
    terminal: _t.Optional[str]
    host: str
    started: float
    pid: int


class pheap(NamedTuple):
    """The C heap of this process, in bytes."""

    heap_used: int
    mmap_used: int


# --- Process ---------------------------------------------------------------


class pcputimes(NamedTuple):
    """CPU times of a process, in seconds."""

    user: float
    system: float
    children_user: float
    children_system: float
    iowait: float


def _gone_field(name: str) -> int:
    _warnings.warn(f"'{name}' field is deprecated and will be removed", DeprecationWarning, stacklevel=3)
    return 0


class pmem(NamedTuple):
    """Memory of a process, in bytes (8.0 fields; ``lib``/``dirty`` are deprecated 0s)."""

    rss: int
    vms: int
    shared: int
    text: int
    data: int

    @property
    def lib(self) -> int:
        """Always 0 (removed from the kernel's statm); warns ``DeprecationWarning``."""
        return _gone_field("lib")

    @property
    def dirty(self) -> int:
        """Always 0 (removed from the kernel's statm); warns ``DeprecationWarning``."""
        return _gone_field("dirty")


class pmem_ex(NamedTuple):
    """Extended memory of a process, in bytes."""

    rss: int
    vms: int
    shared: int
    text: int
    data: int
    peak_rss: int
    peak_vms: int
    rss_anon: int
    rss_file: int
    rss_shmem: int
    swap: int
    hugetlb: int


class pfootprint(NamedTuple):
    """Unique, proportional and swapped memory of a process, in bytes."""

    uss: int
    pss: int
    swap: int


class pfullmem(NamedTuple):
    """``memory_info()`` and ``memory_footprint()`` together (deprecated method)."""

    rss: int
    vms: int
    shared: int
    text: int
    data: int
    uss: int
    pss: int
    swap: int


class pmmap_grouped(NamedTuple):
    """The mappings of one path, summed, in bytes."""

    path: str
    rss: int
    size: int
    pss: int
    shared_clean: int
    shared_dirty: int
    private_clean: int
    private_dirty: int
    referenced: int
    anonymous: int
    swap: int


class pmmap_ext(NamedTuple):
    """One mapping, in bytes."""

    addr: str
    perms: str
    path: str
    rss: int
    size: int
    pss: int
    shared_clean: int
    shared_dirty: int
    private_clean: int
    private_dirty: int
    referenced: int
    anonymous: int
    swap: int


class popenfile(NamedTuple):
    """A regular file a process has open."""

    path: str
    fd: int
    position: int
    mode: str
    flags: int


class pthread(NamedTuple):
    """A thread and its CPU times in seconds."""

    id: int
    user_time: float
    system_time: float


class puids(NamedTuple):
    """Real, effective and saved user IDs."""

    real: int
    effective: int
    saved: int


class pgids(NamedTuple):
    """Real, effective and saved group IDs."""

    real: int
    effective: int
    saved: int


class pio(NamedTuple):
    """I/O counters of a process."""

    read_count: int
    write_count: int
    read_bytes: int
    write_bytes: int
    read_chars: int
    write_chars: int


class pionice(NamedTuple):
    """I/O scheduling class and level of a process."""

    ioclass: ProcessIOPriority
    value: int


class pctxsw(NamedTuple):
    """Voluntary and involuntary context switches."""

    voluntary: int
    involuntary: int


class ppagefaults(NamedTuple):
    """Minor and major page faults."""

    minor: int
    major: int
