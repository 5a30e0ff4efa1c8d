"""`psoxide dump --procs --json` against psutil, every attribute of every process.

psutil samples every process just BEFORE psoxide runs and just AFTER it
exits (``conftest.procsnap``).  A process is compared when the same
(pid, create_time) is in all three; the others appeared, vanished or were
recycled inside the window.  One test per attribute (``test_attr[<name>]``)
aggregates the problems of all processes, each naming pid, process name,
kind, attribute and field.  Rules: ``diffcheck.proc_rule``.

The fixture processes of ``conftest.spawned`` (odd argv, long names, a
zombie, open files, sockets, a stopped process) are also asserted against
what the test itself set up (``test_fixture_*``), and the rules are checked
to reject perturbed values (``test_rule_*``, no binary needed).
"""

from __future__ import annotations

import collections
import copy
import os
from dataclasses import dataclass

import psutil
import pytest

import conftest
import diffcheck as dc
import psutil_procs as pp

ATTRS = pp.ATTRS
ZOMBIE_NULL = ("cmdline", "cwd", "environ", "exe", "memory_maps")
"""Attributes whose psutil call raises ZombieProcess on a zombie (spec 0.4)."""


def _ident(attrs):
    return attrs.get("pid"), attrs.get("create_time")


@dataclass
class Comparison:
    snap: object
    got: dict  # pid -> psoxide object (valid elements only)
    compared: list  # pids
    ctx: dict  # pid -> ProcCtx
    errors: list  # psoxide error elements
    missing: list  # (pid, name): present throughout, absent from psoxide
    transient: int


def _kind(pid, attrs, snap, labels):
    if pid == snap.runner_pid:
        return "test runner"
    if pid in labels:
        return labels[pid]
    if attrs.get("status") == "zombie":
        return "zombie"
    if pid == 1:
        return "init"
    if pid == 2 or attrs.get("ppid") == 2:
        return "kernel thread"
    return "process"


def _peak(attrs, field):
    mx = attrs.get("memory_info_ex")
    return mx[field] if isinstance(mx, dict) else 0


def build(snap) -> Comparison:
    got, errors = {}, []
    for el in snap.got if isinstance(snap.got, list) else []:
        if dc.is_error(el):
            errors.append(el)
        elif isinstance(el, dict) and isinstance(el.get("pid"), int):
            got[el["pid"]] = el
    b_ids = {(p, s["attrs"]["create_time"]) for p, s in snap.before.items()}
    a_ids = {(p, s["attrs"]["create_time"]) for p, s in snap.after.items()}
    g_ids = {_ident(v) for v in got.values()}
    steady = b_ids & a_ids
    compared = sorted(p for p, _ in steady & g_ids)
    missing = sorted((p, snap.before[p]["attrs"]["name"]) for p, _ in steady - g_ids)
    # Processes not present (same identity) at both samples: they may have
    # shared pages with everybody while psoxide read them (diffcheck.share_slack).
    others = collections.defaultdict(list)
    for p, s in snap.before.items():
        if (p, s["attrs"]["create_time"]) not in steady:
            others[(p, s["attrs"]["create_time"])].append(s["attrs"])
    for p, s in snap.after.items():
        if (p, s["attrs"]["create_time"]) not in steady:
            others[(p, s["attrs"]["create_time"])].append(s["attrs"])
    for v in got.values():
        if _ident(v) not in steady:
            others[_ident(v)].append(v)
    per_path, glob = dc.share_slack(list(others.values()))
    labels = snap.spawned.labels()
    ncpu = psutil.cpu_count() or 1
    ctx = {}
    for pid in compared:
        b, a, g = snap.before[pid], snap.after[pid], got[pid]
        act_b, act_a = b["activity"][0], a["activity"][1]
        runner = pid == snap.runner_pid
        quiet = (not runner and act_b is not None and act_b[1] is not None
                 and act_b == act_a)
        ctx[pid] = dc.ProcCtx(
            pid=pid, name=g.get("name") or b["attrs"]["name"],
            kind=_kind(pid, b["attrs"], snap, labels), quiet=quiet, runner=runner,
            cpu_count=ncpu, mem_total=snap.mem_total, share_slack=per_path,
            global_slack=glob, got=g,
            maps_sides=(b["attrs"]["memory_maps"], a["attrs"]["memory_maps"]),
            rss_cap=_peak(a["attrs"], "peak_rss"), vms_cap=_peak(a["attrs"], "peak_vms"))
    return Comparison(snap, got, compared, ctx, errors, missing, len(others))


