//! A long-lived runner for one Rust implementation.
//!
//! Protocol: the driver writes `WORKLOAD N` lines; the runner runs the workload N
//! times and answers `wall_ns user_ns sys_ns items` (or `NA` when the implementation
//! does not have that workload). Timing and `getrusage` happen here, so process
//! start-up never counts.

use super::{pf::Pf, px::Px, si::Si};
use crate::floor::procs::Floor;
use std::hint::black_box;
use std::io::{BufRead, Write};
use std::time::Instant;

/// One of the Rust columns.
pub enum Imp {
    /// psoxide.
    Px(Box<Px>),
    /// The hand-written floor.
    Floor(Box<Floor>),
    /// sysinfo 0.40, single-threaded.
    Si(Box<Si>),
    /// procfs 0.18.
    Pf(Box<Pf>),
}

impl Imp {
    /// The implementation called `name` (`psoxide`, `floor`, `sysinfo`, `procfs`).
    pub fn by_name(name: &str) -> Option<Imp> {
        Some(match name {
            "psoxide" => Imp::Px(Box::default()),
            "floor" => Imp::Floor(Box::default()),
            "sysinfo" => Imp::Si(Box::default()),
            "procfs" => Imp::Pf(Box::default()),
            _ => return None,
        })
    }

    /// Runs `w` once; the number of items produced, `None` when not supported.
    pub fn run(&mut self, w: &str) -> Option<usize> {
        fn n<T>(v: Vec<T>) -> usize {
            black_box(v).len()
        }
        match self {
            Imp::Px(x) => match w {
                "w1" => Some(n(x.w1())),
                "w1.handles" => Some(x.w1_handles()),
                "w1.cold" => Some(n(x.w1_cold())),
                "w2" => Some(n(x.w2())),
                _ => x.call(w),
            },
            Imp::Floor(f) => match w {
                "w1" => Some(n(f.w1())),
                "w2" => Some(n(f.w2_statm())),
                "w2.status" => Some(n(f.w2_status())),
                "w3.name" => Some(black_box(f.name()).len()),
                "w3.cpu_times" => Some(black_box(f.cpu_times()).len()),
                "w3.memory_info" => Some(black_box(f.memory_info()).len()),
                "w3.memory_full_info" => Some(black_box(f.memory_full_info()).1.len()),
                "w3.num_fds" => Some(f.num_fds()),
                "w3.open_files" => Some(n(f.open_files())),
                "w3.cmdline" => Some(n(f.cmdline())),
                "w3.oneshot" => Some(f.oneshot()),
                "net" => Some(n(f.net_connections())),
                "pids" => Some(f.list_pids()),
                _ => None,
            },
            Imp::Si(s) => match w {
                "w1" => Some(n(s.w1(true, false))),
                "w1.notasks" => Some(n(s.w1(false, false))),
                "w1.cold" => Some(n(s.w1(true, true))),
                "w2" => Some(n(s.w2())),
                _ => s.call(w),
            },
            Imp::Pf(p) => match w {
                "w1" | "w1.cold" => Some(n(p.w1())),
                "w2" => Some(n(p.w2())),
                _ => p.call(w),
            },
        }
    }
}

/// The environment variable naming the directory of files every runner holds open.
pub const FIXTURES_ENV: &str = "PSOXIDE_BENCH_FIXTURES";

/// (user, system) CPU time of this process so far, ns.
pub fn cpu_ns() -> (u64, u64) {
    // SAFETY: zeroed rusage is a valid out-parameter.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let ns = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1000;
    (ns(ru.ru_utime), ns(ru.ru_stime))
}

/// Opens every file of `$PSOXIDE_BENCH_FIXTURES` ([`FIXTURES_ENV`]) and keeps it open (num_fds, open_files).
pub fn open_fixtures() -> Vec<std::fs::File> {
    let Ok(dir) = std::env::var(FIXTURES_ENV) else {
        return Vec::new();
    };
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    v.sort();
    v.into_iter()
        .filter_map(|p| std::fs::File::open(p).ok())
        .collect()
}

/// Runs every W3 call of every Rust implementation once in this process (those
/// instances then dropped), so that every runner has the same code resident: the
/// cost of `memory_full_info` (`smaps_rollup`) grows with the caller's own mapped
/// pages, and a runner that had touched only its own implementation's code would be
/// smaller and its calls cheaper for that reason alone (about 500 KiB, 10 %, measured
/// between the psoxide and floor runners).
fn level_resident_code() {
    for name in ["psoxide", "floor", "sysinfo", "procfs"] {
        if let Some(mut i) = Imp::by_name(name) {
            for c in super::driver::W3_CALLS {
                black_box(i.run(&format!("w3.{c}")));
            }
        }
    }
}

/// Serves the protocol on stdin/stdout until EOF.
pub fn serve(imp: &mut Imp) {
    let _files = open_fixtures();
    level_resident_code();
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let mut it = line.split_whitespace();
        let (Some(w), Some(k)) = (it.next(), it.next()) else {
            continue;
        };
        let k: usize = k.parse().unwrap_or(1).max(1);
        let (u0, s0) = cpu_ns();
        let t0 = Instant::now();
        let mut items = None;
        for _ in 0..k {
            items = imp.run(w);
            if items.is_none() {
                break;
            }
        }
        let wall = t0.elapsed().as_nanos();
        let (u1, s1) = cpu_ns();
        let r = match items {
            Some(i) => writeln!(out, "{wall} {} {} {i}", u1 - u0, s1 - s0),
            None => writeln!(out, "NA"),
        };
        if r.and_then(|()| out.flush()).is_err() {
            break;
        }
    }
}

/// Runs `w` `k` times and returns (for strace and peak-RSS measurements).
pub fn run_n(imp: &mut Imp, w: &str, k: usize) -> bool {
    let _files = open_fixtures();
    for _ in 0..k {
        if imp.run(w).is_none() {
            return false;
        }
    }
    true
}
