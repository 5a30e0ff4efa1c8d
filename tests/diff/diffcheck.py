"""Comparison rules for the differential test.

Every check gets three values of the same item: ``b`` (psutil, sampled just
BEFORE psoxide ran), ``g`` (what psoxide printed, "got") and ``a`` (psutil,
sampled just AFTER).  A rule returns a list of problem strings, each starting
with the item's path (``virtual_memory.available``, ``net_if_stats['lo'].mtu``);
an empty list means the value is accepted.

``MISSING`` stands for a side where psutil had no value (a NIC that appeared
between the two psutil samples, or a psutil call that raised on one side
only); the corresponding bound is then not checked.

Values are JSON-decoded, so types are JSON types: ``jtype`` tells ``bool``
from ``int`` from ``float`` (``1`` vs ``1.0`` in the JSON text).
"""

from __future__ import annotations

import math

MISSING = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

MIB = 1024 * 1024


def jtype(v) -> str:
    """JSON type name of a decoded value (bool before int: bool is an int in Python)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def same(x, y) -> bool:
    """Deep equality that also requires equal JSON types and equal key order."""
    if jtype(x) != jtype(y):
        return False
    if isinstance(x, dict):
        return list(x) == list(y) and all(same(x[k], y[k]) for k in x)
    if isinstance(x, list):
        return len(x) == len(y) and all(same(i, j) for i, j in zip(x, y))
    return x == y


def is_error(v) -> bool:
    """True for the contract's error object ``{"error": name, "msg": text}``."""
    return (
        isinstance(v, dict)
        and set(v) == {"error", "msg"}
        and isinstance(v["error"], str)
        and isinstance(v["msg"], str)
    )


def short(v, limit=300) -> str:
    s = repr(v)
    return s if len(s) <= limit else s[:limit] + "...(truncated)"


def refs(b, a):
    """The psutil values that exist (not MISSING), before first."""
    return [x for x in (b, a) if x is not MISSING]


def type_problem(path, b, g, a):
    """Problem string if ``g``'s JSON type differs from psutil's, else None."""
    want = {jtype(r) for r in refs(b, a)}
    if want and jtype(g) not in want:
        return (f"{path}: type {jtype(g)} ({short(g)}), psutil gives "
                f"{'/'.join(sorted(want))} ({short(refs(b, a)[0])})")
    return None


def spread(b, a) -> float:
    r = refs(b, a)
    return max(r) - min(r) if r else 0.0


def check(rule, path, b, g, a, ctx=None) -> list[str]:
    """Apply ``rule`` after handling error objects (at any level)."""
    b_err = b is not MISSING and is_error(b)
    a_err = a is not MISSING and is_error(a)
    if is_error(g):
        names = {x["error"] for x in (b, a) if x is not MISSING and is_error(x)}
        if g["error"] in names:
            return []
        if names:
            return [f"{path}: psoxide raised {g['error']} ({g['msg']!r}), "
                    f"psutil raised {'/'.join(sorted(names))}"]
        return [f"{path}: psoxide raised {g['error']} ({g['msg']!r}), "
                f"psutil returned {short(refs(b, a)[0] if refs(b, a) else None)}"]
    if b_err and a_err:
        return [f"{path}: psutil raised {b['error']} ({b['msg']!r}), "
                f"psoxide returned {short(g)}"]
    # One psutil side raised, the other did not: only the other one is usable.
    return rule.check(path, MISSING if b_err else b, g, MISSING if a_err else a, ctx)


class Rule:
    """Base class: ``check(path, b, g, a, ctx)`` -> list of problems.

    ``ctx`` is the psoxide object that contains ``g`` (for ``Derived``)."""

    def check(self, path, b, g, a, ctx=None) -> list[str]:  # pragma: no cover
        raise NotImplementedError


class Exact(Rule):
    """Static value: must equal psutil's (same JSON types, same order).

    If psutil's value changed between the two samples, either is accepted."""

    def check(self, path, b, g, a, ctx=None):
        r = refs(b, a)
        if any(same(g, x) for x in r):
            return []
        problem = type_problem(path, b, g, a)
        if problem and not isinstance(g, (list, dict)):
            return [problem]
        return [f"{path}: psoxide {short(g)} != psutil {short(r[0] if r else None)}"
                + ("" if len(r) < 2 or same(r[0], r[1]) else f" (after: {short(r[1])})")]


class Counter(Rule):
    """Monotonic counter: before - eps <= got <= after + eps, same number type."""

    def __init__(self, eps: float = 0.0):
        self.eps = eps

    def check(self, path, b, g, a, ctx=None):
        problem = type_problem(path, b, g, a)
        if problem:
            return [problem]
        if b is not MISSING and a is not MISSING and b > a:
            return [f"{path}: psutil's own samples went backwards ({b} then {a}); "
                    "not a monotonic counter here"]
        if b is not MISSING and g < b - self.eps:
            return [f"{path}: psoxide {g} < psutil before {b} (counter cannot go back)"]
        if a is not MISSING and g > a + self.eps:
            return [f"{path}: psoxide {g} > psutil after {a} (value from the future?)"]
        return []


