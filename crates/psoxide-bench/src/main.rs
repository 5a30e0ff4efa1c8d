//! `psoxide-bench`: every psoxide system-wide call timed side by side with a hand-written
//! floor (the fewest reads and syscalls that give the same answer) and with psutil.
//!
//! Method (as in the anchors' benchmark): batches calibrated to ~3 ms per cell,
//! interleaved rounds in shuffled order, per-round ratios, medians (and min/min).
//! See BENCHMARKS.md at the repository root.

mod calls;
mod floor;
mod pyrunner;
mod sys;

use calls::{Cmp, CALLS};
use floor::Floor;
use pyrunner::PyRunner;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

const USAGE: &str = "\
usage: psoxide-bench [options]
  --rounds N       interleaved rounds (default 30)
  --quick          5 rounds
  --target-ms X    batch length per cell (default 3)
  --python PATH    python with psutil (default: .venv/bin/python at the repo root, else python3)
  --no-psutil      skip the psutil column
  --only a,b,c     only these calls
  --check          only run the floor == psoxide check (exit 1 on a difference)
  --strace         also count syscalls per call (strace -c -f, N calls minus 0 calls)
  --strace-n N     calls per strace run (default 20)
  --json           print the results as JSON instead of the table
  --json-out PATH  also write the JSON results to PATH
  --show CALL      print the floor's, psoxide's and psutil's value of CALL as JSON
  --list           list the calls";

struct Opts {
    rounds: usize,
    target_ns: f64,
    python: Option<String>,
    psutil: bool,
    only: Vec<String>,
    check_only: bool,
    strace: bool,
    strace_n: u64,
    json: bool,
    show: Option<String>,
    json_out: Option<String>,
}

fn parse_args(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        rounds: 30,
        target_ns: 3e6,
        python: None,
        psutil: true,
        only: Vec::new(),
        check_only: false,
        strace: false,
        strace_n: 20,
        json: false,
        show: None,
        json_out: None,
    };
    let mut it = args.iter();
    let num = |v: Option<&String>, what: &str| -> Result<f64, String> {
        v.and_then(|s| s.parse::<f64>().ok())
            .filter(|x| *x > 0.0)
            .ok_or_else(|| format!("{what} needs a positive number"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rounds" => o.rounds = num(it.next(), "--rounds")? as usize,
            "--quick" => o.rounds = 5,
            "--target-ms" => o.target_ns = num(it.next(), "--target-ms")? * 1e6,
            "--python" => o.python = Some(it.next().ok_or("--python needs a path")?.clone()),
            "--no-psutil" => o.psutil = false,
            "--only" => {
                o.only = it
                    .next()
                    .ok_or("--only needs a list")?
                    .split(',')
                    .map(str::to_string)
                    .collect()
            }
            "--check" => o.check_only = true,
            "--strace" => o.strace = true,
            "--strace-n" => o.strace_n = num(it.next(), "--strace-n")? as u64,
            "--json" => o.json = true,
            "--json-out" => o.json_out = Some(it.next().ok_or("--json-out needs a path")?.clone()),
            "--show" => o.show = Some(it.next().ok_or("--show needs a call")?.clone()),
            "--list" => {
                for (c, _) in CALLS {
                    println!("{c}");
                }
                std::process::exit(0);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            x => return Err(format!("unknown argument {x}\n{USAGE}")),
        }
    }
    for c in o.only.iter().chain(&o.show) {
        if !CALLS.iter().any(|(n, _)| n == c) {
            return Err(format!("unknown call {c} (see --list)"));
        }
    }
    Ok(o)
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

/// Small deterministic PRNG for the shuffles (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
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
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string());
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

/// Per-call syscall counts under `strace -c -f`: (1 + N calls) minus (1 + 0 calls), / N.
fn strace_counts(argv: &[String], n: u64) -> Option<BTreeMap<String, f64>> {
    let count = |k: u64| -> Option<BTreeMap<String, u64>> {
        let out = std::env::temp_dir().join(format!("psoxide-bench-strace-{}.txt", std::process::id()));
        let mut cmd = Command::new("strace");
        cmd.arg("-c").arg("-f").arg("-o").arg(&out);
        cmd.args(argv).arg(k.to_string());
        let st = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().ok()?;
        if !st.success() {
            return None;
        }
        let text = std::fs::read_to_string(&out).ok()?;
        let _ = std::fs::remove_file(&out);
        let mut m = BTreeMap::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            // % time, seconds, usecs/call, calls, [errors], syscall
            if f.len() >= 5 && f[0].parse::<f64>().is_ok() {
                let name = f[f.len() - 1];
                if name != "total" {
                    if let Ok(c) = f[3].parse::<u64>() {
                        m.insert(name.to_string(), c);
                    }
                }
            }
        }
        Some(m)
    };
    let a = count(n)?;
    let b = count(0)?;
    let mut d = BTreeMap::new();
    for k in a.keys().chain(b.keys()) {
        let v = (*a.get(k).unwrap_or(&0) as f64 - *b.get(k).unwrap_or(&0) as f64) / n as f64;
        if v.abs() >= 0.05 {
            d.insert(k.clone(), v);
        }
    }
    Some(d)
}

