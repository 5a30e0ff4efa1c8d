"""``Process``, ``process_iter`` and ``wait_procs``: behaviour programs rely on,
compared with psutil where 7.2.2 and 8.0 agree, with spec section 4/9 where 8.0
differs. Children are started by the tests and killed at the end."""

import inspect
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import typing
import warnings

import psutil
import pytest

import psoxide
from conftest import fixture_dirs

ATTRS_80 = {
    "cmdline", "cpu_affinity", "cpu_num", "cpu_percent", "cpu_times", "create_time", "cwd",
    "environ", "exe", "gids", "io_counters", "ionice", "memory_footprint", "memory_info",
    "memory_info_ex", "memory_maps", "memory_percent", "name", "net_connections", "nice",
    "num_ctx_switches", "num_fds", "num_threads", "open_files", "page_faults", "pid", "ppid",
    "status", "terminal", "threads", "uids", "username",
}


@pytest.fixture
def child():
    """A sleeping child process, killed and reaped afterwards."""
    c = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield c
    if c.poll() is None:
        c.kill()
    c.wait()


def zombie_pid():
    c = subprocess.Popen(["true"])
    for _ in range(300):
        if psutil.Process(c.pid).status() == psutil.STATUS_ZOMBIE:
            return c
        time.sleep(0.01)
    return c


def raised(f, *args, **kw):
    try:
        f(*args, **kw)
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


# --- construction and identity ----------------------------------------------------


def test_construction_like_psutil():
    assert psoxide.Process().pid == os.getpid()
    for pid in (-1, 2**31, 2**40, 2**31 - 1, 0):
        assert raised(psoxide.Process, pid) == raised(psutil.Process, pid), pid
    with pytest.raises(TypeError):
        psoxide.Process("1")


def test_thread_ids_are_accepted():
    """Spec 0.4: Process(tid) works for a thread that is not a group leader."""
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        tid = t.native_id
        ours, theirs = psoxide.Process(tid), psutil.Process(tid)
        assert ours.pid == tid and ours.name() == theirs.name()
        assert ours.cpu_times()._fields == ("user", "system", "children_user", "children_system", "iowait")
        assert not psoxide.pid_exists(tid) and not psutil.pid_exists(tid)
    finally:
        stop.set()
        t.join()


def test_equality_and_hash():
    a, b = psoxide.Process(), psoxide.Process(os.getpid())
    assert a == b and not (a != b) and hash(a) == hash(os.getpid())
    assert a != psoxide.Process(1)
    assert (a == os.getpid()) is False and a.__eq__(1) is NotImplemented
    assert len({a, b, psoxide.Process(1)}) == 2


def test_subclass_and_new_attributes():
    class Mine(psoxide.Process):
        def __init__(self, pid=None):
            super().__init__(pid)
            self.tag = "x"

        def label(self):
            return f"{self.tag}:{self.name()}"

    m = Mine()
    assert m.label() == f"x:{psutil.Process().name()}"
    assert m == psoxide.Process()
    p = psoxide.Process()
    p.anything = 1
    assert p.anything == 1


def test_repr_matches_psutil():
    ours, theirs = psoxide.Process(), psutil.Process()
    assert repr(ours) == repr(theirs) == str(ours)
    ours.create_time()
    theirs.create_time()
    assert repr(ours) == repr(theirs)
    assert "started=" in repr(ours)


def test_repr_of_a_waited_child(child):
    p = psoxide.Process(child.pid)
    p.terminate()
    assert p.wait(5) == -signal.SIGTERM
    assert repr(p).endswith("status='terminated', exitcode=<NegSignal.SIGTERM: -15>)"), repr(p)


def test_every_public_name_of_psutils_process_exists():
    public = {n for n in dir(psutil.Process) if not n.startswith("_")}
    ours = {n for n in dir(psoxide.Process) if not n.startswith("_")}
    # 8.0 additions (spec 9.2) on top of 7.2.2's names.
    assert ours == public | {"attrs", "info", "memory_footprint", "memory_info_ex", "page_faults"}
    assert set(dir(psoxide.Popen)) >= ours | {"communicate", "poll", "wait"}