class Gauge(Rule):
    """Value that moves up and down: within [min(b, a) - m, max(b, a) + m].

    ``margin(b, a)`` returns m; pass a number for a constant margin."""

    def __init__(self, margin, why: str = ""):
        self.margin = margin if callable(margin) else (lambda b, a, m=margin: m)
        self.why = why

    def check(self, path, b, g, a, ctx=None):
        problem = type_problem(path, b, g, a)
        if problem:
            return [problem]
        r = refs(b, a)
        if not r or g is None and all(x is None for x in r):
            return []
        if g is None or any(x is None for x in r):
            return Exact().check(path, b, g, a)
        m = self.margin(b, a)
        lo, hi = min(r) - m, max(r) + m
        if not (lo <= g <= hi) or (isinstance(g, float) and math.isnan(g)):
            return [f"{path}: psoxide {g} outside [{lo}, {hi}] = psutil before {b} / after {a} "
                    f"widened by {m}{' (' + self.why + ')' if self.why else ''}"]
        return []


class Derived(Rule):
    """Exactly ``fn(parent)`` where ``parent`` is psoxide's enclosing object."""

    def __init__(self, fn, what: str):
        self.fn = fn
        self.what = what

    def check(self, path, b, g, a, ctx=None):
        problem = type_problem(path, b, g, a)
        if problem:
            return [problem]
        try:
            want = self.fn(ctx)
        except Exception as exc:  # noqa: BLE001 - report, do not crash the test
            return [f"{path}: cannot compute {self.what} from psoxide's object: {exc!r}"]
        if not same(g, want):
            return [f"{path}: psoxide {short(g)} != {self.what} = {short(want)} "
                    "computed from psoxide's own fields"]
        return []


class All(Rule):
    """Every sub-rule must accept the value."""

    def __init__(self, *rules):
        self.rules = rules

    def check(self, path, b, g, a, ctx=None):
        out = []
        for rule in self.rules:
            out += rule.check(path, b, g, a, ctx)
        return out


class Fields(Rule):
    """Named tuple encoded as an object: exact field names in 8.0 order."""

    def __init__(self, names, rules: dict, default: Rule | None = None):
        self.names = tuple(names)
        self.rules = {n: rules.get(n, default) for n in self.names}
        missing = [n for n, r in self.rules.items() if r is None]
        assert not missing, f"no rule for fields {missing}"

    def shape(self, path, g) -> list[str]:
        if jtype(g) != "object":
            return [f"{path}: psoxide gives {jtype(g)} ({short(g)}), expected an object "
                    f"with fields {list(self.names)}"]
        if tuple(g) != self.names:
            miss = [n for n in self.names if n not in g]
            extra = [n for n in g if n not in self.names]
            detail = []
            if miss:
                detail.append(f"missing {miss}")
            if extra:
                detail.append(f"unexpected {extra}")
            if not miss and not extra:
                detail.append("wrong order")
            return [f"{path}: fields {list(g)} != psutil 8.0 fields {list(self.names)} "
                    f"({'; '.join(detail)})"]
        return []

    def check_shape(self, path, b, g, a) -> list[str]:
        """Field names/order and each field's JSON type; no value checks."""
        out = self.shape(path, g)
        if out:
            return out
        for n in self.names:
            fb = b[n] if isinstance(b, dict) and n in b else MISSING
            fa = a[n] if isinstance(a, dict) and n in a else MISSING
            p = type_problem(f"{path}.{n}", fb, g[n], fa)
            if p:
                out.append(p)
        return out

    def check_field(self, name, path, b, g, a) -> list[str]:
        out = self.shape(path, g)
        if out:
            return out
        fb = b[name] if isinstance(b, dict) else MISSING
        fa = a[name] if isinstance(a, dict) else MISSING
        return check(self.rules[name], f"{path}.{name}", fb, g[name], fa, ctx=g)

    def check(self, path, b, g, a, ctx=None):
        out = self.shape(path, g)
        if out:
            return out
        for n in self.names:
            out += self.check_field(n, path, b, g, a)
        return out


def _keys_problem(path, b, g, a, what):
    """Key list (order included) of ``g`` must equal psutil's before or after."""
    want = [list(x) for x in refs(b, a)]
    if list(g) in want:
        return []
    ref = want[0] if want else []
    miss = [k for k in ref if k not in g]
    extra = [k for k in g if k not in ref]
    detail = (f"missing {miss}" if miss else "") + (f" unexpected {extra}" if extra else "")
    return [f"{path}: {what} {list(g)} != psutil's {ref} "
            f"({detail.strip() or 'same keys, different order'})"]


class Mapping(Rule):
    """psutil dict (per-disk, per-NIC, per-chip, per-mountpoint)."""

    def __init__(self, value_rule: Rule, what: str = "keys"):
        self.value_rule = value_rule
        self.what = what

    def check(self, path, b, g, a, ctx=None):
        if jtype(g) != "object":
            return [f"{path}: psoxide gives {jtype(g)} ({short(g)}), expected an object"]
        for x in refs(b, a):
            if jtype(x) != "object":
                return [f"{path}: psutil gives {jtype(x)}, psoxide an object"]
        out = _keys_problem(path, b, g, a, self.what)
        for k, v in g.items():
            kb = b.get(k, MISSING) if b is not MISSING else MISSING
            ka = a.get(k, MISSING) if a is not MISSING else MISSING
            if kb is MISSING and ka is MISSING:
                continue  # already reported as an unexpected key
            out += check(self.value_rule, f"{path}[{k!r}]", kb, v, ka)
        return out


