//! The driver: process table, check, interleaved rounds, strace counts, peak RSS, tables.
//!
//! Every implementation runs as its own long-lived runner process. In each round the
//! driver sends one batch to every column of a group, in a shuffled order, so a ratio
//! always compares samples taken side by side; the reported ratio is the median over
//! rounds of (column time / reference time in the same round), plus min/min.

use super::check;
use super::runner::FIXTURES_ENV;
use crate::common::{cpu_model, have_strace, median, strace_per_call};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// The options of a `psoxide-bench procs` run.
#[derive(clap::Args, Debug)]
pub struct Opts {
    /// Rounds for the scan groups (W1, W2, net, pids) [default: 30].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub rounds: Option<u64>,
    /// Rounds for the per-call group (W3) [default: 20].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub call_rounds: Option<u64>,
    /// 3 scan rounds and 3 call rounds, for trying things out (explicit --rounds /
    /// --call-rounds win).
    #[arg(long)]
    pub quick: bool,
    /// Python with psutil [default: .venv/bin/python at the repository root]; without
    /// psutil the psutil column is left out.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Measure the process table as it is (do not spawn ~1,000 processes and ~400 TCP ends).
    #[arg(long)]
    pub no_spawn: bool,
    /// Only run the rows check against the floor (exit 1 if psoxide differs).
    #[arg(long)]
    pub check: bool,
    /// Phases to skip (comma-separated).
    #[arg(
        long,
        value_name = "PHASES",
        value_delimiter = ',',
        value_parser = ["check", "w1", "w2", "w3", "net", "strace", "rss"]
    )]
    pub skip: Vec<String>,
    /// Also write the Markdown tables to FILE.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl Opts {
    /// Scan rounds: --rounds, else 3 with --quick, else 30.
    pub fn rounds(&self) -> usize {
        self.rounds
            .map_or(if self.quick { 3 } else { 30 }, |n| n as usize)
    }

    /// Call rounds: --call-rounds, else 3 with --quick, else 20.
    pub fn call_rounds(&self) -> usize {
        self.call_rounds
            .map_or(if self.quick { 3 } else { 20 }, |n| n as usize)
    }

    /// The Python to run psutil with.
    pub fn python(&self) -> PathBuf {
        self.python
            .clone()
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"))
    }
}

/// The psutil runner script.
pub fn py_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("py/procs_runner.py")
}

/// One timed batch, per iteration.
#[derive(Clone, Copy, Debug)]
struct Sample {
    wall: f64,
    user: f64,
    sys: f64,
    items: usize,
    round: usize,
}

struct Runner {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Runner {
    fn start(argv: &[String], fixtures: &Path) -> Option<Runner> {
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .env(FIXTURES_ENV, fixtures)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = BufReader::new(child.stdout.take()?);
        Some(Runner { child, stdin, stdout })
    }

    fn ask(&mut self, w: &str, n: usize) -> Option<Sample> {
        writeln!(self.stdin, "{w} {n}").ok()?;
        self.stdin.flush().ok()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line).ok()?;
        let v: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        if v.len() != 4 {
            return None;
        }
        let k = n as f64;
        Some(Sample {
            wall: v[0] / k,
            user: v[1] / k,
            sys: v[2] / k,
            items: v[3] as usize,
            round: 0,
        })
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The spawner, stopped (SIGTERM, then wait) when dropped.
struct Spawner(Child);

impl Drop for Spawner {
    fn drop(&mut self) {
        // SAFETY: signalling our own unreaped child.
        unsafe { libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

/// A column: label, runner, workload.
type Col = (&'static str, &'static str, &'static str);

const W1: &[Col] = &[
    ("psutil 7.2.2", "psutil", "w1"),
    ("psutil, cache cleared", "psutil", "w1.cold"),
    ("psoxide (owned rows)", "psoxide", "w1"),
    (
        "psoxide (handles only, values in the store)",
        "psoxide",
        "w1.handles",
    ),
    ("psoxide, cache cleared (owned rows)", "psoxide", "w1.cold"),
    ("sysinfo, tasks (needed for num_threads)", "sysinfo", "w1"),
    ("sysinfo, no tasks (no num_threads)", "sysinfo", "w1.notasks"),
    ("sysinfo, tasks, new System", "sysinfo", "w1.cold"),
    ("procfs stat+status+cmdline", "procfs", "w1"),
    ("floor stat+status+cmdline (strict)", "floor", "w1"),
];
const W1_REF: &str = "floor stat+status+cmdline (strict)";

const W2: &[Col] = &[
    ("psutil 7.2.2", "psutil", "w2"),
    ("psoxide", "psoxide", "w2"),
    ("sysinfo (truncated names)", "sysinfo", "w2"),
    ("procfs (stat only: approx. rss)", "procfs", "w2"),
    ("floor stat+statm", "floor", "w2"),
    ("floor status only", "floor", "w2.status"),
];
const W2_REFS: [&str; 2] = ["floor stat+statm", "floor status only"];

pub(crate) const W3_CALLS: [&str; 8] = [
    "name",
    "cpu_times",
    "memory_info",
    "memory_full_info",
    "num_fds",
    "open_files",
    "cmdline",
    "oneshot",
];
const IMPLS: [&str; 5] = ["psutil", "psoxide", "sysinfo", "procfs", "floor"];

fn nprocs() -> usize {
    std::fs::read_dir("/proc")
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().as_encoded_bytes().iter().all(u8::is_ascii_digit))
                .count()
        })
        .unwrap_or(0)
}

fn nthreads() -> usize {
    std::fs::read_dir("/proc")
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().as_encoded_bytes().iter().all(u8::is_ascii_digit))
                .map(|e| {
                    std::fs::read_dir(e.path().join("task"))
                        .map(|t| t.count())
                        .unwrap_or(0)
                })
                .sum()
        })
        .unwrap_or(0)
}

