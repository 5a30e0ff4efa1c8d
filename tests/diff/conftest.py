"""Fixtures of the differential test: psutil before / psoxide / psutil after."""

from __future__ import annotations

import time
from dataclasses import dataclass

import psutil
import pytest

import diffcheck
import psoxide_bin
import psutil_dump


def pytest_configure(config):
    # A PSOXIDE_BIN that names nothing is a configuration error, not a skip.
    try:
        psoxide_bin.locate()
    except psoxide_bin.BinaryMissing as exc:
        raise pytest.UsageError(str(exc)) from None


#: Lines test_process_diff.py wants shown after the run (counts of compared
#: processes and of null values), printed by pytest_terminal_summary.
PROC_SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if PROC_SUMMARY:
        terminalreporter.section("per-process comparison")
        for line in PROC_SUMMARY:
            terminalreporter.write_line(line)


def pytest_report_header(config):
    try:
        path, how = psoxide_bin.locate()
    except psoxide_bin.BinaryMissing:
        path, how = None, "invalid"
    return [f"psutil {psutil.__version__} (mapped to the 8.0 shapes where they differ)",
            f"psoxide: {path} ({how})"]


@dataclass
class Snapshot:
    """psutil before, psoxide's dump ("got"), psutil after; all JSON-decoded."""
    before: dict
    got: dict
    after: dict
    window_s: float
    dump_rss: int


@pytest.fixture(scope="session")
def psoxide_path():
    path, why = psoxide_bin.locate()
    if path is None:
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def snap(psoxide_path) -> Snapshot:
    psutil_dump.dump()  # warm-up (imports, first-call costs) to keep the window short
    t0 = time.monotonic()
    before = psutil_dump.dump()
    got, rss = psoxide_bin.run_dump(psoxide_path)
    after = psutil_dump.dump()
    window = time.monotonic() - t0
    diffcheck.DUMP_PROCESS_RSS = rss
    return Snapshot(before, got, after, window, rss)


# --- per-process comparison (test_process_diff.py) ----------------------------

import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import psutil_procs  # noqa: E402

#: Source of the "holder" fixture process: weird argv, open files at known
#: offsets and modes, an inet listener and UDP socket, and an unreaped child.
HOLDER_SRC = r"""
import json, os, socket, sys, time
d = sys.argv[1]
path = lambda n: os.path.join(d, n)
files = {}
f = open(path("read.bin"), "rb", buffering=0); f.seek(123); files["read.bin"] = f
f = open(path("write.bin"), "wb", buffering=0); f.write(b"w" * 456); files["write.bin"] = f
f = open(path("append.bin"), "ab", buffering=0); f.write(b"a" * 77); files["append.bin"] = f
f = open(path("rw.bin"), "r+b", buffering=0); f.seek(789); files["rw.bin"] = f
f = open(path("aplus.bin"), "a+b", buffering=0); f.write(b"p" * 10); files["aplus.bin"] = f
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(("127.0.0.1", 0)); tcp.listen(8)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
try:
    tcp6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    tcp6.bind(("::1", 0)); tcp6.listen(8)
    tcp6_info = [tcp6.fileno(), tcp6.getsockname()[1]]
except OSError:
    tcp6_info = None
child = os.fork()
if child == 0:
    os._exit(7)
traced = os.fork()  # traced by this process and stopped: "tracing-stop"
if traced == 0:
    import ctypes, signal
    ctypes.CDLL(None).ptrace(0, 0, None, None)  # PTRACE_TRACEME
    os.kill(os.getpid(), signal.SIGSTOP)
    time.sleep(3600)
    os._exit(0)
info = {"files": {n: [path(n), f.fileno()] for n, f in files.items()},
        "tcp": [tcp.fileno(), tcp.getsockname()[1]], "udp": [udp.fileno(), udp.getsockname()[1]],
        "tcp6": tcp6_info, "zombie": child, "traced": traced}
sys.stdout.write(json.dumps(info) + "\n"); sys.stdout.flush()
while True:
    time.sleep(3600)
"""

