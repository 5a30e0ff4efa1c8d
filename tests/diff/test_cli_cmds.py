"""The classic-view subcommands' --json (docs/cli.md) against real psutil.

Values that move are read with psutil before and after psoxide; only processes whose
values psutil saw unchanged across the two reads are compared, and exactly.
"""
from __future__ import annotations

import json
import socket
import subprocess

import psutil
import pytest


@pytest.fixture(scope="module")
def run(psoxide_path):
    if psoxide_path.suffix == ".py":
        pytest.skip("the fake binary of the self-test only implements dump")

    def go(*args):
        r = subprocess.run([str(psoxide_path), *args], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"psoxide {' '.join(args)}: exit {r.returncode}\n{r.stderr}"
        return json.loads(r.stdout)

    return go


# Not `status`: a process can run and sleep again between the reads.
ATTRS = ["pid", "ppid", "name", "username", "nice", "num_threads"]


def _psutil_table():
    out = {}
    for p in psutil.process_iter(ATTRS, ad_value=None):
        out[p.pid] = dict(p.info)
    return out


def test_ps_json_matches_psutil(run):
    before = _psutil_table()
    got = run("ps", "--json", "-o", ",".join(ATTRS))
    after = _psutil_table()
    compared = 0
    for row in got:
        pid = row["pid"]
        b, a = before.get(pid), after.get(pid)
        if b is None or a is None or a != b:
            continue
        for k in ATTRS:
            assert row[k] == b[k], f"pid {pid} {k}: psoxide {row[k]!r}, psutil {b[k]!r}"
        compared += 1
    assert compared > 10, f"only {compared} stable processes compared"
    # Keys: exactly the attributes behind the columns, in column order.
    assert list(got[0]) == ATTRS


def test_free_json_matches_psutil(run):
    b = psutil.virtual_memory()._asdict()
    got = run("free", "--json")
    a = psutil.virtual_memory()._asdict()
    vm = got["virtual_memory"]
    assert vm["total"] == b["total"]
    slack = 64 << 20
    for k in ("available", "used", "free", "buffers", "cached", "shared"):
        lo, hi = min(a[k], b[k]) - slack, max(a[k], b[k]) + slack
        assert lo <= vm[k] <= hi, f"{k}: {vm[k]} not in {lo}..{hi}"
    assert got["swap_memory"]["total"] == psutil.swap_memory().total


def test_netstat_json_matches_psutil_for_a_listener(run):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        theirs = [c for c in psutil.net_connections("tcp4") if c.laddr and c.laddr.port == port]
        ours = [c for c in run("netstat", "--kind", "tcp4", "--json")
                if c["laddr"] and c["laddr"]["port"] == port]
    assert len(theirs) == 1 and len(ours) == 1, (theirs, ours)
    t, o = theirs[0], ours[0]
    assert o["family"] == int(t.family) and o["type"] == int(t.type)
    assert o["laddr"] == {"ip": t.laddr.ip, "port": t.laddr.port}
    assert o["raddr"] == [] and o["status"] == t.status
    assert o["pid"] == t.pid and o["fd"] == t.fd
    assert o["name"] == psutil.Process(t.pid).name()


def test_who_and_pmap_json_match_psutil(run):
    users = run("who", "--json")
    assert [(u["name"], u["terminal"], u["host"], u["pid"]) for u in users] == \
        [(u.name, u.terminal, u.host, u.pid) for u in psutil.users()]
    me = psutil.Process()
    maps = run("pmap", "--json", str(me.pid))
    theirs = [m.path for m in me.memory_maps(grouped=True)]
    assert [m["path"] for m in maps] == theirs


def test_pidof_matches_psutil_names(run, tmp_path):
    import shutil
    import time
    exe = tmp_path / "psxdiffpidof"
    shutil.copy("/bin/sleep", exe)
    kids = [subprocess.Popen([str(exe), "600"]) for _ in range(2)]
    try:
        deadline = time.time() + 10
        while any(psutil.Process(k.pid).name() != exe.name for k in kids):
            assert time.time() < deadline
            time.sleep(0.01)
        want = sorted((p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == exe.name),
                      reverse=True)
        assert run("pidof", "--json", exe.name) == want
    finally:
        for k in kids:
            k.kill()
            k.wait()