class Seq(Rule):
    """psutil list compared item by item (same length as before or after)."""

    def __init__(self, item_rule: Rule):
        self.item_rule = item_rule

    def check(self, path, b, g, a, ctx=None):
        if jtype(g) != "array":
            return [f"{path}: psoxide gives {jtype(g)} ({short(g)}), expected an array"]
        for x in refs(b, a):
            if jtype(x) != "array":
                return [f"{path}: psutil gives {jtype(x)}, psoxide an array"]
        lens = {len(x) for x in refs(b, a)}
        if lens and len(g) not in lens:
            return [f"{path}: psoxide has {len(g)} items, psutil {'/'.join(map(str, sorted(lens)))}"]
        out = []
        for i, v in enumerate(g):
            ib = b[i] if b is not MISSING and i < len(b) else MISSING
            ia = a[i] if a is not MISSING and i < len(a) else MISSING
            out += check(self.item_rule, f"{path}[{i}]", ib, v, ia)
        return out


class Nullable(Rule):
    """psutil may return None instead of the value (cpu_freq, battery, ...)."""

    def __init__(self, rule: Rule):
        self.rule = rule

    def check(self, path, b, g, a, ctx=None):
        r = refs(b, a)
        nones = [x is None for x in r]
        if g is None:
            return [] if any(nones) or not r else [
                f"{path}: psoxide gives null, psutil {short(r[0])}"]
        if r and all(nones):
            return [f"{path}: psoxide gives {short(g)}, psutil gives null"]
        return self.rule.check(path, MISSING if b is None else b, g,
                               MISSING if a is None else a, ctx)


class SecsLeft(Rule):
    """sbattery.secsleft: -2 exactly when plugged; else psutil's value if it did
    not move, otherwise only type and range (it follows the instantaneous
    power draw, which no bracket can capture)."""

    def check(self, path, b, g, a, ctx=None):
        problem = type_problem(path, b, g, a)
        if problem:
            return [problem]
        if ctx is not None and ctx.get("power_plugged") is True:
            return [] if g == -2 else [f"{path}: {g} but power_plugged is true (expected -2)"]
        r = refs(b, a)
        if len(r) == 2 and r[0] == r[1]:
            return Exact().check(path, b, g, a)
        return [] if g == -1 or g >= 0 else [f"{path}: {g} is neither -1 nor >= 0"]


# --- margins -------------------------------------------------------------------

DUMP_PROCESS_RSS = 0
"""Peak RSS in bytes of the dump process, set by the `snap` fixture."""


def disk_margin(b, a):
    """Disk space: 4 MiB plus the before/after spread.

    The bracket alone covers a value that moved one way during the window; the
    extra covers a short up-and-down movement between the samples (a file
    written then deleted by a concurrent build) of up to the size already
    observed, plus 4 MiB of churn."""
    return 4 * MIB + spread(b, a)


def mem_margin(b, a):
    """Memory: as disk_margin, plus the dump process's own peak RSS.

    psoxide is resident (its pages counted in used/active/inactive, missing
    from free/available) while it samples, and has exited when psutil takes
    the after sample; the 4 MiB covers the kernel-side cost of the process
    (page tables, stacks, slab) and churn of the test process."""
    return 4 * MIB + spread(b, a) + DUMP_PROCESS_RSS


def freq_margin(b, a):
    """CPU frequency: the observed spread (0 when constant, as in VMs)."""
    return spread(b, a)


LOADAVG_MARGIN = 0.01
"""/proc/loadavg prints 2 decimals (kernel adds 0.005 and truncates) while
psutil uses sysinfo(2)'s exact fixed-point value: the two differ by < 0.01.
The value itself changes only every 5 s, so it equals before or after."""

TEMP_MARGIN_C = 1.0
"""hwmon sensors report in steps of up to 1 degree C; plus the observed spread."""


def temp_margin(b, a):
    return TEMP_MARGIN_C + spread(b, a)


def fan_margin(b, a):
    """Fan tachometers jitter by a few percent between reads: 10% of the
    larger reading plus the spread.  Unexercised on the development VM."""
    r = refs(b, a)
    return 0.10 * max(r) + spread(b, a) if r else 0.0


# --- per-key rules ------------------------------------------------------------

def _fields(kind):
    from psutil_dump import FIELDS  # single source of the 8.0 field lists
    return FIELDS[kind]


def _round1(x: float) -> float:
    return round(x, 1)


def _vm_percent(v):
    t = v["total"]
    return _round1((t - v["available"]) / t * 100) if t else 0.0


def _swap_percent(s):
    return _round1(s["used"] / s["total"] * 100) if s["total"] else 0.0


def _du_percent(d):
    den = d["used"] + d["free"]
    return _round1(d["used"] / den * 100) if den else 0.0


TICK_EPS = 1e-9
"""cpu_times are kernel ticks / CLK_TCK; 1e-9 absorbs a different but exact
float conversion (x * 0.01 vs x / 100)."""

CPU_TIMES = Fields(
    _fields("scputimes"),
    {
        # proc(5): "the value in this field may decrease": not a counter.
        "iowait": Gauge(0.0, "iowait may decrease, proc(5)"),
    },
    default=Counter(TICK_EPS),
)
CPU_FREQ = Fields(_fields("scpufreq"), {"current": Gauge(freq_margin, "observed spread")},
                  default=Exact())