@pytest.fixture(scope="module")
def cmp(procsnap) -> Comparison:
    return build(procsnap)


# --- shape and coverage ------------------------------------------------------

def test_dump_shape(procsnap):
    """A JSON array in PID order; each element all 32 attrs in alphabetical
    order, or an error object."""
    g = procsnap.got
    assert isinstance(g, list), f"psoxide printed a JSON {type(g).__name__}, expected an array"
    problems = []
    pids = []
    for i, el in enumerate(g):
        if dc.is_error(el):
            continue
        if not isinstance(el, dict):
            problems.append(f"element {i}: {dc.short(el)} is neither a process nor an error")
            continue
        if list(el) != list(ATTRS):
            miss = [k for k in ATTRS if k not in el]
            extra = [k for k in el if k not in ATTRS]
            problems.append(f"pid {el.get('pid')}: keys {list(el)} != Process.attrs "
                            f"(missing {miss}, unexpected {extra}, else order)")
        pids.append(el.get("pid"))
    if pids != sorted(pids) or len(set(pids)) != len(pids):
        problems.append(f"PIDs not strictly ascending: {pids}")
    assert not problems, "\n".join(problems)


def test_long_lived_processes_listed(cmp):
    """A process present (same create_time) in both psutil samples existed for
    the whole run: psoxide must list it, not drop it nor turn it into an error."""
    print(f"psoxide: {len(cmp.snap.got)} elements, {len(cmp.errors)} error objects "
          f"{[e['error'] for e in cmp.errors]}")
    assert not cmp.missing, (
        f"processes alive for the whole window but absent from psoxide's dump: {cmp.missing}; "
        f"psoxide error elements: {cmp.errors}")


def test_compared_set(cmp):
    """The comparison really covers the long-lived processes; print the counts."""
    snap = cmp.snap
    must = {1: "PID 1", snap.runner_pid: "the test runner"}
    must.update({p: lab for p, lab in snap.spawned.labels().items()})
    quiet = sum(c.quiet for c in cmp.ctx.values())
    nulls = collections.Counter(a for p in cmp.compared for a in ATTRS
                                if a != "terminal" and cmp.got[p][a] is None)
    kinds = collections.Counter(c.kind for c in cmp.ctx.values())
    others = [p for p in cmp.compared if cmp.got[p]["uids"]["real"] != os.getuid()]
    lines = [
        f"uid {os.getuid()} ({psutil.Process().username()}); window {snap.window_s:.3f} s "
        f"(psutil before + psoxide + psutil after)",
        f"processes: psutil before {len(snap.before)}, psoxide {len(cmp.got)}, psutil after "
        f"{len(snap.after)}; compared {len(cmp.compared)} ({quiet} quiet, "
        f"{len(others)} of other users), skipped {cmp.transient} transient",
        f"kinds: {dict(kinds)}",
        f"null values (AccessDenied/ZombieProcess) in compared processes: "
        f"{sum(nulls.values())} {dict(sorted(nulls.items()))}",
    ]
    if pp.THREAD_NAME_FIXES:
        lines.append(f"threads whose name contains ')': times taken from stat fields 14/15 "
                     f"(psutil cuts at the first ')' and misreads them): "
                     f"{sorted(set(pp.THREAD_NAME_FIXES))[:6]}")
    conftest.PROC_SUMMARY[:] = lines
    print("\n".join(lines))
    absent = {lab: p for p, lab in must.items() if p not in cmp.compared}
    assert not absent, f"not compared: {absent} (compared: {cmp.compared})"
    assert len(cmp.compared) >= 5
    if os.getuid() != 0:
        # Unprivileged: other users' processes must show AccessDenied (spec 4.7,
        # "Other user" column) for environ, cwd, open_files, num_fds...
        assert others, "unprivileged run but no process of another user was compared"
        for attr in ("environ", "cwd", "io_counters", "open_files", "memory_maps"):
            assert any(cmp.got[p][attr] is None for p in others), (
                f"unprivileged run: {attr} of no other user's process is null")


