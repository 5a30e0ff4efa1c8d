"""The module namespace: what exists matches psutil 8.0 on Linux (spec section 1),
what psutil lacks on Linux is absent, and what is not implemented yet is absent too
(listed in docs/python.md) rather than stubbed."""

import enum
import inspect
import pickle
import typing

import psutil
import pytest

import psoxide

# psutil 8.0's __all__ on Linux (spec 1.1), without the enum members (checked below).
SPEC_ALL = [
    "Error", "NoSuchProcess", "ZombieProcess", "AccessDenied", "TimeoutExpired",
    "version_info", "__version__", "AF_LINK",
    "BSD", "FREEBSD", "LINUX", "NETBSD", "OPENBSD", "MACOS", "OSX", "POSIX", "SUNOS",
    "WINDOWS", "AIX",
    "Process", "Popen",
    "pid_exists", "pids", "process_iter", "wait_procs", "virtual_memory", "swap_memory",
    "cpu_times", "cpu_percent", "cpu_times_percent", "cpu_count", "cpu_stats", "getloadavg",
    "cpu_freq", "net_io_counters", "net_connections", "net_if_addrs", "net_if_stats",
    "disk_io_counters", "disk_partitions", "disk_usage", "users", "boot_time", "bytes2human",
    "sensors_temperatures", "sensors_fans", "sensors_battery", "heap_info", "heap_trim",
    "PROCFS_PATH",
    "ProcessStatus", "ConnectionStatus", "NicDuplex", "BatteryTime", "ProcessIOPriority",
    "ProcessRlimit",
]

# Spec 1.3: names psutil does not define on Linux.
ABSENT_ON_LINUX = [
    "win_service_iter", "win_service_get", "WindowsService", "ProcessPriority",
    "ABOVE_NORMAL_PRIORITY_CLASS", "BELOW_NORMAL_PRIORITY_CLASS", "HIGH_PRIORITY_CLASS",
    "IDLE_PRIORITY_CLASS", "NORMAL_PRIORITY_CLASS", "REALTIME_PRIORITY_CLASS",
    "IOPRIO_VERYLOW", "IOPRIO_LOW", "IOPRIO_NORMAL", "IOPRIO_HIGH",
    "CONN_DELETE_TCB", "CONN_IDLE", "CONN_BOUND", "RLIMIT_SWAP", "RLIMIT_SBSIZE", "RLIMIT_NPTS",
]

ENUM_MEMBER_COUNTS = {
    "ProcessStatus": 14, "ConnectionStatus": 12, "NicDuplex": 3, "BatteryTime": 2,
    "ProcessIOPriority": 4, "ProcessRlimit": 17,
}


@pytest.mark.parametrize("name", SPEC_ALL)
def test_name_exists(name):
    assert name in psoxide.__all__
    assert hasattr(psoxide, name)


@pytest.mark.parametrize("name", ABSENT_ON_LINUX)
def test_absent_on_linux(name):
    assert not hasattr(psoxide, name)


def test_all_has_no_unknown_names():
    members = {m.name for e in ENUM_MEMBER_COUNTS for m in getattr(psoxide, e)}
    assert set(psoxide.__all__) <= set(SPEC_ALL) | members
    assert len(psoxide.__all__) == len(set(psoxide.__all__))


@pytest.mark.parametrize("name,count", sorted(ENUM_MEMBER_COUNTS.items()))
def test_enum_members_exported(name, count):
    cls = getattr(psoxide, name)
    assert issubclass(cls, enum.Enum)
    assert len(cls) == count
    for m in cls:
        assert getattr(psoxide, m.name) is m
        assert m.name in psoxide.__all__
        assert pickle.loads(pickle.dumps(m)) is m


def _psutil_constants():
    names = []
    for n in psutil.__all__:
        v = getattr(psutil, n)
        if n.isupper() and not callable(v) and n != "PROCFS_PATH":
            names.append(n)
    return names