/// Hidden mode used under strace: `__run IMP CALL N` (one warm-up call, then N).
fn run_one(args: &[String]) -> i32 {
    let (Some(imp), Some(call), Some(n)) = (
        args.first(),
        args.get(1),
        args.get(2).and_then(|s| s.parse().ok()),
    ) else {
        return 2;
    };
    let mut fl = Floor::new();
    let ok = match imp.as_str() {
        "psoxide" => calls::time_psoxide(call, 1).and_then(|_| calls::time_psoxide(call, n)),
        "floor" => calls::time_floor(&mut fl, call, 1).and_then(|_| calls::time_floor(&mut fl, call, n)),
        _ => None,
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("__run") {
        std::process::exit(run_one(&args[1..]));
    }
    let o = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let calls: Vec<(&str, Cmp)> = CALLS
        .iter()
        .copied()
        .filter(|(c, _)| o.only.is_empty() || o.only.iter().any(|x| x == c))
        .collect();
    let python = o.python.clone().unwrap_or_else(default_python);
    let mut notes: Vec<String> = Vec::new();
    let py = if o.psutil {
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
        return;
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
        o.rounds,
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
    if o.check_only {
        std::process::exit(if failed.is_empty() { 0 } else { 1 });
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
            if let Some(n) = ctx.calibrate(imp, call, o.target_ns) {
                batch.insert((call, imp), n);
            }
        }
    }
    let mut cells: Vec<(&str, Imp)> = batch.keys().copied().collect();
    let mut samples: BTreeMap<(&str, Imp), Vec<Option<f64>>> = BTreeMap::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for r in 0..o.rounds {
        rng.shuffle(&mut cells);
        for &(call, imp) in &cells {
            let n = batch[&(call, imp)];
            let t = ctx.time(imp, call, n).map(|t| t as f64 / n as f64);
            samples.entry((call, imp)).or_default().push(t);
        }
        log(&format!("  round {}/{} (loadavg {})", r + 1, o.rounds, loadavg()));
    }
    let load_end = loadavg();

    // 3. syscalls
    let mut sc: BTreeMap<(&str, Imp), BTreeMap<String, f64>> = BTreeMap::new();
    if o.strace {
        let have = Command::new("strace")
            .arg("-V")
            .stdout(Stdio::null())
            .status()
            .is_ok();
        if !have {
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
                        _ => vec![me.clone(), "__run".into(), imp.name().into()],
                    };
                    let mut argv = argv;
                    argv.push(call.to_string());
                    if let Some(m) = strace_counts(&argv, o.strace_n) {
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
        "rounds": o.rounds, "target_ms": o.target_ns / 1e6,
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
        return;
    }
    print_table(&out, o.strace, !g_psutil.is_empty());
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
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!((geomean(&[1.0, 4.0]) - 2.0).abs() < 1e-12);
        assert_eq!(min(&[3.0, 1.0]), 1.0);
    }

    #[test]
    fn args() {
        let a = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        let o = parse_args(&a("--quick --no-psutil --only cpu_times,boot_time")).unwrap();
        assert_eq!(o.rounds, 5);
        assert!(!o.psutil);
        assert_eq!(o.only, ["cpu_times", "boot_time"]);
        assert!(parse_args(&a("--only nope")).is_err());
        assert!(parse_args(&a("--rounds 0")).is_err());
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
