//! `psoxide ps`: one row per process, in one pass of `process_iter` that reads only
//! what the chosen columns need.

use super::size::{fmt_to, Unit, UnitArgs};
use super::table::{push_2digits, push_int, push_one_decimal, Align, Layout, Table};
use super::{emit_json, error_text, parse_interval, parse_pid, terminal_width, Fail, JsonArgs, Outcome};
use psoxide::{Attr, AttrRef, AttrValue, Pid, PrefetchedView, Process, ProcessInfo};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::Duration;

/// Examples shown by `psoxide ps --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide ps                                   every process, default columns
  psoxide ps -o pid,ppid,username,rss,name     chosen columns (psutil's names)
  psoxide ps --sort -rss | head                biggest resident memory first
  psoxide ps --user root --name sshd           filters (comma-separated lists)
  psoxide ps --pid 1,2                         only these PIDs
  psoxide ps --tree -o pid,username,cmdline    parents before children, indented
  psoxide ps -o pid,cpu_percent --interval 1   CPU percent over one second
  psoxide ps -o pid,rss --json                 [{\"pid\": 1, \"memory_info\": {...}}, ...]

Columns (-o), psutil's attribute names, with aliases in parentheses:
  pid, ppid, name (comm), exe, cmdline (args, command), username (user), uid, gid,
  status, nice (ni), num_threads (nlwp), rss, vms (vsz), shared, text, data,
  memory_percent (pmem), cpu_percent (pcpu), cpu_times (time), create_time (start),
  terminal (tty), cwd, num_fds, cpu_num (psr), num_ctx_switches
rss, vms, shared, text and data are the fields of memory_info(); sizes are
human-readable unless -b/-k/-m/-g is given. --json gives each process's as_dict()
for the attributes behind the columns (psutil's names and shapes).";

/// One column: its name, header, alignment and the attribute it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Col {
    /// The `-o` name (psutil's attribute or field name).
    pub name: &'static str,
    head: &'static str,
    align: Align,
    attr: Attr,
    aliases: &'static [&'static str],
}

const fn col(
    name: &'static str,
    head: &'static str,
    align: Align,
    attr: Attr,
    aliases: &'static [&'static str],
) -> Col {
    Col {
        name,
        head,
        align,
        attr,
        aliases,
    }
}

use Align::{Left as L, Right as R};

/// Every column `-o` accepts.
pub const COLUMNS: &[Col] = &[
    col("pid", "PID", R, Attr::Pid, &[]),
    col("ppid", "PPID", R, Attr::Ppid, &[]),
    col("name", "NAME", L, Attr::Name, &["comm"]),
    col("exe", "EXE", L, Attr::Exe, &[]),
    col("cmdline", "COMMAND", L, Attr::Cmdline, &["args", "command"]),
    col("username", "USER", L, Attr::Username, &["user"]),
    col("uid", "UID", R, Attr::Uids, &[]),
    col("gid", "GID", R, Attr::Gids, &[]),
    col("status", "STATUS", L, Attr::Status, &[]),
    col("nice", "NI", R, Attr::Nice, &["ni"]),
    col("num_threads", "NLWP", R, Attr::NumThreads, &["nlwp"]),
    col("rss", "RSS", R, Attr::MemoryInfo, &[]),
    col("vms", "VMS", R, Attr::MemoryInfo, &["vsz"]),
    col("shared", "SHARED", R, Attr::MemoryInfo, &[]),
    col("text", "TEXT", R, Attr::MemoryInfo, &[]),
    col("data", "DATA", R, Attr::MemoryInfo, &[]),
    col("memory_percent", "%MEM", R, Attr::MemoryPercent, &["pmem"]),
    col("cpu_percent", "%CPU", R, Attr::CpuPercent, &["pcpu"]),
    col("cpu_times", "TIME", R, Attr::CpuTimes, &["time"]),
    col("create_time", "START", L, Attr::CreateTime, &["start"]),
    col("terminal", "TTY", L, Attr::Terminal, &["tty"]),
    col("cwd", "CWD", L, Attr::Cwd, &[]),
    col("num_fds", "FDS", R, Attr::NumFds, &[]),
    col("cpu_num", "PSR", R, Attr::CpuNum, &["psr"]),
    col("num_ctx_switches", "CTXSW", R, Attr::NumCtxSwitches, &[]),
];

/// The default columns (like `ps aux` without %CPU, which needs a sampling window).
const DEFAULT: &[&str] = &[
    "pid",
    "username",
    "memory_percent",
    "vms",
    "rss",
    "terminal",
    "status",
    "create_time",
    "cpu_times",
    "cmdline",
];

fn find_col(s: &str) -> Option<Col> {
    let s = s.trim();
    COLUMNS
        .iter()
        .copied()
        .find(|c| c.name == s || c.aliases.contains(&s))
}

fn valid_names() -> String {
    COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

/// `-o` value parser: one column name; an unknown one lists the valid names.
pub fn parse_col(s: &str) -> Result<Col, String> {
    find_col(s).ok_or_else(|| format!("unknown column {s:?}; valid columns: {}", valid_names()))
}

/// A `--sort` key: a column, ascending unless prefixed with `-`.
#[derive(Clone, Copy, Debug)]
pub struct SortKey {
    col: Col,
    desc: bool,
}

fn parse_sort(s: &str) -> Result<SortKey, String> {
    let t = s.trim();
    let (desc, name) = match t.strip_prefix('-') {
        Some(n) => (true, n),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let col = find_col(name).ok_or_else(|| {
        format!(
            "unknown sort key {s:?}; valid keys (prefix - for descending): {}",
            valid_names()
        )
    })?;
    Ok(SortKey { col, desc })
}

/// Options of `psoxide ps`.
#[derive(clap::Args, Debug)]
pub struct PsArgs {
    /// Columns, comma-separated (psutil's attribute names; see below).
    #[arg(short = 'o', long = "columns", value_delimiter = ',', value_parser = parse_col)]
    columns: Vec<Col>,
    /// Sort by these columns (comma-separated; prefix - for descending, e.g. -rss).
    #[arg(long, value_delimiter = ',', value_parser = parse_sort, allow_hyphen_values = true)]
    sort: Vec<SortKey>,
    /// Only processes of these users (comma-separated user names).
    #[arg(short = 'u', long, value_delimiter = ',')]
    user: Vec<String>,
    /// Only processes with these names (comma-separated, exact psutil name()).
    #[arg(short = 'n', long, value_delimiter = ',')]
    name: Vec<String>,
    /// Only these PIDs (comma-separated).
    #[arg(short = 'p', long, value_delimiter = ',', value_parser = parse_pid, allow_hyphen_values = true)]
    pid: Vec<Pid>,
    /// Show the process tree: children below their parent, the command indented.
    #[arg(long)]
    tree: bool,
    /// Seconds over which cpu_percent is measured (0.05 to 3600; only with that column).
    #[arg(short = 'i', long, default_value_t = 0.5, value_parser = parse_interval)]
    interval: f64,
    /// Do not print the header line.
    #[arg(long)]
    no_headers: bool,
    /// Accepted for procps habits (every process is listed anyway).
    #[arg(short = 'e', hide = true)]
    every: bool,
    #[command(flatten)]
    units: UnitArgs,
    #[command(flatten)]
    help: super::size::LongHelp,
    #[command(flatten)]
    json: JsonArgs,
}

/// A value to sort on.
#[derive(Debug, PartialEq, PartialOrd)]
enum Key {
    Missing,
    Num(f64),
    Text(String),
}

fn cmdline_text(v: &[std::ffi::OsString]) -> String {
    let mut s = String::new();
    cmdline_to(&mut s, v);
    s
}

/// Appends the arguments, separated by blanks, to `out` (invalid UTF-8 replaced).
fn cmdline_to(out: &mut String, v: &[std::ffi::OsString]) {
    for (i, a) in v.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&a.to_string_lossy());
    }
}

/// ps's TIME: `[DD-]HH:MM:SS` of user + system seconds.
#[cfg(test)]
fn cpu_time(secs: f64) -> String {
    let mut s = String::new();
    cpu_time_to(&mut s, secs);
    s
}

/// ps's TIME, `[DD-]HH:MM:SS` of user + system seconds, appended to `out`.
fn cpu_time_to(out: &mut String, secs: f64) {
    let t = if secs.is_finite() && secs > 0.0 {
        secs as u64
    } else {
        0
    };
    let (d, h, m, s) = (t / 86400, t / 3600 % 24, t / 60 % 60, t % 60);
    if d > 0 {
        push_int(out, d);
        out.push('-');
    }
    push_2digits(out, h);
    out.push(':');
    push_2digits(out, m);
    out.push(':');
    push_2digits(out, s);
}

struct Ctx {
    unit: Unit,
    clock: super::StartClock,
}

impl Col {
    /// The sort key of this column for a process.
    fn key(&self, src: &Source) -> Key {
        let Some(v) = src.get(self.attr) else {
            return Key::Missing;
        };
        let n = |x: f64| Key::Num(x);
        match &*v {
            AttrValue::Pid(p) | AttrValue::Ppid(p) => n(f64::from(*p)),
            AttrValue::Name(s) | AttrValue::Username(s) => Key::Text(s.clone()),
            AttrValue::Exe(p) | AttrValue::Cwd(p) => Key::Text(p.to_string_lossy().into_owned()),
            AttrValue::Cmdline(c) => Key::Text(cmdline_text(c)),
            AttrValue::Uids(u) => n(f64::from(u.real)),
            AttrValue::Gids(g) => n(f64::from(g.real)),
            AttrValue::Status(s) => Key::Text(s.value().into()),
            AttrValue::Nice(x) => n(f64::from(*x)),
            AttrValue::NumThreads(x) | AttrValue::NumFds(x) => n(*x as f64),
            AttrValue::MemoryInfo(m) => n(match self.name {
                "rss" => m.rss,
                "vms" => m.vms,
                "shared" => m.shared,
                "text" => m.text,
                _ => m.data,
            } as f64),
            AttrValue::MemoryPercent(x) | AttrValue::CpuPercent(x) | AttrValue::CreateTime(x) => n(*x),
            AttrValue::CpuTimes(t) => n(t.user + t.system),
            AttrValue::Terminal(t) => Key::Text(
                t.as_ref()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            AttrValue::CpuNum(x) => n(f64::from(*x)),
            AttrValue::NumCtxSwitches(c) => n(c.voluntary.saturating_add(c.involuntary) as f64),
            _ => Key::Missing,
        }
    }

    /// Appends the cell text of this column for a process to `out` (`-` when psutil
    /// raised AccessDenied or ZombieProcess there).
    fn write_cell(&self, src: &Source, cx: &Ctx, out: &mut String) {
        if let Source::View(_, view) = src {
            if matches!(
                self.attr,
                Attr::Name | Attr::Username | Attr::Exe | Attr::Cwd | Attr::Terminal | Attr::Cmdline
            ) {
                match view.get_ref(self.attr) {
                    Some(Ok(r)) => return write_text(out, r, view),
                    Some(Err(_)) | None => return out.push('-'),
                }
            }
        }
        let Some(v) = src.get(self.attr) else {
            out.push('-');
            return;
        };
        match &*v {
            AttrValue::Pid(p) | AttrValue::Ppid(p) => push_int(out, *p),
            AttrValue::Name(s) | AttrValue::Username(s) => out.push_str(s),
            AttrValue::Exe(p) | AttrValue::Cwd(p) => out.push_str(&p.to_string_lossy()),
            AttrValue::Cmdline(c) if c.is_empty() => {
                // No arguments (a kernel thread, a zombie): the name in brackets, as ps.
                if let Some(AttrValue::Name(n)) = src.get(Attr::Name).as_deref() {
                    out.push('[');
                    out.push_str(n);
                    out.push(']');
                }
            }
            AttrValue::Cmdline(c) => cmdline_to(out, c),
            AttrValue::Uids(u) => push_int(out, u.real),
            AttrValue::Gids(g) => push_int(out, g.real),
            AttrValue::Status(s) => out.push_str(s.value()),
            AttrValue::Nice(x) => push_int(out, *x),
            AttrValue::NumThreads(x) | AttrValue::NumFds(x) => push_int(out, *x),
            AttrValue::MemoryInfo(m) => {
                let n = match self.name {
                    "rss" => m.rss,
                    "vms" => m.vms,
                    "shared" => m.shared,
                    "text" => m.text,
                    _ => m.data,
                };
                fmt_to(out, n, cx.unit);
            }
            AttrValue::MemoryPercent(x) | AttrValue::CpuPercent(x) => push_one_decimal(out, *x),
            AttrValue::CreateTime(t) => cx.clock.write(out, *t),
            AttrValue::CpuTimes(t) => cpu_time_to(out, t.user + t.system),
            AttrValue::Terminal(Some(p)) => {
                let s = p.to_string_lossy();
                out.push_str(s.strip_prefix("/dev/").unwrap_or(&s));
            }
            AttrValue::Terminal(None) => out.push('?'),
            AttrValue::CpuNum(x) => push_int(out, *x),
            AttrValue::NumCtxSwitches(c) => push_int(out, c.voluntary.saturating_add(c.involuntary)),
            _ => out.push('?'),
        }
    }
}

/// Appends a text cell lent by a scan's store (the same text as from the values).
fn write_text(out: &mut String, r: AttrRef<'_>, view: &PrefetchedView) {
    match r {
        AttrRef::Text(s) => out.push_str(&s.to_string_lossy()),
        AttrRef::Terminal(Some(p)) => {
            let s = p.to_string_lossy();
            out.push_str(s.strip_prefix("/dev/").unwrap_or(&s));
        }
        AttrRef::Terminal(None) => out.push('?'),
        AttrRef::Cmdline(args) if args.is_empty() => {
            // No arguments (a kernel thread, a zombie): the name in brackets, as ps.
            if let Some(Ok(AttrRef::Text(n))) = view.get_ref(Attr::Name) {
                out.push('[');
                out.push_str(&n.to_string_lossy());
                out.push(']');
            }
        }
        AttrRef::Cmdline(args) => {
            for (i, a) in args.enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&a.to_string_lossy());
            }
        }
        // Not one of the text attributes.
        _ => out.push('?'),
    }
}