def test_attrs_and_signatures():
    assert psoxide.Process.attrs == ATTRS_80
    assert isinstance(psoxide.Process.attrs, frozenset)
    for name, fn in inspect.getmembers(psoxide.Process, inspect.isfunction):
        if name.startswith("_"):
            continue
        typing.get_type_hints(fn)
        theirs = getattr(psutil.Process, name, None)
        if theirs is not None:
            ours_params = list(inspect.signature(fn).parameters.values())
            their_params = list(inspect.signature(theirs).parameters.values())
            assert [(x.name, x.default) for x in ours_params[1:]] == [
                (x.name, x.default) for x in their_params[1:]
            ] or name == "rlimit", name
    for fn in (psoxide.process_iter, psoxide.wait_procs):
        typing.get_type_hints(fn)
        ours_params = inspect.signature(fn).parameters.values()
        their_params = inspect.signature(getattr(psutil, fn.__name__)).parameters.values()
        assert [(x.name, x.default) for x in ours_params] == [(x.name, x.default) for x in their_params]


# --- values -----------------------------------------------------------------------


def test_named_tuples_pickle_and_compare():
    p = psoxide.Process()
    for v in (p.cpu_times(), p.memory_info(), p.memory_info_ex(), p.uids(), p.gids(), p.ionice(),
              p.num_ctx_switches(), p.io_counters(), p.page_faults(), p.memory_footprint()):
        assert pickle.loads(pickle.dumps(v)) == v
        assert v == tuple(v) and v._asdict() == dict(zip(v._fields, v))
        typing.get_type_hints(type(v))


def test_deprecations_warn_and_work():
    p = psoxide.Process()
    m = p.memory_info()
    for field in ("lib", "dirty"):
        with pytest.warns(DeprecationWarning, match=f"'{field}' field is deprecated"):
            assert getattr(m, field) == 0
    assert "lib" not in m._fields
    with pytest.warns(DeprecationWarning, match="memory_full_info"):
        full = p.memory_full_info()
    assert type(full).__name__ == "pfullmem" and full._fields[-3:] == ("uss", "pss", "swap")
    with pytest.warns(DeprecationWarning, match="connections"):
        assert p.connections() == p.net_connections()
    with pytest.warns(DeprecationWarning, match="Process.info is deprecated"):
        assert p.info == {}


def test_bad_arguments_like_psutil():
    ours, theirs = psoxide.Process(), psutil.Process()
    calls = [
        ("as_dict", (["foo"],)), ("as_dict", ("name",)), ("net_connections", ("foo",)),
        ("cpu_percent", (-1,)), ("wait", ("x",)), ("wait", (-1,)), ("nice", ("x",)), ("nice", (1.5,)),
        ("rlimit", (999,)), ("rlimit", (7, (1,))), ("ionice", (None, 3)), ("ionice", (3, 3)),
        ("ionice", (2, 9)), ("cpu_affinity", ([99],)),
    ]
    for name, args in calls:
        assert raised(getattr(ours, name), *args) == raised(getattr(theirs, name), *args), name
    # 8.0's memtype list (spec 4.6), not 7.x's.
    kind, msg = raised(ours.memory_percent, "lib")
    assert kind == "ValueError" and msg == (
        "invalid memtype 'lib'; valid types are ('rss', 'vms', 'shared', 'text', 'data', "
        "'peak_rss', 'peak_vms', 'rss_anon', 'rss_file', 'rss_shmem', 'swap', 'hugetlb', "
        "'uss', 'pss')")
    assert raised(ours.as_dict, ["foo", "bar"])[1].startswith("invalid attr names ")


def test_as_dict():
    p = psoxide.Process()
    d = p.as_dict()
    assert list(d) == sorted(ATTRS_80)
    assert p.as_dict(["name", "pid"]) == {"name": p.name(), "pid": p.pid}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = p.as_dict(["memory_full_info"])["memory_full_info"]
    assert type(full).__name__ == "pfullmem"


