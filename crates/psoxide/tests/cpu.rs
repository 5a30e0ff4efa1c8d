//! CPU functions, getloadavg and boot_time: fixture trees and the live machine.
//!
//! Live values are checked against the kernel files read another way here (plain
//! `std::fs` + `split_whitespace`), `getconf`, `lscpu`, `/proc/uptime` and, for
//! `cpu_freq`, the real psutil when it is installed.

mod common;
use psoxide::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn fixture(name: &str) -> Roots {
    Roots::under(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

fn fixture_path(name: &str, rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join(rel)
}

fn getconf(name: &str) -> i64 {
    let out = Command::new("getconf").arg(name).output().expect("run getconf");
    String::from_utf8(out.stdout).unwrap().trim().parse().unwrap()
}

/// The `cpu`/`cpuN` lines of a /proc/stat text as tick vectors, independent of the
/// library's parser.
fn stat_lines(text: &str) -> Vec<(String, Vec<u64>)> {
    text.lines()
        .filter(|l| l.starts_with("cpu"))
        .map(|l| {
            let mut it = l.split_whitespace();
            let label = it.next().unwrap().to_string();
            (label, it.map(|x| x.parse().unwrap()).collect())
        })
        .collect()
}

fn stat_value(text: &str, key: &str) -> u64 {
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Kernel column order -> psutil 8.0 order, seconds, padded to 10.
fn to_times(ticks: &[u64], clk: f64) -> [f64; 10] {
    let g = |i: usize| ticks.get(i).copied().unwrap_or(0) as f64 / clk;
    [g(0), g(2), g(3), g(1), g(4), g(5), g(6), g(7), g(8), g(9)]
}

fn is_parse_error_naming(e: &Error, path: &Path) -> bool {
    matches!(e, Error::Parse { .. }) && e.to_string().contains(&*path.to_string_lossy())
}

// ----------------------------------------------------------------------------------
// Fixtures
// ----------------------------------------------------------------------------------

#[test]
fn fixture_live_capture_matches_file() {
    let r = fixture("cpu-live");
    let text = std::fs::read_to_string(fixture_path("cpu-live", "proc/stat")).unwrap();
    let clk = getconf("CLK_TCK") as f64;
    let lines = stat_lines(&text);
    assert_eq!(lines[0].0, "cpu");
    assert_eq!(
        Host::new(r.clone()).cpu_times().unwrap().to_array(),
        to_times(&lines[0].1, clk)
    );
    let per = Host::new(r.clone()).cpu_times_percpu().unwrap();
    assert_eq!(per.len(), lines.len() - 1);
    for (p, (_, ticks)) in per.iter().zip(&lines[1..]) {
        assert_eq!(p.to_array(), to_times(ticks, clk));
    }
    let s = Host::new(r.clone()).cpu_stats().unwrap();
    assert_eq!(s.ctx_switches, stat_value(&text, "ctxt"));
    assert_eq!(s.interrupts, stat_value(&text, "intr"));
    assert_eq!(s.soft_interrupts, stat_value(&text, "softirq"));
    assert_eq!(s.syscalls, 0);
    assert_eq!(
        Host::new(r.clone()).boot_time().unwrap(),
        stat_value(&text, "btime") as f64
    );

    let cpuinfo = std::fs::read_to_string(fixture_path("cpu-live", "proc/cpuinfo")).unwrap();
    let nproc = cpuinfo.lines().filter(|l| l.starts_with("processor")).count() as u32;
    assert_eq!(Host::new(r.clone()).cpu_count(), Some(nproc));
    // Distinct core_cpus_list contents of the captured topology.
    let mut cores: Vec<String> = (0..nproc)
        .map(|i| {
            std::fs::read_to_string(fixture_path(
                "cpu-live",
                &format!("sys/devices/system/cpu/cpu{i}/topology/core_cpus_list"),
            ))
            .unwrap()
        })
        .collect();
    cores.sort();
    cores.dedup();
    assert_eq!(
        Host::new(r.clone()).cpu_count_physical(),
        Some(cores.len() as u32)
    );

    // An empty cpufreq directory: cpuinfo mode, one entry per "cpu MHz" line.
    let mhz: Vec<f64> = cpuinfo
        .lines()
        .filter(|l| l.starts_with("cpu MHz"))
        .map(|l| l.split(':').nth(1).unwrap().trim().parse().unwrap())
        .collect();
    let freqs = Host::new(r.clone()).cpu_freq_percpu().unwrap();
    assert_eq!(freqs.iter().map(|f| f.current).collect::<Vec<_>>(), mhz);
    assert!(freqs.iter().all(|f| f.min == 0.0 && f.max == 0.0));

    let la = std::fs::read_to_string(fixture_path("cpu-live", "proc/loadavg")).unwrap();
    let want: Vec<f64> = la
        .split_whitespace()
        .take(3)
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(Host::new(r.clone()).getloadavg().unwrap().to_vec(), want);
}

#[test]
fn fixture_cpufreq_policies_one_entry_per_cpu_offline_skipped() {
    let r = fixture("cpu-freq-policy");
    // policy0 covers cpu0 and cpu1, policy2 covers cpu2, cpu3 (policy3) is offline and
    // has no current-frequency file. cpuinfo has 3 MHz values for 4 CPUs, so the
    // sysfs scaling_cur_freq values are used.
    let f = Host::new(r.clone()).cpu_freq_percpu().unwrap();
    let cf = |current, min, max| CpuFreq { current, min, max };
    assert_eq!(
        f,
        vec![
            cf(1800.0, 800.0, 3500.0),
            cf(1800.0, 800.0, 3500.0),
            cf(2400.0, 800.0, 3000.0)
        ]
    );
    let agg = Host::new(r.clone()).cpu_freq().unwrap().unwrap();
    assert_eq!(agg.current, (1800.0 + 1800.0 + 2400.0) / 3.0);
    assert_eq!(agg.min, 800.0);
    assert_eq!(agg.max, (3500.0 + 3500.0 + 3000.0) / 3.0);
    assert_eq!(Host::new(r.clone()).cpu_count(), Some(3));
    // core_cpus_list: "0-1", "0-1", "2".
    assert_eq!(Host::new(r.clone()).cpu_count_physical(), Some(2));
}

#[test]
fn fixture_cpufreq_cpuinfo_cur_freq_fallback() {
    // Old per-CPU layout (cpuN/cpufreq), no scaling_cur_freq, ARM cpuinfo without MHz.
    let r = fixture("cpu-freq-cpuinfo-cur");
    let f = Host::new(r.clone()).cpu_freq_percpu().unwrap();
    assert_eq!(
        f,
        vec![
            CpuFreq {
                current: 1000.0,
                min: 600.0,
                max: 2000.0
            },
            CpuFreq {
                current: 1500.0,
                min: 600.0,
                max: 2000.0
            }
        ]
    );
    assert_eq!(Host::new(r.clone()).cpu_freq().unwrap().unwrap().current, 1250.0);
}

#[test]
fn fixture_cpufreq_uses_cpuinfo_when_counts_match() {
    let r = fixture("cpu-freq-match");
    let f = Host::new(r.clone()).cpu_freq_percpu().unwrap();
    // 2095.1237 MHz -> 2095123 kHz -> 2095.123; scaling_cur_freq (1000 MHz) unused.
    assert_eq!(
        f[0],
        CpuFreq {
            current: 2095.123,
            min: 400.0,
            max: 4000.0
        }
    );
    assert_eq!(
        f[1],
        CpuFreq {
            current: 1999.999,
            min: 400.0,
            max: 4000.0
        }
    );
}

#[test]
fn fixture_cpufreq_missing_current_file_is_unsupported() {
    let e = Host::new(fixture("cpu-freq-nocur"))
        .cpu_freq_percpu()
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    assert_eq!(e.exception_name(), "NotImplementedError");
    assert!(e.to_string().contains("can't find current frequency file"), "{e}");
    assert!(Host::new(fixture("cpu-freq-nocur")).cpu_freq().is_err());
}

#[test]
fn fixture_old_kernels() {
    let clk = getconf("CLK_TCK") as f64;
    // 2.6.18: 8 columns (no guest, guest_nice), no softirq line.
    let r = fixture("cpu-old-2.6.18");
    let t = Host::new(r.clone()).cpu_times().unwrap();
    assert_eq!(
        t.to_array(),
        to_times(&[2255, 34, 2290, 22625563, 6290, 127, 456, 0], clk)
    );
    assert_eq!(t.guest, 0.0);
    assert_eq!(t.guest_nice, 0.0);
    let per = Host::new(r.clone()).cpu_times_percpu().unwrap();
    assert_eq!(per.len(), 2);
    assert_eq!(
        per[1].to_array(),
        to_times(&[1123, 0, 849, 11313845, 2614, 0, 18, 0], clk)
    );
    assert_eq!(Host::new(r.clone()).boot_time().unwrap(), 1062191376.0);
    let e = Host::new(r.clone()).cpu_stats().unwrap_err();
    assert!(
        is_parse_error_naming(&e, &r.proc("stat")) && e.to_string().contains("softirq"),
        "{e}"
    );
    // 2.6.9: 7 columns (no steal).
    let r = fixture("cpu-old-2.6.9");
    let t = Host::new(r.clone()).cpu_times().unwrap();
    assert_eq!(t.user, 1393280.0 / clk);
    assert_eq!(t.nice, 32966.0 / clk);
    assert_eq!(t.system, 572056.0 / clk);
    assert_eq!(t.idle, 13343292.0 / clk);
    assert_eq!(t.iowait, 6130.0 / clk);
    assert_eq!(t.irq, 127.0 / clk);
    assert_eq!(t.softirq, 16.0 / clk);
    assert_eq!((t.steal, t.guest, t.guest_nice), (0.0, 0.0, 0.0));
    // Quirk 10.13 decided: per-CPU lines are padded like the aggregate line.
    assert_eq!(Host::new(r.clone()).cpu_times_percpu().unwrap()[0], t);
}

#[test]
fn fixture_ppc_and_s390x_and_sparc() {
    let r = fixture("cpu-ppc");
    let f = Host::new(r.clone()).cpu_freq_percpu().unwrap();
    assert_eq!(
        f.iter().map(|x| x.current).collect::<Vec<_>>(),
        vec![2000.0, 3800.0]
    );
    assert!(f.iter().all(|x| x.min == 0.0 && x.max == 0.0));
    assert_eq!(Host::new(r.clone()).cpu_freq().unwrap().unwrap().current, 2900.0);
    assert_eq!(Host::new(r.clone()).cpu_count(), Some(2));
    assert_eq!(Host::new(r.clone()).cpu_count_physical(), None);

    let r = fixture("cpu-s390x");
    let f = Host::new(r.clone()).cpu_freq_percpu().unwrap();
    // "cpu MHz dynamic" counts, "cpu MHz static" does not.
    assert_eq!(
        f.iter().map(|x| x.current).collect::<Vec<_>>(),
        vec![5200.0, 5100.0, 5000.0, 4900.0]
    );
    // "processor N: version = ..." summary lines.
    assert_eq!(Host::new(r.clone()).cpu_count(), Some(4));
    // No sysfs topology: physical ids 0 and 1 with "cpu cores : 2" each.
    assert_eq!(Host::new(r.clone()).cpu_count_physical(), Some(4));

    let r = fixture("cpu-sparc");
    // No "processor" lines: the cpuN lines of /proc/stat are counted.
    assert_eq!(Host::new(r.clone()).cpu_count(), Some(4));
    assert_eq!(Host::new(r.clone()).cpu_count_physical(), None);
    assert_eq!(Host::new(r.clone()).cpu_freq_percpu().unwrap(), vec![]);
    assert_eq!(Host::new(r.clone()).cpu_freq().unwrap(), None);
}

#[test]
fn broken_proc_stat_is_a_parse_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("proc")).unwrap();
    let r = Roots::under(dir.path());
    let stat = r.proc("stat");
    let good = std::fs::read_to_string(fixture_path("cpu-live", "proc/stat")).unwrap();

    // Missing file: the I/O error, not a parse error.
    let e = Host::new(r.clone()).cpu_times().unwrap_err();
    assert_eq!(e.exception_name(), "FileNotFoundError");
    assert!(e.to_string().contains(&*stat.to_string_lossy()));

    // Cut mid-line, at several places: the function that needs the cut line fails
    // ("truncated"), so do those whose lines are gone ("not found"); the others answer
    // from the lines before the cut (each function reads only its own lines, as
    // psutil does: the per-CPU list just has the CPUs before the cut).
    // Expected per cut: cpu_times ok?, cpu_times_percpu (its number of CPUs, None for
    // an error), cpu_stats ok?, boot_time ok?
    let cases = [
        (5, false, Some(0), false, false),
        (good.find('\n').unwrap() + 7, true, None, false, false),
        (good.find("btime").unwrap() + 9, true, Some(2), false, false),
        (good.len() - 1, true, Some(2), false, true),
    ];
    for (cut, times, percpu, stats, boot) in cases {
        std::fs::write(&stat, &good[..cut]).unwrap();
        let h = Host::new(r.clone());
        let check = |what: &str, r: Result<(), Error>, ok: bool| match r {
            Ok(()) => assert!(ok, "cut at {cut}, {what}: Ok, expected an error"),
            Err(e) => {
                assert!(!ok, "cut at {cut}, {what}: {e}");
                assert!(is_parse_error_naming(&e, &stat), "cut at {cut}, {what}: {e}");
            }
        };
        check("cpu_times", h.cpu_times().map(drop), times);
        check("cpu_stats", h.cpu_stats().map(drop), stats);
        check("boot_time", h.boot_time().map(drop), boot);
        match (h.cpu_times_percpu(), percpu) {
            (Ok(v), Some(n)) => assert_eq!(v.len(), n, "cut at {cut}"),
            (Err(e), None) => assert!(is_parse_error_naming(&e, &stat), "cut at {cut}: {e}"),
            (r, want) => panic!("cut at {cut}, cpu_times_percpu: {r:?}, expected {want:?}"),
        }
    }
    // The cut line itself is named as truncated.
    std::fs::write(&stat, &good[..good.find("btime").unwrap() + 9]).unwrap();
    let e = Host::new(r.clone()).boot_time().unwrap_err();
    assert!(e.to_string().contains("'btime' line: truncated"), "{e}");
    // Garbage numbers.
    for bad in [
        "cpu  1 2 x 4 5 6 7 8 9 10\n",
        "cpu  1 2 3 4 5 6 7 8 9 1e3\n",
        "cpu  1 2 3 4 5 6 7 8 9 99999999999999999999999\n",
        "cpu  1 2\n",
    ] {
        std::fs::write(&stat, bad).unwrap();
        let e = Host::new(r.clone()).cpu_times().unwrap_err();
        assert!(is_parse_error_naming(&e, &stat), "{bad:?}: {e}");
    }
    std::fs::write(&stat, "cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 -3 4\n").unwrap();
    assert!(is_parse_error_naming(
        &Host::new(r.clone()).cpu_times_percpu().unwrap_err(),
        &stat
    ));
    std::fs::write(&stat, "cpu  1 2 3 4\nbtime soon\n").unwrap();
    assert!(is_parse_error_naming(
        &Host::new(r.clone()).boot_time().unwrap_err(),
        &stat
    ));
    // Missing lines.
    std::fs::write(&stat, "cpu  1 2 3 4\nctxt 1\nintr 2\nsoftirq 3\n").unwrap();
    let e = Host::new(r.clone()).boot_time().unwrap_err();
    assert!(
        is_parse_error_naming(&e, &stat) && e.to_string().contains("btime"),
        "{e}"
    );
    assert_eq!(e.exception_name(), "RuntimeError");
    assert_eq!(
        Host::new(r.clone()).cpu_stats().unwrap(),
        CpuStats {
            ctx_switches: 1,
            interrupts: 2,
            soft_interrupts: 3,
            syscalls: 0
        }
    );
    std::fs::write(&stat, "cpu0 1 2 3 4\nbtime 5\n").unwrap();
    assert!(is_parse_error_naming(
        &Host::new(r.clone()).cpu_times().unwrap_err(),
        &stat
    ));
    assert_eq!(Host::new(r.clone()).boot_time().unwrap(), 5.0);
}

// ----------------------------------------------------------------------------------
// The percent formulas on hand-made samples
// ----------------------------------------------------------------------------------

struct StatFile {
    _dir: tempfile::TempDir,
    roots: Roots,
}

impl StatFile {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proc")).unwrap();
        let roots = Roots::under(dir.path());
        StatFile { _dir: dir, roots }
    }
    /// Writes an aggregate line and per-CPU lines (kernel column order, ticks).
    fn write(&self, total: [u64; 10], per: &[[u64; 10]]) {
        let fmt = |label: &str, t: &[u64; 10]| {
            format!(
                "{label} {}\n",
                t.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" ")
            )
        };
        let mut s = fmt("cpu ", &total);
        for (i, p) in per.iter().enumerate() {
            s += &fmt(&format!("cpu{i}"), p);
        }
        s += "intr 1\nctxt 1\nbtime 1\nsoftirq 1\n";
        std::fs::write(self.roots.proc("stat"), s).unwrap();
    }
}

