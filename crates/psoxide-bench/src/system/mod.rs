//! `psoxide-bench system`: every psoxide system-wide call timed side by side with a
//! hand-written floor (the fewest reads and syscalls that give the same answer) and with
//! psutil.
//!
//! Method (as in the anchors' benchmark): batches calibrated to ~3 ms per cell,
//! interleaved rounds in shuffled order, per-round ratios, medians (and min/min).
//! See BENCHMARKS.md at the repository root.

pub mod calls;
pub mod pyrunner;

use crate::common::{cpu_model, have_strace, median, min, strace_per_call, Rng};
use crate::floor::system::Floor;
use calls::{Cmp, CALLS};
use pyrunner::PyRunner;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// `psoxide-bench system`: the options of the benchmark, or one of its helpers.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// A helper the benchmark runs itself (not needed for a benchmark run).
    #[command(subcommand)]
    pub helper: Option<Helper>,
    #[command(flatten)]
    pub opts: Opts,
}

/// The helpers of `psoxide-bench system`.
#[derive(clap::Subcommand, Debug)]
pub enum Helper {
    /// One warm-up call of CALL, then N calls, and exit: the process `--strace` counts.
    Run {
        /// The implementation.
        #[arg(value_enum)]
        imp: RunImp,
        /// The call (see --list).
        #[arg(value_parser = parse_call)]
        call: String,
        /// Calls after the warm-up.
        n: u64,
    },
}

/// The in-process columns `system run` can run.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RunImp {
    /// psoxide's call.
    Psoxide,
    /// The hand-written floor's call.
    Floor,
}

/// The options of a `psoxide-bench system` run.
#[derive(clap::Args, Debug)]
pub struct Opts {
    /// Interleaved rounds [default: 30].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub rounds: Option<u64>,
    /// 5 rounds (an explicit --rounds wins).
    #[arg(long)]
    pub quick: bool,
    /// Batch length per cell, in ms.
    #[arg(long, value_name = "X", default_value_t = 3.0, value_parser = parse_positive)]
    pub target_ms: f64,
    /// Python with psutil [default: .venv/bin/python at the repository root, else python3].
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
    /// Skip the psutil column.
    #[arg(long)]
    pub no_psutil: bool,
    /// Only these calls (comma-separated; see --list).
    #[arg(long, value_name = "a,b,c", value_delimiter = ',', value_parser = parse_call)]
    pub only: Vec<String>,
    /// Only run the floor == psoxide check (exit 1 on a difference).
    #[arg(long)]
    pub check: bool,
    /// Also count syscalls per call (strace -c -f, N calls minus 0 calls).
    #[arg(long)]
    pub strace: bool,
    /// Calls per strace run.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub strace_n: u64,
    /// Print the results as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON results to PATH.
    #[arg(long, value_name = "PATH")]
    pub json_out: Option<String>,
    /// Print the floor's, psoxide's and psutil's value of CALL as JSON, and exit.
    #[arg(long, value_name = "CALL", value_parser = parse_call)]
    pub show: Option<String>,
    /// List the calls, and exit.
    #[arg(long)]
    pub list: bool,
}

impl Opts {
    /// Interleaved rounds: --rounds, else 5 with --quick, else 30.
    pub fn rounds(&self) -> usize {
        match (self.rounds, self.quick) {
            (Some(n), _) => n as usize,
            (None, true) => 5,
            (None, false) => 30,
        }
    }
}

fn parse_call(s: &str) -> Result<String, String> {
    if CALLS.iter().any(|(n, _)| *n == s) {
        Ok(s.to_string())
    } else {
        Err(format!("unknown call {s} (see --list)"))
    }
}

fn parse_positive(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x > 0.0)
        .ok_or_else(|| "needs a positive number".to_string())
}

/// The three columns.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Imp {
    Psoxide,
    Floor,
    Psutil,
}

impl Imp {
    fn name(self) -> &'static str {
        match self {
            Imp::Psoxide => "psoxide",
            Imp::Floor => "floor",
            Imp::Psutil => "psutil",
        }
    }
}

struct Ctx {
    floor: Floor,
    py: Option<PyRunner>,
}

impl Ctx {
    /// `n` calls; elapsed ns.
    fn time(&mut self, imp: Imp, call: &str, n: u64) -> Option<u64> {
        match imp {
            Imp::Psoxide => calls::time_psoxide(call, n),
            Imp::Floor => calls::time_floor(&mut self.floor, call, n),
            Imp::Psutil => self.py.as_mut()?.time(call, n),
        }
    }