fn read_trim(p: &str) -> String {
    std::fs::read_to_string(p).unwrap_or_default().trim().to_string()
}

fn loadavg() -> String {
    read_trim("/proc/loadavg")
}

/// Summary of one column against a reference column.
struct Summary {
    med: f64,
    min: f64,
    user: f64,
    sys: f64,
    items: f64,
    ratio: Option<(f64, f64)>,
}

fn summarize(s: &[Sample], reference: Option<&[Sample]>) -> Summary {
    let med = median(&s.iter().map(|x| x.wall).collect::<Vec<_>>());
    let min = s.iter().map(|x| x.wall).fold(f64::INFINITY, f64::min);
    let ratio = reference.filter(|r| !r.is_empty()).map(|r| {
        let by_round: HashMap<usize, f64> = r.iter().map(|x| (x.round, x.wall)).collect();
        let rs: Vec<f64> = s
            .iter()
            .filter_map(|x| by_round.get(&x.round).map(|w| x.wall / w))
            .collect();
        let rmin = r.iter().map(|x| x.wall).fold(f64::INFINITY, f64::min);
        (median(&rs), min / rmin)
    });
    Summary {
        med,
        min,
        user: median(&s.iter().map(|x| x.user).collect::<Vec<_>>()),
        sys: median(&s.iter().map(|x| x.sys).collect::<Vec<_>>()),
        items: median(&s.iter().map(|x| x.items as f64).collect::<Vec<_>>()),
        ratio,
    }
}

/// A deterministic shuffle (xorshift), so runs are reproducible.
fn shuffle<T>(v: &mut [T], seed: &mut u64) {
    for i in (1..v.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        v.swap(i, (*seed % (i as u64 + 1)) as usize);
    }
}