/// The attributes to prefetch: the columns', the filters' and the tree's, once each.
fn wanted(cols: &[Col], a: &PsArgs) -> Vec<Attr> {
    let mut v = vec![Attr::Pid];
    let mut add = |x: Attr| {
        if !v.contains(&x) {
            v.push(x)
        }
    };
    for c in cols {
        add(c.attr);
        if c.attr == Attr::Cmdline {
            add(Attr::Name);
        }
    }
    for k in &a.sort {
        add(k.col.attr);
    }
    if !a.user.is_empty() {
        add(Attr::Username);
    }
    if !a.name.is_empty() {
        add(Attr::Name);
    }
    if a.tree {
        add(Attr::Ppid);
    }
    v
}

/// Where a row's values come from: a handle's prefetch store, each value decoded
/// when a cell asks for it (a scan), or `as_dict`'s result (`--pid`).
#[derive(Clone, Copy)]
enum Source<'a> {
    /// A scanned handle's store, read in place.
    View(&'a Process, &'a PrefetchedView),
    Dict(&'a ProcessInfo),
}

impl Source<'_> {
    fn pid(&self) -> Pid {
        match self {
            Source::View(p, _) => p.pid(),
            Source::Dict(i) => i.pid,
        }
    }

    /// The value of `a`; `None` when it was not read or reading it failed
    /// (AccessDenied, ZombieProcess).
    fn get(&self, a: Attr) -> Option<Cow<'_, AttrValue>> {
        match self {
            Source::View(_, v) => v.get(a).and_then(Result::ok).map(Cow::Owned),
            Source::Dict(i) => i.get(a).map(Cow::Borrowed),
        }
    }

    /// Whether the text value of `a` (a name or user name) is one of `list`.
    fn text_in(&self, a: Attr, list: &[String]) -> bool {
        match self.get(a).as_deref() {
            Some(AttrValue::Name(s) | AttrValue::Username(s)) => list.iter().any(|w| w == s),
            _ => false,
        }
    }

    /// Every value read, as `--json` prints them.
    fn to_info(self) -> Option<ProcessInfo> {
        match self {
            Source::View(p, _) => p.prefetched(),
            Source::Dict(i) => Some(i.clone()),
        }
    }
}