MEM_GAUGE = Gauge(mem_margin, "4 MiB + spread + dump RSS")
DISK_GAUGE = Gauge(disk_margin, "4 MiB + spread")

RULES: dict[str, Rule] = {
    "cpu_times": CPU_TIMES,
    "cpu_times_percpu": Seq(CPU_TIMES),
    "cpu_count_logical": Exact(),
    "cpu_count_physical": Exact(),
    "cpu_stats": Fields(_fields("scpustats"), {"syscalls": Exact()}, default=Counter()),
    "cpu_freq": Nullable(CPU_FREQ),
    "cpu_freq_percpu": Seq(CPU_FREQ),
    "getloadavg": Seq(Gauge(LOADAVG_MARGIN, "/proc/loadavg rounding")),
    "virtual_memory": Fields(
        _fields("svmem"),
        {
            "total": Exact(),
            "percent": Derived(_vm_percent, "round((total - available) / total * 100, 1)"),
            "used": All(Derived(lambda v: v["total"] - v["available"], "total - available"),
                        MEM_GAUGE),
        },
        default=MEM_GAUGE,
    ),
    "swap_memory": Fields(
        _fields("sswap"),
        {
            "total": Exact(),
            "used": All(Derived(lambda s: s["total"] - s["free"], "total - free"), MEM_GAUGE),
            "percent": Derived(_swap_percent, "round(used / total * 100, 1)"),
            "sin": Counter(),
            "sout": Counter(),
        },
        default=MEM_GAUGE,
    ),
    "disk_partitions": Exact(),
    "disk_partitions_all": Exact(),
    "disk_usage": Mapping(
        Fields(
            _fields("sdiskusage"),
            {
                "total": Exact(),
                "percent": Derived(_du_percent, "round(used / (used + free) * 100, 1)"),
            },
            default=DISK_GAUGE,
        ),
        what="mountpoints",
    ),
    "disk_io_counters": Nullable(Fields(_fields("sdiskio"), {}, default=Counter())),
    "disk_io_counters_perdisk": Mapping(Fields(_fields("sdiskio"), {}, default=Counter()),
                                        what="disks"),
    "net_io_counters": Nullable(Fields(_fields("snetio"), {}, default=Counter())),
    "net_io_counters_pernic": Mapping(Fields(_fields("snetio"), {}, default=Counter()),
                                      what="NICs"),
    "net_if_addrs": Mapping(Exact(), what="NICs"),
    "net_if_stats": Mapping(Fields(_fields("snicstats"), {}, default=Exact()), what="NICs"),
    "sensors_temperatures": Mapping(
        Seq(Fields(_fields("shwtemp"), {"current": Gauge(temp_margin, "1 C + spread")},
                   default=Exact())),
        what="chips",
    ),
    "sensors_fans": Mapping(
        Seq(Fields(_fields("sfan"), {"current": Gauge(fan_margin, "10% + spread")},
                   default=Exact())),
        what="chips",
    ),
    "sensors_battery": Nullable(Fields(
        _fields("sbattery"),
        {"percent": Gauge(0.0, "monotonic within the window"), "secsleft": SecsLeft(),
         "power_plugged": Exact()},
    )),
    "boot_time": Exact(),
    "users": Exact(),
}

#: Keys whose value is one named tuple: also tested field by field.
PER_FIELD_KEYS = (
    "cpu_times", "cpu_stats", "cpu_freq", "virtual_memory", "swap_memory",
    "disk_io_counters", "net_io_counters",
)


def tuple_rule(key) -> Fields:
    rule = RULES[key]
    return rule.rule if isinstance(rule, Nullable) else rule


class ShapeOnly(Rule):
    """Field names, order and JSON types of a named tuple; values unchecked."""

    def __init__(self, fields: Fields):
        self.fields = fields

    def check(self, path, b, g, a, ctx=None):
        return self.fields.check_shape(path, b, g, a)


class FieldOnly(Rule):
    """One field of a named tuple, checked with that field's rule."""

    def __init__(self, fields: Fields, name: str):
        self.fields = fields
        self.name = name

    def check(self, path, b, g, a, ctx=None):
        return self.fields.check_field(self.name, path, b, g, a)


def _wrap_like(key, inner: Rule) -> Rule:
    return Nullable(inner) if isinstance(RULES[key], Nullable) else inner


def shape_rule(key) -> Rule:
    """For PER_FIELD_KEYS: the whole-key check (shape and types only)."""
    return _wrap_like(key, ShapeOnly(tuple_rule(key)))


def field_rule(key, name) -> Rule:
    """For PER_FIELD_KEYS: the check of one field."""
    return _wrap_like(key, FieldOnly(tuple_rule(key), name))


def key_problems(got: dict, keys) -> list[str]:
    """The dump must have exactly the contract's keys."""
    missing = [k for k in keys if k not in got]
    extra = [k for k in got if k not in keys]
    out = []
    if missing:
        out.append(f"keys missing from psoxide's dump: {missing}")
    if extra:
        out.append(f"unexpected keys in psoxide's dump: {extra}")
    return out


