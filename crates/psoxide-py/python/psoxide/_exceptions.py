"""psutil's exception classes: the same hierarchy, constructors, attributes,
``str()`` and ``repr()`` texts, and pickling.

``str(e)`` is the message followed by ``(pid=.., ppid=.., name=..)`` with the
truthy values only (a pid of 0 is kept); ``repr(e)`` is
``psutil.<Class>(pid=.., ppid=.., name=.., seconds=.., msg=..)`` under the same
rule. The repr keeps psutil's ``psutil.`` prefix so that logs read the same;
``__module__`` is ``psoxide`` so that pickles name a module that exists.
"""

from __future__ import annotations

from ._lazy import typing as _t

__all__ = ["Error", "NoSuchProcess", "ZombieProcess", "AccessDenied", "TimeoutExpired"]


def _present(exc: "Error", names: _t.Tuple[str, ...]) -> _t.Dict[str, _t.Any]:
    """The attributes of ``exc`` among ``names`` worth showing: truthy ones, and a pid of 0."""
    shown = {}
    for name in names:
        value = getattr(exc, name, None)
        if value or (name == "pid" and value == 0):
            shown[name] = value
    return shown


def _pairs(values: _t.Dict[str, _t.Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())


class Error(Exception):
    """Base class of every psoxide exception (psutil's ``Error``)."""

    __module__ = "psoxide"

    def __str__(self) -> str:
        details = _present(self, ("pid", "ppid", "name"))
        parts = [getattr(self, "msg", "") or "", f"({_pairs(details)})" if details else ""]
        return " ".join(p for p in parts if p)

    def __repr__(self) -> str:
        details = _present(self, ("pid", "ppid", "name", "seconds", "msg"))
        return f"psutil.{type(self).__name__}({_pairs(details)})"


class NoSuchProcess(Error):
    """The process does not exist any more (or its PID was reused)."""

    __module__ = "psoxide"

    def __init__(self, pid: int, name: _t.Optional[str] = None, msg: _t.Optional[str] = None) -> None:
        Error.__init__(self)
        self.pid = pid
        self.name = name
        self.msg = msg or "process no longer exists"

    def __reduce__(self):
        return (type(self), (self.pid, self.name, self.msg))


class ZombieProcess(NoSuchProcess):
    """The process is a zombie: it exists, but the data asked for is gone."""

    __module__ = "psoxide"

    def __init__(
        self,
        pid: int,
        name: _t.Optional[str] = None,
        ppid: _t.Optional[int] = None,
        msg: _t.Optional[str] = None,
    ) -> None:
        NoSuchProcess.__init__(self, pid, name, msg)
        self.ppid = ppid
        self.msg = msg or "PID still exists but it's a zombie"

    def __reduce__(self):
        return (type(self), (self.pid, self.name, self.ppid, self.msg))


class AccessDenied(Error):
    """The operating system refused the operation (EPERM or EACCES)."""

    __module__ = "psoxide"

    def __init__(
        self, pid: _t.Optional[int] = None, name: _t.Optional[str] = None, msg: _t.Optional[str] = None
    ) -> None:
        Error.__init__(self)
        self.pid = pid
        self.name = name
        self.msg = msg or ""

    def __reduce__(self):
        return (type(self), (self.pid, self.name, self.msg))


class TimeoutExpired(Error):
    """``Process.wait(timeout)`` ran out of time with the process still alive."""

    __module__ = "psoxide"

    def __init__(self, seconds: float, pid: _t.Optional[int] = None, name: _t.Optional[str] = None) -> None:
        Error.__init__(self)
        self.seconds = seconds
        self.pid = pid
        self.name = name
        self.msg = f"timeout after {seconds} seconds"

    def __reduce__(self):
        return (type(self), (self.seconds, self.pid, self.name))