@pytest.mark.parametrize("attr", ATTRS)
def test_attr(cmp, attr):
    """One attribute across every compared process."""
    problems = []
    quirks = 0
    for pid in cmp.compared:
        b = cmp.snap.before[pid]["attrs"][attr]
        a = cmp.snap.after[pid]["attrs"][attr]
        g = cmp.got[pid][attr]
        if attr == "environ" and dc.environ_kthread_quirk(b, g, a):
            quirks += 1
        problems += dc.proc_problems(attr, b, g, a, cmp.ctx[pid])
    nulls = sum(cmp.got[p][attr] is None for p in cmp.compared)
    print(f"{attr}: {len(cmp.compared)} processes, {nulls} null"
          + (f", {quirks} kernel threads with environ {{}} where psutil raises "
             "NoSuchProcess (quirk 10.17, accepted)" if attr == "environ" else ""))
    assert not problems, f"{len(problems)} mismatches:\n" + "\n".join(problems)


def test_psoxide_own_process(procsnap, cmp):
    """psoxide's entry for itself (absent from psutil's samples) against what the
    test knows: it ran that command from here, as this user, as a child of the runner."""
    me = cmp.got.get(procsnap.psoxide_pid)
    assert me is not None, f"psoxide (pid {procsnap.psoxide_pid}) did not list itself"
    want = {
        "pid": procsnap.psoxide_pid, "name": "psoxide", "ppid": procsnap.runner_pid,
        "cmdline": procsnap.psoxide_cmd, "exe": os.path.realpath(procsnap.psoxide_path),
        "cwd": os.getcwd(), "cpu_percent": 0.0, "status": "running",
        "uids": dict(zip(("real", "effective", "saved"), os.getresuid())),
        "gids": dict(zip(("real", "effective", "saved"), os.getresgid())),
        "terminal": None, "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
    }
    bad = {k: (me[k], v) for k, v in want.items() if me[k] != v}
    assert not bad, f"psoxide's own entry: {{attr: (psoxide, expected)}} = {bad}"
    assert me["num_threads"] == len(me["threads"]) >= 1
    assert me["memory_info"]["rss"] > 0 and me["memory_footprint"]["uss"] > 0
    assert any(m["path"] == me["exe"] for m in me["memory_maps"])


# --- fixture processes: psoxide against what the test set up ----------------

def _fx(cmp, pid):
    assert pid in cmp.got, f"fixture pid {pid} missing from psoxide's dump"
    return cmp.got[pid]


def test_fixture_long_name(cmp):
    """comm is 15 chars; name() is the full basename of cmdline[0] (spec 4.6)."""
    sp = cmp.snap.spawned
    with open(f"/proc/{sp.long_name}/comm") as f:
        assert f.read().strip() == pp_short(sp)
    g = _fx(cmp, sp.long_name)
    assert g["name"] == os.path.basename(sp.long_exe)
    assert len(g["name"]) > 15
    assert g["exe"] == sp.long_exe and g["cmdline"] == [sp.long_exe, "3600"]


def pp_short(sp):
    return os.path.basename(sp.long_exe)[:15]