    /// Batch size for ~target_ns per batch.
    fn calibrate(&mut self, imp: Imp, call: &str, target_ns: f64) -> Option<u64> {
        self.time(imp, call, 1)?; // warm-up
        let mut k = 1u64;
        loop {
            let t = self.time(imp, call, k)?.max(1);
            if t >= 300_000 || k >= 1 << 20 {
                return Some(((target_ns * k as f64 / t as f64).round() as u64).clamp(1, 1 << 22));
            }
            k *= 2;
        }
    }
}

fn geomean(v: &[f64]) -> f64 {
    let v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite() && *x > 0.0).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn machine() -> Value {
    let uname = Command::new("uname").arg("-r").output().ok();
    let kernel = uname.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let model = cpu_model();
    json!({
        "kernel": kernel,
        "cpu_model": model,
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
    })
}

fn default_python() -> String {
    // the repository root: two levels above this crate's manifest
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        venv.to_string_lossy().into_owned()
    } else {
        "python3".into()
    }
}

/// One call's check: psoxide vs the floor read before and after it; psoxide vs psutil
/// for information.
struct Check {
    status: &'static str,
    diffs: Vec<String>,
    psutil_diffs: Vec<String>,
    psoxide_error: Option<String>,
}

fn err_of(v: &Value) -> Option<String> {
    v.get("__error__").and_then(Value::as_str).map(str::to_string)
}

fn check_call(ctx: &mut Ctx, call: &str, cmp: Cmp) -> Check {
    let lo = calls::json_floor(&mut ctx.floor, call).unwrap_or(Value::Null);
    let p = calls::json_psoxide(call).unwrap_or(Value::Null);
    let hi = calls::json_floor(&mut ctx.floor, call).unwrap_or(Value::Null);
    let psoxide_error = err_of(&p);
    let (status, diffs) = match (err_of(&lo), &psoxide_error) {
        (Some(fe), None) => ("floor n/a", vec![format!("floor: {fe}")]),
        (Some(_), Some(_)) => ("both err", vec![]),
        (None, Some(pe)) => ("DIFF", vec![format!("psoxide error: {pe}")]),
        (None, None) => {
            let d = calls::compare(&lo, &p, &hi, cmp);
            (if d.is_empty() { "ok" } else { "DIFF" }, d)
        }
    };
    let psutil_diffs = match ctx.py.as_mut().and_then(|py| py.json(call)) {
        Some(u) if psoxide_error.is_none() => match err_of(&u) {
            Some(ue) => vec![format!("psutil error: {ue}")],
            None => calls::compare_loose(&u, &p, cmp),
        },
        _ => vec![],
    };
    Check {
        status,
        diffs,
        psutil_diffs,
        psoxide_error,
    }
}

/// `system run IMP CALL N`, the process strace counts: one warm-up call, then N.
fn run_one(imp: RunImp, call: &str, n: u64) -> i32 {
    let mut fl = Floor::new();
    let ok = match imp {
        RunImp::Psoxide => calls::time_psoxide(call, 1).and_then(|_| calls::time_psoxide(call, n)),
        RunImp::Floor => {
            calls::time_floor(&mut fl, call, 1).and_then(|_| calls::time_floor(&mut fl, call, n))
        }
    };
    if ok.is_some() {
        0
    } else {
        2
    }
}

fn fmt_us(ns: f64) -> String {
    if !ns.is_finite() {
        return "-".into();
    }
    let us = ns / 1e3;
    if us >= 1000.0 {
        format!("{:.0}", us)
    } else if us >= 100.0 {
        format!("{:.1}", us)
    } else {
        format!("{:.2}", us)
    }
}

fn fmt_x(r: f64) -> String {
    if r.is_finite() {
        format!("{r:.2}x")
    } else {
        "-".into()
    }
}