def test_oneshot_is_reentrant():
    p = psoxide.Process()
    with p.oneshot():
        with p.oneshot():
            a = p.cpu_times()
        b = p.cpu_times()
        assert a == b  # one read of /proc/PID/stat serves the block
        # Quirk 10.3: both samples of a blocking cpu_percent come from that read.
        assert p.cpu_percent(interval=0.05) == 0.0
    assert p.name() == psutil.Process().name()


# --- process_iter -------------------------------------------------------------------


def test_process_iter_keeps_objects_and_cache_clear():
    first = {p.pid: p for p in psoxide.process_iter()}
    again = {p.pid: p for p in psoxide.process_iter()}
    assert os.getpid() in first
    assert first[os.getpid()] is again[os.getpid()]
    assert list(first) == sorted(first)
    psoxide.process_iter.cache_clear()
    third = {p.pid: p for p in psoxide.process_iter()}
    assert third[os.getpid()] is not first[os.getpid()]
    assert third[os.getpid()] == first[os.getpid()]


def test_process_iter_from_several_threads():
    """Concurrent scans (each makes Python objects while others hold the GIL)."""
    errors = []

    def scan():
        try:
            for _ in range(20):
                assert any(p.pid == os.getpid() for p in psoxide.process_iter(["name"]))
                psoxide.process_iter.cache_clear()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads) and not errors


def test_process_iter_attrs_are_served_and_info():
    procs = list(psoxide.process_iter(["name", "cmdline", "username"]))
    me = next(p for p in procs if p.pid == os.getpid())
    with pytest.warns(DeprecationWarning):
        info = me.info
    assert info == {"name": me.name(), "cmdline": me.cmdline(), "username": me.username()}
    assert info["name"] == psutil.Process().name()
    # The next call without attrs clears the store.
    list(psoxide.process_iter())
    with pytest.warns(DeprecationWarning):
        assert me.info == {}


def test_process_iter_ad_value_for_zombies():
    z = zombie_pid()
    try:
        procs = {p.pid: p for p in psoxide.process_iter(["cmdline", "name"], ad_value="AD")}
        zp = procs[z.pid]  # 8.0 yields zombies
        assert zp.cmdline() == "AD"
        assert zp.name() == psutil.Process(z.pid).name()
        with pytest.raises(psoxide.ZombieProcess):
            psoxide.Process(z.pid).cmdline()
    finally:
        z.wait()


def test_exception_names_follow_name_calls():
    """Spec 0.3: an exception names the process only after name() (or as_dict with
    it, or the repr, or a process_iter prefetch of it) returned on that object."""
    z = zombie_pid()
    try:
        ours, theirs = psoxide.Process(z.pid), psutil.Process(z.pid)
        assert raised(ours.cmdline) == raised(theirs.cmdline)
        assert "name=" not in raised(ours.cmdline)[1]
        ours.name()
        theirs.name()
        assert raised(ours.cmdline) == raised(theirs.cmdline)
        assert "name='true'" in raised(ours.cmdline)[1]
        fresh = psoxide.Process(z.pid)
        fresh.as_dict(["name"])
        assert "name='true'" in raised(fresh.cmdline)[1]
        fresh = psoxide.Process(z.pid)
        repr(fresh)
        assert "name='true'" in raised(fresh.cmdline)[1]
        psoxide.process_iter.cache_clear()
        it = next(p for p in psoxide.process_iter(["name"]) if p.pid == z.pid)
        assert "name='true'" in raised(it.cmdline)[1]
    finally:
        z.wait()


def test_process_iter_arguments():
    with pytest.warns(DeprecationWarning):
        a = next(iter(psoxide.process_iter([])))
    with pytest.warns(DeprecationWarning):
        assert set(a.info) == ATTRS_80 - {"environ"} or set(a.info) == ATTRS_80
    with pytest.warns(UserWarning):
        next(iter(psoxide.process_iter(())))
    # A generator, as psutil's: the arguments are checked at the first next().
    assert inspect.isgeneratorfunction(psoxide.process_iter)
    bad = psoxide.process_iter(["foo"])
    with pytest.raises(ValueError, match="invalid attr name 'foo'"):
        next(bad)
    with pytest.raises(TypeError, match="invalid attrs type"):
        next(psoxide.process_iter("name"))
    me = next(p for p in psoxide.process_iter(["memory_full_info", "name"]) if p.pid == os.getpid())
    with pytest.warns(DeprecationWarning):
        full = me.memory_full_info()
    assert full._fields[0] == "rss"
    with pytest.warns(DeprecationWarning):
        info = me.info
    assert set(info) == {"memory_full_info", "name"}
    assert type(info["memory_full_info"]).__name__ == "pfullmem"
    # A later call without it shows the store as it is.
    me = next(p for p in psoxide.process_iter(["memory_info", "memory_footprint"]) if p.pid == os.getpid())
    with pytest.warns(DeprecationWarning):
        assert set(me.info) == {"memory_info", "memory_footprint"}