def test_fixture_truncated_name_and_stopped(cmp):
    """argv[0] unrelated to comm: the 15-char comm stays; SIGSTOPped -> "stopped"."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.truncated)
    assert g["name"] == pp_short(sp)
    assert g["cmdline"] == ["renamed-argv0", "3600"]
    assert g["exe"] == sp.long_exe
    assert g["status"] == "stopped"
    assert g["cpu_times"]["user"] >= 0.0 and g["cwd"] == sp.dir


def test_fixture_cmdline_environ_cwd(cmp):
    from conftest import MARKER_ENV
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.holder)
    assert g["cmdline"] == sp.holder_cmdline
    for k, v in MARKER_ENV.items():
        assert g["environ"].get(k) == v, f"environ[{k!r}]: {g['environ'].get(k)!r} != {v!r}"
    assert g["cwd"] == sp.dir
    with open(f"/proc/{sp.holder}/environ", "rb") as f:
        keys = [e.split(b"=", 1)[0].decode() for e in f.read().split(b"\0") if b"=" in e]
    assert list(g["environ"]) == keys, "environ keys not in /proc/PID/environ order"


def test_fixture_nice_ionice(cmp):
    from conftest import HOLDER_IONICE, HOLDER_NICE
    g = _fx(cmp, cmp.snap.spawned.holder)
    assert g["nice"] == HOLDER_NICE
    assert g["ionice"] == {"ioclass": HOLDER_IONICE[0], "value": HOLDER_IONICE[1]}


def test_fixture_zombie(cmp):
    """spec 0.4: ZombieProcess (null) for cmdline/cwd/environ/exe/memory_maps;
    the rest is data (zeros/empty)."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.zombie)
    assert g["status"] == "zombie"
    assert g["ppid"] == sp.holder
    nonnull = {k: g[k] for k in ZOMBIE_NULL if g[k] is not None}
    assert not nonnull, f"zombie: expected null (ZombieProcess) for {nonnull}"
    assert g["name"] == cmp.got[sp.holder]["name"]
    if os.getuid() == 0:
        assert g["num_fds"] == 0 and g["open_files"] == [] and g["net_connections"] == []
    else:
        # The fd directory of a zombie is refused to its (unprivileged) owner:
        # psutil raises AccessDenied; psoxide must agree (null).
        b = cmp.snap.before[sp.zombie]["attrs"]
        for k in ("num_fds", "open_files", "net_connections"):
            assert g[k] == b[k], f"zombie {k}: psoxide {g[k]!r}, psutil {b[k]!r}"
    assert g["memory_info"] == {k: 0 for k in pp.FIELDS["pmem"]}
    assert g["memory_footprint"] == {k: 0 for k in pp.FIELDS["pfootprint"]}
    assert g["memory_percent"] == 0.0 and g["terminal"] is None
    assert len(g["threads"]) == 1 and g["threads"][0]["id"] == sp.zombie


def test_fixture_open_files(cmp):
    """Positions and modes of the files the holder opened; flags = fdinfo's octal flags."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.holder)
    want_pos = {"read.bin": 123, "write.bin": 456, "append.bin": 77, "rw.bin": 789,
                "aplus.bin": 10}
    want_mode = {"read.bin": "r", "write.bin": "w", "append.bin": "a", "rw.bin": "r+",
                 "aplus.bin": "a+"}
    by_fd = {f["fd"]: f for f in g["open_files"]}
    problems = []
    for name, (path, fd) in sp.info["files"].items():
        with open(f"/proc/{sp.holder}/fdinfo/{fd}") as f:
            flags = int(next(x for x in f if x.startswith("flags:")).split()[1], 8)
        want = {"path": path, "fd": fd, "position": want_pos[name], "mode": want_mode[name],
                "flags": flags}
        if by_fd.get(fd) != want:
            problems.append(f"{name}: psoxide {by_fd.get(fd)} != {want}")
    assert not problems, "\n".join(problems)
    assert len(by_fd) == len(sp.info["files"]), f"unexpected regular files: {g['open_files']}"


def test_fixture_net_connections(cmp):
    """The holder's TCP listener (LISTEN), bound UDP socket (NONE), optional ::1 listener."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.holder)
    want = [
        {"fd": sp.info["tcp"][0], "family": 2, "type": 1,
         "laddr": {"ip": "127.0.0.1", "port": sp.info["tcp"][1]}, "raddr": [], "status": "LISTEN"},
        {"fd": sp.info["udp"][0], "family": 2, "type": 2,
         "laddr": {"ip": "127.0.0.1", "port": sp.info["udp"][1]}, "raddr": [], "status": "NONE"},
    ]
    if sp.info["tcp6"]:
        want.append({"fd": sp.info["tcp6"][0], "family": 10, "type": 1,
                     "laddr": {"ip": "::1", "port": sp.info["tcp6"][1]}, "raddr": [],
                     "status": "LISTEN"})
    key = lambda c: c["fd"]  # noqa: E731
    assert sorted(g["net_connections"], key=key) == sorted(want, key=key)