/// One listed process: what sorting and the tree need, and its body (the table's
/// cells, or the attributes for `--json`). Built as each process is read, so the
/// handle and its prefetched values are dropped at once and memory stays small.
struct Row<T> {
    pid: Pid,
    ppid: Option<Pid>,
    keys: Vec<Key>,
    body: T,
}

/// Reads the processes (every one in one `process_iter` pass, or the `--pid` ones) and
/// hands each one's attributes to `take`, with the number of processes still to come
/// at most (for sizing what is built).
fn collect(
    a: &PsArgs,
    attrs: &[Attr],
    failed: &mut bool,
    mut take: impl FnMut(Source, usize),
) -> Result<(), Fail> {
    let sample = attrs.contains(&Attr::CpuPercent);
    if !a.pid.is_empty() {
        let mut procs = Vec::new();
        for &pid in &a.pid {
            match Process::new(pid) {
                Ok(p) => procs.push(p),
                Err(e) => {
                    eprintln!("psoxide: ps: pid {pid}: {}", error_text(&e));
                    *failed = true;
                }
            }
        }
        if sample {
            for p in &procs {
                let _ = p.cpu_percent(None);
            }
            std::thread::sleep(Duration::from_secs_f64(a.interval));
        }
        for p in &procs {
            match p.as_dict(Some(attrs)) {
                Ok(i) => take(Source::Dict(&i), procs.len()),
                Err(e) => {
                    eprintln!("psoxide: ps: pid {}: {}", p.pid(), error_text(&e));
                    *failed = true;
                }
            }
        }
        return Ok(());
    }
    if sample {
        // The first pass sets each handle's baseline; the handles are kept by the host
        // for the second.
        for p in psoxide::process_iter(Some(&[Attr::CpuPercent]))? {
            let _ = p;
        }
        std::thread::sleep(Duration::from_secs_f64(a.interval));
    }
    let mut scan = psoxide::process_iter(Some(attrs))?;
    while let Some(p) = scan.next() {
        match p {
            Ok(p) => {
                let more = scan.size_hint().1.unwrap_or(0) + 1;
                match p.prefetched_view() {
                    Some(v) => take(Source::View(&p, &v), more),
                    // Every handle of a scan with attributes has its store; were one
                    // without, its values would be read now.
                    None => match p.as_dict(Some(attrs)) {
                        Ok(i) => take(Source::Dict(&i), more),
                        Err(e) if e.is_no_such_process() => {}
                        Err(e) => {
                            eprintln!("psoxide: ps: pid {}: {}", p.pid(), error_text(&e));
                            *failed = true;
                        }
                    },
                }
            }
            Err(e) => {
                eprintln!("psoxide: ps: {}", error_text(&e));
                *failed = true;
            }
        }
    }
    Ok(())
}

