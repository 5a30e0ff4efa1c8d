"""``Process``, ``process_iter`` and ``wait_procs``.

``Process`` keeps a native handle (``psoxide._psoxide.Handle``, one
``psoxide::Process`` of the package's context) in ``_h``. Each method checks the
arguments psutil checks in Python (with its messages) and makes one call on the
handle; reading ``/proc``, the system calls and the waiting happen in Rust without
the GIL. Getters called without arguments are served from the values
``process_iter(attrs)`` stored on the handle.
"""

from __future__ import annotations

import contextlib
import datetime
import operator
import os
import subprocess
import sys
import time
from ._lazy import typing as _t
import warnings

from . import _ntuples as _nt
from ._enums import NegSignal, ProcessIOPriority, ProcessStatus
from ._exceptions import AccessDenied, NoSuchProcess, TimeoutExpired, ZombieProcess

__all__ = ["Process", "Popen", "process_iter", "wait_procs"]

# Set by the package once its context exists.
_ctx: _t.Any = None

#: The names ``as_dict`` and ``process_iter`` accept besides ``Process.attrs``.
_EXTRA_ATTRS = frozenset({"memory_full_info"})

_SIGSTOP, _SIGCONT, _SIGTERM, _SIGKILL = 19, 18, 15, 9


def _pprint_time(secs: float) -> str:
    """A start time as psutil's repr shows it: the clock time if under a day ago."""
    fmt = "%H:%M:%S" if int(time.time() - secs) < 86400 else "%Y-%m-%d %H:%M:%S"
    return datetime.datetime.fromtimestamp(secs).strftime(fmt)


def _c_int(value: _t.Any) -> int:
    """``value`` as a C ``int`` argument, with the ``TypeError`` text CPython's
    argument parser gives on this version (psutil's C extension parses with it)."""
    try:
        return operator.index(value)
    except TypeError:
        if sys.version_info < (3, 10):
            if isinstance(value, float):
                raise TypeError("integer argument expected, got float") from None
            raise TypeError(f"an integer is required (got type {type(value).__name__})") from None
        raise


def _check_attrs(attrs: _t.Any) -> _t.Optional[_t.List[str]]:
    """``attrs`` as psutil validates it; ``None`` means every attribute."""
    if attrs is None:
        return None
    if not isinstance(attrs, (list, tuple, set, frozenset)):
        raise TypeError(f"invalid attrs type {type(attrs)}")
    names = list(dict.fromkeys(attrs))
    return names or None