def test_process_iter_environ_skips_kernel_threads():
    """Quirk 10.17, as psutil: kernel threads are dropped when environ is asked."""
    with_env = {p.pid for p in psoxide.process_iter(["environ"])}
    theirs = {p.pid for p in psutil.process_iter(["environ"])}
    kthreads = {p.pid for p in psutil.process_iter() if p.pid != 1 and p.ppid() == 2} - {os.getpid()}
    assert not (with_env & kthreads)
    assert not (theirs & kthreads)


# --- actions ------------------------------------------------------------------------


def test_wait_exit_code_signal_and_timeout(child):
    p = psoxide.Process(child.pid)
    with pytest.raises(psoxide.TimeoutExpired) as e:
        p.wait(0.1)
    # No name: name() was not called on this object yet (psutil's rule).
    assert str(e.value) == f"timeout after 0.1 seconds (pid={child.pid})"
    theirs = psutil.Process(child.pid)
    with pytest.raises(psutil.TimeoutExpired) as e2:
        theirs.wait(0.01)
    assert str(e2.value) == f"timeout after 0.01 seconds (pid={child.pid})"
    p.name()
    with pytest.raises(psoxide.TimeoutExpired) as e:
        p.wait(0.01)
    assert str(e.value) == f"timeout after 0.01 seconds (pid={child.pid}, name='{p.name()}')"
    p.kill()
    code = p.wait()
    assert code == -signal.SIGKILL and type(code).__name__ == "NegSignal"
    assert p.wait() is code  # cached
    assert not p.is_running()
    ok = subprocess.Popen(["sh", "-c", "exit 3"])
    assert psoxide.Process(ok.pid).wait(5) == 3


def test_wait_odd_timeouts(child):
    """inf raises psutil's OverflowError; nan a ValueError (psutil fails an internal
    assertion); neither blocks."""
    ours, theirs = psoxide.Process(child.pid), psutil.Process(child.pid)
    assert raised(ours.wait, float("inf")) == raised(theirs.wait, float("inf"))
    assert raised(ours.wait, float("nan")) == ("ValueError", "timeout must be a number (got nan)")


def test_wait_releases_the_gil(child):
    p = psoxide.Process(child.pid)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.005)

    t = threading.Thread(target=count)
    t.start()
    with pytest.raises(psoxide.TimeoutExpired):
        p.wait(0.3)
    p.cpu_percent(0.2)
    stop.set()
    t.join()
    assert len(ticks) > 20


@pytest.mark.parametrize("call", ["cpu_percent", "wait"])
def test_ctrl_c_interrupts_blocking_calls(child, call):
    """A KeyboardInterrupt arriving while cpu_percent(interval) or wait() blocks
    ends the call within ~100 ms, as it ends time.sleep."""
    import _thread

    p = psoxide.Process(child.pid)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        if call == "wait":
            p.wait(10)
        else:
            p.cpu_percent(interval=10)
    assert time.monotonic() - start < 2
    timer.join()
    assert p.cpu_percent(interval=0.05) >= 0.0  # the handle still works


