"""Shared helpers of the Python-module suite.

The suite tests the installed wheel (``import psoxide``) against the installed
psutil (PyPI's newest, 7.2.2 at the time of writing); scripts/test.sh builds and
installs both into the venv first. Nothing here installs anything.
"""

import os
import pathlib

import psutil
import pytest

import psoxide

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = REPO / "crates" / "psoxide" / "tests" / "fixtures"

# psutil 8.0's scputimes order (spec section 8); 7.x orders and sometimes omits fields.
SCPUTIMES_80 = (
    "user", "system", "idle", "nice", "iowait", "irq", "softirq", "steal", "guest", "guest_nice",
)


def as_dict(nt):
    """A named tuple's fields by name (order-independent comparison with 7.x)."""
    return dict(nt._asdict())


@pytest.fixture
def procfs_restored():
    """Restores PROCFS_PATH of both modules after a test that changes it."""
    yield
    psoxide.PROCFS_PATH = "/proc"
    psutil.PROCFS_PATH = "/proc"


def fixture_dirs(*needed):
    """Fixture trees of the core whose proc/ holds every file in ``needed``."""
    out = []
    if not FIXTURES.is_dir():
        return out
    for d in sorted(FIXTURES.iterdir()):
        proc = d / "proc"
        if proc.is_dir() and all((proc / n).exists() for n in needed):
            out.append(d)
    return out


def within(before, ours, after, slack=0):
    """``ours`` lies in [min(before, after) - slack, max(before, after) + slack]."""
    lo, hi = min(before, after), max(before, after)
    return lo - slack <= ours <= hi + slack


def running_as_root():
    return os.geteuid() == 0