# === per-process rules: `psoxide dump --procs` (test_process_diff.py) =========
#
# Each process present in psutil's BEFORE sample, psoxide's dump and psutil's
# AFTER sample (same PID and create_time in all three) is compared attribute
# by attribute.  The rules get a ``ProcCtx`` describing the process; the key
# distinction is ``quiet`` (no thread of the process ran in the window):
#
# * everybody: static values exact (either sample), counters bracketed
#   (before <= psoxide <= after), null exactly where psutil gives null;
# * quiet processes: moving values within [min, max] of the two samples, no
#   margin (only other processes' page sharing moves pss & co: share slack),
#   record lists (threads, fds, mappings, connections) equal to a sample;
# * processes that ran (other helpers' compilers, the test runner): moving
#   values get ACTIVE_MEM_MARGIN and the high-water marks as caps; fd and
#   thread counts and file offsets only type/range, as they change freely.

from dataclasses import dataclass, field as _dc_field  # noqa: E402

ACTIVE_MEM_MARGIN = 4 * MIB
"""Memory slack for a process that ran during the window (not ``quiet``),
the test runner included.  Allowed: [min - m, max(max + m, cap)] with
``m = 4 MiB + |after - before|`` (as the system-wide memory gauges: the
bracket covers a one-way movement, the spread a back-and-forth of the same
size, 4 MiB churn) and ``cap`` the process's high-water mark at the AFTER
sample (VmHWM for resident values, VmPeak for virtual sizes), which no
earlier value can exceed: a compiler may allocate and free tens of MiB
between the samples."""

RUNNER_EXTRA_FDS = 3
"""The test process holds the read ends of psoxide's stdout/stderr pipes
(and, until exec, subprocess's error pipe) while psoxide runs: up to 3 fds
that exist at neither psutil sample.  Pipes are not regular files, so
open_files is unaffected."""

TRANSIENT_STATES = ("running", "sleeping", "disk-sleep")
"""States a process that ran may pass through between the two samples; a
quiet process must show a sampled status."""


@dataclass
class ProcCtx:
    """What the rules need to know about one compared process."""
    pid: int
    name: str
    kind: str
    quiet: bool
    """No thread ran during the window (psutil_procs.activity: same thread IDs
    and same summed schedstat run time at the start of the BEFORE read and at
    the end of the AFTER read)."""
    runner: bool = False
    cpu_count: int = 1
    mem_total: int = 0
    share_slack: dict = _dc_field(default_factory=dict)
    """path -> bytes: resident pages of that path in processes that did not
    exist at both samples (psoxide among them); see ``share_slack()``."""
    global_slack: int = 0
    """Bytes added to every path's share slack: RSS of such processes whose
    mappings could not be read (other users' processes, unprivileged run)."""
    got: dict | None = None
    """psoxide's whole object for the process (for derived values)."""
    maps_sides: tuple = (None, None)
    """psutil's memory_maps BEFORE and AFTER: the paths whose share slack
    applies to memory_footprint."""
    rss_cap: int = 0
    """psutil AFTER's memory_info_ex.peak_rss (VmHWM): bounds every resident
    value of the window."""
    vms_cap: int = 0
    """psutil AFTER's memory_info_ex.peak_vms (VmPeak): bounds every virtual size."""

    def label(self) -> str:
        return f"pid {self.pid} ({self.name}, {self.kind})"

    def share_margin(self, path) -> int:
        return self.share_slack.get(path, 0) + self.global_slack

    def footprint_margin(self) -> int:
        paths = {m["path"] for maps in self.maps_sides if isinstance(maps, list) for m in maps}
        return sum(self.share_slack.get(p, 0) for p in paths) + self.global_slack


def share_slack(samples) -> tuple[dict, int]:
    """(path -> bytes, global bytes) from the transient processes' mappings.

    ``samples``: for each process NOT present with the same identity at both
    psutil samples (psoxide's own process is one), the list of its attribute
    dicts from wherever it was seen.  Per process, the largest RSS seen per
    mapping path is added to that path's slack; a process whose memory_maps is
    null everywhere (another user's, unprivileged run) adds its RSS to the
    global slack.

    Why this bounds the effect: a page mapped by k processes contributes
    size/k to each one's pss; one more mapper lowers each share by at most
    size/2 and turns a page counted private (k = 1) into shared.  So, per
    path, pss, private_* and shared_* of any other process move by at most the
    transient mappers' resident bytes of that path (file pages, and anonymous
    pages COW-shared with a forked child, which keeps the parent's paths).
    Processes alive at both samples contribute monotonically, which the
    before/after bracket covers."""
    per_path: dict[str, int] = {}
    glob = 0
    for attrs_list in samples:
        best: dict[str, int] = {}
        rss = 0
        for attrs in attrs_list:
            maps = attrs.get("memory_maps")
            if isinstance(maps, list):
                for m in maps:
                    best[m["path"]] = max(best.get(m["path"], 0), m["rss"])
            mi = attrs.get("memory_info")
            if isinstance(mi, dict):
                rss = max(rss, mi["rss"])
        for p, v in best.items():
            per_path[p] = per_path.get(p, 0) + v
        if not best:
            glob += rss
    return per_path, glob


class ProcNullable(Rule):
    """null = AccessDenied/ZombieProcess: must match psutil in both directions.

    Where psutil's two samples disagree (null once, a value once) psoxide may
    give either; the value side is then checked by ``rule``."""

    def __init__(self, rule: Rule):
        self.rule = rule

    def check(self, path, b, g, a, ctx=None):
        r = refs(b, a)
        if g is None:
            if not r or any(x is None for x in r):
                return []
            return [f"{path}: psoxide null (AccessDenied/ZombieProcess) but psutil returned "
                    f"{short(r[0])}"]
        if r and all(x is None for x in r):
            return [f"{path}: psutil raised AccessDenied/ZombieProcess (null) but psoxide "
                    f"returned {short(g)}"]
        return self.rule.check(path, MISSING if b is None else b, g,
                               MISSING if a is None else a, ctx)