def test_signals_and_setters(child):
    p = psoxide.Process(child.pid)
    p.suspend()
    for _ in range(100):
        if p.status() == psoxide.STATUS_STOPPED:
            break
        time.sleep(0.01)
    assert p.status() == psutil.Process(child.pid).status() == "stopped"
    p.resume()
    p.nice(5)
    assert p.nice() == psutil.Process(child.pid).nice() == 5
    p.rlimit(psoxide.RLIMIT_NOFILE, (128, 256))
    assert p.rlimit(psoxide.RLIMIT_NOFILE) == psutil.Process(child.pid).rlimit(psutil.RLIMIT_NOFILE) == (128, 256)
    p.cpu_affinity([0])
    assert p.cpu_affinity() == [0]
    p.cpu_affinity([])
    p.ionice(psoxide.IOPRIO_CLASS_BE, 4)
    assert p.ionice() == (2, 4)
    p.send_signal(signal.SIGTERM)
    p.wait(5)
    with pytest.raises(psoxide.NoSuchProcess):
        p.send_signal(signal.SIGTERM)
    with pytest.raises(psoxide.NoSuchProcess):
        p.nice(1)


def test_family(child):
    me = psoxide.Process()
    kids = me.children()
    assert child.pid in [k.pid for k in kids]
    kid = next(k for k in kids if k.pid == child.pid)
    assert kid.parent() == me
    assert [x.pid for x in kid.parents()] == [x.pid for x in psutil.Process(child.pid).parents()]


def test_wait_procs(child):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    procs = [psoxide.Process(child.pid), psoxide.Process(other.pid)]
    seen = []
    gone, alive = psoxide.wait_procs(procs, timeout=0.2, callback=seen.append)
    assert gone == [] and len(alive) == 2 and not hasattr(alive[0], "returncode")
    for p in procs:
        p.terminate()
    gone, alive = psoxide.wait_procs(procs, timeout=5, callback=seen.append)
    assert alive == [] and len(gone) == 2 and len(seen) == 2
    assert all(p.returncode == -signal.SIGTERM for p in gone)
    with pytest.raises(ValueError, match="timeout must be a positive integer"):
        psoxide.wait_procs(procs, timeout=-1)
    with pytest.raises(TypeError, match="is not a callable"):
        psoxide.wait_procs(procs, callback=1)
    other.wait()


# --- Popen --------------------------------------------------------------------------


