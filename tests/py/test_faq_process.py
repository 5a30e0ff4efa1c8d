"""The examples of psutil-faq.txt that use Process / process_iter, as written but
with ``import psoxide as psutil`` (printing into a buffer; sleeps as in the FAQ)."""

import contextlib
import io
import os
import signal
import subprocess
import sys
import time

import psoxide as psutil


def run(f):
    """Runs an example, returning what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        f()
    return out.getvalue()


def test_access_denied_option_1():
    pid = 1

    def example():
        p = psutil.Process(pid)
        try:
            print(p.memory_maps())
        except (psutil.AccessDenied, psutil.NoSuchProcess):
            pass

    run(example)


def test_access_denied_option_2_no_try_needed():
    def example():
        for p in psutil.process_iter(["name", "username"], ad_value="N/A"):
            print(p.name(), p.username())  # no try/except needed

    assert run(example).count("\n") > 1


def test_no_such_process_patterns():
    child = subprocess.Popen(["true"])
    child.wait()
    pid = child.pid  # gone now

    def racy():
        try:
            p = psutil.Process(pid)  # may raise NoSuchProcess
            print(p.name())
        except psutil.NoSuchProcess:
            print("gone")

    assert run(racy) == "gone\n"

    def iterate():
        for p in psutil.process_iter(["name"]):
            print(p.name())

    assert psutil.Process().name() in run(iterate)

    def guarded():
        try:
            p = psutil.Process(pid)
            print(p.name(), p.status())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass

    assert run(guarded) == ""

    def simpler():
        try:
            p = psutil.Process(pid)
            print(p.name(), p.status())
        except psutil.Error:
            pass

    assert run(simpler) == ""


def test_zombie_detection():
    pid = os.fork()  # the zombie
    if pid == 0:
        os._exit(0)  # child exits immediately
    try:
        time.sleep(0.2)  # the parent does not call wait() (yet)

        def example():
            for p in psutil.process_iter(["status"]):
                if p.status() == psutil.STATUS_ZOMBIE:
                    print(f"zombie: pid={p.pid}")

        assert f"zombie: pid={pid}\n" in run(example)
        z = psutil.Process(pid)
        assert z.is_running() and psutil.pid_exists(pid) and pid in psutil.pids()
        z.terminate()  # no effect
        z.as_dict()  # does not crash
    finally:
        os.waitpid(pid, 0)


def test_process_cpu_percent_example():
    p = psutil.Process()
    assert p.cpu_percent() == 0.0  # discard
    end = time.time() + 0.5
    while time.time() < end:  # some work, so that the value is meaningful
        pass
    value = p.cpu_percent()
    assert 0.0 < value <= psutil.cpu_count() * 100


def test_cpu_percent_can_exceed_100_on_several_cpus():
    code = "import threading\ndef spin():\n    while True: pass\n" \
           "[threading.Thread(target=spin, daemon=True).start() for _ in range(2)]\n" \
           "import time; time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        value = psutil.Process(child.pid).cpu_percent(interval=0.5)
        assert value <= psutil.cpu_count() * 100
        assert value / psutil.cpu_count() <= 100
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()


def test_process_cpu_count_equivalent():
    assert len(psutil.Process().cpu_affinity()) == len(os.sched_getaffinity(0))