@pytest.mark.parametrize("name", _psutil_constants())
def test_constant_equals_psutil(name):
    # psutil 7.2.2's constants are plain strings/ints; 8.0's are enum members that
    # compare equal to them.
    assert getattr(psoxide, name) == getattr(psutil, name)
    assert hash(getattr(psoxide, name)) == hash(getattr(psutil, name))


def test_str_enums_behave_as_strings():
    assert psoxide.STATUS_RUNNING == "running"
    assert str(psoxide.STATUS_DISK_SLEEP) == "disk-sleep"
    assert f"{psoxide.CONN_LISTEN}" == "LISTEN"
    assert repr(psoxide.STATUS_RUNNING) == "<ProcessStatus.STATUS_RUNNING: 'running'>"
    assert isinstance(psoxide.CONN_NONE, str)


def test_af_link():
    assert psoxide.AF_LINK == 17
    assert repr(psoxide.AF_LINK) == "<AddressFamily.AF_LINK: 17>"


def test_versions_and_platform():
    assert psoxide.version_info == (8, 0, 0)
    assert psoxide.__version__ == "8.0.0"
    assert psoxide.LINUX and psoxide.POSIX
    for n in ("WINDOWS", "MACOS", "OSX", "FREEBSD", "OPENBSD", "NETBSD", "BSD", "SUNOS", "AIX"):
        assert getattr(psoxide, n) is False


def test_cache_clear_attributes():
    psoxide.disk_io_counters.cache_clear()
    psoxide.net_io_counters.cache_clear()
    assert not hasattr(psoxide.cpu_count, "cache_clear")


def _public_functions():
    return [n for n in psoxide.__all__ if inspect.isfunction(getattr(psoxide, n))]


@pytest.mark.parametrize("name", _public_functions())
def test_type_hints_resolve(name):
    fn = getattr(psoxide, name)
    hints = typing.get_type_hints(fn)
    assert "return" in hints
    params = inspect.signature(fn).parameters
    assert set(params) <= set(hints)


@pytest.mark.parametrize("name", [n for n in _public_functions() if hasattr(psutil, n)])
def test_signature_matches_psutil(name):
    ours = inspect.signature(getattr(psoxide, name)).parameters
    theirs = inspect.signature(getattr(psutil, name)).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in theirs.values()
    ]


def test_named_tuple_hints_resolve():
    from psoxide import _ntuples

    for name in _ntuples.__all__:
        cls = getattr(_ntuples, name)
        hints = typing.get_type_hints(cls)
        assert list(hints) == list(cls._fields)


def test_named_tuples_are_what_typing_namedtuple_makes():
    # psoxide builds its named tuples without importing typing (import time); each
    # must equal, field for field, the class typing.NamedTuple makes from the same
    # annotations: a tuple subclass with the same fields, defaults, hints and methods.
    from psoxide import _ntuples

    for name in _ntuples.__all__:
        cls = getattr(_ntuples, name)
        hints = typing.get_type_hints(cls)
        ref = typing.NamedTuple(name, list(hints.items()))
        assert cls.__bases__ == ref.__bases__ == (tuple,)
        assert cls._fields == ref._fields
        assert cls._field_defaults == ref._field_defaults
        assert cls.__module__ == "psoxide._ntuples" and cls.__qualname__ == name
        assert cls.__doc__ and not cls.__doc__.startswith(name + "(")
        for attr in ("_make", "_replace", "_asdict", "__getnewargs__", "__repr__"):
            assert hasattr(cls, attr), (name, attr)
        v = cls(*range(len(cls._fields)))
        assert v == tuple(range(len(cls._fields)))
        assert pickle.loads(pickle.dumps(v)) == v and type(pickle.loads(pickle.dumps(v))) is cls
        assert v._asdict() == dict(zip(cls._fields, range(len(cls._fields))))


def test_import_does_not_import_typing():
    # `import psoxide` must be no slower than `import psutil`; typing alone costs
    # about as much as the rest of the import, so annotations name it lazily.
    import subprocess
    import sys

    code = "import sys, psoxide; print(sorted(m for m in ('typing',) if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