def test_fixture_edge(cmp):
    """Odd comm, removed cwd, unlinked open/mapped file, threads, large argv/env,
    affinity narrowed to one CPU, idle I/O class, established and v4-mapped sockets."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.edge)
    info = sp.edge_info
    assert g["name"] == "ed) (ge x"
    assert g["cmdline"] == sp.edge_cmdline
    assert g["environ"]["PSOX_BIG"] == "y" * 60_000
    # psutil strips " (deleted)" when the stripped path does not exist (spec 4.6)
    assert g["cwd"] == info["gone"]
    assert all(f["path"] != info["unlinked"] and "(deleted)" not in f["path"]
               for f in g["open_files"]), g["open_files"]
    assert info["unlinked"] in [m["path"] for m in g["memory_maps"]]
    tids = sorted(os.listdir(f"/proc/{sp.edge}/task"))  # psutil sorts TIDs as strings
    assert [t["id"] for t in g["threads"]] == [int(t) for t in tids]
    assert g["num_threads"] == 4
    assert g["cpu_affinity"] == [max(os.sched_getaffinity(0))]
    assert g["ionice"] == {"ioclass": 3, "value": 0}
    c_fd, s_fd, lport, cport = info["est"]
    conns = {c["fd"]: c for c in g["net_connections"]}
    assert conns[c_fd] == {"fd": c_fd, "family": 2, "type": 1,
                           "laddr": {"ip": "127.0.0.1", "port": cport},
                           "raddr": {"ip": "127.0.0.1", "port": lport}, "status": "ESTABLISHED"}
    assert conns[s_fd]["laddr"] == {"ip": "127.0.0.1", "port": lport}
    assert conns[s_fd]["raddr"] == {"ip": "127.0.0.1", "port": cport}
    u_fd, u_port = info["udp"]
    assert conns[u_fd] == {"fd": u_fd, "family": 2, "type": 2,
                           "laddr": {"ip": "127.0.0.1", "port": u_port},
                           "raddr": {"ip": "127.0.0.1", "port": 9}, "status": "NONE"}
    if info["mapped"]:
        m_fd, m_port = info["mapped"]
        assert conns[m_fd]["family"] == 10
        assert conns[m_fd]["laddr"] == {"ip": "::ffff:127.0.0.1", "port": m_port}
        assert conns[m_fd]["raddr"] == {"ip": "::ffff:127.0.0.1", "port": lport}


def test_fixture_terminal(cmp):
    """A child of pty.fork() has the pty slave as controlling terminal."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.edge_info["tty_child"])
    assert sp.edge_info["tty"] and sp.edge_info["tty"].startswith("/dev/pts/")
    assert g["terminal"] == sp.edge_info["tty"]


def test_fixture_deleted_exe(cmp):
    """The executable was unlinked: exe is the path without " (deleted)"."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.deleted_exe)
    assert os.readlink(f"/proc/{sp.deleted_exe}/exe") == sp.deleted_path + " (deleted)"
    assert g["exe"] == sp.deleted_path and g["name"] == os.path.basename(sp.deleted_path)
    assert sp.deleted_path in [m["path"] for m in g["memory_maps"]]


def test_fixture_replaced_exe(cmp):
    """The executable was unlinked and a new file put at its path (a rebuild): psutil
    strips " (deleted)" because no file has the suffixed name, although the plain path
    exists again."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.replaced_exe)
    assert os.readlink(f"/proc/{sp.replaced_exe}/exe") == sp.replaced_path + " (deleted)"
    assert os.path.exists(sp.replaced_path)
    assert g["exe"] == sp.replaced_path
    assert sp.replaced_path in [m["path"] for m in g["memory_maps"]]


def test_fixture_literal_deleted_exe(cmp):
    """An executable whose real name ends in " (deleted)": the file exists, so the name
    is kept whole."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.literal_exe)
    assert g["exe"] == sp.literal_path
    assert sp.literal_path in [m["path"] for m in g["memory_maps"]]


def test_fixture_zombie_leader(cmp):
    """Main thread exited, another thread lives: stat says Z, so status is
    zombie and the mm-based reads are ZombieProcess (null), like psutil."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.zombie_leader)
    assert g["status"] == "zombie"
    assert g["num_threads"] == 2 and len(g["threads"]) == 2
    assert g["cmdline"] is None and g["memory_maps"] is None