#: Source of the "edge" fixture process: stat/cmdline/cwd/maps corner cases.
EDGE_SRC = r"""
import json, mmap, os, pty, socket, sys, threading, time
d = sys.argv[1]
with open("/proc/self/comm", "w") as f:  # "(" and ")" inside the name: stat parsing
    f.write("ed) (ge x")
gone = os.path.join(d, "gone dir")  # cwd in a removed directory: " (deleted)"
os.mkdir(gone); os.chdir(gone); os.rmdir(gone)
p = os.path.join(d, "unlinked file")  # open and mapped, then unlinked
f_unl = open(p, "w+b"); f_unl.write(b"u" * 8192); f_unl.flush()
m = mmap.mmap(f_unl.fileno(), 8192); m[0:1] = b"x"
os.unlink(p)
ev = threading.Event()
for _ in range(3):
    threading.Thread(target=ev.wait, daemon=True).start()
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(4)
c4 = socket.create_connection(lst.getsockname()); s4, _ = lst.accept()
try:  # IPv6 socket connected to an IPv4-mapped address
    c6 = socket.socket(socket.AF_INET6); c6.connect(("::ffff:127.0.0.1", lst.getsockname()[1]))
    s6, _ = lst.accept()
    mapped = [c6.fileno(), c6.getsockname()[1]]
except OSError:
    mapped = None
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect(("127.0.0.1", 9))
pid, master = pty.fork()  # a child with a controlling terminal
if pid == 0:
    os.execv("/bin/sleep", ["sleep", "3600"])
tty = None
for _ in range(500):
    try:
        tty = os.readlink(f"/proc/{pid}/fd/0")
        if tty.startswith("/dev/pts/"):
            break
    except OSError:
        pass
    time.sleep(0.01)
os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
info = {"tty_child": pid, "tty": tty, "gone": gone, "unlinked": p, "mapped": mapped,
        "est": [c4.fileno(), s4.fileno(), lst.getsockname()[1], c4.getsockname()[1]],
        "udp": [u.fileno(), u.getsockname()[1]]}
sys.stdout.write(json.dumps(info) + "\n"); sys.stdout.flush()
while True:
    time.sleep(3600)
"""

#: A process whose main thread exited while another thread runs: the leader
#: is a zombie ("Z" in /proc/PID/stat) but the process lives.
ZOMBIE_LEADER_SRC = r"""
import ctypes, os, sys, threading, time
threading.Thread(target=time.sleep, args=(3600,)).start()
sys.stdout.write("ready\n"); sys.stdout.flush()
ctypes.CDLL(None).pthread_exit(None)
"""

#: Root only: real/effective/saved IDs that differ and have no passwd entry.
ODD_IDS = (54321, 54322, 54323)
ROOT_NICE = -5
ROOT_IONICE = (1, 4)  # IOPRIO_CLASS_RT, level 4

HOLDER_ARGS = ["arg with  spaces", 'double"quote', "single'quote", "", "tab\there",
               "ünïcödé", "--flag=a b"]
LONG_NAME = "psox_long_process_name_sleeper"
MARKER_ENV = {"PSOX_MARKER": "value with spaces = and equals", "PSOX_EMPTY": ""}
HOLDER_NICE = 5
HOLDER_IONICE = (2, 6)  # IOPRIO_CLASS_BE, level 6


