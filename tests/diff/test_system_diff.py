"""psoxide's `dump --json` against psutil sampled just before and just after.

One test per dump key (`test_key[...]`) and, for keys holding one named tuple,
one test per field (`test_field[key.field]`).  Rules: diffcheck.RULES.
"""

from __future__ import annotations

import pytest

import diffcheck as dc
import psoxide_bin
import psutil_dump

_path, _why = psoxide_bin.locate()  # BinaryMissing is turned into a usage error by conftest
if _path is None:
    pytest.skip(_why, allow_module_level=True)

KEYS = psutil_dump.KEYS
FIELD_PARAMS = [
    pytest.param(k, f, id=f"{k}.{f}") for k in dc.PER_FIELD_KEYS for f in dc.tuple_rule(k).names
]


def _sides(snap, key):
    if key not in snap.got:
        pytest.fail(f"{key}: missing from psoxide's output (keys: {list(snap.got)})")
    return snap.before[key], snap.got[key], snap.after[key]


def _assert_ok(problems):
    assert not problems, "\n".join(problems)


def test_dump_keys(snap):
    """Exactly the contract's keys, no more, no fewer."""
    print(f"before -> psoxide -> after window: {snap.window_s:.3f} s; "
          f"dump process peak RSS {snap.dump_rss / 2**20:.1f} MiB")
    _assert_ok(dc.key_problems(snap.got, KEYS))


@pytest.mark.parametrize("key", KEYS)
def test_key(snap, key):
    b, g, a = _sides(snap, key)
    rule = dc.shape_rule(key) if key in dc.PER_FIELD_KEYS else dc.RULES[key]
    _assert_ok(dc.check(rule, key, b, g, a))


@pytest.mark.parametrize("key,field", FIELD_PARAMS)
def test_field(snap, key, field):
    b, g, a = _sides(snap, key)
    if b is None and a is None and g is None:
        pytest.skip(f"{key} is None on this machine (checked by test_key[{key}])")
    _assert_ok(dc.check(dc.field_rule(key, field), key, b, g, a))
