"""Unit tests of the comparison rules: they must accept psutil's own values and
REJECT perturbed ones.  These run without any psoxide binary."""

from __future__ import annotations

import copy
import json
import os
import sys
import textwrap

import pytest

import diffcheck as dc
import psoxide_bin
import psutil_dump


@pytest.fixture(scope="module")
def sample():
    """(before, after) psutil dumps taken back to back."""
    psutil_dump.dump()
    return psutil_dump.dump(), psutil_dump.dump()


@pytest.fixture(autouse=True)
def no_rss_margin(monkeypatch):
    monkeypatch.setattr(dc, "DUMP_PROCESS_RSS", 0)


def problems(key, before, got, after):
    return dc.check(dc.RULES[key], key, before[key], got[key], after[key])


def field_problems(key, field, before, got, after):
    return dc.check(dc.field_rule(key, field), key, before[key], got[key], after[key])


# --- positive controls: psutil against itself -------------------------------

@pytest.mark.parametrize("which", ["before", "after"])
@pytest.mark.parametrize("key", psutil_dump.KEYS)
def test_psutil_passes_against_itself(sample, key, which):
    before, after = sample
    got = copy.deepcopy(before if which == "before" else after)
    assert problems(key, before, got, after) == []


def test_complete_dump_has_no_key_problems(sample):
    assert dc.key_problems(sample[0], psutil_dump.KEYS) == []


# --- counters -----------------------------------------------------------------

def test_cpu_times_user_below_before_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    got["cpu_times"]["user"] = before["cpu_times"]["user"] - 0.01
    out = field_problems("cpu_times", "user", before, got, after)
    assert len(out) == 1 and "cpu_times.user" in out[0] and "< psutil before" in out[0]


def test_cpu_times_user_above_after_fails(sample):
    before, after = sample
    got = copy.deepcopy(after)
    got["cpu_times"]["user"] = after["cpu_times"]["user"] + 0.01
    out = problems("cpu_times", before, got, after)
    assert len(out) == 1 and "cpu_times.user" in out[0] and "> psutil after" in out[0]


def test_counter_epsilon_is_only_1e_9():
    rule = dc.Counter(dc.TICK_EPS)
    assert rule.check("x", 1.0, 1.0 - 5e-10, 2.0) == []
    assert rule.check("x", 1.0, 1.0 - 1e-8, 2.0) != []
    assert rule.check("x", 1.0, 2.0 + 1e-8, 2.0) != []


def test_integer_counter_has_no_slack():
    rule = dc.Counter()
    assert rule.check("x", 10, 10, 12) == [] and rule.check("x", 10, 12, 12) == []
    assert rule.check("x", 10, 9, 12) != [] and rule.check("x", 10, 13, 12) != []


def test_percpu_item_out_of_range_names_index(sample):
    before, after = sample
    got = copy.deepcopy(before)
    got["cpu_times_percpu"][-1]["system"] -= 1.0
    out = problems("cpu_times_percpu", before, got, after)
    idx = len(got["cpu_times_percpu"]) - 1
    assert out and f"cpu_times_percpu[{idx}].system" in out[0]


def test_perdisk_counter_out_of_range(sample):
    before, after = sample
    got = copy.deepcopy(after)
    disk = next(iter(got["disk_io_counters_perdisk"]))
    got["disk_io_counters_perdisk"][disk]["read_count"] += 1
    out = problems("disk_io_counters_perdisk", before, got, after)
    assert out and f"disk_io_counters_perdisk[{disk!r}].read_count" in out[0]


# --- static values ------------------------------------------------------------

def test_changed_mtu_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    nic = next(iter(got["net_if_stats"]))
    got["net_if_stats"][nic]["mtu"] += 1
    out = problems("net_if_stats", before, got, after)
    assert len(out) == 1 and f"net_if_stats[{nic!r}].mtu" in out[0]


def test_mtu_as_float_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    nic = next(iter(got["net_if_stats"]))
    got["net_if_stats"][nic]["mtu"] = float(got["net_if_stats"][nic]["mtu"])
    out = problems("net_if_stats", before, got, after)
    assert out and "type float" in out[0]


def test_isup_as_int_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    nic = next(iter(got["net_if_stats"]))
    got["net_if_stats"][nic]["isup"] = int(got["net_if_stats"][nic]["isup"])
    assert problems("net_if_stats", before, got, after)


def test_boot_time_off_by_one_second_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    got["boot_time"] += 1.0
    assert problems("boot_time", before, got, after)


def test_boot_time_as_int_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    got["boot_time"] = int(got["boot_time"])
    assert problems("boot_time", before, got, after)


def test_partition_order_matters(sample):
    before, after = sample
    got = copy.deepcopy(before)
    parts = got["disk_partitions_all"]
    assert len(parts) >= 2, "this machine has fewer than 2 mounts"
    parts[0], parts[1] = parts[1], parts[0]
    assert problems("disk_partitions_all", before, got, after)


