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
