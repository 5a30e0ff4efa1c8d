"""Locate the psoxide binary under test and run `psoxide dump --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV = "PSOXIDE_BIN"
DEFAULTS = (REPO / "target" / "release" / "psoxide", REPO / "target" / "debug" / "psoxide")
TIMEOUT_S = 120


class BinaryMissing(Exception):
    """PSOXIDE_BIN is set but does not name a usable file."""


def locate() -> tuple[Path | None, str]:
    """(path, description) of the binary; (None, reason) when none is built.

    Raises BinaryMissing when PSOXIDE_BIN is set but wrong: an explicit
    request must never turn into a silent skip."""
    env = os.environ.get(ENV)
    if env:
        candidates = [Path(env)]
        if not Path(env).is_absolute():
            candidates.append(REPO / env)
        for c in candidates:
            if c.is_file():
                if c.suffix != ".py" and not os.access(c, os.X_OK):
                    raise BinaryMissing(f"{ENV}={env}: {c} is not executable")
                return c.resolve(), f"{ENV}={env}"
        raise BinaryMissing(
            f"{ENV}={env} does not exist (looked at {', '.join(map(str, candidates))})")
    for c in DEFAULTS:
        if c.is_file() and os.access(c, os.X_OK):
            return c, f"default {c.relative_to(REPO)}"
    return None, (
        f"psoxide binary not built ({' or '.join(str(c.relative_to(REPO)) for c in DEFAULTS)} "
        f"missing) and {ENV} not set; build it with `cargo build --release -p psoxide-cli` "
        f"or set {ENV}")


def command(binary: Path) -> list[str]:
    """A `.py` file (the self-test fake) runs under this interpreter."""
    prefix = [sys.executable] if binary.suffix == ".py" else []
    return prefix + [str(binary), "dump", "--json"]


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name} in psoxide output")


def run_dump(binary: Path) -> tuple[dict, int]:
    """Run the dump; return (decoded JSON object, peak RSS of the process in bytes).

    Raises AssertionError with a clear message on any failure.  The process is
    reaped with wait4(2) to learn its own peak RSS (ru_maxrss, KiB on Linux):
    the dump process is resident while it samples memory, and gone when psutil
    takes the "after" sample, so memory gauges must allow for it."""
    cmd = command(binary)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        try:
            _pid, status, usage = _wait4(proc.pid, TIMEOUT_S)
        except TimeoutError:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise AssertionError(f"{' '.join(cmd)} did not finish in {TIMEOUT_S} s") from None
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited with {proc.returncode}\nstderr:\n"
            f"{stderr.decode(errors='replace')[-4000:]}")
    text = stdout.decode("utf-8")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise AssertionError(
            f"{' '.join(cmd)} did not print exactly one JSON value: {exc}\n"
            f"stdout starts with: {text[:500]!r}") from exc
    if not isinstance(data, dict):
        raise AssertionError(f"psoxide printed a JSON {type(data).__name__}, expected an object")
    return data, usage.ru_maxrss * 1024


def _wait4(pid: int, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        wpid, status, usage = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            return wpid, status, usage
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.002)