def test_nic_order_matters(sample):
    before, after = sample
    got = copy.deepcopy(before)
    names = list(got["net_if_addrs"])
    assert len(names) >= 2, "this machine has fewer than 2 NICs"
    got["net_if_addrs"] = {n: got["net_if_addrs"][n] for n in reversed(names)}
    out = problems("net_if_addrs", before, got, after)
    assert out and "different order" in out[0]


def test_address_family_change_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    nic = next(iter(got["net_if_addrs"]))
    got["net_if_addrs"][nic][-1]["family"] = 0
    assert problems("net_if_addrs", before, got, after)


def test_static_value_may_equal_after_when_it_changed():
    assert dc.Exact().check("x", [1], [2], [2]) == []
    assert dc.Exact().check("x", [1], [1], [2]) == []
    assert dc.Exact().check("x", [1], [3], [2]) != []


# --- missing / extra keys and fields ------------------------------------------

def test_missing_top_level_key_fails(sample):
    got = copy.deepcopy(sample[0])
    del got["users"]
    out = dc.key_problems(got, psutil_dump.KEYS)
    assert out and "'users'" in out[0]


def test_extra_top_level_key_fails(sample):
    got = copy.deepcopy(sample[0])
    got["heap_info"] = {}
    assert dc.key_problems(got, psutil_dump.KEYS)


def test_missing_field_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    del got["virtual_memory"]["slab"]
    out = dc.check(dc.shape_rule("virtual_memory"), "virtual_memory",
                   before["virtual_memory"], got["virtual_memory"], after["virtual_memory"])
    assert out and "missing ['slab']" in out[0]


def test_7x_cpu_times_order_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    ct = got["cpu_times"]
    order = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
             "guest", "guest_nice"]
    got["cpu_times"] = {k: ct[k] for k in order}
    out = dc.check(dc.shape_rule("cpu_times"), "cpu_times",
                   before["cpu_times"], got["cpu_times"], after["cpu_times"])
    assert out and "wrong order" in out[0]


def test_missing_nic_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    nic = next(iter(got["net_io_counters_pernic"]))
    del got["net_io_counters_pernic"][nic]
    out = problems("net_io_counters_pernic", before, got, after)
    assert out and f"missing [{nic!r}]" in out[0]


# --- types --------------------------------------------------------------------

def test_int_where_float_expected_fails(sample):
    """A float printed without a decimal point (`0` for 0.0) decodes as int."""
    before, after = sample
    got = copy.deepcopy(before)
    got["cpu_times"]["guest"] = json.loads("0")
    out = field_problems("cpu_times", "guest", before, got, after)
    assert out and "type int" in out[0] and "float" in out[0]
    out = dc.check(dc.shape_rule("cpu_times"), "cpu_times",
                   before["cpu_times"], got["cpu_times"], after["cpu_times"])
    assert out and "cpu_times.guest: type int" in out[0]


def test_loadavg_int_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    got["getloadavg"][0] = int(got["getloadavg"][0])
    assert problems("getloadavg", before, got, after)


# --- gauges and derived values -------------------------------------------------

def test_memory_gauge_margin(sample):
    before, after = sample
    b, a = before["virtual_memory"]["available"], after["virtual_memory"]["available"]
    m = dc.mem_margin(b, a)
    got = copy.deepcopy(before)
    got["virtual_memory"]["available"] = min(b, a) - m
    assert field_problems("virtual_memory", "available", before, got, after) == []
    got["virtual_memory"]["available"] = min(b, a) - m - 1
    out = field_problems("virtual_memory", "available", before, got, after)
    assert out and "virtual_memory.available" in out[0]


def test_memory_margin_includes_dump_rss(monkeypatch):
    monkeypatch.setattr(dc, "DUMP_PROCESS_RSS", 10 * dc.MIB)
    assert dc.mem_margin(100, 100) == 14 * dc.MIB
    assert dc.disk_margin(100, 150) == 4 * dc.MIB + 50


def test_vm_percent_must_match_own_fields(sample):
    before, after = sample
    got = copy.deepcopy(before)
    got["virtual_memory"]["percent"] = round(got["virtual_memory"]["percent"] + 0.1, 1)
    out = field_problems("virtual_memory", "percent", before, got, after)
    assert out and "round((total - available)" in out[0]


def test_vm_used_must_be_total_minus_available(sample):
    before, after = sample
    got = copy.deepcopy(before)
    got["virtual_memory"]["used"] += 4096
    assert field_problems("virtual_memory", "used", before, got, after)


def test_loadavg_margin():
    rule = dc.Gauge(dc.LOADAVG_MARGIN)
    assert rule.check("l", 0.16113, 0.16, 0.16113) == []
    assert rule.check("l", 0.16113, 0.18, 0.16113) != []


