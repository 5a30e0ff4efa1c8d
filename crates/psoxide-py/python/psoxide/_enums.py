"""psutil 8.0's enums. Members compare equal to (and hash like) psutil's plain
values, so ``p.status() == "running"`` and ``duplex == 2`` hold."""

import enum
import sys

__all__ = [
    "ProcessStatus", "ConnectionStatus", "NicDuplex", "BatteryTime",
    "ProcessIOPriority", "ProcessRlimit", "AddressFamily", "NegSignal",
]

if sys.version_info >= (3, 11):
    _StrEnum = enum.StrEnum
else:  # pragma: no cover - exercised on Python 3.9/3.10 only

    class _StrEnum(str, enum.Enum):
        """A str enum for Python < 3.11: str() and format() give the value."""

        def __str__(self) -> str:
            return str.__str__(self)

        def __format__(self, spec: str) -> str:
            return str.__format__(str(self), spec)


class ProcessStatus(_StrEnum):
    """A process's scheduling state (``Process.status()``)."""

    STATUS_DEAD = "dead"
    STATUS_DISK_SLEEP = "disk-sleep"
    STATUS_IDLE = "idle"
    STATUS_LOCKED = "locked"
    STATUS_PARKED = "parked"
    STATUS_RUNNING = "running"
    STATUS_SLEEPING = "sleeping"
    STATUS_STOPPED = "stopped"
    STATUS_SUSPENDED = "suspended"
    STATUS_TRACING_STOP = "tracing-stop"
    STATUS_WAITING = "waiting"
    STATUS_WAKE_KILL = "wake-kill"
    STATUS_WAKING = "waking"
    STATUS_ZOMBIE = "zombie"


class ConnectionStatus(_StrEnum):
    """A TCP state (``CONN_NONE`` for UDP and UNIX sockets)."""

    CONN_CLOSE = "CLOSE"
    CONN_CLOSE_WAIT = "CLOSE_WAIT"
    CONN_CLOSING = "CLOSING"
    CONN_ESTABLISHED = "ESTABLISHED"
    CONN_FIN_WAIT1 = "FIN_WAIT1"
    CONN_FIN_WAIT2 = "FIN_WAIT2"
    CONN_LAST_ACK = "LAST_ACK"
    CONN_LISTEN = "LISTEN"
    CONN_NONE = "NONE"
    CONN_SYN_RECV = "SYN_RECV"
    CONN_SYN_SENT = "SYN_SENT"
    CONN_TIME_WAIT = "TIME_WAIT"


class NicDuplex(enum.IntEnum):
    """Duplex of a network interface."""

    NIC_DUPLEX_FULL = 2
    NIC_DUPLEX_HALF = 1
    NIC_DUPLEX_UNKNOWN = 0


class BatteryTime(enum.IntEnum):
    """Special values of ``sbattery.secsleft``."""

    POWER_TIME_UNKNOWN = -1
    POWER_TIME_UNLIMITED = -2


class ProcessIOPriority(enum.IntEnum):
    """Linux I/O scheduling classes (``Process.ionice()``)."""

    IOPRIO_CLASS_NONE = 0
    IOPRIO_CLASS_RT = 1
    IOPRIO_CLASS_BE = 2
    IOPRIO_CLASS_IDLE = 3


class ProcessRlimit(enum.IntEnum):
    """Resource limits (``Process.rlimit()``), Linux values, alphabetical."""

    RLIMIT_AS = 9
    RLIMIT_CORE = 4
    RLIMIT_CPU = 0
    RLIMIT_DATA = 2
    RLIMIT_FSIZE = 1
    RLIMIT_LOCKS = 10
    RLIMIT_MEMLOCK = 8
    RLIMIT_MSGQUEUE = 12
    RLIMIT_NICE = 13
    RLIMIT_NOFILE = 7
    RLIMIT_NPROC = 6
    RLIMIT_RSS = 5
    RLIMIT_RTPRIO = 14
    RLIMIT_RTTIME = 15
    RLIMIT_SIGPENDING = 11
    RLIMIT_STACK = 3
    RLIM_INFINITY = -1


class AddressFamily(enum.IntEnum):
    """psutil's own address family: only ``AF_LINK`` (``AF_PACKET``, 17)."""

    AF_LINK = 17


def _neg_signal_members():
    import signal

    return {s.name: -s.value for s in signal.Signals}


#: What ``Process.wait()`` returns for a child killed by a signal: the negated
#: signal number, named after ``signal.Signals`` (e.g. ``NegSignal.SIGTERM == -15``).
NegSignal = enum.IntEnum("NegSignal", _neg_signal_members(), module=__name__)
