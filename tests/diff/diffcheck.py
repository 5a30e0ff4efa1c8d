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