/// Runs `psoxide-bench system`; the process exit code.
pub fn main(args: Args) -> i32 {
    if let Some(Helper::Run { imp, call, n }) = args.helper {
        return run_one(imp, &call, n);
    }
    let o = args.opts;
    if o.list {
        for (c, _) in CALLS {
            println!("{c}");
        }
        return 0;
    }
    let rounds = o.rounds();
    let target_ns = o.target_ms * 1e6;
    let calls: Vec<(&str, Cmp)> = CALLS
        .iter()
        .copied()
        .filter(|(c, _)| o.only.is_empty() || o.only.iter().any(|x| x == c))
        .collect();
    let python = o.python.clone().unwrap_or_else(default_python);
    let mut notes: Vec<String> = Vec::new();
    let py = if !o.no_psutil {
        match PyRunner::start(&python) {
            Ok(p) => Some(p),
            Err(e) => {
                let msg = format!("psutil unavailable ({e}); running without the psutil column");
                eprintln!("{msg}");
                notes.push(msg);
                None
            }
        }
    } else {
        None
    };
    let mut ctx = Ctx {
        floor: Floor::new(),
        py,
    };
    let psutil_version = ctx.py.as_ref().map(|p| p.psutil_version.clone());
    let python_version = ctx.py.as_ref().map(|p| p.python_version.clone());
    if let Some(call) = &o.show {
        let f = calls::json_floor(&mut ctx.floor, call).unwrap_or_default();
        let p = calls::json_psoxide(call).unwrap_or_default();
        let u = ctx.py.as_mut().and_then(|py| py.json(call)).unwrap_or_default();
        println!("floor:   {f}\npsoxide: {p}\npsutil:  {u}");
        return 0;
    }
    let load_start = loadavg();
    let log = |s: &str| {
        if !o.json {
            eprintln!("{s}");
        }
    };
    log(&format!(
        "psoxide-bench: {} calls, {} rounds, psutil {}; loadavg {}",
        calls.len(),
        rounds,
        psutil_version.as_deref().unwrap_or("not used"),
        load_start
    ));

    // 1. check: floor == psoxide
    let mut checks: BTreeMap<&str, Check> = BTreeMap::new();
    for &(call, cmp) in &calls {
        let c = check_call(&mut ctx, call, cmp);
        if !c.diffs.is_empty() || !c.psutil_diffs.is_empty() {
            log(&format!("check {call}: {}", c.status));
            for d in &c.diffs {
                log(&format!("    {d}"));
            }
            for d in &c.psutil_diffs {
                log(&format!("    (vs psutil, information) {d}"));
            }
        }
        checks.insert(call, c);
    }
    let failed: Vec<&str> = checks
        .iter()
        .filter(|(_, c)| c.status == "DIFF")
        .map(|(k, _)| *k)
        .collect();
    log(&format!(
        "check: {} of {} calls equal to the floor; differences: {}",
        checks.values().filter(|c| c.status == "ok").count(),
        calls.len(),
        if failed.is_empty() {
            "none".to_string()
        } else {
            failed.join(", ")
        }
    ));
    if o.check {
        return i32::from(!failed.is_empty());
    }

    // 2. calibrate and time, interleaved
    let mut imps = vec![Imp::Psoxide, Imp::Floor];
    if ctx.py.is_some() {
        imps.push(Imp::Psutil);
    }
    let mut batch: BTreeMap<(&str, Imp), u64> = BTreeMap::new();
    for &(call, _) in &calls {
        for &imp in &imps {
            if imp == Imp::Psoxide && checks[call].psoxide_error.is_some() {
                continue; // an error path is not the call being measured
            }
            if let Some(n) = ctx.calibrate(imp, call, target_ns) {
                batch.insert((call, imp), n);
            }
        }
    }
    let mut cells: Vec<(&str, Imp)> = batch.keys().copied().collect();
    let mut samples: BTreeMap<(&str, Imp), Vec<Option<f64>>> = BTreeMap::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for r in 0..rounds {
        rng.shuffle(&mut cells);
        for &(call, imp) in &cells {
            let n = batch[&(call, imp)];
            let t = ctx.time(imp, call, n).map(|t| t as f64 / n as f64);
            samples.entry((call, imp)).or_default().push(t);
        }
        log(&format!("  round {}/{rounds} (loadavg {})", r + 1, loadavg()));
    }
    let load_end = loadavg();

    // 3. syscalls
    let mut sc: BTreeMap<(&str, Imp), BTreeMap<String, f64>> = BTreeMap::new();
    if o.strace {
        if !have_strace() {
            notes.push("strace not found: no syscall counts".into());
        } else {
            let me = std::env::current_exe()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            for &(call, _) in &calls {
                for &imp in &imps {
                    let argv: Vec<String> = match imp {
                        Imp::Psutil => vec![
                            python.clone(),
                            "-c".into(),
                            pyrunner::RUNNER_PY.into(),
                            "run".into(),
                        ],
                        _ => vec![me.clone(), "system".into(), "run".into(), imp.name().into()],
                    };
                    let mut argv = argv;
                    argv.push(call.to_string());
                    if let Some(m) = strace_per_call(&argv, o.strace_n, &[]) {
                        sc.insert((call, imp), m);
                    }
                }
                log(&format!("  strace {call}"));
            }
        }
    }

    // 4. summarise
    let ok = |v: &Vec<Option<f64>>| v.iter().flatten().copied().collect::<Vec<f64>>();
    let per_round_ratio = |a: &str, ia: Imp, ib: Imp| -> Vec<f64> {
        let (Some(x), Some(y)) = (samples.get(&(a, ia)), samples.get(&(a, ib))) else {
            return vec![];
        };
        x.iter()
            .zip(y)
            .filter_map(|(p, q)| Some((*p)? / (*q)?))
            .filter(|r| r.is_finite())
            .collect()
    };
    let mut rows = Vec::new();
    let (mut g_floor, mut g_psutil) = (Vec::new(), Vec::new());
    for &(call, _) in &calls {
        let mut row = Map::new();
        row.insert("call".into(), json!(call));
        for &imp in &imps {
            if let Some(v) = samples.get(&(call, imp)) {
                let v = ok(v);
                let mut m = json!({
                    "median_ns": median(&v), "min_ns": min(&v), "batch": batch[&(call, imp)],
                    "samples_ns": v,
                });
                if let Some(s) = sc.get(&(call, imp)) {
                    m["syscalls"] = json!(s.values().sum::<f64>());
                    m["syscalls_by_name"] = json!(s);
                }
                row.insert(imp.name().into(), m);
            }
        }
        let mm = |imp: Imp| samples.get(&(call, imp)).map(|v| min(&ok(v)));
        let rf = per_round_ratio(call, Imp::Psoxide, Imp::Floor);
        if !rf.is_empty() {
            let r = median(&rf);
            g_floor.push(r);
            row.insert(
                "psoxide_over_floor".into(),
                json!({"median": r, "min_over_min": mm(Imp::Psoxide).zip(mm(Imp::Floor)).map(|(a, b)| a / b),
                       "within_1_2x": r <= 1.2}),
            );
        }
        let ru = per_round_ratio(call, Imp::Psutil, Imp::Psoxide);
        if !ru.is_empty() {
            let r = median(&ru);
            g_psutil.push(r);
            row.insert(
                "psutil_over_psoxide".into(),
                json!({"median": r, "min_over_min": mm(Imp::Psutil).zip(mm(Imp::Psoxide)).map(|(a, b)| a / b),
                       "psoxide_faster": r > 1.0}),
            );
        }
        let c = &checks[call];
        row.insert(
            "check".into(),
            json!({"status": c.status, "diffs": c.diffs, "vs_psutil_info": c.psutil_diffs,
                   "psoxide_error": c.psoxide_error}),
        );
        rows.push(Value::Object(row));
    }
    let out = json!({
        "machine": machine(),
        "psutil": psutil_version, "python": python_version,
        "rounds": rounds, "target_ms": o.target_ms,
        "floor_cpu_freq_source": format!("{:?}", ctx.floor.freq_mode()),
        "loadavg_start": load_start, "loadavg_end": load_end,
        "geomean_psoxide_over_floor": geomean(&g_floor),
        "geomean_psutil_over_psoxide": geomean(&g_psutil),
        "notes": notes,
        "calls": rows,
    });
    let text = serde_json::to_string_pretty(&out).unwrap_or_default();
    if let Some(p) = &o.json_out {
        if let Err(e) = std::fs::write(p, &text) {
            eprintln!("cannot write {p}: {e}");
        }
    }
    if o.json {
        println!("{text}");
        return 0;
    }
    print_table(&out, o.strace, !g_psutil.is_empty());
    0
}

