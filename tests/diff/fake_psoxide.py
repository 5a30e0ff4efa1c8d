#!/usr/bin/env python3
"""Stand-in for the psoxide binary: `fake_psoxide.py dump --json` prints
psutil_dump's JSON, so the differential suite can be validated against
psutil itself (PSOXIDE_BIN=tests/diff/fake_psoxide.py)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import psutil_dump  # noqa: E402

if __name__ == "__main__":
    if sys.argv[1:] != ["dump", "--json"]:
        sys.stderr.write(f"usage: {sys.argv[0]} dump --json (got {sys.argv[1:]})\n")
        sys.exit(2)
    sys.exit(psutil_dump.main())