def test_iowait_may_decrease_but_stays_in_bracket():
    rule = dc.CPU_TIMES.rules["iowait"]
    assert rule.check("io", 2.0, 1.99, 1.98) == []
    assert rule.check("io", 2.0, 2.01, 1.98) != []


# --- error objects ------------------------------------------------------------

ERR = {"error": "FileNotFoundError", "msg": "[Errno 2] No such file"}


def test_psoxide_error_where_psutil_returns_value_fails(sample):
    before, after = sample
    got = copy.deepcopy(before)
    got["cpu_stats"] = dict(ERR)
    out = problems("cpu_stats", before, got, after)
    assert out and "psoxide raised FileNotFoundError" in out[0]


def test_error_name_must_match():
    rule = dc.Exact()
    assert dc.check(rule, "k", ERR, dict(ERR, msg="other text"), ERR) == []
    other = {"error": "PermissionError", "msg": "x"}
    assert dc.check(rule, "k", ERR, other, ERR) != []
    assert dc.check(rule, "k", ERR, None, ERR) != []


def test_battery_none_vs_object():
    rule = dc.RULES["sensors_battery"]
    obj = {"percent": 50.0, "secsleft": -2, "power_plugged": True}
    assert dc.check(rule, "b", None, None, None) == []
    assert dc.check(rule, "b", None, obj, None) != []
    assert dc.check(rule, "b", obj, None, obj) != []
    assert dc.check(rule, "b", obj, dict(obj, percent=50), obj) != []  # int percent
    assert dc.check(rule, "b", obj, dict(obj, secsleft=-1), obj) != []


# --- the runner ---------------------------------------------------------------

def _script(tmp_path, body):
    p = tmp_path / "fake.py"
    p.write_text(textwrap.dedent(body))
    return p


def test_run_dump_rejects_nan(tmp_path):
    p = _script(tmp_path, 'print(\'{"getloadavg": [NaN, 0.0, 0.0]}\')')
    with pytest.raises(AssertionError, match="NaN"):
        psoxide_bin.run_dump(p)


def test_run_dump_rejects_two_values(tmp_path):
    p = _script(tmp_path, 'print("{}"); print("{}")')
    with pytest.raises(AssertionError, match="exactly one JSON value"):
        psoxide_bin.run_dump(p)


def test_run_dump_reports_exit_status(tmp_path):
    p = _script(tmp_path, 'import sys; sys.stderr.write("boom"); sys.exit(3)')
    with pytest.raises(AssertionError, match="exited with 3(.|\n)*boom"):
        psoxide_bin.run_dump(p)


def test_run_dump_passes_arguments_and_measures_rss(tmp_path):
    p = _script(tmp_path, 'import sys, json; print(json.dumps({"argv": sys.argv[1:]}))')
    data, rss = psoxide_bin.run_dump(p)
    assert data == {"argv": ["dump", "--json"]}
    assert rss > 1024 * 1024  # a Python interpreter is at least 1 MiB resident


def test_psoxide_bin_set_but_missing_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PSOXIDE_BIN", str(tmp_path / "nope"))
    with pytest.raises(psoxide_bin.BinaryMissing, match="does not exist"):
        psoxide_bin.locate()


def test_psoxide_bin_not_executable_is_an_error(monkeypatch, tmp_path):
    p = tmp_path / "psoxide"
    p.write_text("")
    os.chmod(p, 0o644)
    monkeypatch.setenv("PSOXIDE_BIN", str(p))
    with pytest.raises(psoxide_bin.BinaryMissing, match="not executable"):
        psoxide_bin.locate()


def test_fake_psoxide_refuses_other_arguments():
    import subprocess
    fake = os.path.join(os.path.dirname(__file__), "fake_psoxide.py")
    r = subprocess.run([sys.executable, fake, "dump"], capture_output=True, check=False)
    assert r.returncode == 2


def test_whole_suite_fails_on_a_perturbed_dump(tmp_path):
    """End to end: a fake psoxide that lies about two values makes exactly the
    tests naming those values fail."""
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    fake = _script(tmp_path, f"""
        import json, sys
        sys.path.insert(0, {here!r})
        import psutil_dump
        d = psutil_dump.dump()
        d["cpu_times"]["user"] -= 1.0
        nic = next(iter(d["net_if_stats"]))
        d["net_if_stats"][nic]["mtu"] += 1
        print(json.dumps(d))
    """)
    env = dict(os.environ, PSOXIDE_BIN=str(fake))
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         os.path.join(here, "test_system_diff.py")],
        capture_output=True, text=True, env=env, cwd=here, check=False)
    failed = sorted(line.split()[1].split("::")[1] for line in r.stdout.splitlines()
                    if line.startswith("FAILED "))
    assert r.returncode == 1, r.stdout[-3000:]
    assert failed == ["test_field[cpu_times.user]", "test_key[net_if_stats]"], r.stdout[-3000:]