@dataclass
class Spawned:
    """Processes with known properties, alive for the whole session."""
    dir: str
    holder: int
    holder_cmdline: list
    info: dict
    zombie: int
    long_name: int
    truncated: int  # 15+ char comm, argv[0] unrelated -> psutil keeps the short name; stopped
    long_exe: str
    edge: int = 0
    edge_info: dict | None = None
    edge_cmdline: list | None = None
    deleted_exe: int = 0
    deleted_path: str = ""
    replaced_exe: int = 0  # exe unlinked, then a new file written at the same path
    replaced_path: str = ""
    literal_exe: int = 0  # exe whose real name ends in " (deleted)"
    literal_path: str = ""
    zombie_leader: int = 0
    odd_ids: int = 0  # 0 when not root
    retitled: int = 0  # 0 without perl

    def labels(self) -> dict:
        out = {self.holder: "fixture holder", self.zombie: "fixture zombie",
               self.long_name: "fixture long-name", self.truncated: "fixture stopped",
               self.edge: "fixture edge", self.deleted_exe: "fixture deleted-exe",
               self.replaced_exe: "fixture replaced-exe",
               self.literal_exe: "fixture literal-deleted-exe",
               self.zombie_leader: "fixture zombie-leader",
               self.odd_ids: "fixture odd-ids", self.retitled: "fixture retitled",
               self.info["traced"]: "fixture traced"}
        if self.edge_info:
            out[self.edge_info["tty_child"]] = "fixture tty"
        out.pop(0, None)
        return out


def _state(pid) -> str:
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    return data[data.rfind(b")") + 2:].split()[0].decode()


def _wait_state(pid, letters, timeout=10.0):
    deadline = time.monotonic() + timeout
    while _state(pid) not in letters:
        if time.monotonic() > deadline:
            raise RuntimeError(f"pid {pid} did not reach state {letters} (is {_state(pid)})")
        time.sleep(0.01)