class Name(Rule):
    """name(): exact; except that a kernel worker that ran renames itself after
    its current or last work item ("kworker/1:2-events" while idle,
    "kworker/u8:1+flush-254:0" while busy): then only the part before the
    first "-"/"+" must match."""

    def __init__(self, pc: ProcCtx):
        self.pc = pc

    @staticmethod
    def stem(name):
        for i, c in enumerate(name):
            if c in "+-":
                return name[:i]
        return name

    def check(self, path, b, g, a, ctx=None):
        out = Exact().check(path, b, g, a)
        if not out or self.pc.quiet or not isinstance(g, str) or not g.startswith("kworker/"):
            return out
        if all(isinstance(x, str) and self.stem(x) == self.stem(g) for x in refs(b, a)):
            return []
        return out


class Status(Rule):
    """status(): a sampled value; a process that ran may also pass through
    TRANSIENT_STATES between the samples."""

    def __init__(self, pc: ProcCtx):
        self.pc = pc

    def check(self, path, b, g, a, ctx=None):
        out = Exact().check(path, b, g, a)
        if not out or (not self.pc.quiet and g in TRANSIENT_STATES):
            return []
        return [out[0] + (" (process was quiet in the window)" if self.pc.quiet else
                          f" and not one of the transient states {TRANSIENT_STATES}")]


class FirstCallZero(Rule):
    """cpu_percent(): as_dict on a fresh Process is its first call, which
    returns 0.0 (spec 4.6) in psutil and psoxide alike."""

    def check(self, path, b, g, a, ctx=None):
        out = []
        if not (jtype(g) == "float" and g == 0.0):
            out.append(f"{path}: psoxide {short(g)}, expected the first-call value 0.0")
        for x in refs(b, a):
            if not (jtype(x) == "float" and x == 0.0):
                out.append(f"{path}: psutil's own first call gave {short(x)}, not 0.0")
        return out


class CpuNum(Rule):
    """cpu_num(): 0 <= n < cpu_count; a sampled value if the process was quiet
    (a task's last CPU changes only when it is scheduled)."""

    def __init__(self, pc: ProcCtx):
        self.pc = pc

    def check(self, path, b, g, a, ctx=None):
        problem = type_problem(path, b, g, a)
        if problem:
            return [problem]
        if not 0 <= g < self.pc.cpu_count:
            return [f"{path}: {g} outside 0..{self.pc.cpu_count - 1}"]
        return Exact().check(path, b, g, a) if self.pc.quiet else []


class MemPercent(Rule):
    """memory_percent(): psoxide's own memory_info.rss / total * 100, exactly
    (as_dict reads statm once inside oneshot, spec 4.4; total =
    virtual_memory().total, which psutil caches the same way)."""

    def __init__(self, pc: ProcCtx):
        self.pc = pc

    def check(self, path, b, g, a, ctx=None):
        problem = type_problem(path, b, g, a)
        if problem:
            return [problem]
        mi = (self.pc.got or {}).get("memory_info")
        if not isinstance(mi, dict):
            return [f"{path}: psoxide gives {g} but its memory_info is {short(mi)}"]
        want = mi["rss"] / self.pc.mem_total * 100
        if g != want:
            return [f"{path}: psoxide {g!r} != memory_info.rss {mi['rss']} / total "
                    f"{self.pc.mem_total} * 100 = {want!r}"]
        return []


class EnvironRule(Rule):
    """environ(): exact (values and key order); on mismatch, name the keys."""

    def check(self, path, b, g, a, ctx=None):
        out = Exact().check(path, b, g, a)
        if not out or jtype(g) != "object":
            return out
        ref = refs(b, a)[0]
        if jtype(ref) != "object":
            return out
        miss = [k for k in ref if k not in g]
        extra = [k for k in g if k not in ref]
        diff = [k for k in ref if k in g and ref[k] != g[k]]
        detail = []
        if miss:
            detail.append(f"missing {miss}")
        if extra:
            detail.append(f"unexpected {extra}")
        if diff:
            detail.append("different " + ", ".join(f"{k}: {g[k]!r} vs {ref[k]!r}"
                                                    for k in diff[:5]))
        if not detail:
            detail.append(f"key order {list(g)[:8]}... vs {list(ref)[:8]}...")
        return [f"{path}: psoxide != psutil: {'; '.join(detail)}"]


class NonNeg(Rule):
    """Only the JSON type and >= lo: a value that changes freely while the
    process runs (fd counts, file offsets)."""

    def __init__(self, lo=0, why=""):
        self.lo = lo
        self.why = why

    def check(self, path, b, g, a, ctx=None):
        problem = type_problem(path, b, g, a)
        if problem:
            return [problem]
        return [] if g >= self.lo else [f"{path}: {g} < {self.lo} ({self.why})"]