def test_popen_is_both():
    with psoxide.Popen([sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"],
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE) as p:
        assert isinstance(p, subprocess.Popen) and isinstance(p, psoxide.Process)
        assert p.name() == psutil.Process(p.pid).name()
        assert p.ppid() == os.getpid()
        out, _ = p.communicate(b"hello")
        assert out.strip() == b"HELLO"
        assert p.wait() == 0 == p.returncode
    assert repr(p).startswith(f"psutil.Popen(pid={p.pid}")
    theirs = psutil.Popen(["true"])
    theirs.wait()
    assert raised(getattr, p, "foo") == raised(getattr, theirs, "foo")
    assert {"communicate", "poll", "stdin", "cpu_times", "children"} <= set(dir(p))


def test_popen_wait_and_signals():
    p = psoxide.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with pytest.raises(psoxide.TimeoutExpired) as e:
        p.wait(0.1)
    assert isinstance(e.value, subprocess.TimeoutExpired)
    assert repr(e.value) == f"psutil.TimeoutExpired(pid={p.pid}, seconds=0.1, " \
        "msg='timeout after 0.1 seconds')"
    back = pickle.loads(pickle.dumps(e.value))
    assert (type(back), back.pid, back.seconds) == (type(e.value), p.pid, 0.1)
    # subprocess.Popen calls wait() itself; its callers catch subprocess's class.
    with pytest.raises(subprocess.TimeoutExpired):
        p.communicate(timeout=0.1)
    assert p.poll() is None
    p.terminate()
    assert p.wait(5) == -signal.SIGTERM == p.returncode
    assert p.poll() == -signal.SIGTERM
    with pytest.raises(psoxide.NoSuchProcess):
        p.kill()


def test_process_iter_all_attrs_under_churn():
    """Every attribute of every process while short-lived children come and go:
    processes that vanish are skipped, nothing raises, every info has every key
    (kernel threads excepted: they have no environ, as with psutil)."""
    stop = threading.Event()

    def churn():
        while not stop.is_set():
            subprocess.run(["true"])

    t = threading.Thread(target=churn)
    t.start()
    try:
        for _ in range(3):
            for p in psoxide.process_iter(psoxide.Process.attrs, ad_value="AD"):
                with pytest.warns(DeprecationWarning):
                    info = p.info
                assert set(info) == ATTRS_80, p.pid
                assert info["pid"] == p.pid
    finally:
        stop.set()
        t.join()


def _as_psoxtest(code, tmp):
    """Runs `code` with a system python3 as the user psoxtest (scripts/test.sh
    creates it), importing copies of the installed psutil and psoxide made under
    `tmp`; returns stdout's words. Skips when not root, without runuser, the user
    or a system python3 (fails instead with CI set)."""
    import pwd
    import shutil

    def unavailable(why):
        if os.environ.get("CI"):
            pytest.fail(why + " (CI is set: every check must run)")
        pytest.skip(why)

    if os.geteuid() != 0 or shutil.which("runuser") is None:
        unavailable("needs root and runuser")
    try:
        pwd.getpwnam("psoxtest")
    except KeyError:
        unavailable("no user psoxtest")
    system_py = next((p for p in ("/usr/bin/python3", "/usr/local/bin/python3") if os.access(p, os.X_OK)), None)
    if system_py is None:
        unavailable("no system python3 for the unprivileged user")
    site = os.path.join(tmp, "site")
    os.mkdir(site)
    for mod in (psutil, psoxide):
        pkg = os.path.dirname(mod.__file__)
        shutil.copytree(pkg, os.path.join(site, os.path.basename(pkg)))
    for root, dirs, files in os.walk(site):
        for n in dirs + files:
            if not os.path.islink(os.path.join(root, n)):
                os.chmod(os.path.join(root, n), 0o755)
    os.chmod(tmp, 0o755)
    out = subprocess.run(
        ["runuser", "-u", "psoxtest", "--", "env", f"PYTHONPATH={site}", system_py, "-c", code],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_exe_of_another_users_zombie_as_psutil():
    """Unprivileged, exe() of another user's zombie raises ZombieProcess (psutil's
    cmdline() guess after the denied readlink lets it through), as psutil does."""
    import shutil
    import tempfile

    z = zombie_pid()
    tmp = tempfile.mkdtemp(prefix="psoxide-exe-")
    try:
        code = (
            "import psutil, psoxide\n"
            "for m in (psutil, psoxide):\n"
            "    try: m.Process(%d).exe(); print('ok')\n"
            "    except Exception as e: print(type(e).__name__)\n" % z.pid
        )
        lines = _as_psoxtest(code, tmp)
        assert lines == ["ZombieProcess", "ZombieProcess"]
    finally:
        z.wait()
        shutil.rmtree(tmp)


def test_derived_methods_honour_a_stored_ad_value():
    """psutil 8.0 (spec 4, process_iter): when memory_info was stored as ad_value,
    memory_info_ex(), memory_percent() and memory_full_info() return it; when uids
    was, username() does. On Linux statm and status are world-readable, so the case
    is made with a copy of the core's fixture tree where one process's statm and
    status are mode 000, read by the unprivileged user psoxtest."""
    import shutil
    import tempfile

    tree = next(d for d in fixture_dirs() if d.name == "proc-tree")
    tmp = tempfile.mkdtemp(prefix="psoxide-derived-")
    try:
        proc = os.path.join(tmp, "proc")
        # symlinks=True: the tree's cwd/exe links point outside it (cwd -> /tmp).
        shutil.copytree(tree / "proc", proc, symlinks=True)
        for root, dirs, files in os.walk(proc):
            for n in dirs + files:
                path = os.path.join(root, n)
                if not os.path.islink(path):
                    os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
        for name in ("statm", "status"):
            os.chmod(os.path.join(proc, "40", name), 0)
        code = (
            "import warnings; warnings.simplefilter('ignore')\n"
            "import psoxide as m\n"
            f"m.PROCFS_PATH = {proc!r}\n"
            "p = next(p for p in m.process_iter(['memory_info', 'uids'], ad_value='AD') if p.pid == 40)\n"
            "print(p.memory_info(), p.uids())\n"
            "print(p.memory_info_ex(), p.memory_percent(), p.memory_full_info(), p.username())\n"
            # Live, without the store, the same calls raise AccessDenied.
            "q = m.Process(40)\n"
            "for f in (q.memory_info_ex, q.memory_percent, q.username):\n"
            "    try: f(); print('ok')\n"
            "    except m.AccessDenied: print('AccessDenied')\n"
        )
        words = _as_psoxtest(code, tmp)
        assert words == ["AD"] * 6 + ["AccessDenied"] * 3, words
    finally:
        shutil.rmtree(tmp)


def test_garbage_arguments_never_panic(child):
    """Odd arguments to every method taking one give Python exceptions (or work),
    never a PanicException (a BaseException, so it would escape this test)."""
    p = psoxide.Process(child.pid)
    odd = [None, -1, 0, 2**31, 2**64, 2**70, -(2**70), 1.5, float("inf"), float("nan"), "x", b"x",
           [], [2**70], (1, 2, 3), object()]
    calls = {
        "nice": lambda v: p.nice(v),
        "ionice": lambda v: p.ionice(v, v),
        "rlimit": lambda v: p.rlimit(v),
        "rlimit set": lambda v: p.rlimit(psoxide.RLIMIT_CORE, (v, v)),
        "cpu_affinity": lambda v: p.cpu_affinity(v),
        "cpu_percent": lambda v: p.cpu_percent(v) if not (isinstance(v, (int, float)) and v > 0.01) else None,
        "memory_percent": lambda v: p.memory_percent(v),
        "memory_maps": lambda v: p.memory_maps(v),
        "net_connections": lambda v: p.net_connections(v),
        "children": lambda v: p.children(v),
        "as_dict": lambda v: p.as_dict(v, v),
        "process_iter": lambda v: next(psoxide.process_iter(v, v)),
        "Process": lambda v: psoxide.Process(v),
        # Values that would block or really signal the child are left out.
        "wait": lambda v: p.wait(v) if v is not None and not (
            isinstance(v, (int, float)) and (v != v or v > 0.01)) else None,
        "send_signal": lambda v: p.send_signal(v) if not (
            isinstance(v, (int, float)) and v == v and abs(v) < 2**31) else None,
    }
    for name, call in calls.items():
        for v in odd:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    call(v)
            except Exception:  # noqa: BLE001 - any Python exception is fine here
                pass
    assert p.is_running()


_REUSE_SCRIPT = r"""
import os, signal, sys, time
import psutil, psoxide

def fork_sleeper():
    pid = os.fork()
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    return pid

old = fork_sleeper()
ours, theirs = psoxide.Process(old), psutil.Process(old)
ours.name(), theirs.name()
os.kill(old, signal.SIGKILL)
os.waitpid(old, 0)
# Recycle the PID: the next fork in this PID namespace gets `old` again, a few clock
# ticks later (so that psutil, which compares start times, can notice it too).
time.sleep(0.05)
with open("/proc/sys/kernel/ns_last_pid", "w") as f:
    f.write(str(old - 1))
new = fork_sleeper()
try:
    assert new == old, (new, old)
    # psutil notices the reuse in is_running() (which its repr then shows);
    # psoxide's repr finds it by itself.
    before = repr(ours)
    assert not theirs.is_running() and not ours.is_running()
    print(before)
    print(repr(ours))
    print(repr(theirs))
finally:
    os.kill(new, signal.SIGKILL)
    os.waitpid(new, 0)
"""


def test_repr_after_the_pid_is_reused():
    # In a new PID namespace (root, unshare from util-linux), a killed and reaped
    # child's PID is given to the next child (ns_last_pid).
    import shutil
    import sys

    need = "needs root and unshare(1) for a PID namespace"
    if os.geteuid() != 0 or not shutil.which("unshare"):
        if os.environ.get("CI"):
            pytest.fail(need + " (CI is set: every check must run)")
        pytest.skip(need)
    out = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", _REUSE_SCRIPT],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    before, ours, theirs = out.stdout.splitlines()
    assert "status='terminated + PID reused'" in before, before
    assert ours == theirs, (ours, theirs)
    assert ours.endswith("status='terminated + PID reused')"), ours