/// Runs `cols` for `rounds` interleaved rounds; batches are calibrated to `target_ns`
/// (0: one iteration per batch). Returns label -> (samples, batch size).
fn interleave(
    runners: &mut HashMap<&'static str, Runner>,
    cols: &[(String, &'static str, String)],
    rounds: usize,
    target_ns: f64,
    seed: &mut u64,
) -> HashMap<String, (Vec<Sample>, usize)> {
    let mut batch: HashMap<String, usize> = HashMap::new();
    for (label, rn, w) in cols {
        let Some(r) = runners.get_mut(rn) else { continue };
        // twice: the first call warms caches (and fills psutil's / psoxide's handle table)
        if r.ask(w, 1).is_none() {
            continue;
        }
        let Some(s) = r.ask(w, 1) else { continue };
        let n = if target_ns > 0.0 {
            (target_ns / s.wall.max(1.0)).round().clamp(1.0, 20000.0) as usize
        } else {
            1
        };
        batch.insert(label.clone(), n);
    }
    let mut live: Vec<&(String, &'static str, String)> =
        cols.iter().filter(|c| batch.contains_key(&c.0)).collect();
    let mut out: HashMap<String, (Vec<Sample>, usize)> = live
        .iter()
        .map(|c| (c.0.clone(), (Vec::new(), batch[&c.0])))
        .collect();
    for round in 0..rounds {
        shuffle(&mut live, seed);
        for (label, rn, w) in live.iter().map(|c| (&c.0, c.1, &c.2)) {
            let n = batch[label];
            if let Some(mut s) = runners.get_mut(rn).and_then(|r| r.ask(w, n)) {
                s.round = round;
                if let Some(e) = out.get_mut(label) {
                    e.0.push(s);
                }
            }
        }
        eprint!("\r  round {}/{rounds}   ", round + 1);
    }
    eprintln!();
    out
}

fn fmt_us(ns: f64) -> String {
    let us = ns / 1e3;
    if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

fn fmt_ms(ns: f64) -> String {
    format!("{:.2}", ns / 1e6)
}

/// Runs of each command for the peak-RSS table: one run's figure moves by up to
/// ±100 KiB from run to run (the heap's and the mappings' placement), so the table
/// gives the median of these.
const RSS_RUNS: usize = 5;

/// Median peak RSS (KiB) of [`RSS_RUNS`] runs of a command (see [`peak_rss_once`]).
fn peak_rss_kib(argv: &[String], fixtures: &Path) -> Option<i64> {
    let mut v = (0..RSS_RUNS)
        .map(|_| peak_rss_once(argv, fixtures))
        .collect::<Option<Vec<i64>>>()?;
    v.sort_unstable();
    Some(v[v.len() / 2])
}

/// Peak RSS (KiB) of one run of a command: `/usr/bin/time -f %M`. (Not `wait4` from
/// the driver: the child is spawned with the driver's address space (vfork-style), and
/// the kernel carries that address space's peak into the child's `ru_maxrss` across
/// `exec`, so the driver's own size would show. GNU time forks from a small process.)
fn peak_rss_once(argv: &[String], fixtures: &Path) -> Option<i64> {
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .args(argv)
        .env(FIXTURES_ENV, fixtures)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

fn python_ok(py: &Path) -> bool {
    Command::new(py)
        .args(["-c", "import psutil"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The driver's main.
pub fn main(o: Opts) -> i32 {
    let (rounds, call_rounds, python) = (o.rounds(), o.call_rounds(), o.python());
    let exe = std::env::current_exe().unwrap_or_default();
    let exe_s = exe.to_string_lossy().into_owned();
    let tmp = std::env::temp_dir().join(format!("psoxide-bench-procs-{}", std::process::id()));
    let fixtures = tmp.join("fixtures");
    if std::fs::create_dir_all(&fixtures).is_err() {
        eprintln!("cannot create {}", fixtures.display());
        return 2;
    }
    for i in 0..16 {
        let _ = std::fs::write(fixtures.join(format!("f{i:02}")), [b'x'; 100]);
    }
    let skip = |p: &str| o.skip.iter().any(|s| s == p);
    let have_py = python_ok(&python);
    if !have_py {
        eprintln!(
            "note: {} cannot import psutil: the psutil column is left out (use --python PATH)",
            python.display()
        );
    }
    let mut md = String::new();

    // the process table
    let before = nprocs();
    let spawner = if o.no_spawn {
        None
    } else {
        let dir = tmp.join("spawn");
        let Ok(child) = Command::new(&exe).args(["procs", "spawn"]).arg(&dir).spawn() else {
            eprintln!("cannot start the spawner");
            return 2;
        };
        let sp = Spawner(child);
        let t0 = Instant::now();
        while !dir.join("ready").exists() {
            if t0.elapsed() > Duration::from_secs(60) {
                eprintln!("spawner not ready after 60 s");
                return 2;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(500));
        eprintln!("spawner: {}", read_trim(&dir.join("ready").to_string_lossy()));
        Some(sp)
    };
    let tcp_lines: usize = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .map(|s| s.lines().count().saturating_sub(1))
                .unwrap_or(0)
        })
        .sum();
    let cpu = cpu_model().unwrap_or_default();
    let _ = writeln!(
        md,
        "## Run\n\n| item | value |\n|---|---|\n| processes (before spawning / now) | {before} / {} |\n| threads | {} |\n| lines in /proc/net/tcp + tcp6 | {tcp_lines} |\n| kernel | {} |\n| CPUs | {} x {cpu} |\n| loadavg at start | {} |\n| rounds (scans / calls) | {} / {} |\n| python | {} ({}) |\n",
        nprocs(),
        nthreads(),
        read_trim("/proc/sys/kernel/osrelease"),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        loadavg(),
        rounds,
        call_rounds,
        python.display(),
        if have_py { "psutil found" } else { "no psutil: column left out" },
    );
    eprint!("{md}");

    // check
    let mut check_failed = false;
    if !skip("check") {
        eprintln!("check: rows of every implementation against the floor");
        let py = have_py.then(|| {
            vec![
                python.to_string_lossy().into_owned(),
                py_script().to_string_lossy().into_owned(),
            ]
        });
        let (text, failed) = check::run(py.as_deref());
        check_failed = failed;
        eprint!("{text}");
        md.push_str(&text);
        if o.check {
            drop(spawner);
            let _ = std::fs::remove_dir_all(&tmp);
            println!("{md}");
            return i32::from(check_failed);
        }
    }

    // runners
    let mut runners: HashMap<&'static str, Runner> = HashMap::new();
    for imp in IMPLS {
        let argv: Vec<String> = if imp == "psutil" {
            if !have_py {
                continue;
            }
            vec![
                python.to_string_lossy().into_owned(),
                py_script().to_string_lossy().into_owned(),
            ]
        } else {
            vec![exe_s.clone(), "procs".into(), "runner".into(), imp.into()]
        };
        match Runner::start(&argv, &fixtures) {
            Some(r) => {
                runners.insert(imp, r);
            }
            None => eprintln!("cannot start the {imp} runner"),
        }
    }
    let mut seed = 0x1234_5678_9abc_def1u64;
    let own = |cols: &[Col]| -> Vec<(String, &'static str, String)> {
        cols.iter()
            .map(|(l, r, w)| (l.to_string(), *r, w.to_string()))
            .collect()
    };

    let scan_header = "| implementation | median ms | min ms | µs/process | user ms | sys ms | ratio vs floor (median of per-round ratios) | min/min | rows |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    let scan_table =
        |title: &str, res: &HashMap<String, (Vec<Sample>, usize)>, cols: &[Col], reference: &str| -> String {
            let mut t = format!(
                "## {title}\n\nReference: {reference}. Loadavg after the group: {}.\n\n{scan_header}",
                loadavg()
            );
            let r = res.get(reference).map(|x| x.0.as_slice());
            for (label, _, _) in cols {
                let Some((s, _)) = res.get(*label) else { continue };
                let m = summarize(s, r);
                let (ratio, rmin) = m.ratio.unwrap_or((f64::NAN, f64::NAN));
                let _ = writeln!(
                    t,
                    "| {label} | {} | {} | {:.1} | {} | {} | **{ratio:.2}x** | {rmin:.2}x | {:.0} |",
                    fmt_ms(m.med),
                    fmt_ms(m.min),
                    m.med / 1e3 / m.items.max(1.0),
                    fmt_ms(m.user),
                    fmt_ms(m.sys),
                    m.items
                );
            }
            t.push('\n');
            t
        };

    // W3 first, while every runner is fresh: smaps_rollup (memory_full_info) costs in
    // proportion to the caller's own mapped pages, which the scans' caches then grow.
    if !skip("w3") {
        eprintln!("W3: current-process calls, {} rounds", call_rounds);
        let mut cols = Vec::new();
        for c in W3_CALLS {
            for imp in IMPLS {
                cols.push((format!("{c}|{imp}"), imp, format!("w3.{c}")));
            }
        }
        let res = interleave(&mut runners, &cols, call_rounds, 3e6, &mut seed);
        let mut t = format!(
            "## W3: current-process calls\n\nMedian / min µs per call (ratio vs floor: median of per-round ratios). Batches of ~3 ms. Loadavg after: {}.\n\n| call | {} |\n|---|{}\n",
            loadavg(),
            IMPLS.join(" | "),
            "---:|".repeat(IMPLS.len())
        );
        let mut geo: HashMap<&str, (f64, usize)> = HashMap::new();
        for c in W3_CALLS {
            let r = res.get(&format!("{c}|floor")).map(|x| x.0.as_slice());
            let mut line = format!("| {c} |");
            for imp in IMPLS {
                match res.get(&format!("{c}|{imp}")) {
                    Some((s, _)) => {
                        let m = summarize(s, r);
                        let ratio = m.ratio.map_or(f64::NAN, |x| x.0);
                        let g = geo.entry(imp).or_insert((0.0, 0));
                        g.0 += ratio.ln();
                        g.1 += 1;
                        let _ = write!(line, " {} / {} ({ratio:.2}x) |", fmt_us(m.med), fmt_us(m.min));
                    }
                    None => line.push_str(" n/a |"),
                }
            }
            t.push_str(&line);
            t.push('\n');
        }
        let mut line = "| geomean of ratios |".to_string();
        for imp in IMPLS {
            match geo.get(imp) {
                Some(&(s, n)) if n > 0 => {
                    let _ = write!(line, " **{:.2}x** ({n} calls) |", (s / n as f64).exp());
                }
                _ => line.push_str(" n/a |"),
            }
        }
        t.push_str(&line);
        t.push_str("\n\n");
        eprint!("{t}");
        md.push_str(&t);
    }
    if !skip("w1") {
        eprintln!("W1: full scan, {} rounds", rounds);
        let res = interleave(&mut runners, &own(W1), rounds, 0.0, &mut seed);
        let t = scan_table("W1: full scan (pid, ppid, name, status, cpu_times, memory_info, num_threads, create_time, cmdline, username)", &res, W1, W1_REF);
        eprint!("{t}");
        md.push_str(&t);
    }
    if !skip("w2") {
        eprintln!("W2: pid + name + rss, {} rounds", rounds);
        let res = interleave(&mut runners, &own(W2), rounds, 0.0, &mut seed);
        let best = W2_REFS
            .iter()
            .min_by(|a, b| {
                let m = |k: &str| {
                    res.get(k)
                        .map(|x| median(&x.0.iter().map(|s| s.wall).collect::<Vec<_>>()))
                        .unwrap_or(f64::INFINITY)
                };
                m(a).total_cmp(&m(b))
            })
            .copied()
            .unwrap_or(W2_REFS[0]);
        let t = scan_table("W2: pid + name + rss (top-like refresh)", &res, W2, best);
        eprint!("{t}");
        md.push_str(&t);
    }
    if !skip("net") {
        eprintln!("net_connections('inet') and pids(), {} rounds", rounds);
        let mut cols = Vec::new();
        for c in ["net", "pids"] {
            for imp in IMPLS {
                cols.push((format!("{c}|{imp}"), imp, c.to_string()));
            }
        }
        let res = interleave(&mut runners, &cols, rounds, 0.0, &mut seed);
        let mut t = format!(
            "## System-wide: net_connections('inet'), pids()\n\nMedian / min µs per call (ratio vs floor: median of per-round ratios) [items]. Loadavg after: {}.\n\n| call | {} |\n|---|{}\n",
            loadavg(),
            IMPLS.join(" | "),
            "---:|".repeat(IMPLS.len())
        );
        for c in ["net", "pids"] {
            let r = res.get(&format!("{c}|floor")).map(|x| x.0.as_slice());
            let mut line = format!(
                "| {} |",
                if c == "net" {
                    "net_connections('inet')"
                } else {
                    "pids()"
                }
            );
            for imp in IMPLS {
                match res.get(&format!("{c}|{imp}")) {
                    Some((s, _)) => {
                        let m = summarize(s, r);
                        let ratio = m.ratio.map_or(f64::NAN, |x| x.0);
                        let _ = write!(
                            line,
                            " {} / {} (**{ratio:.2}x**) [{:.0}] |",
                            fmt_us(m.med),
                            fmt_us(m.min),
                            m.items
                        );
                    }
                    None => line.push_str(" n/a |"),
                }
            }
            t.push_str(&line);
            t.push('\n');
        }
        t.push('\n');
        eprint!("{t}");
        md.push_str(&t);
    }
    drop(runners);

    let py_argv = || {
        vec![
            python.to_string_lossy().into_owned(),
            py_script().to_string_lossy().into_owned(),
        ]
    };
    if !skip("strace") && have_strace() {
        eprintln!("strace -c -f (N iterations minus 0)");
        let mut rows: Vec<(String, BTreeMap<String, f64>)> = Vec::new();
        let mut todo: Vec<(String, Vec<String>, String, u64)> = Vec::new();
        for imp in IMPLS {
            if imp == "psutil" && !have_py {
                continue;
            }
            let base = if imp == "psutil" {
                let mut v = py_argv();
                v.push("run".into());
                v
            } else {
                vec![exe_s.clone(), "procs".into(), "run".into(), imp.into()]
            };
            for (w, n) in [("w1", 3), ("w2", 3), ("net", 2)] {
                todo.push((format!("{w} | {imp}"), base.clone(), w.to_string(), n));
            }
            if imp == "psoxide" || imp == "floor" {
                for c in W3_CALLS {
                    todo.push((format!("w3.{c} | {imp}"), base.clone(), format!("w3.{c}"), 20));
                }
            }
        }
        for (label, mut argv, w, n) in todo {
            argv.push(w);
            if let Some(c) = strace_per_call(&argv, n, &[(FIXTURES_ENV, fixtures.as_os_str())]) {
                eprintln!("  {label}: {:.1}", c.values().sum::<f64>());
                rows.push((label, c));
            }
        }
        let mut t = "## Syscalls per iteration (strace -c -f; N iterations minus 0, divided by N)\n\n| workload \\| impl | total | read | openat | close | newfstatat/statx | lseek | getdents64 | readlinkat | other |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n".to_string();
        for (label, c) in &rows {
            let g = |k: &str| c.get(k).copied().unwrap_or(0.0);
            let total: f64 = c.values().sum();
            let known = g("read")
                + g("openat")
                + g("close")
                + g("newfstatat")
                + g("statx")
                + g("lseek")
                + g("getdents64")
                + g("readlinkat");
            let _ = writeln!(
                t,
                "| {label} | {total:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
                g("read"),
                g("openat"),
                g("close"),
                g("newfstatat") + g("statx"),
                g("lseek"),
                g("getdents64"),
                g("readlinkat"),
                total - known
            );
        }
        t.push('\n');
        eprint!("{t}");
        md.push_str(&t);
    }
    if !skip("rss") {
        eprintln!("peak RSS (/usr/bin/time -f %M)");
        let rss_bin = exe
            .with_file_name("psoxide-bench-rss")
            .to_string_lossy()
            .into_owned();
        let mut t = format!(
            "## Peak RSS (KiB, /usr/bin/time -f %M, median of {RSS_RUNS} runs)\n\n| command | 0 scans | 20 W1 scans |\n|---|---:|---:|\n"
        );
        let mut cmds: Vec<(String, Vec<String>)> = vec![
            (
                "psoxide-bench-rss psoxide (binary linking psoxide only)".into(),
                vec![rss_bin.clone(), "psoxide".into()],
            ),
            (
                "psoxide-bench-rss floor".into(),
                vec![rss_bin.clone(), "floor".into()],
            ),
            (
                "psoxide-bench procs run psoxide w1 (all columns linked)".into(),
                vec![
                    exe_s.clone(),
                    "procs".into(),
                    "run".into(),
                    "psoxide".into(),
                    "w1".into(),
                ],
            ),
            (
                "psoxide-bench procs run sysinfo w1".into(),
                vec![
                    exe_s.clone(),
                    "procs".into(),
                    "run".into(),
                    "sysinfo".into(),
                    "w1".into(),
                ],
            ),
            (
                "psoxide-bench procs run procfs w1".into(),
                vec![
                    exe_s.clone(),
                    "procs".into(),
                    "run".into(),
                    "procfs".into(),
                    "w1".into(),
                ],
            ),
            (
                "psoxide-bench procs run floor w1".into(),
                vec![
                    exe_s.clone(),
                    "procs".into(),
                    "run".into(),
                    "floor".into(),
                    "w1".into(),
                ],
            ),
        ];
        if have_py {
            let mut v = py_argv();
            v.extend(["run".into(), "w1".into()]);
            cmds.push(("python procs_runner.py run w1".into(), v));
        }
        for (label, argv) in cmds {
            let cell = |k: &str| {
                let mut a = argv.clone();
                a.push(k.into());
                peak_rss_kib(&a, &fixtures).map_or("failed".to_string(), |v| v.to_string())
            };
            let (a, b) = (cell("0"), cell("20"));
            let _ = writeln!(t, "| {label} | {a} | {b} |");
        }
        t.push('\n');
        eprint!("{t}");
        md.push_str(&t);
    }
    let _ = writeln!(md, "Loadavg at the end: {}; processes: {}.", loadavg(), nprocs());
    drop(spawner);
    let _ = std::fs::remove_dir_all(&tmp);
    println!("{md}");
    if let Some(p) = &o.out {
        if let Err(e) = std::fs::write(p, &md) {
            eprintln!("cannot write {}: {e}", p.display());
        }
    }
    i32::from(check_failed)
}