class ActiveMem(Rule):
    """Memory value of a process that ran: see ACTIVE_MEM_MARGIN.

    ``cap`` is pc.rss_cap, pc.vms_cap or None (no high-water mark applies)."""

    def __init__(self, pc: ProcCtx, cap: str | None, extra: int = 0):
        self.pc = pc
        self.cap = cap
        self.extra = extra

    def check(self, path, b, g, a, ctx=None):
        problem = type_problem(path, b, g, a)
        if problem:
            return [problem]
        r = refs(b, a)
        if not r:
            return []
        m = ACTIVE_MEM_MARGIN + spread(b, a) + self.extra
        cap = getattr(self.pc, f"{self.cap}_cap") if self.cap else 0
        lo, hi = max(0, min(r) - m), max(max(r) + m, cap + self.extra)
        if lo <= g <= hi:
            return []
        return [f"{path}: psoxide {g} outside [{lo}, {hi}] = psutil before {b} / after {a} "
                f"widened by {m} (process ran: 4 MiB + spread"
                f"{' + share slack' if self.extra else ''})"
                + (f", capped by {self.cap} high-water mark {cap}" if self.cap else "")]


class Keyed(Rule):
    """A list of records identified by ``key(record)`` (threads by id, open
    files by (fd, path), mappings by path, connections by their addresses).

    Quiet process: the key list equals psutil's BEFORE or AFTER list (in order
    when ``ordered``).  Process that ran: records come and go; with
    ``require_common`` a key present in both samples must be there (thread IDs
    and connections cannot reappear identically), and the relative order of
    those keys must be a sampled one.  Each record whose key psutil saw is
    checked with ``item_rule(key)``."""

    def __init__(self, pc: ProcCtx, key, item_rule, ordered=True, what="entries",
                 require_common=True):
        self.pc = pc
        self.key = key
        self.item_rule = item_rule
        self.ordered = ordered
        self.what = what
        self.require_common = require_common

    def check(self, path, b, g, a, ctx=None):
        if jtype(g) != "array":
            return [f"{path}: psoxide gives {jtype(g)} ({short(g)}), expected an array"]
        sides = [x for x in (b, a) if x is not MISSING]
        for x in sides:
            if jtype(x) != "array":
                return [f"{path}: psutil gives {jtype(x)}, psoxide an array"]
        kg = [self.key(x) for x in g]
        out = []
        if len(set(kg)) != len(kg):
            out.append(f"{path}: duplicate {self.what} in psoxide's list {kg}")
        key_lists = [[self.key(x) for x in s] for s in sides]
        norm = (lambda ks: ks) if self.ordered else sorted
        if self.pc.quiet:
            if key_lists and not any(norm(kg) == norm(ks) for ks in key_lists):
                ref = key_lists[0]
                miss = [k for k in ref if k not in kg]
                extra = [k for k in kg if k not in ref]
                detail = (f"missing {miss} " if miss else "") + (f"unexpected {extra}" if extra else "")
                out.append(f"{path}: {self.what} {kg} != psutil's {ref} "
                           f"({detail.strip() or 'different order'}; process was quiet)")
        elif len(key_lists) == 2 and self.require_common:
            common = [k for k in key_lists[0] if k in key_lists[1]]
            miss = [k for k in common if k not in kg]
            if miss:
                out.append(f"{path}: {self.what} {miss} present in both psutil samples are "
                           f"missing from psoxide's {kg}")
            elif self.ordered:
                seq = [k for k in kg if k in common]
                if not any(seq == [k for k in ks if k in common] for ks in key_lists):
                    out.append(f"{path}: {self.what} in order {seq}, psutil "
                               f"{[k for k in key_lists[0] if k in common]}")
        mb = {self.key(x): x for x in b} if b is not MISSING else {}
        ma = {self.key(x): x for x in a} if a is not MISSING else {}
        for k, item in zip(kg, g):
            ib, ia = mb.get(k, MISSING), ma.get(k, MISSING)
            if ib is MISSING and ia is MISSING:
                continue  # a record that lived inside the window (non-quiet) or reported above
            out += check(self.item_rule(k), f"{path}[{k!r}]", ib, item, ia)
        return out


def _conn_key(c):
    def addr(x):
        return (x["ip"], x["port"]) if isinstance(x, dict) else x if isinstance(x, str) else ()
    return (c["fd"], c["family"], c["type"], addr(c["laddr"]), addr(c["raddr"]))


class _RunnerFds(Rule):
    """num_fds of the test process: [min, max + RUNNER_EXTRA_FDS]."""

    def check(self, path, b, g, a, ctx=None):
        problem = type_problem(path, b, g, a)
        if problem:
            return [problem]
        r = refs(b, a)
        if r and not min(r) <= g <= max(r) + RUNNER_EXTRA_FDS:
            return [f"{path}: psoxide {g} outside [{min(r)}, {max(r) + RUNNER_EXTRA_FDS}] "
                    f"(psutil {b} / {a}, + {RUNNER_EXTRA_FDS} pipe fds while psoxide runs)"]
        return []


#: memory field -> the high-water mark bounding it (ActiveMem cap); None: no cap.
MEM_CAP = {
    "rss": "rss", "shared": "rss", "rss_anon": "rss", "rss_file": "rss", "rss_shmem": "rss",
    "uss": "rss", "pss": "rss", "shared_clean": "rss", "shared_dirty": "rss",
    "private_clean": "rss", "private_dirty": "rss", "referenced": "rss", "anonymous": "rss",
    "vms": "vms", "text": "vms", "data": "vms", "size": "vms",
    "swap": None, "hugetlb": None, "peak_rss": None, "peak_vms": None,
}