def test_fixture_odd_ids(cmp):
    """(root) real and effective IDs different, no passwd entry: username is
    the real UID as a string; negative nice and realtime I/O class."""
    from conftest import ODD_IDS, ROOT_IONICE, ROOT_NICE
    sp = cmp.snap.spawned
    if not sp.odd_ids:
        pytest.skip("needs root to start a process with other IDs")
    g = _fx(cmp, sp.odd_ids)
    # execve() of a non-set-ID file copies the effective IDs to the saved ones.
    ids = {"real": ODD_IDS[0], "effective": ODD_IDS[1], "saved": ODD_IDS[1]}
    assert g["uids"] == ids and g["gids"] == ids
    assert g["username"] == str(ODD_IDS[0])
    assert g["nice"] == ROOT_NICE
    assert g["ionice"] == {"ioclass": ROOT_IONICE[0], "value": ROOT_IONICE[1]}


def test_fixture_traced(cmp):
    """A child that did PTRACE_TRACEME and stopped itself: "tracing-stop" ("t")."""
    sp = cmp.snap.spawned
    g = _fx(cmp, sp.info["traced"])
    assert g["status"] == "tracing-stop"
    assert g["ppid"] == sp.holder


def test_fixture_retitled(cmp):
    """perl's $0 rewrites the argv area without NULs: cmdline is split on spaces."""
    sp = cmp.snap.spawned
    if not sp.retitled:
        pytest.skip("perl not installed")
    g = _fx(cmp, sp.retitled)
    assert g["cmdline"] == ["perl", "title", "with", "spaces"]
    with open(f"/proc/{sp.retitled}/comm") as f:
        assert g["name"] == f.read().rstrip("\n")


# --- the rules reject what they must (no binary needed) ---------------------

@pytest.fixture(scope="module")
def pair():
    """Two back-to-back psutil samples of this process, PID 1 and the zombie-free init."""
    pids = [os.getpid(), 1]
    pp.snapshot(pids)
    return pp.snapshot(pids), pp.snapshot(pids)


def _ctx(pid, attrs, quiet=True, runner=False):
    return dc.ProcCtx(pid=pid, name=attrs["name"], kind="t", quiet=quiet, runner=runner,
                      cpu_count=psutil.cpu_count() or 1, mem_total=psutil.virtual_memory().total,
                      got=attrs, maps_sides=(attrs["memory_maps"], attrs["memory_maps"]))


def _probs(attr, b, g, quiet=True, runner=False, a=None):
    a = b if a is None else a
    return dc.proc_problems(attr, b[attr], g[attr], a[attr], _ctx(b["pid"], g, quiet, runner))


@pytest.mark.parametrize("attr", ATTRS)
def test_rule_psutil_against_itself(pair, attr):
    """A sample compared with itself is accepted (quiet rules, the strictest)."""
    s = pair[0][1]["attrs"]
    assert _probs(attr, s, copy.deepcopy(s)) == []


def test_rule_me_between_two_samples(pair):
    """This process between two of its own samples, as the runner."""
    b, a = pair[0][os.getpid()]["attrs"], pair[1][os.getpid()]["attrs"]
    for attr in ATTRS:
        for g in (b, a):
            out = dc.proc_problems(attr, b[attr], g[attr], a[attr],
                                   _ctx(os.getpid(), g, quiet=False, runner=True))
            assert out == [], out


def _mutated(s, attr, fn):
    g = copy.deepcopy(s)
    g[attr] = fn(copy.deepcopy(g[attr]))
    return g


def _set(obj, key, value):
    obj[key] = value
    return obj


MUTATIONS = {
    "null where psutil has a value": ("name", lambda v: None),
    "value where psutil has null": ("exe", lambda v: "/sbin/init"),
    "cmdline one arg more": ("cmdline", lambda v: v + ["x"]),
    "create_time + 0.01": ("create_time", lambda v: v + 0.01),
    "ppid + 1": ("ppid", lambda v: v + 1),
    "uids.effective": ("uids", lambda v: _set(v, "effective", v["effective"] + 1)),
    "ionice.ioclass as string": ("ionice", lambda v: _set(v, "ioclass", str(v["ioclass"]))),
    "cpu_times.user below before": ("cpu_times", lambda v: _set(v, "user", v["user"] - 0.01)),
    "cpu_times field order": ("cpu_times", lambda v: dict(reversed(list(v.items())))),
    "num_ctx_switches above after": ("num_ctx_switches",
                                     lambda v: _set(v, "voluntary", v["voluntary"] + 1)),
    "page_faults.minor below": ("page_faults", lambda v: _set(v, "minor", v["minor"] - 1)),
    "cpu_percent not first-call 0.0": ("cpu_percent", lambda v: 1.0),
    "cpu_percent int 0": ("cpu_percent", lambda v: 0),
    "memory_info.rss + 4096": ("memory_info", lambda v: _set(v, "rss", v["rss"] + 4096)),
    "memory_info_ex.peak_rss - 1": ("memory_info_ex",
                                    lambda v: _set(v, "peak_rss", v["peak_rss"] - 1)),
    "threads: one missing": ("threads", lambda v: v[1:]),
    "num_threads + 1": ("num_threads", lambda v: v + 1),
    "status": ("status", lambda v: "disk-sleep" if v != "disk-sleep" else "sleeping"),
    "nice": ("nice", lambda v: v + 1),
    "terminal": ("terminal", lambda v: "/dev/pts/99"),
    "username": ("username", lambda v: v + "x"),
}