class Process:
    """A process of this machine, identified by its PID and start time.

    ``Process()`` is the calling process. Getters report whatever process owns the
    PID now; setters and signals check first that it is still the same process.
    """

    #: The names ``as_dict()`` and ``process_iter()`` accept (psutil 8.0, Linux).
    attrs: _t.ClassVar[_t.FrozenSet[str]] = frozenset(
        {
            "cmdline", "cpu_affinity", "cpu_num", "cpu_percent", "cpu_times",
            "create_time", "cwd", "environ", "exe", "gids", "io_counters", "ionice",
            "memory_footprint", "memory_info", "memory_info_ex", "memory_maps",
            "memory_percent", "name", "net_connections", "nice", "num_ctx_switches",
            "num_fds", "num_threads", "open_files", "page_faults", "pid", "ppid",
            "status", "terminal", "threads", "uids", "username",
        }
    )

    def __init__(self, pid: _t.Optional[int] = None) -> None:
        self._init(pid)

    def _init(self, pid: _t.Optional[int]) -> None:
        if pid is None:
            pid = os.getpid()
        else:
            if pid < 0:
                raise ValueError(f"pid must be a positive integer (got {pid})")
            if pid > 0x7FFFFFFF:
                raise NoSuchProcess(pid, msg="process PID out of range")
        self._h = _ctx.process(int(pid))
        self._ctime_shown = False

    @classmethod
    def _from_handle(cls, handle: _t.Any) -> "Process":
        """A ``Process`` around an existing native handle (no system call)."""
        self = cls.__new__(cls)
        self._h = handle
        self._ctime_shown = False
        return self

    # --- identity ---------------------------------------------------------------

    @property
    def pid(self) -> int:
        """The process ID."""
        return self._h.pid

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Process):
            return NotImplemented
        return self._h.same(other._h)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self.pid)

    def __str__(self) -> str:
        name, status = self._h.repr_parts()
        parts = [f"pid={self.pid}"]
        if name is not None:
            parts.append(f"name={name!r}")
        if status is not None:
            parts.append(f"status={status!r}")
        code = self._h.returncode()
        if code is not None:
            parts.append(f"exitcode={code!r}")
        if self._ctime_shown:
            try:
                parts.append(f"started={_pprint_time(self._h.get('create_time'))!r}")
            except Exception:  # noqa: BLE001 - a repr never raises
                pass
        return f"psutil.{type(self).__name__}({', '.join(parts)})"

    __repr__ = __str__

    # --- many at once -----------------------------------------------------------

    @contextlib.contextmanager
    def oneshot(self) -> _t.Iterator[None]:
        """Within the block, each ``/proc/PID`` source is read at most once."""
        self._h.oneshot_enter()
        try:
            yield
        finally:
            self._h.oneshot_exit()

    def as_dict(
        self, attrs: _t.Optional[_t.Collection[str]] = None, ad_value: _t.Any = None
    ) -> _t.Dict[str, _t.Any]:
        """The named attributes (all of ``Process.attrs`` when ``None``) as a dict;
        ``AccessDenied``/``ZombieProcess`` give ``ad_value``."""
        names = _check_attrs(attrs)
        full = names is not None and "memory_full_info" in names
        if full:
            names = [n for n in names if n != "memory_full_info"]
        with self.oneshot():
            d = self._h.as_dict(names, ad_value) if names is None or names else {}
            if full:
                try:
                    d["memory_full_info"] = self._h.memory_full_info()
                except (AccessDenied, ZombieProcess):
                    d["memory_full_info"] = ad_value
        return d

    @property
    def info(self) -> _t.Dict[str, _t.Any]:
        """Deprecated: a copy of what ``process_iter(attrs)`` stored."""
        warnings.warn(
            "Process.info is deprecated; use method calls instead "
            "(e.g. p.name() instead of p.info['name'])",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._stored()

    def _stored(self) -> _t.Dict[str, _t.Any]:
        """The prefetch store as a dict. ``process_iter(["memory_full_info"])``
        stores ``memory_info`` and ``memory_footprint`` (``_full_info`` names the ones
        it added); they are shown as the one key asked for, ``memory_full_info``."""
        d = self._h.info()
        added = self.__dict__.get("_full_info")
        if added is None or not d:
            return d
        mem, foot = d.get("memory_info"), d.get("memory_footprint")
        for name in added:
            d.pop(name, None)
        if isinstance(mem, _nt.pmem) and isinstance(foot, _nt.pfootprint):
            d["memory_full_info"] = _nt.pfullmem(*mem, *foot)
        else:  # one of them was stored as ad_value
            d["memory_full_info"] = foot if isinstance(mem, _nt.pmem) else mem
        return d

    # --- identity and state ---------------------------------------------------------

    def name(self) -> str:
        """The process name."""
        return self._h.get("name")

    def exe(self) -> str:
        """The absolute path of the executable, or ``""``."""
        try:
            return self._h.get("exe")
        except AccessDenied:
            # After a denied readlink psutil guesses from cmdline(), whose errors it
            # lets through: another user's zombie gives ZombieProcess, not
            # AccessDenied. (The core has tried the guess already; only the error
            # is psutil's here.)
            self._h.get("cmdline")
            raise

    def cmdline(self) -> _t.List[str]:
        """The command line arguments."""
        return self._h.get("cmdline")

    def environ(self) -> _t.Dict[str, str]:
        """The environment the process started with."""
        return self._h.get("environ")

    def create_time(self) -> float:
        """The start time, in seconds since the epoch."""
        t = self._h.get("create_time")
        self._ctime_shown = True
        return t

    def ppid(self) -> int:
        """The parent's PID."""
        return self._h.get("ppid")

    def parent(self) -> _t.Optional["Process"]:
        """The parent, or ``None``."""
        h = self._h.parent()
        return None if h is None else Process._from_handle(h)

    def parents(self) -> _t.List["Process"]:
        """The ancestors, nearest first."""
        return [Process._from_handle(h) for h in self._h.parents()]

    def children(self, recursive: bool = False) -> _t.List["Process"]:
        """The children (and their descendants with ``recursive``)."""
        return [Process._from_handle(h) for h in self._h.children(bool(recursive))]

    def status(self) -> ProcessStatus:
        """The state, a ``ProcessStatus`` member."""
        return self._h.get("status")

    def cwd(self) -> str:
        """The working directory."""
        return self._h.get("cwd")

    def username(self) -> str:
        """The name of the real user (its number when unknown)."""
        return self._h.get("username")

    def uids(self) -> _nt.puids:
        """Real, effective and saved user IDs."""
        return self._h.get("uids")

    def gids(self) -> _nt.pgids:
        """Real, effective and saved group IDs."""
        return self._h.get("gids")

    def terminal(self) -> _t.Optional[str]:
        """The controlling terminal, or ``None``."""
        return self._h.get("terminal")

    # --- priority and limits ---------------------------------------------------------

    def nice(self, value: _t.Optional[int] = None) -> _t.Optional[int]:
        """The nice value, or set it when ``value`` is given."""
        if value is None:
            return self._h.get("nice")
        self._h.set_nice(_c_int(value))
        return None

    def ionice(
        self, ioclass: _t.Optional[int] = None, value: _t.Optional[int] = None
    ) -> _t.Optional[_nt.pionice]:
        """The I/O class and level, or set them when ``ioclass`` is given."""
        if ioclass is None:
            if value is not None:
                raise ValueError("'ioclass' argument must be specified")
            return self._h.get("ionice")
        if value is None:
            value = 0
        elif value and ioclass in (ProcessIOPriority.IOPRIO_CLASS_IDLE, ProcessIOPriority.IOPRIO_CLASS_NONE):
            raise ValueError(f"{ioclass!r} ioclass accepts no value")
        if value < 0 or value > 7:
            raise ValueError("value not in 0-7 range")
        self._h.set_ionice(_c_int(ioclass), _c_int(value))
        return None

    def rlimit(
        self, resource: int, limits: _t.Optional[_t.Tuple[int, int]] = None
    ) -> _t.Optional[_t.Tuple[int, int]]:
        """The ``(soft, hard)`` limits of ``resource`` (-1 unlimited), or set them."""
        if limits is None:
            return self._h.rlimit(int(resource))
        if len(limits) != 2:
            raise ValueError(f"second argument must be a (soft, hard) tuple, got {limits!r}")
        soft, hard = limits
        self._h.set_rlimit(int(resource), int(soft), int(hard))
        return None

    # --- I/O and files ---------------------------------------------------------------

    def io_counters(self) -> _nt.pio:
        """I/O counters."""
        return self._h.get("io_counters")

    def num_ctx_switches(self) -> _nt.pctxsw:
        """Voluntary and involuntary context switches."""
        return self._h.get("num_ctx_switches")

    def num_fds(self) -> int:
        """Number of open file descriptors."""
        return self._h.get("num_fds")

    def num_threads(self) -> int:
        """Number of threads."""
        return self._h.get("num_threads")

    def threads(self) -> _t.List[_nt.pthread]:
        """The threads and their CPU times."""
        return self._h.get("threads")

    def open_files(self) -> _t.List[_nt.popenfile]:
        """The regular files open."""
        return self._h.get("open_files")

    def net_connections(self, kind: str = "inet") -> _t.List[_nt.pconn]:
        """The process's sockets of ``kind``."""
        return self._h.net_connections(kind)

    def connections(self, kind: str = "inet") -> _t.List[_nt.pconn]:
        """Deprecated name of ``net_connections``."""
        warnings.warn(
            "connections() is deprecated and will be removed; use net_connections() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.net_connections(kind)

    # --- CPU ------------------------------------------------------------------------

    def cpu_times(self) -> _nt.pcputimes:
        """CPU times in seconds."""
        return self._h.get("cpu_times")

    def cpu_percent(self, interval: _t.Optional[float] = None) -> float:
        """CPU utilisation in percent (100 = one CPU); blocks ``interval`` seconds
        without the GIL, else compares with the previous call (the first gives 0.0)."""
        if interval is not None and interval < 0:
            raise ValueError(f"interval is not positive (got {interval!r})")
        if interval is None or interval == 0:
            return self._h.get("cpu_percent")
        return self._h.cpu_percent(float(interval))

    def cpu_num(self) -> int:
        """The CPU the process last ran on."""
        return self._h.get("cpu_num")

    def cpu_affinity(self, cpus: _t.Optional[_t.Iterable[int]] = None) -> _t.Optional[_t.List[int]]:
        """The CPUs the process may run on, or restrict it to ``cpus``."""
        if cpus is None:
            return self._h.get("cpu_affinity")
        self._h.set_cpu_affinity(sorted({int(c) for c in cpus}))
        return None

    # --- memory ------------------------------------------------------------------

    def memory_info(self) -> _nt.pmem:
        """Memory in bytes."""
        return self._h.get("memory_info")

    def memory_info_ex(self) -> _nt.pmem_ex:
        """Memory in bytes, with peaks and the resident breakdown."""
        return self._h.get("memory_info_ex")

    def memory_footprint(self) -> _nt.pfootprint:
        """Unique, proportional and swapped memory in bytes."""
        return self._h.get("memory_footprint")

    def memory_full_info(self) -> _nt.pfullmem:
        """Deprecated: ``memory_info()`` and ``memory_footprint()`` in one tuple."""
        warnings.warn(
            "memory_full_info() is deprecated; use memory_footprint() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        try:
            return self._h.memory_full_info()
        except (AccessDenied, ZombieProcess):
            # Asked for by process_iter: the stored ad_value instead of the error.
            if self.__dict__.get("_full_info") is not None:
                return self._stored()["memory_full_info"]
            raise

    def memory_percent(self, memtype: str = "rss") -> float:
        """``memtype`` memory as a percentage of the machine's total memory."""
        if memtype == "rss":
            return self._h.get("memory_percent")
        return self._h.memory_percent(memtype)

    def memory_maps(self, grouped: bool = True) -> _t.List[_t.Union[_nt.pmmap_grouped, _nt.pmmap_ext]]:
        """Memory mappings, summed by path with ``grouped``."""
        return self._h.memory_maps(bool(grouped))

    def page_faults(self) -> _nt.ppagefaults:
        """Minor and major page faults."""
        return self._h.get("page_faults")

    # --- signals and waiting ---------------------------------------------------------

    def is_running(self) -> bool:
        """Whether the process still runs (zombies count) and is the same process."""
        return self._h.is_running()

    def send_signal(self, sig: int) -> None:
        """Sends ``sig``, if the process is still the same one."""
        self._h.send_signal(int(sig))

    def suspend(self) -> None:
        """Sends SIGSTOP."""
        self._h.suspend()

    def resume(self) -> None:
        """Sends SIGCONT."""
        self._h.resume()

    def terminate(self) -> None:
        """Sends SIGTERM."""
        self._h.terminate()

    def kill(self) -> None:
        """Sends SIGKILL."""
        self._h.kill()

    def wait(self, timeout: _t.Optional[float] = None) -> _t.Union[int, NegSignal, None]:
        """Waits (without the GIL) for the process to end: a child's exit code or
        ``NegSignal`` member, else ``None``; ``TimeoutExpired`` after ``timeout``."""
        if self.pid == 0:
            raise ValueError("can't wait for PID 0")
        if timeout is not None:
            if not isinstance(timeout, (int, float)):
                raise TypeError(f"timeout must be an int or float (got {type(timeout)})")
            if timeout < 0:
                raise ValueError(f"timeout must be positive or zero (got {timeout})")
            if timeout != timeout:  # psutil fails an internal assertion here
                raise ValueError("timeout must be a number (got nan)")
            if timeout == float("inf"):  # psutil converts it to milliseconds first
                raise OverflowError("cannot convert float infinity to integer")
        try:
            return self._h.wait(None if timeout is None else float(timeout))
        except TimeoutExpired as e:
            raise TimeoutExpired(timeout, self.pid, e.name) from None


def process_iter(
    attrs: _t.Optional[_t.Collection[str]] = None, ad_value: _t.Any = None
) -> _t.Iterator[Process]:
    """Every process, by PID. With ``attrs``, those values are read for each process
    in one scan (in Rust) and later no-argument calls of those methods return them
    (``ad_value`` where reading was denied). Objects are kept between calls.

    A generator, as psutil's: the arguments are checked and the table is scanned
    when the first process is asked for."""
    if attrs is not None:
        if not isinstance(attrs, (list, tuple, set, frozenset)):
            raise TypeError(f"invalid attrs type {type(attrs)}")
        if not attrs:
            if isinstance(attrs, list):
                warnings.warn(
                    "process_iter(attrs=[]) is deprecated; use process_iter(attrs=Process.attrs)",
                    DeprecationWarning,
                    stacklevel=2,
                )
            else:
                warnings.warn(
                    f"process_iter(attrs={attrs!r}) means all attributes; use Process.attrs",
                    UserWarning,
                    stacklevel=2,
                )
            attrs = Process.attrs
        names = list(dict.fromkeys(attrs))
        full = None
        if "memory_full_info" in names:
            # Stored as its two parts; `info` shows them under the name asked for.
            names = [n for n in names if n != "memory_full_info"]
            full = tuple(n for n in ("memory_info", "memory_footprint") if n not in names)
            names += full
    else:
        names = None
        full = None
    for proc in _ctx.process_iter(names, ad_value, Process._from_handle):
        if full is not None:
            proc.__dict__["_full_info"] = full
        elif "_full_info" in proc.__dict__:
            del proc.__dict__["_full_info"]
        yield proc


def _process_iter_cache_clear() -> None:
    """Forgets the ``Process`` objects ``process_iter`` keeps between calls."""
    _ctx.process_iter_cache_clear()


process_iter.cache_clear = _process_iter_cache_clear  # type: ignore[attr-defined]


def wait_procs(
    procs: _t.Iterable[Process],
    timeout: _t.Optional[float] = None,
    callback: _t.Optional[_t.Callable[[Process], _t.Any]] = None,
) -> _t.Tuple[_t.List[Process], _t.List[Process]]:
    """Waits until the processes end or ``timeout`` passes: ``(gone, alive)``. Each
    gone process gets a ``returncode`` attribute and is passed to ``callback``."""
    if timeout is not None and not timeout >= 0:
        raise ValueError(f"timeout must be a positive integer, got {timeout}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback {callback!r} is not a callable")
    alive = list(dict.fromkeys(procs))
    gone: _t.List[Process] = []
    deadline = None if timeout is None else time.monotonic() + timeout

    def done(proc: Process, wait_for: float) -> bool:
        try:
            code = proc.wait(wait_for)
        except TimeoutExpired:
            return False
        if code is None and proc.is_running():
            return False
        proc.returncode = code
        gone.append(proc)
        if callback is not None:
            callback(proc)
        return True

    while alive:
        if deadline is not None and deadline - time.monotonic() <= 0:
            break
        for proc in list(alive):
            slice_ = 1.0 / len(alive)
            if deadline is not None:
                slice_ = max(0.0, min(deadline - time.monotonic(), slice_))
            if done(proc, slice_):
                alive.remove(proc)
            if deadline is not None and deadline - time.monotonic() <= 0:
                break
    for proc in list(alive):
        if done(proc, 0):
            alive.remove(proc)
    return gone, alive


class _PopenTimeoutExpired(TimeoutExpired, subprocess.TimeoutExpired):
    """What ``Popen.wait`` raises: psoxide's ``TimeoutExpired`` that is also
    ``subprocess.TimeoutExpired``, because ``subprocess.Popen`` calls ``wait``
    itself (``communicate(timeout=...)``) and its callers catch the latter."""

    def __init__(self, seconds: float, pid: _t.Optional[int] = None, name: _t.Optional[str] = None,
                 cmd: _t.Any = None) -> None:
        TimeoutExpired.__init__(self, seconds, pid, name)
        self.cmd = cmd
        self.timeout = seconds
        self.output = None
        self.stderr = None

    def __reduce__(self):
        return (type(self), (self.seconds, self.pid, self.name, self.cmd))


# Shown (repr) under psutil's name; pickled by the qualified name, which exists.
_PopenTimeoutExpired.__name__ = "TimeoutExpired"


class Popen(Process, subprocess.Popen):
    """A ``subprocess.Popen`` that is also a ``Process`` of its child.

    Where both classes define a method, ``Process``'s wins (``send_signal``,
    ``terminate`` and ``kill`` check that the PID is still the child's); the rest
    (``stdin``, ``communicate()``, ``poll()``, ``args``, the context manager ...) is
    ``subprocess.Popen``'s. ``wait()`` returns the child's ``returncode`` when it is
    known, else waits as ``Process.wait`` does and records the result as
    ``returncode``.
    """

    def __init__(self, *args: _t.Any, **kwargs: _t.Any) -> None:
        subprocess.Popen.__init__(self, *args, **kwargs)
        # The child is not reaped before we wait for it, so its PID is still there
        # (a zombie at worst) and the handle can be made.
        self._h = _ctx.process(self.__dict__["_child_pid"])
        self._ctime_shown = False

    @property  # type: ignore[override]
    def pid(self) -> int:
        """The child's PID."""
        return self.__dict__["_child_pid"]

    @pid.setter
    def pid(self, value: int) -> None:
        # subprocess.Popen.__init__ assigns it once it has started the child.
        self.__dict__["_child_pid"] = value

    def __getattr__(self, name: str) -> _t.Any:
        # Only reached when neither class has the attribute: psutil's text.
        raise AttributeError(f"<class 'psutil.{type(self).__name__}'> has no attribute {name!r}")

    def wait(self, timeout: _t.Optional[float] = None) -> _t.Union[int, NegSignal, None]:  # type: ignore[override]
        """The child's exit code (a ``NegSignal`` member if a signal killed it),
        waiting up to ``timeout`` seconds (then ``TimeoutExpired``, which is also
        ``subprocess.TimeoutExpired``)."""
        if self.returncode is not None:
            return self.returncode
        try:
            code = Process.wait(self, timeout)
        except TimeoutExpired as e:
            raise _PopenTimeoutExpired(e.seconds, e.pid, e.name, self.args) from None
        self.returncode = code
        return code