_SHARE_FIELDS = ("pss", "shared_clean", "shared_dirty", "private_clean", "private_dirty",
                 "referenced")
"""memory_maps fields that depend on who else maps the same pages (referenced
also on accesses through them, e.g. a new mapper's loader reading the ELF
header, and on reclaim scanning)."""


def _mem_rule(pc: ProcCtx, fld: str, extra: int = 0, why: str = "") -> Rule:
    if pc.quiet:
        return Gauge(extra, why)
    return ActiveMem(pc, MEM_CAP[fld], extra)


def proc_rule(attr: str, pc: ProcCtx) -> Rule:
    """The rule for one attribute of one process (wrapped in ProcNullable)."""
    from psutil_procs import FIELDS as PF

    if attr in ("cmdline", "cpu_affinity", "create_time", "cwd", "exe", "gids", "ionice",
                "nice", "pid", "ppid", "terminal", "uids", "username"):
        return Exact()
    if attr == "name":
        return Name(pc)
    if attr == "environ":
        return EnvironRule()
    if attr == "status":
        return Status(pc)
    if attr == "cpu_percent":
        return FirstCallZero()
    if attr == "cpu_num":
        return CpuNum(pc)
    if attr == "memory_percent":
        return MemPercent(pc)
    if attr == "cpu_times":
        return Fields(PF["pcputimes"], {}, default=Counter(TICK_EPS))
    if attr in ("io_counters", "num_ctx_switches", "page_faults"):
        kind = {"io_counters": "pio", "num_ctx_switches": "pctxsw",
                "page_faults": "ppagefaults"}[attr]
        return Fields(PF[kind], {}, default=Counter())
    if attr == "memory_info":
        return Fields(PF["pmem"], {f: _mem_rule(pc, f) for f in PF["pmem"]})
    if attr == "memory_info_ex":
        # Every field is bracketed, the peaks too: VmHWM and VmPeak are max(high-water
        # mark, current value), and since Linux 6.2 the current RSS is a per-CPU
        # batched counter read approximately, so a process that runs can see its
        # peak_rss go back by a few pages between two reads (psutil's own samples did:
        # 32022528 then 31985664). They are not monotonic counters.
        return Fields(PF["pmem_ex"], {f: _mem_rule(pc, f) for f in PF["pmem_ex"]})
    if attr == "memory_footprint":
        slack = pc.footprint_margin()
        why = f"share slack {slack}"
        return Fields(PF["pfootprint"], {"uss": _mem_rule(pc, "uss", slack, why),
                                          "pss": _mem_rule(pc, "pss", slack, why),
                                          "swap": _mem_rule(pc, "swap")})
    if attr == "memory_maps":
        def item(path):
            slack = pc.share_margin(path)
            why = f"share slack {slack}"
            rules = {f: _mem_rule(pc, f, slack if f in _SHARE_FIELDS else 0, why)
                     for f in PF["pmmap_grouped"] if f != "path"}
            return Fields(PF["pmmap_grouped"], rules | {"path": Exact()})
        # A process that ran may unmap and remap files (compilers do): no
        # "present in both samples" requirement then.
        return Keyed(pc, lambda m: m["path"], item, what="paths", require_common=False)
    if attr == "threads":
        item = Fields(PF["pthread"], {"id": Exact()}, default=Counter(TICK_EPS))
        return Keyed(pc, lambda t: t["id"], lambda k: item, what="thread ids")
    if attr == "open_files":
        position = (Gauge(0, "file offset") if pc.quiet
                    else NonNeg(0, "offset of a file of a process that ran"))
        item = Fields(PF["popenfile"], {"position": position}, default=Exact())
        # An fd that was closed and reopened on the same path by a process that
        # ran is a new open file (its offset restarts): no common requirement.
        return Keyed(pc, lambda f: (f["fd"], f["path"]), lambda k: item, what="(fd, path)s",
                     require_common=False)
    if attr == "net_connections":
        item = Fields(PF["pconn"], {}, default=Exact())
        return Keyed(pc, _conn_key, lambda k: item, ordered=False, what="connections")
    if attr == "num_threads":
        return Gauge(0) if pc.quiet else NonNeg(1, "a process that ran starts and ends threads")
    if attr == "num_fds":
        if pc.runner:
            return _RunnerFds()
        return Gauge(0) if pc.quiet else NonNeg(0, "a process that ran opens and closes fds")
    raise KeyError(f"no per-process rule for {attr!r}")


def environ_kthread_quirk(b, g, a) -> bool:
    """psoxide's documented deviation (spec quirk 10.17): {} where psutil raises
    NoSuchProcess for a live kernel thread's environ."""
    errs = [x for x in (b, a) if is_error(x)]
    return (jtype(g) == "object" and g == {} and bool(errs)
            and all(x["error"] == "NoSuchProcess" for x in errs)
            and all(x == {} or is_error(x) for x in (b, a)))


def proc_problems(attr: str, b, g, a, pc: ProcCtx) -> list[str]:
    """All problems of one attribute of one process; [] if accepted."""
    path = f"{pc.label()} {attr}"
    if attr == "environ" and environ_kthread_quirk(b, g, a):
        return []
    return check(ProcNullable(proc_rule(attr, pc)), path, b, g, a)