@pytest.mark.parametrize("what", list(MUTATIONS))
def test_rule_rejects(pair, what):
    attr, fn = MUTATIONS[what]
    pid = 1 if attr == "exe" else os.getpid()
    s = pair[0][pid]["attrs"]
    if attr == "exe" and s["exe"] is not None:
        pytest.skip("PID 1's exe is readable here: no null to contradict")
    g = _mutated(s, attr, fn)
    out = _probs(attr, s, g)
    assert out, f"{what}: accepted {g[attr]!r} against {s[attr]!r}"
    assert f"pid {pid} " in out[0] and attr in out[0]


def test_rule_memory_percent_must_match_rss(pair):
    s = pair[0][os.getpid()]["attrs"]
    g = copy.deepcopy(s)
    g["memory_percent"] = s["memory_percent"] * 1.01 + 1e-9
    assert _probs("memory_percent", s, g)


def test_rule_quiet_vs_active_sets(pair):
    """A thread missing in a quiet process fails; a thread that only psoxide saw
    is accepted only for a process that ran."""
    s = pair[0][os.getpid()]["attrs"]
    g = copy.deepcopy(s)
    g["threads"].append({"id": 999999, "user_time": 0.0, "system_time": 0.0})
    assert _probs("threads", s, g, quiet=True)
    assert _probs("threads", s, g, quiet=False) == []


def test_rule_open_file_position(pair):
    s = {"pid": 5, "name": "x", "memory_maps": None,
         "open_files": [{"path": "/a", "fd": 3, "position": 10, "mode": "r", "flags": 32768}]}
    a = copy.deepcopy(s)
    a["open_files"][0]["position"] = 20
    g = copy.deepcopy(s)
    g["open_files"][0]["position"] = 15
    assert _probs("open_files", s, g, a=a) == []
    g["open_files"][0]["position"] = 21
    assert _probs("open_files", s, g, a=a)
    g["open_files"][0]["position"] = 15
    g["open_files"][0]["mode"] = "r+"
    assert _probs("open_files", s, g, a=a)


def test_rule_environ_quirk_only_for_empty():
    err = {"error": "NoSuchProcess", "msg": "process no longer exists (pid=2)"}
    s = {"pid": 2, "name": "kthreadd", "memory_maps": [], "environ": err}
    assert _probs("environ", s, dict(s, environ={})) == []
    assert _probs("environ", s, dict(s, environ={"A": "1"}))
    assert _probs("environ", s, dict(s, environ=None))


def test_rule_pss_share_slack():
    """pss may move by the transient processes' RSS of the same path, not more."""
    m = {"path": "/lib/libc.so.6", "rss": 8192, "size": 8192, "pss": 4096,
         "shared_clean": 8192, "shared_dirty": 0, "private_clean": 0, "private_dirty": 0,
         "referenced": 8192, "anonymous": 0, "swap": 0}
    s = {"pid": 5, "name": "x", "memory_maps": [m]}
    g = copy.deepcopy(s)
    g["memory_maps"][0]["pss"] = 2048
    ctx = _ctx(5, g)
    assert dc.proc_problems("memory_maps", s["memory_maps"], g["memory_maps"],
                            s["memory_maps"], ctx)
    ctx.share_slack = {"/lib/libc.so.6": 4096}
    assert dc.proc_problems("memory_maps", s["memory_maps"], g["memory_maps"],
                            s["memory_maps"], ctx) == []