def _wait_exec(pid, exe, timeout=10.0):
    """Until the child has exec'd exe (so unlinking it afterwards is seen as deleted)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if os.readlink(f"/proc/{pid}/exe") == exe:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"pid {pid} did not exec {exe}")
        time.sleep(0.005)


@pytest.fixture(scope="session")
def spawned():
    d = tempfile.mkdtemp(prefix="psox-procdiff-")
    os.chmod(d, 0o755)
    for n in ("read.bin", "rw.bin"):
        with open(os.path.join(d, n), "wb") as f:
            f.write(bytes(range(256)) * 4)
    exe = os.path.join(d, LONG_NAME)
    shutil.copy(shutil.which("sleep") or "/bin/sleep", exe)
    os.chmod(exe, 0o755)
    env = dict(os.environ, **MARKER_ENV)
    procs = []
    traced = 0
    try:
        cmd = [sys.executable, "-c", HOLDER_SRC, d] + HOLDER_ARGS
        holder = subprocess.Popen(cmd, cwd=d, env=env, stdout=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(holder)
        info = json.loads(holder.stdout.readline())
        long_name = subprocess.Popen([exe, "3600"], cwd=d, stdin=subprocess.DEVNULL)
        procs.append(long_name)
        truncated = subprocess.Popen(["renamed-argv0", "3600"], executable=exe, cwd=d,
                                     stdin=subprocess.DEVNULL)
        procs.append(truncated)
        os.setpriority(os.PRIO_PROCESS, holder.pid, HOLDER_NICE)
        psutil.Process(holder.pid).ionice(*HOLDER_IONICE)
        _wait_state(info["zombie"], "Z")
        traced = info["traced"]
        _wait_state(traced, "t")
        os.kill(truncated.pid, signal.SIGSTOP)
        _wait_state(truncated.pid, "T")
        sp = Spawned(d, holder.pid, cmd, info, info["zombie"], long_name.pid, truncated.pid, exe)

        # Corner cases: a large argv and environment, odd comm, removed cwd, ...
        sp.edge_cmdline = [sys.executable, "-c", EDGE_SRC, d, "x" * 100_000]
        edge = subprocess.Popen(sp.edge_cmdline, cwd=d, stdout=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, PSOX_BIG="y" * 60_000))
        procs.append(edge)
        sp.edge, sp.edge_info = edge.pid, json.loads(edge.stdout.readline())
        psutil.Process(edge.pid).ionice(3)  # IOPRIO_CLASS_IDLE

        def run_copy(name):
            """A copy of exe at d/name, running until killed: (pid, path)."""
            path = os.path.join(d, name)
            shutil.copy(exe, path)
            child = subprocess.Popen([path, "3600"], cwd=d, stdin=subprocess.DEVNULL)
            procs.append(child)
            _wait_exec(child.pid, path)
            return child.pid, path

        sp.deleted_exe, sp.deleted_path = run_copy("sl eep")
        os.unlink(sp.deleted_path)
        sp.replaced_exe, sp.replaced_path = run_copy("replaced")
        os.unlink(sp.replaced_path)
        shutil.copy(exe, sp.replaced_path)  # what a rebuild does
        sp.literal_exe, sp.literal_path = run_copy("lit (deleted)")
        zl = subprocess.Popen([sys.executable, "-c", ZOMBIE_LEADER_SRC], stdout=subprocess.PIPE,
                              stdin=subprocess.DEVNULL)
        procs.append(zl)
        zl.stdout.readline()
        _wait_state(zl.pid, "Z")
        sp.zombie_leader = zl.pid
        if os.getuid() == 0:
            def odd():
                os.setgroups([ODD_IDS[0]])
                os.setresgid(*ODD_IDS)
                os.setresuid(*ODD_IDS)
            oi = subprocess.Popen([exe, "3600"], preexec_fn=odd, cwd="/",
                                  stdin=subprocess.DEVNULL)
            procs.append(oi)
            _wait_exec(oi.pid, exe)
            sp.odd_ids = oi.pid
            os.setpriority(os.PRIO_PROCESS, oi.pid, ROOT_NICE)  # negative: root only
            psutil.Process(oi.pid).ionice(*ROOT_IONICE)  # realtime class: root only
        perl = shutil.which("perl")
        if perl:
            rt = subprocess.Popen([perl, "-e", '$0 = "perl title with spaces"; '
                                   'print "ok\\n"; $| = 1; sleep 3600'],
                                  stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
            procs.append(rt)
            rt.stdout.readline()
            sp.retitled = rt.pid
        yield sp
    finally:
        if traced:
            try:
                os.kill(traced, signal.SIGKILL)
            except OSError:
                pass
        for p in procs:
            try:
                p.kill()
                p.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(d, ignore_errors=True)


@dataclass
class ProcSnapshot:
    """psutil BEFORE / psoxide `dump --procs --json` / psutil AFTER."""
    before: dict  # pid -> psutil_procs.sample()
    got: list  # psoxide's array, as printed
    after: dict
    window_s: float
    psoxide_pid: int
    psoxide_cmd: list
    psoxide_path: str
    runner_pid: int
    mem_total: int
    spawned: Spawned


# The kernel interfaces psoxide may use (`dump --kernel-api`): every per-process
# comparison runs once with each, since each takes other sources for some values
# (IDs from PIDFD_GET_INFO or from /proc/PID/status; handles with or without pidfds,
# or holding them only while a scan reads each process).
KERNEL_APIS = ["newest", "newest-unheld", "no-pidfd-info", "no-pidfd"]


@pytest.fixture(scope="session", params=KERNEL_APIS)
def procsnap(request, psoxide_path, spawned) -> ProcSnapshot:
    if psoxide_path.suffix == ".py":
        pytest.skip(f"{psoxide_path} is a Python stand-in: the per-process comparison "
                    "needs the real binary (dump --procs)")
    cmd = [str(psoxide_path), "dump", "--procs", "--json", "--kernel-api", request.param]
    mem_total = psutil_procs.mem_total()
    psutil_procs.snapshot()  # warm-up: imports, caches (users, terminals, total memory)
    t0 = time.monotonic()
    before = psutil_procs.snapshot()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    try:
        out, err = proc.communicate(timeout=psoxide_bin.TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"{' '.join(cmd)} did not finish in {psoxide_bin.TIMEOUT_S} s")
    after = psutil_procs.snapshot()
    window = time.monotonic() - t0
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited with {proc.returncode}\nstderr:\n"
                             f"{err.decode(errors='replace')[-4000:]}")
    got = json.loads(out.decode("utf-8"), parse_constant=psoxide_bin._reject_constant)
    return ProcSnapshot(before, got, after, window, proc.pid, cmd, str(psoxide_path),
                        os.getpid(), mem_total, spawned)