/// Whether a process passes the `--user` and `--name` filters.
fn selected(a: &PsArgs, src: &Source) -> bool {
    (a.user.is_empty() || src.text_in(Attr::Username, &a.user))
        && (a.name.is_empty() || src.text_in(Attr::Name, &a.name))
}

/// The row of a process that passed the filters, with `body`.
fn row<T>(a: &PsArgs, src: &Source, body: T) -> Row<T> {
    Row {
        pid: src.pid(),
        ppid: match src.get(Attr::Ppid).as_deref() {
            Some(AttrValue::Ppid(p)) if a.tree => Some(*p),
            _ => None,
        },
        keys: a.sort.iter().map(|k| k.col.key(src)).collect(),
        body,
    }
}

/// Sorts `rows` by the `--sort` keys (then by PID).
fn sort_rows<T>(a: &PsArgs, rows: &mut [Row<T>]) {
    if a.sort.is_empty() {
        return;
    }
    rows.sort_by(|x, y| {
        for (n, k) in a.sort.iter().enumerate() {
            let o = x.keys[n].partial_cmp(&y.keys[n]).unwrap_or(Ordering::Equal);
            let o = if k.desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        x.pid.cmp(&y.pid)
    });
}

/// Orders `rows` as a tree (depth-first, children after their parent in the current
/// order) and returns each row's depth.
fn tree_order<T>(rows: Vec<Row<T>>) -> Vec<(Row<T>, usize)> {
    let index: HashMap<Pid, usize> = rows.iter().enumerate().map(|(i, r)| (r.pid, i)).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut roots = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        match r.ppid.and_then(|p| index.get(&p)) {
            Some(&pi) if pi != i => children[pi].push(i),
            _ => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(rows.len());
    let mut seen = vec![false; rows.len()];
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((i, d)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        order.push((i, d));
        for &c in children[i].iter().rev() {
            stack.push((c, d + 1));
        }
    }
    // A parent cycle (impossible for real processes) would leave rows unvisited.
    for (i, s) in seen.iter().enumerate() {
        if !s {
            order.push((i, 0));
        }
    }
    let mut slots: Vec<Option<Row<T>>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(i, d)| slots[i].take().map(|r| (r, d)))
        .collect()
}

/// Sorts and, with `--tree`, orders the rows; each with its depth in the tree.
fn arrange<T>(a: &PsArgs, mut rows: Vec<Row<T>>) -> Vec<(Row<T>, usize)> {
    sort_rows(a, &mut rows);
    if a.tree {
        tree_order(rows)
    } else {
        rows.into_iter().map(|r| (r, 0)).collect()
    }
}

/// Runs `psoxide ps`.
pub fn run(a: &PsArgs) -> Outcome {
    let _ = a.every;
    let cols: Vec<Col> = if a.columns.is_empty() {
        DEFAULT.iter().filter_map(|n| find_col(n)).collect()
    } else {
        a.columns.clone()
    };
    let attrs = wanted(&cols, a);
    super::listing_without_pidfds(&attrs);
    let mut failed = false;
    if a.json.json {
        let col_attrs: Vec<Attr> = attrs
            .iter()
            .copied()
            .filter(|x| *x == Attr::Pid || cols.iter().any(|c| c.attr == *x))
            .collect();
        let mut rows = Vec::new();
        collect(a, &attrs, &mut failed, |src, _| {
            if selected(a, &src) {
                if let Some(mut i) = src.to_info() {
                    i.values.retain(|(x, _)| col_attrs.contains(x));
                    rows.push(row(a, &src, i));
                }
            }
        })?;
        let list: Vec<ProcessInfo> = arrange(a, rows).into_iter().map(|(r, _)| r.body).collect();
        emit_json(&list, a.json.pretty)?;
        return if failed { Err(Fail::Quiet) } else { Ok(()) };
    }
    let cx = Ctx {
        unit: a.units.unit(),
        clock: super::StartClock::new(super::now()),
    };
    let mut t = Table::new(cols.iter().map(|c| (c.head, c.align)));
    // Rows to arrange only when sorting or drawing the tree; else the table's order
    // (PID order) is the output order.
    let arranged = !a.sort.is_empty() || a.tree;
    let mut rows = Vec::new();
    collect(a, &attrs, &mut failed, |src, more| {
        if selected(a, &src) {
            let r = t.len();
            if r == 0 {
                // Room for every process at once: the text is not copied as it
                // grows, and what stays unused is never touched (no memory used).
                t.reserve(more, 128);
            }
            for c in &cols {
                t.cell_with(|s| c.write_cell(&src, &cx, s));
            }
            if arranged {
                rows.push(row(a, &src, r));
            }
        }
    })?;
    let order: Option<Vec<(usize, usize)>> =
        arranged.then(|| arrange(a, rows).into_iter().map(|(r, d)| (r.body, d)).collect());
    // The tree indents the command (or the name), else the last column.
    let indent = cols
        .iter()
        .position(|c| c.attr == Attr::Cmdline)
        .or_else(|| cols.iter().position(|c| c.attr == Attr::Name))
        .unwrap_or(cols.len().saturating_sub(1));
    let layout = Layout {
        width: terminal_width(),
        no_headers: a.no_headers,
        order: order.as_deref(),
        indent,
    };
    super::emit_with(|out| t.write(out, &layout))?;
    if failed {
        return Err(Fail::Quiet);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_columns_list_the_valid_ones() {
        let e = parse_col("bogus").unwrap_err();
        assert!(e.contains("\"bogus\""), "{e}");
        assert!(e.contains("pid, ppid, name"), "{e}");
        assert_eq!(parse_col("vsz").unwrap().name, "vms");
        assert_eq!(parse_col("user").unwrap().name, "username");
        let k = parse_sort("-rss").unwrap();
        assert!(k.desc);
        assert_eq!(k.col.name, "rss");
        assert!(parse_sort("-nope").unwrap_err().contains("valid keys"));
    }

    #[test]
    fn every_alias_is_unambiguous() {
        let mut all: Vec<&str> = COLUMNS
            .iter()
            .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
            .collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "a name or alias is used twice");
    }

    #[test]
    fn cpu_time_is_ps_style() {
        assert_eq!(cpu_time(0.0), "00:00:00");
        assert_eq!(cpu_time(3661.9), "01:01:01");
        assert_eq!(cpu_time(90000.0), "1-01:00:00");
    }
}
