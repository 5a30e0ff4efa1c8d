"""The named tuples psoxide returns, with psutil 8.0's type names and field order.

Each is a ``typing.NamedTuple``: a real ``tuple`` (indexing, unpacking, ``==`` with
plain tuples, hashing, pickling) with attribute access, ``_fields``, ``_asdict()``
and ``_replace()``. The Rust extension builds them by calling the class, so the
values it returns are exactly these types.
"""

from typing import NamedTuple, Optional, Union

# Enum classes appear in annotations only; they are imported for
# ``typing.get_type_hints``.
from ._enums import BatteryTime, ConnectionStatus, NicDuplex  # noqa: F401

import socket as _socket

__all__ = [
    "scputimes", "scpustats", "scpufreq", "svmem", "sswap", "sdiskpart",
    "sdiskusage", "sdiskio", "snetio", "addr", "sconn", "pconn", "snicaddr",
    "snicstats", "shwtemp", "sfan", "sbattery", "suser", "pheap",
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
    type: Union[_socket.SocketKind, int]
    laddr: Union[addr, tuple, str]
    raddr: Union[addr, tuple, str]
    status: ConnectionStatus
    pid: Optional[int]


class pconn(NamedTuple):
    """A socket of one process."""

    fd: int
    family: _socket.AddressFamily
    type: Union[_socket.SocketKind, int]
    laddr: Union[addr, tuple, str]
    raddr: Union[addr, tuple, str]
    status: ConnectionStatus


class snicaddr(NamedTuple):
    """One address of a network interface."""

    family: _socket.AddressFamily
    address: Optional[str]
    netmask: Optional[str]
    broadcast: Optional[str]
    ptp: Optional[str]


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
    high: Optional[float]
    critical: Optional[float]


class sfan(NamedTuple):
    """A fan (RPM)."""

    label: str
    current: int


class sbattery(NamedTuple):
    """Battery status (percent 0-100, seconds left or a BatteryTime member)."""

    percent: float
    secsleft: Union[int, BatteryTime]
    power_plugged: Optional[bool]


# --- other -----------------------------------------------------------------


class suser(NamedTuple):
    """A logged-in user."""

    name: str
    terminal: Optional[str]
    host: str
    started: float
    pid: int


class pheap(NamedTuple):
    """The C heap of this process, in bytes."""

    heap_used: int
    mmap_used: int