fn assert_close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: {a} != {b}");
}

#[test]
fn sampler_formulas_by_hand() {
    // Hand computations assume USER_HZ = 100 (every Linux ABI); the percentages
    // themselves do not depend on it except through the max(1, total) floor.
    assert_eq!(getconf("CLK_TCK"), 100, "hand-computed values assume CLK_TCK=100");
    let f = StatFile::new();
    //        user nice sys idle iow irq sirq steal guest gnice
    let t1 = [100, 0, 100, 800, 0, 0, 0, 0, 0, 0];
    let t2 = [250, 20, 150, 900, 40, 10, 10, 20, 50, 10];
    f.write(t1, &[t1, t1]);
    let mut s = CpuSampler::new(f.roots.clone());
    assert_eq!(s.percent().unwrap(), 0.0, "first call has no baseline");
    assert_eq!(s.percent_percpu().unwrap(), vec![0.0, 0.0]);
    assert_eq!(s.times_percent().unwrap(), CpuTimes::default());
    assert_eq!(s.times_percent_percpu().unwrap(), vec![CpuTimes::default(); 2]);

    f.write(t2, &[t2, t1]);
    // Deltas in seconds: user 1.5 nice .2 system .5 idle 1.0 iowait .4 irq .1
    // softirq .1 steal .2 guest .5 guest_nice .1. Sum 4.6; total = 4.6 - .5 - .1 = 4.0;
    // busy = 4.0 - 1.0 - .4 = 2.6 -> 65.0 %.
    assert_eq!(s.percent().unwrap(), 65.0);
    assert_eq!(s.percent_percpu().unwrap(), vec![65.0, 0.0]);
    // scale = 100 / 4.0 = 25 per second.
    let want = CpuTimes {
        user: 37.5,
        system: 12.5,
        idle: 25.0,
        nice: 5.0,
        iowait: 10.0,
        irq: 2.5,
        softirq: 2.5,
        steal: 5.0,
        guest: 12.5,
        guest_nice: 2.5,
    };
    let got = s.times_percent().unwrap();
    for (g, w) in got.to_array().iter().zip(want.to_array()) {
        assert_close(*g, w, "times_percent");
    }
    assert_eq!(s.times_percent_percpu().unwrap()[0], got);

    // Under one CPU-second in total: user +0.1 s, idle +0.2 s, and iowait going
    // backwards (clamped to 0). busy/total = 0.1/0.3 -> 33.3; times_percent uses
    // max(1, 0.3) = 1, so user 10.0 and idle 20.0 (they add up to 30, psutil quirk).
    let mut t3 = t2;
    t3[0] += 10;
    t3[3] += 20;
    t3[4] -= 30;
    f.write(t3, &[t3]);
    assert_eq!(s.percent().unwrap(), 33.3);
    let tp = s.times_percent().unwrap();
    assert_close(tp.user, 10.0, "user");
    assert_close(tp.idle, 20.0, "idle");
    assert_eq!(tp.iowait, 0.0);
    assert_eq!(tp.system, 0.0);
    // The number of CPUs went from 2 to 1: paired by position, shorter length.
    assert_eq!(s.percent_percpu().unwrap(), vec![33.3]);
    assert_eq!(s.times_percent_percpu().unwrap().len(), 1);

    // Clamping to 100: guest grows by 2 s while user does not (hand-made, impossible
    // on a real kernel); idle +1 s. total = 3 - 2 = 1, guest% = 200 -> 100.0, busy 0.
    let mut t4 = t3;
    t4[8] += 200;
    t4[3] += 100;
    f.write(t4, &[t4]);
    assert_eq!(s.percent().unwrap(), 0.0);
    let tp = s.times_percent().unwrap();
    assert_eq!(tp.guest, 100.0);
    assert_eq!(tp.idle, 100.0);

    // No time elapsed at all: 0.0, not NaN.
    assert_eq!(s.percent().unwrap(), 0.0);
    assert_eq!(s.times_percent().unwrap(), CpuTimes::default());

    // The same arithmetic through CpuTimes directly.
    let a = CpuTimes::from_array([1.0, 1.0, 8.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    let b = CpuTimes::from_array([2.0, 1.5, 9.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(b.busy_percent_since(&a), 50.0);
    assert_eq!(
        a.busy_percent_since(&b),
        0.0,
        "everything went backwards: total 0"
    );

    // primed(): the first call measures since construction.
    f.write(t1, &[t1]);
    let mut p = CpuSampler::primed(f.roots.clone()).unwrap();
    f.write(t2, &[t2]);
    assert_eq!(p.percent().unwrap(), 65.0);
    assert_eq!(p.percent_percpu().unwrap(), vec![65.0]);
    assert_eq!(p.roots(), &f.roots);
}

#[test]
fn a_host_keeps_one_baseline_per_function_shared_by_its_threads() {
    let f = StatFile::new();
    let h = Host::new(f.roots.clone());
    let t1 = [100, 0, 100, 800, 0, 0, 0, 0, 0, 0];
    let t2 = [250, 20, 150, 900, 40, 10, 10, 20, 50, 10];
    f.write(t1, &[t1]);
    assert_eq!(h.cpu_percent(None).unwrap(), 0.0);
    assert_eq!(h.cpu_percent_percpu(Some(Duration::ZERO)).unwrap(), vec![0.0]);
    f.write(t2, &[t2]);
    assert_eq!(h.cpu_percent(None).unwrap(), 65.0);
    // cpu_times_percent has its own baseline: its first call is still the first.
    assert_eq!(h.cpu_times_percent(None).unwrap(), CpuTimes::default());
    assert_eq!(h.cpu_percent_percpu(None).unwrap(), vec![65.0]);
    assert_eq!(
        h.cpu_times_percent_percpu(None).unwrap(),
        vec![CpuTimes::default()]
    );
    // Another host on the same tree starts from scratch ...
    assert_eq!(Host::new(f.roots.clone()).cpu_percent(None).unwrap(), 0.0);
    // ... while another thread using this host shares its baseline (psutil's module
    // state): it sees t1 -> t2 from the first call on, as a clone does.
    f.write(t1, &[t1]);
    assert_eq!(
        h.cpu_percent(None).unwrap(),
        0.0,
        "baseline t2 -> t1: nothing busy"
    );
    f.write(t2, &[t2]);
    let h2 = h.clone();
    let other = std::thread::spawn(move || h2.cpu_percent(None).unwrap())
        .join()
        .unwrap();
    assert_eq!(other, 65.0);
    // The other thread's call moved the shared baseline to t2; nothing moved since.
    assert_eq!(h.cpu_percent(None).unwrap(), 0.0);
    // A blocking call replaces the baseline with its second sample.
    f.write(t1, &[t1]);
    assert_eq!(h.cpu_percent(Some(Duration::from_millis(1))).unwrap(), 0.0);
    f.write(t2, &[t2]);
    assert_eq!(h.cpu_percent(None).unwrap(), 65.0);
}

// ----------------------------------------------------------------------------------
// Live machine
// ----------------------------------------------------------------------------------

#[test]
fn live_cpu_count() {
    let onln = getconf("_NPROCESSORS_ONLN") as u32;
    assert_eq!(cpu_count(), Some(onln));
    // /sys/devices/system/cpu/online in cpulist syntax, parsed by hand here.
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    let mut n = 0;
    for item in online.trim().split(',') {
        match item.split_once('-') {
            Some((a, b)) => n += b.parse::<u32>().unwrap() - a.parse::<u32>().unwrap() + 1,
            None => n += 1,
        }
    }
    assert_eq!(cpu_count(), Some(n));

    // Physical cores: distinct (core, socket) pairs per lscpu.
    match Command::new("lscpu").arg("-p=CORE,SOCKET").output() {
        Ok(out) if out.status.success() => {
            let mut pairs: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(str::to_string)
                .collect();
            pairs.sort();
            pairs.dedup();
            assert_eq!(cpu_count_physical(), Some(pairs.len() as u32));
        }
        _ => println!("SKIP physical core cross-check: lscpu is not available"),
    }
}

#[test]
fn live_cpu_times_bracketed() {
    let clk = getconf("CLK_TCK") as f64;
    let before = stat_lines(&std::fs::read_to_string("/proc/stat").unwrap());
    let ours = cpu_times().unwrap();
    let ours_per = cpu_times_percpu().unwrap();
    let after = stat_lines(&std::fs::read_to_string("/proc/stat").unwrap());
    let (b, a) = (to_times(&before[0].1, clk), to_times(&after[0].1, clk));
    for (i, v) in ours.to_array().iter().enumerate() {
        assert!(b[i] <= *v && *v <= a[i], "field {i}: {} <= {v} <= {}", b[i], a[i]);
    }
    assert_eq!(ours_per.len(), before.len() - 1);
    for (c, p) in ours_per.iter().enumerate() {
        let (b, a) = (to_times(&before[c + 1].1, clk), to_times(&after[c + 1].1, clk));
        for (i, v) in p.to_array().iter().enumerate() {
            assert!(
                b[i] <= *v && *v <= a[i],
                "cpu{c} field {i}: {} <= {v} <= {}",
                b[i],
                a[i]
            );
        }
    }
    // The per-CPU lines add up to the aggregate line (no offline CPUs here; take the
    // aggregate before and after the per-CPU read).
    let t1 = cpu_times().unwrap().to_array();
    let per = cpu_times_percpu().unwrap();
    let t2 = cpu_times().unwrap().to_array();
    for i in 0..10 {
        let sum: f64 = per.iter().map(|p| p.to_array()[i]).sum();
        assert!(
            t1[i] - 0.02 <= sum && sum <= t2[i] + 0.02,
            "field {i}: {} <= {sum} <= {}",
            t1[i],
            t2[i]
        );
    }
}

#[test]
fn live_cpu_percent() {
    let p = cpu_percent(Some(Duration::from_millis(100))).unwrap();
    assert!((0.0..=100.0).contains(&p), "{p}");
    let per = cpu_percent_percpu(Some(Duration::from_millis(100))).unwrap();
    assert_eq!(per.len(), cpu_times_percpu().unwrap().len());
    assert!(per.iter().all(|p| (0.0..=100.0).contains(p)), "{per:?}");

    // A thread spinning on one of the two CPUs drives the machine-wide figure up to
    // about 50 % (more if other work runs).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s2 = stop.clone();
    let spinner = std::thread::spawn(move || {
        let mut x = 0u64;
        while !s2.load(std::sync::atomic::Ordering::Relaxed) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    });
    std::thread::sleep(Duration::from_millis(50));
    let busy = cpu_percent(Some(Duration::from_millis(500))).unwrap();
    // Non-blocking on a fresh host (from another thread): first call 0.0, then real
    // numbers. (Not the process-wide host: other tests move its baseline.)
    let fresh = std::thread::spawn(|| {
        let h = Host::default();
        let first = h.cpu_percent(None).unwrap();
        let first_per = h.cpu_percent_percpu(None).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        (first, first_per, h.cpu_percent(None).unwrap())
    })
    .join()
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    spinner.join().unwrap();
    assert!(busy > 30.0, "a busy thread on a 2-CPU machine gave only {busy} %");
    assert_eq!(fresh.0, 0.0);
    assert!(fresh.1.iter().all(|x| *x == 0.0) && !fresh.1.is_empty());
    assert!(
        fresh.2 > 30.0,
        "non-blocking after 300 ms of spinning: {}",
        fresh.2
    );

    // Over more than one CPU-second in total the fields add up to ~100 (guest and
    // guest_nice are inside user and nice, so they are left out of the sum) ...
    let t = cpu_times_percent(Some(Duration::from_millis(700))).unwrap();
    let a = t.to_array();
    let sum: f64 = a[..8].iter().sum();
    assert!((sum - 100.0).abs() <= 0.8, "{t:?} sums to {sum}");
    // ... but with 0.1 s on 2 CPUs (0.2 CPU-seconds) the max(1, total) floor makes
    // them add up to about 20 (psutil quirk 10.1).
    // The bound uses the measured duration, in case the sleep overshoots on a loaded
    // machine.
    let ncpu = cpu_count().unwrap() as f64;
    let start = Instant::now();
    let t = cpu_times_percent(Some(Duration::from_millis(100))).unwrap();
    let cpu_seconds = start.elapsed().as_secs_f64() * ncpu;
    let sum: f64 = t.to_array()[..8].iter().sum();
    if cpu_seconds < 0.9 {
        assert!(
            sum <= cpu_seconds * 100.0 + 5.0,
            "{t:?} sums to {sum} over {cpu_seconds} CPU-s"
        );
    } else {
        println!("SKIP short-interval quirk check: the 0.1 s sleep took {cpu_seconds} CPU-s");
    }
    let per = cpu_times_percent_percpu(Some(Duration::from_millis(100))).unwrap();
    assert_eq!(per.len(), ncpu as usize);
}

#[test]
fn live_cpu_stats_bracketed() {
    let before = std::fs::read_to_string("/proc/stat").unwrap();
    let s = cpu_stats().unwrap();
    let after = std::fs::read_to_string("/proc/stat").unwrap();
    for (v, key) in [
        (s.ctx_switches, "ctxt"),
        (s.interrupts, "intr"),
        (s.soft_interrupts, "softirq"),
    ] {
        let (b, a) = (stat_value(&before, key), stat_value(&after, key));
        assert!(b <= v && v <= a, "{key}: {b} <= {v} <= {a}");
    }
    assert_eq!(s.syscalls, 0);
}

#[test]
fn live_boot_time_vs_uptime() {
    let bt = boot_time().unwrap();
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        (bt - (now - uptime)).abs() <= 1.5,
        "boot_time {bt} vs now - uptime {}",
        now - uptime
    );
    assert_eq!(bt.fract(), 0.0);
    assert_eq!(Host::new(Roots::new()).boot_time().unwrap(), bt);
}

#[test]
fn live_getloadavg() {
    // libc reports the kernel's fixed-point value (x/2048); /proc/loadavg prints it
    // rounded to two decimals. The file can change in between (every 5 s).
    let parse = || -> Vec<f64> {
        std::fs::read_to_string("/proc/loadavg")
            .unwrap()
            .split_whitespace()
            .take(3)
            .map(|x| x.parse().unwrap())
            .collect()
    };
    let start = Instant::now();
    let before = parse();
    let ours = getloadavg().unwrap();
    let after = parse();
    for i in 0..3 {
        assert!(ours[i] >= 0.0);
        assert_eq!(
            (ours[i] * 2048.0).fract(),
            0.0,
            "not a kernel fixed-point value: {}",
            ours[i]
        );
        let close = |f: f64| (ours[i] - f).abs() <= 0.0051;
        assert!(
            close(before[i]) || close(after[i]),
            "{ours:?} vs {before:?} / {after:?}"
        );
    }
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn live_cpu_freq_matches_psutil_shape() {
    let py = common::psutil_python();
    let py = Path::new(&py);
    if !py.exists() {
        println!(
            "SKIP: psutil reference interpreter {} is not installed",
            py.display()
        );
        return;
    }
    let out = Command::new(py)
        .args([
            "-c",
            "import psutil, json; f = psutil.cpu_freq(); p = psutil.cpu_freq(percpu=True); \
             print(json.dumps([None if f is None else list(f), [list(x) for x in p]]))",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours = cpu_freq().unwrap();
    let ours_per = cpu_freq_percpu().unwrap();
    assert_eq!(ours.is_none(), v[0].is_null(), "psutil: {v}, ours: {ours:?}");
    let theirs_per = v[1].as_array().unwrap();
    assert_eq!(ours_per.len(), theirs_per.len());
    for (o, t) in ours_per.iter().zip(theirs_per) {
        // min/max are fixed; current can move between the two reads when it comes
        // from sysfs, so only check it is positive then.
        assert_eq!(o.min, t[1].as_f64().unwrap());
        assert_eq!(o.max, t[2].as_f64().unwrap());
        assert!(o.current > 0.0);
    }
    if !Path::new("/sys/devices/system/cpu/cpufreq/policy0").exists()
        && !Path::new("/sys/devices/system/cpu/cpu0/cpufreq").exists()
    {
        // cpuinfo mode (this VM): both take "cpu MHz" from /proc/cpuinfo.
        println!("cpu_freq: no cpufreq policies here, comparing cpuinfo-mode values");
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
        let mhz: Vec<f64> = cpuinfo
            .lines()
            .filter(|l| l.split(':').next().map(str::trim) == Some("cpu MHz"))
            .map(|l| l.split(':').nth(1).unwrap().trim().parse().unwrap())
            .collect();
        assert_eq!(ours_per.iter().map(|f| f.current).collect::<Vec<_>>(), mhz);
    }
}