fn print_table(out: &Value, strace: bool, with_psutil: bool) {
    let m = &out["machine"];
    println!(
        "machine: {} | {} CPUs | Linux {} | loadavg {} -> {} | psutil {} (Python {}) | {} rounds, ~{} ms batches",
        m["cpu_model"].as_str().unwrap_or("?"),
        m["cpus"],
        m["kernel"].as_str().unwrap_or("?"),
        out["loadavg_start"].as_str().unwrap_or(""),
        out["loadavg_end"].as_str().unwrap_or(""),
        out["psutil"].as_str().unwrap_or("-"),
        out["python"].as_str().unwrap_or("-"),
        out["rounds"],
        out["target_ms"]
    );
    println!();
    let mut head = String::from(
        "| call | psoxide us | floor us | psutil us | psoxide/floor | psutil/psoxide | within 1.2x of floor | faster than psutil | check |",
    );
    let mut sep = String::from("|---|---:|---:|---:|---:|---:|:-:|:-:|:-:|");
    if strace {
        head.push_str(" syscalls psoxide / floor / psutil |");
        sep.push_str("---:|");
    }
    println!("{head}\n{sep}");
    let us = |r: &Value, imp: &str| {
        let x = &r[imp];
        if x.is_null() {
            "-".to_string()
        } else {
            format!(
                "{} / {}",
                fmt_us(x["median_ns"].as_f64().unwrap_or(f64::NAN)),
                fmt_us(x["min_ns"].as_f64().unwrap_or(f64::NAN))
            )
        }
    };
    let ratio = |r: &Value, k: &str| {
        let x = &r[k];
        if x.is_null() {
            "-".to_string()
        } else {
            format!(
                "{} ({})",
                fmt_x(x["median"].as_f64().unwrap_or(f64::NAN)),
                fmt_x(x["min_over_min"].as_f64().unwrap_or(f64::NAN))
            )
        }
    };
    let mark = |r: &Value, k: &str, f: &str| match r[k][f].as_bool() {
        Some(true) => "yes",
        Some(false) => "**NO**",
        None => "-",
    };
    for r in out["calls"].as_array().into_iter().flatten() {
        let mut line = format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r["call"].as_str().unwrap_or("?"),
            us(r, "psoxide"),
            us(r, "floor"),
            us(r, "psutil"),
            ratio(r, "psoxide_over_floor"),
            ratio(r, "psutil_over_psoxide"),
            mark(r, "psoxide_over_floor", "within_1_2x"),
            if with_psutil {
                mark(r, "psutil_over_psoxide", "psoxide_faster")
            } else {
                "-"
            },
            r["check"]["status"].as_str().unwrap_or("?"),
        );
        if strace {
            let s = |imp: &str| {
                r[imp]["syscalls"]
                    .as_f64()
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or_else(|| "-".into())
            };
            line.push_str(&format!(" {} / {} / {} |", s("psoxide"), s("floor"), s("psutil")));
        }
        println!("{line}");
    }
    println!();
    println!(
        "us: median / min per call. Ratios: median of per-round ratios (min/min in parentheses).\n\
         geomean psoxide/floor: {}   geomean psutil/psoxide: {}",
        fmt_x(out["geomean_psoxide_over_floor"].as_f64().unwrap_or(f64::NAN)),
        fmt_x(out["geomean_psutil_over_psoxide"].as_f64().unwrap_or(f64::NAN))
    );
    for n in out["notes"].as_array().into_iter().flatten() {
        println!("note: {}", n.as_str().unwrap_or(""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats() {
        assert!((geomean(&[1.0, 4.0]) - 2.0).abs() < 1e-12);
    }

    /// `psoxide-bench system ARGS` as clap parses it.
    fn parse(args: &str) -> Result<Args, clap::Error> {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let argv = std::iter::once("system").chain(args.split_whitespace());
        <Cli as clap::Parser>::try_parse_from(argv).map(|c| c.args)
    }

    #[test]
    fn args() {
        let a = parse("--quick --no-psutil --only cpu_times,boot_time").unwrap();
        let o = &a.opts;
        assert_eq!(o.rounds(), 5);
        assert!(o.no_psutil);
        assert_eq!(o.only, ["cpu_times", "boot_time"]);
        assert_eq!(parse("--quick --rounds 7").unwrap().opts.rounds(), 7);
        assert_eq!(parse("").unwrap().opts.rounds(), 30);
        assert!(parse("--only nope").is_err());
        assert!(parse("--rounds 0").is_err());
        assert!(parse("--target-ms -1").is_err());
        assert!(matches!(
            parse("run floor cpu_times 3").unwrap().helper,
            Some(Helper::Run { n: 3, .. })
        ));
        assert!(parse("--quick run floor cpu_times 3").is_err());
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut v: Vec<u32> = (0..50).collect();
        Rng(7).shuffle(&mut v);
        let mut s = v.clone();
        s.sort();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
    }
}
