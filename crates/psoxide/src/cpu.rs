//! CPU times, utilisation, counts, statistics, frequencies and the load average
//! (psutil's `cpu_times`, `cpu_percent`, `cpu_times_percent`, `cpu_count`,
//! `cpu_stats`, `cpu_freq` and `getloadavg`).
//!
//! Sources: `{procfs}/stat`, `{procfs}/cpuinfo`, `{procfs}/loadavg` and
//! `{sysfs}/devices/system/cpu`. Unlike psutil, the sysfs paths also go through
//! [`Roots`], so fixture trees can replace them.

use crate::context::{lock, Host};
use crate::error::{Error, Result};
use crate::linux::parse::cpuinfo::{count_processors, parse_cpuinfo_cores, parse_cpuinfo_mhz};
use crate::linux::parse::cpulist::parse_cpu_words;
use crate::linux::parse::loadavg::parse_loadavg;
use crate::linux::parse::proc_stat::{count_cpu_lines, parse_proc_stat, CpuTicks, ProcStat, Want};
use crate::roots::Roots;
use crate::sys::fs::{exists, list_dir, put_buf, read_bytes, take_buf, with_file, Dir, FileKind};
use crate::sys::kept::{with_sys_file, SysFile};
use crate::util::round1;
use std::path::{Path, PathBuf};
use std::time::Duration;

// ---------------------------------------------------------------------------------
// cpu_times
// ---------------------------------------------------------------------------------

/// Cumulative CPU times since boot (psutil's `scputimes`, in psutil 8.0's field
/// order). All fields are seconds. The same type carries percentages (0-100) when
/// returned by [`cpu_times_percent`].
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CpuTimes {
    /// Seconds in user mode (on Linux this already includes `guest`).
    pub user: f64,
    /// Seconds in kernel mode.
    pub system: f64,
    /// Seconds idle (not including `iowait`).
    pub idle: f64,
    /// Seconds in user mode at positive niceness (already includes `guest_nice`).
    pub nice: f64,
    /// Seconds idle while waiting for I/O to complete.
    pub iowait: f64,
    /// Seconds servicing hardware interrupts.
    pub irq: f64,
    /// Seconds servicing soft interrupts.
    pub softirq: f64,
    /// Seconds stolen by the hypervisor for other virtual machines.
    pub steal: f64,
    /// Seconds running a virtual CPU for a guest (counted inside `user` too).
    pub guest: f64,
    /// Seconds running a niced guest's virtual CPU (counted inside `nice` too).
    pub guest_nice: f64,
}

impl CpuTimes {
    /// The ten fields in psutil 8.0's order (user, system, idle, nice, iowait, irq,
    /// softirq, steal, guest, guest_nice).
    pub fn to_array(&self) -> [f64; 10] {
        [
            self.user,
            self.system,
            self.idle,
            self.nice,
            self.iowait,
            self.irq,
            self.softirq,
            self.steal,
            self.guest,
            self.guest_nice,
        ]
    }

    /// Builds the struct from ten values in psutil 8.0's order (see [`Self::to_array`]).
    pub fn from_array(a: [f64; 10]) -> Self {
        let [user, system, idle, nice, iowait, irq, softirq, steal, guest, guest_nice] = a;
        CpuTimes {
            user,
            system,
            idle,
            nice,
            iowait,
            irq,
            softirq,
            steal,
            guest,
            guest_nice,
        }
    }

    /// Converts one `/proc/stat` line (kernel column order: user, nice, system, idle,
    /// iowait, irq, softirq, steal, guest, guest_nice) from ticks to seconds.
    fn from_ticks(t: &CpuTicks, clk_tck: f64) -> Self {
        let s = |i: usize| t.ticks[i] as f64 / clk_tck;
        CpuTimes {
            user: s(0),
            nice: s(1),
            system: s(2),
            idle: s(3),
            iowait: s(4),
            irq: s(5),
            softirq: s(6),
            steal: s(7),
            guest: s(8),
            guest_nice: s(9),
        }
    }

    /// Per-field `self - earlier`, negative differences clamped to 0 (counters that
    /// went backwards, as psutil and top do).
    fn deltas(&self, earlier: &CpuTimes) -> [f64; 10] {
        let (a, b) = (earlier.to_array(), self.to_array());
        let mut d = [0.0; 10];
        for i in 0..10 {
            let x = b[i] - a[i];
            d[i] = if x > 0.0 { x } else { 0.0 };
        }
        d
    }

    /// The busy percentage between `earlier` and `self`, with psutil's formula:
    /// per-field deltas clamped at 0; `total` = their sum minus `guest` and
    /// `guest_nice` (already counted in `user` and `nice`); `busy` = `total` - `idle` -
    /// `iowait`; result `busy / total * 100` rounded to one decimal, or 0.0 when
    /// `total` is 0.
    ///
    /// The sum is taken left to right in field order, as Python 3.11's `sum()` does;
    /// Python 3.12+ uses a compensated sum, which can differ in the last bit and so
    /// (rarely) flip the rounding of the last decimal.
    pub fn busy_percent_since(&self, earlier: &CpuTimes) -> f64 {
        let d = self.deltas(earlier);
        let total = total_of(&d);
        if total == 0.0 {
            return 0.0;
        }
        // d[2] = idle, d[4] = iowait.
        let busy = total - d[2] - d[4];
        round1(busy / total * 100.0)
    }

    /// Per-field percentages between `earlier` and `self` (psutil's
    /// `cpu_times_percent` formula): each delta (clamped at 0) times
    /// `100 / max(1, total)`, rounded to one decimal, then clamped to 0..=100.
    /// `total` is computed as in [`Self::busy_percent_since`]. The `max(1, total)`
    /// floor is in seconds, so over less than one CPU-second in total the fields add
    /// up to less than 100 (psutil quirk, kept on purpose).
    pub fn percent_since(&self, earlier: &CpuTimes) -> CpuTimes {
        let d = self.deltas(earlier);
        let total = total_of(&d);
        let scale = if total > 1.0 { 100.0 / total } else { 100.0 };
        let mut out = [0.0; 10];
        for (o, x) in out.iter_mut().zip(d) {
            *o = round1(x * scale).clamp(0.0, 100.0);
        }
        CpuTimes::from_array(out)
    }
}

/// psutil's total CPU time of a delta: the sum of all fields minus guest and
/// guest_nice (index 8 and 9 in 8.0 order).
fn total_of(d: &[f64; 10]) -> f64 {
    let mut s = 0.0;
    for x in d {
        s += x;
    }
    s - d[8] - d[9]
}

/// `sysconf(_SC_CLK_TCK)` as a float (normally 100).
fn clock_ticks() -> Result<f64> {
    let t = crate::sys::system::clock_ticks();
    if t == 0 {
        return Err(Error::unsupported("sysconf(_SC_CLK_TCK) gave no clock tick rate"));
    }
    Ok(t as f64)
}

/// Reads `{procfs}/stat` and parses the lines `want` names (only those: a bad line
/// fails only the functions that need it).
pub(crate) fn read_proc_stat(roots: &Roots, want: Want) -> Result<ProcStat> {
    with_sys_file(&roots.procfs, SysFile::Stat, FileKind::RECORD, |b, path| {
        parse_proc_stat(b, path, want)
    })
}

/// The path of `{procfs}/stat`, for errors found after the read.
pub(crate) fn proc_stat_path(roots: &Roots) -> PathBuf {
    roots.proc("stat")
}

/// System-wide CPU times since boot (psutil's `cpu_times()`), from the `cpu` line of
/// `/proc/stat` divided by `sysconf(_SC_CLK_TCK)`. Columns an old kernel does not
/// print (steal before 2.6.11, guest before 2.6.24, guest_nice before 2.6.33) are 0.
pub fn cpu_times() -> Result<CpuTimes> {
    Host::current().cpu_times()
}

impl Host {
    /// [`cpu_times`] on this host. A missing `cpu` line is an [`Error::Parse`].
    pub fn cpu_times(&self) -> Result<CpuTimes> {
        read_times(self.roots())
    }
}

fn read_times(roots: &Roots) -> Result<CpuTimes> {
    let clk = clock_ticks()?;
    let st = read_proc_stat(roots, Want::CPU)?;
    let t = st
        .cpu
        .ok_or_else(|| Error::parse(proc_stat_path(roots), "'cpu' line: not found"))?;
    Ok(CpuTimes::from_ticks(&t, clk))
}

/// CPU times of each online CPU (psutil's `cpu_times(percpu=True)`), one entry per
/// `cpuN` line of `/proc/stat` in file order. Offline CPUs have no line, so an index
/// is not necessarily a CPU number.
///
/// Quirk 10.13: psutil builds per-CPU tuples from however many columns the kernel
/// printed (which fails with 8.0's fixed ten fields on kernels before 2.6.33); here a
/// missing column is 0, as on the aggregate line.
pub fn cpu_times_percpu() -> Result<Vec<CpuTimes>> {
    Host::current().cpu_times_percpu()
}

impl Host {
    /// [`cpu_times_percpu`] on this host.
    pub fn cpu_times_percpu(&self) -> Result<Vec<CpuTimes>> {
        read_times_percpu(self.roots())
    }
}

impl Host {
    /// [`cpu_times_percpu`] and [`Host::stat_activity`] from one read of
    /// `{procfs}/stat`, for callers that want both from the same moment (an exporter
    /// reading each file once per scrape).
    pub fn cpu_times_percpu_and_activity(&self) -> Result<(Vec<CpuTimes>, crate::kstats::StatActivity)> {
        let clk = clock_ticks()?;
        with_sys_file(&self.roots().procfs, SysFile::Stat, FileKind::RECORD, |b, path| {
            let st = parse_proc_stat(b, path, Want::CPUS)?;
            let a = crate::linux::parse::kstats::parse_stat_activity(b, path)?;
            Ok((st.cpus.iter().map(|t| CpuTimes::from_ticks(t, clk)).collect(), a))
        })
    }
}

pub(crate) fn read_times_percpu(roots: &Roots) -> Result<Vec<CpuTimes>> {
    let clk = clock_ticks()?;
    let st = read_proc_stat(roots, Want::CPUS)?;
    Ok(st.cpus.iter().map(|t| CpuTimes::from_ticks(t, clk)).collect())
}

// ---------------------------------------------------------------------------------
// cpu_percent / cpu_times_percent
// ---------------------------------------------------------------------------------

/// Keeps the previous samples that [`cpu_percent`] and friends compare against, for
/// Rust code that wants to hold that state itself (one sampler per consumer, apart from
/// any [`Host`]).
///
/// Each of the four methods has its own baseline, like psutil's four functions. A
/// method returns the utilisation since its previous call on this sampler and stores
/// the new sample. The first call of a method has nothing to compare with: it stores
/// the sample and returns 0.0 (or a list of zeros, one per online CPU). Use
/// [`CpuSampler::primed`] to take all four baselines at construction instead (what
/// psutil does at import time for the importing thread).
///
/// Per-CPU results pair the CPUs of the two samples by position and stop at the
/// shorter list when the number of online CPUs changed in between (psutil `zip`s).
#[derive(Clone, Debug)]
pub struct CpuSampler {
    roots: Roots,
    percent: Option<CpuTimes>,
    percent_percpu: Option<Vec<CpuTimes>>,
    times: Option<CpuTimes>,
    times_percpu: Option<Vec<CpuTimes>>,
}

fn step<S, T>(
    slot: &mut Option<S>,
    now: S,
    calc: impl FnOnce(&S, &S) -> T,
    first: impl FnOnce(&S) -> T,
) -> T {
    let out = match slot.as_ref() {
        Some(prev) => calc(prev, &now),
        None => first(&now),
    };
    *slot = Some(now);
    out
}

fn percpu_busy(prev: &[CpuTimes], now: &[CpuTimes]) -> Vec<f64> {
    prev.iter()
        .zip(now)
        .map(|(a, b)| b.busy_percent_since(a))
        .collect()
}

fn percpu_times(prev: &[CpuTimes], now: &[CpuTimes]) -> Vec<CpuTimes> {
    prev.iter().zip(now).map(|(a, b)| b.percent_since(a)).collect()
}

impl CpuSampler {
    /// A sampler reading from `roots` with no baseline yet (no I/O is done here).
    pub fn new(roots: Roots) -> Self {
        CpuSampler {
            roots,
            percent: None,
            percent_percpu: None,
            times: None,
            times_percpu: None,
        }
    }

    /// A sampler whose four baselines are taken now (one read of `/proc/stat`), so
    /// that the first call of each method measures since construction.
    pub fn primed(roots: Roots) -> Result<Self> {
        let clk = clock_ticks()?;
        let st = read_proc_stat(&roots, Want::CPU | Want::CPUS)?;
        let t = st
            .cpu
            .ok_or_else(|| Error::parse(proc_stat_path(&roots), "'cpu' line: not found"))?;
        let total = CpuTimes::from_ticks(&t, clk);
        let per: Vec<CpuTimes> = st.cpus.iter().map(|t| CpuTimes::from_ticks(t, clk)).collect();
        Ok(CpuSampler {
            roots,
            percent: Some(total),
            percent_percpu: Some(per.clone()),
            times: Some(total),
            times_percpu: Some(per),
        })
    }

    /// The roots this sampler reads from.
    pub fn roots(&self) -> &Roots {
        &self.roots
    }

    /// System-wide busy percentage (0-100, one decimal) since the previous call; see
    /// [`CpuTimes::busy_percent_since`]. First call: 0.0.
    pub fn percent(&mut self) -> Result<f64> {
        let now = read_times(&self.roots)?;
        Ok(step(
            &mut self.percent,
            now,
            |a, b| b.busy_percent_since(a),
            |_| 0.0,
        ))
    }

    /// Busy percentage of each online CPU since the previous call. First call: one
    /// 0.0 per CPU.
    pub fn percent_percpu(&mut self) -> Result<Vec<f64>> {
        let now = read_times_percpu(&self.roots)?;
        Ok(step(
            &mut self.percent_percpu,
            now,
            |a, b| percpu_busy(a, b),
            |n| vec![0.0; n.len()],
        ))
    }

    /// System-wide per-field percentages since the previous call; see
    /// [`CpuTimes::percent_since`]. First call: all fields 0.0.
    pub fn times_percent(&mut self) -> Result<CpuTimes> {
        let now = read_times(&self.roots)?;
        Ok(step(
            &mut self.times,
            now,
            |a, b| b.percent_since(a),
            |_| CpuTimes::default(),
        ))
    }

    /// Per-field percentages of each online CPU since the previous call. First call:
    /// one all-zero entry per CPU.
    pub fn times_percent_percpu(&mut self) -> Result<Vec<CpuTimes>> {
        let now = read_times_percpu(&self.roots)?;
        Ok(step(
            &mut self.times_percpu,
            now,
            |a, b| percpu_times(a, b),
            |n| vec![CpuTimes::default(); n.len()],
        ))
    }
}

/// Runs `f` on `host`'s sampler (made empty on first use).
fn with_sampler<T>(host: &Host, f: impl FnOnce(&mut CpuSampler) -> Result<T>) -> Result<T> {
    let mut slot = lock(&host.state().cpu);
    match slot.as_mut() {
        Some(s) => f(s),
        None => f(slot.insert(CpuSampler::new(host.roots().clone()))),
    }
}

fn blocking(interval: Option<Duration>) -> Option<Duration> {
    interval.filter(|d| !d.is_zero())
}

/// The shared body of the four percentage functions. Blocking (`interval` > 0): two
/// reads `interval` apart, compared with `calc`; the second becomes the host's
/// baseline (`slot`). Otherwise `nonblocking` compares with the stored baseline.
fn sample<S, T>(
    host: &Host,
    interval: Option<Duration>,
    read: fn(&Roots) -> Result<S>,
    calc: fn(&S, &S) -> T,
    slot: fn(&mut CpuSampler) -> &mut Option<S>,
    nonblocking: fn(&mut CpuSampler) -> Result<T>,
) -> Result<T> {
    match blocking(interval) {
        Some(d) => {
            let t1 = read(host.roots())?;
            std::thread::sleep(d);
            let t2 = read(host.roots())?;
            let out = calc(&t1, &t2);
            with_sampler(host, |s| {
                *slot(s) = Some(t2);
                Ok(out)
            })
        }
        None => with_sampler(host, nonblocking),
    }
}

/// System-wide CPU utilisation in percent, 0-100 for the whole machine, rounded to
/// one decimal (psutil's `cpu_percent(interval)`).
///
/// * `interval` `Some(d)` with `d > 0`: samples `/proc/stat`, sleeps `d`, samples
///   again and compares (blocking).
/// * `None` or zero: compares with the previous sample of this function on the same
///   [`Host`] and returns at once. psutil takes a baseline at import time; Rust has
///   no import, so **the first non-blocking call on a host returns 0.0** and stores
///   the baseline. Call it once at start-up, or use [`CpuSampler::primed`].
///
/// Every call, blocking or not, replaces the host's baseline. The four functions
/// [`cpu_percent`], [`cpu_percent_percpu`], [`cpu_times_percent`] and
/// [`cpu_times_percent_percpu`] have separate baselines. Baselines belong to the
/// [`Host`] and are shared by its threads, as psutil's module state is; the free
/// functions use [`Host::current`], and another host (or a [`CpuSampler`]) has its
/// own. The formula is [`CpuTimes::busy_percent_since`]. psutil's
/// `ValueError` for a negative interval cannot happen with a `Duration`.
pub fn cpu_percent(interval: Option<Duration>) -> Result<f64> {
    Host::current().cpu_percent(interval)
}

impl Host {
    /// [`cpu_percent`] on this host.
    pub fn cpu_percent(&self, interval: Option<Duration>) -> Result<f64> {
        sample(
            self,
            interval,
            read_times,
            |a, b| b.busy_percent_since(a),
            |s| &mut s.percent,
            CpuSampler::percent,
        )
    }
}

/// Per-CPU utilisation in percent, one entry per [`cpu_times_percpu`] entry
/// (psutil's `cpu_percent(interval, percpu=True)`). Same `interval` and baseline
/// rules as [`cpu_percent`] (first non-blocking call on a host: zeros), with its
/// own baseline. If the number of online CPUs changed between the two samples, the
/// CPUs are paired by position and the result has the shorter length (psutil
/// `zip`s the lists).
pub fn cpu_percent_percpu(interval: Option<Duration>) -> Result<Vec<f64>> {
    Host::current().cpu_percent_percpu(interval)
}

impl Host {
    /// [`cpu_percent_percpu`] on this host.
    pub fn cpu_percent_percpu(&self, interval: Option<Duration>) -> Result<Vec<f64>> {
        sample(
            self,
            interval,
            read_times_percpu,
            |a, b| percpu_busy(a, b),
            |s| &mut s.percent_percpu,
            CpuSampler::percent_percpu,
        )
    }
}

/// System-wide percentage of time spent in each CPU state (psutil's
/// `cpu_times_percent(interval)`), each field 0-100 rounded to one decimal; see
/// [`CpuTimes::percent_since`] for the formula and its `max(1, total)` quirk (short
/// intervals under-report). Same `interval` and baseline rules as [`cpu_percent`]
/// (first non-blocking call on a host: all zeros), with its own baseline.
pub fn cpu_times_percent(interval: Option<Duration>) -> Result<CpuTimes> {
    Host::current().cpu_times_percent(interval)
}

impl Host {
    /// [`cpu_times_percent`] on this host.
    pub fn cpu_times_percent(&self, interval: Option<Duration>) -> Result<CpuTimes> {
        sample(
            self,
            interval,
            read_times,
            |a, b| b.percent_since(a),
            |s| &mut s.times,
            CpuSampler::times_percent,
        )
    }
}

/// [`cpu_times_percent`] for each online CPU (psutil's `cpu_times_percent(interval,
/// percpu=True)`), with its own baseline; CPUs are paired by position as in
/// [`cpu_percent_percpu`].
pub fn cpu_times_percent_percpu(interval: Option<Duration>) -> Result<Vec<CpuTimes>> {
    Host::current().cpu_times_percent_percpu(interval)
}

impl Host {
    /// [`cpu_times_percent_percpu`] on this host.
    pub fn cpu_times_percent_percpu(&self, interval: Option<Duration>) -> Result<Vec<CpuTimes>> {
        sample(
            self,
            interval,
            read_times_percpu,
            |a, b| percpu_times(a, b),
            |s| &mut s.times_percpu,
            CpuSampler::times_percent_percpu,
        )
    }
}

// ---------------------------------------------------------------------------------
// cpu_count
// ---------------------------------------------------------------------------------

/// The number of online logical CPUs (psutil's `cpu_count()`), or `None` when it
/// cannot be determined. On the live machine this is `sysconf(_SC_NPROCESSORS_ONLN)`:
/// it ignores the affinity mask and cgroup limits (the CPUs this process may use are
/// `Process::cpu_affinity`). Not cached.
pub fn cpu_count() -> Option<u32> {
    Host::current().cpu_count()
}

impl Host {
    /// [`cpu_count`] for `roots`. With the default procfs (`/proc`) this is sysconf; with
    /// any other procfs (a fixture tree, a container's) it counts the `processor` lines
    /// of `{procfs}/cpuinfo`, then, if there are none, the `cpuN` lines of
    /// `{procfs}/stat` (psutil's fallbacks). Unreadable files count as 0 (psutil would
    /// raise, but its signature and ours promise a count or `None`).
    pub fn cpu_count(&self) -> Option<u32> {
        let roots: &Roots = self.roots();
        if roots.is_default_procfs() {
            if let Some(n) = crate::sys::system::online_cpus() {
                return Some(n);
            }
        }
        let cpuinfo = roots.proc("cpuinfo");
        let n = with_file(&cpuinfo, FileKind::TABLE, |b| Ok(count_processors(b))).unwrap_or(0);
        if n > 0 {
            return Some(n);
        }
        let stat = roots.proc("stat");
        let n = with_file(&stat, FileKind::RECORD, |b| Ok(count_cpu_lines(b))).unwrap_or(0);
        (n > 0).then_some(n)
    }
}

/// Names in `dir` of the form `<prefix><digit>...` (what psutil's `cpu[0-9]*` and
/// `policy[0-9]*` globs match), with the number made of the digits right after the
/// prefix. A missing directory gives an empty list (a glob matching nothing).
fn numbered_entries(dir: &Path, prefix: &str) -> Result<Vec<(String, u32)>> {
    let names = match list_dir(dir) {
        Ok(n) => n,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR)) => {
            return Ok(Vec::new())
        }
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for name in names {
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        let digits: &str = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
        if digits.is_empty() {
            continue;
        }
        let Ok(n) = digits.parse::<u32>() else { continue };
        out.push((name.to_string(), n));
    }
    out.sort_by_key(|(_, n)| *n);
    Ok(out)
}

/// The number of physical cores (psutil's `cpu_count(logical=False)`), or `None`.
///
/// Counts the distinct contents of
/// `{sysfs}/devices/system/cpu/cpu[0-9]*/topology/core_cpus_list` (or, when no CPU
/// has that file, `thread_siblings_list`). When that gives 0, sums `cpu cores` over
/// the distinct `physical id`s of `{procfs}/cpuinfo`. 0 becomes `None`. A topology
/// file that exists but cannot be read is skipped and an unreadable cpuinfo counts
/// as 0 (psutil would raise; the signature promises a count or `None`).
pub fn cpu_count_physical() -> Option<u32> {
    Host::current().cpu_count_physical()
}

impl Host {
    /// [`cpu_count_physical`] on this host.
    ///
    /// `{sysfs}/devices/system/cpu` is opened once, listed with `getdents64`, and each
    /// topology file is opened relative to it (`openat`). A file whose open fails with
    /// `ENOENT`/`ENOTDIR` is missing (psutil's `os.path.exists` is false); for any other
    /// open error the file counts as present exactly when `faccessat(F_OK)` says it
    /// exists, as psutil's test would, and is then skipped as unreadable.
    pub fn cpu_count_physical(&self) -> Option<u32> {
        let roots: &Roots = self.roots();
        if let Some(n) = count_topology(&roots.sys("devices/system/cpu")) {
            return Some(n);
        }
        let n = with_sys_file(&roots.procfs, SysFile::Cpuinfo, FileKind::TABLE, parse_cpuinfo_cores).unwrap_or(0);
        (n > 0).then_some(n)
    }
}

/// The number of distinct topology lists under `cpu_dir` (`core_cpus_list`, else
/// `thread_siblings_list`); `None` when no CPU has either file or none could be read.
fn count_topology(cpu_dir: &Path) -> Option<u32> {
    // A directory that cannot be opened matches nothing (psutil's glob).
    let mut dir = Dir::open(cpu_dir).ok()?;
    // The `cpu[0-9]*` entries whose digits form a u32 (what `numbered_entries` keeps),
    // as "NAME/topology/" prefixes separated by NUL bytes.
    let mut prefixes: Vec<u8> = Vec::with_capacity(1024);
    dir.for_each(|name| {
        let Some(rest) = name.strip_prefix(b"cpu") else {
            return;
        };
        let digits = &rest[..rest.iter().take_while(|c| c.is_ascii_digit()).count()];
        let is_u32 = std::str::from_utf8(digits).is_ok_and(|d| d.parse::<u32>().is_ok());
        if is_u32 && std::str::from_utf8(name).is_ok() {
            prefixes.extend_from_slice(name);
            prefixes.extend_from_slice(b"/topology/\0");
        }
    })
    .ok()?;
    let mut buf = take_buf();
    let mut rel: Vec<u8> = Vec::with_capacity(64);
    let mut result = None;
    for file in [&b"core_cpus_list"[..], b"thread_siblings_list"] {
        let mut seen: Vec<Vec<u8>> = Vec::new();
        let mut any = false;
        for prefix in prefixes.split(|&c| c == 0).filter(|p| !p.is_empty()) {
            rel.clear();
            rel.extend_from_slice(prefix);
            rel.extend_from_slice(file);
            match dir.read_file(&rel, &mut buf, FileKind::RECORD) {
                Ok(()) => {
                    any = true;
                    let t = buf.trim_ascii();
                    if !seen.iter().any(|s| s.as_slice() == t) {
                        seen.push(t.to_vec());
                    }
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR)) => {}
                Err(_) => any |= dir.exists(&rel),
            }
        }
        if any {
            if !seen.is_empty() {
                result = u32::try_from(seen.len()).ok();
            }
            break;
        }
    }
    put_buf(buf);
    result
}

// ---------------------------------------------------------------------------------
// cpu_stats
// ---------------------------------------------------------------------------------

/// CPU event counters since boot (psutil's `scpustats`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CpuStats {
    /// Context switches (count; `ctxt` in `/proc/stat`).
    pub ctx_switches: u64,
    /// Hardware interrupts (count; the total on the `intr` line).
    pub interrupts: u64,
    /// Soft interrupts (count; the total on the `softirq` line).
    pub soft_interrupts: u64,
    /// System calls (count): always 0 on Linux, as in psutil.
    pub syscalls: u64,
}

/// CPU statistics since boot (psutil's `cpu_stats()`), from `/proc/stat`.
/// A missing `ctxt`, `intr` or `softirq` line is an [`Error::Parse`] (psutil would put
/// `None` in that field; these lines exist on every 2.6+ kernel).
pub fn cpu_stats() -> Result<CpuStats> {
    Host::current().cpu_stats()
}

impl Host {
    /// [`cpu_stats`] on this host.
    pub fn cpu_stats(&self) -> Result<CpuStats> {
        let roots: &Roots = self.roots();
        let st = read_proc_stat(roots, Want::CTXT | Want::INTR | Want::SOFTIRQ)?;
        let need = |v: Option<u64>, label: &str| {
            v.ok_or_else(|| Error::parse(proc_stat_path(roots), format!("'{label}' line: not found")))
        };
        Ok(CpuStats {
            ctx_switches: need(st.ctxt, "ctxt")?,
            interrupts: need(st.intr, "intr")?,
            soft_interrupts: need(st.softirq, "softirq")?,
            syscalls: 0,
        })
    }
}

// ---------------------------------------------------------------------------------
// cpu_freq
// ---------------------------------------------------------------------------------

/// CPU clock frequency (psutil's `scpufreq`), in MHz.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CpuFreq {
    /// Current frequency in MHz (live on Linux).
    pub current: f64,
    /// Minimum frequency in MHz the governor may use (0.0 when unknown).
    pub min: f64,
    /// Maximum frequency in MHz the governor may use (0.0 when unknown).
    pub max: f64,
}

/// Reads a kHz sysfs attribute. `Ok(None)` when it cannot be read at all (missing,
/// permission denied: psutil's `fallback=None`); a value that is not an integer is an
/// [`Error::Parse`].
fn read_khz_opt(path: &Path) -> Result<Option<f64>> {
    match read_bytes(path, FileKind::RECORD) {
        Ok(b) => parse_khz(&b, path).map(Some),
        Err(Error::Io { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn read_khz(path: &Path) -> Result<f64> {
    let b = read_bytes(path, FileKind::RECORD)?;
    parse_khz(&b, path)
}

fn parse_khz(b: &[u8], path: &Path) -> Result<f64> {
    let t = b.trim_ascii();
    let bad = || {
        Error::parse(
            path,
            format!("frequency in kHz: got {:?}", String::from_utf8_lossy(t)),
        )
    };
    if t.is_empty() || !t.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let khz: u64 = std::str::from_utf8(t)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    Ok(khz as f64 / 1000.0)
}

/// The frequency of each CPU (psutil's `cpu_freq(percpu=True)`); possibly empty.
///
/// psutil picks its method once at import; here it is decided on every call:
///
/// * **sysfs mode**, when `{sysfs}/devices/system/cpu/cpufreq/policy0` or
///   `.../cpu0/cpufreq` exists. The policy directories are `cpufreq/policy[0-9]*`
///   (else `cpu[0-9]*/cpufreq`); each governs the CPUs listed in its `affected_cpus`
///   (or, without that file, the CPU numbered like the directory). One entry per CPU,
///   sorted by CPU number. `current`: when the number of CPUs equals the number of
///   MHz values in `/proc/cpuinfo`, the i-th cpuinfo value (truncated to whole kHz, as
///   psutil does); else the policy's `scaling_cur_freq`, else `cpuinfo_cur_freq`
///   (kHz / 1000; a file that cannot be read counts as absent). With neither, a CPU
///   whose `cpuN/online` reads `0` is skipped, otherwise the call fails with
///   [`Error::Unsupported`] "can't find current frequency file" (psutil's
///   `NotImplementedError`). `min`/`max`: `scaling_min_freq`/`scaling_max_freq` in
///   kHz / 1000; if missing, the I/O error is returned (as psutil's `OSError`).
/// * **cpuinfo mode** otherwise: one entry per MHz value in `/proc/cpuinfo` (`cpu
///   MHz`, ppc `clock`, s390x `cpu MHz dynamic`) with `min = max = 0.0`.
pub fn cpu_freq_percpu() -> Result<Vec<CpuFreq>> {
    Host::current().cpu_freq_percpu()
}

impl Host {
    /// [`cpu_freq_percpu`] on this host.
    pub fn cpu_freq_percpu(&self) -> Result<Vec<CpuFreq>> {
        let roots: &Roots = self.roots();
        let mhz = with_sys_file(&roots.procfs, SysFile::Cpuinfo, FileKind::TABLE, parse_cpuinfo_mhz)?;
        let cpu_dir = roots.sys("devices/system/cpu");
        let sysfs_mode = exists(&cpu_dir.join("cpufreq/policy0")) || exists(&cpu_dir.join("cpu0/cpufreq"));
        if !sysfs_mode {
            return Ok(mhz
                .into_iter()
                .map(|current| CpuFreq {
                    current,
                    min: 0.0,
                    max: 0.0,
                })
                .collect());
        }

        let mut dirs: Vec<(PathBuf, u32)> = numbered_entries(&cpu_dir.join("cpufreq"), "policy")?
            .into_iter()
            .map(|(name, n)| (cpu_dir.join("cpufreq").join(name), n))
            .collect();
        if dirs.is_empty() {
            dirs = numbered_entries(&cpu_dir, "cpu")?
                .into_iter()
                .map(|(name, n)| (cpu_dir.join(name).join("cpufreq"), n))
                .filter(|(p, _)| exists(p))
                .collect();
        }

        // (cpu number, index into dirs)
        let mut cpus: Vec<(u32, usize)> = Vec::new();
        for (idx, (dir, n)) in dirs.iter().enumerate() {
            let path = dir.join("affected_cpus");
            match read_bytes(&path, FileKind::RECORD) {
                Ok(b) => cpus.extend(parse_cpu_words(&b, &path)?.into_iter().map(|c| (c, idx))),
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => cpus.push((*n, idx)),
                Err(e) => return Err(e),
            }
        }
        cpus.sort_by_key(|(c, _)| *c);
        cpus.dedup_by_key(|(c, _)| *c);

        let use_cpuinfo = cpus.len() == mhz.len();
        let mut out = Vec::with_capacity(cpus.len());
        for (i, (cpu, idx)) in cpus.iter().enumerate() {
            let dir = &dirs[*idx].0;
            let current = match (use_cpuinfo, mhz.get(i)) {
                // psutil multiplies by 1000, truncates to an integer kHz, divides again.
                (true, Some(m)) => Some((m * 1000.0).trunc() / 1000.0),
                _ => match read_khz_opt(&dir.join("scaling_cur_freq"))? {
                    Some(c) => Some(c),
                    None => read_khz_opt(&dir.join("cpuinfo_cur_freq"))?,
                },
            };
            let Some(current) = current else {
                let online = cpu_dir.join(format!("cpu{cpu}/online"));
                let offline = read_bytes(&online, FileKind::RECORD).is_ok_and(|b| b.trim_ascii() == b"0");
                if offline {
                    continue;
                }
                return Err(Error::unsupported("can't find current frequency file"));
            };
            let max = read_khz(&dir.join("scaling_max_freq"))?;
            let min = read_khz(&dir.join("scaling_min_freq"))?;
            out.push(CpuFreq { current, min, max });
        }
        Ok(out)
    }
}

/// The CPU frequency (psutil's `cpu_freq()`): `None` when no frequency is known, the
/// single entry when there is one, else the mean of `current`, of `min` and of `max`
/// over [`cpu_freq_percpu`].
pub fn cpu_freq() -> Result<Option<CpuFreq>> {
    Host::current().cpu_freq()
}

impl Host {
    /// [`cpu_freq`] on this host.
    pub fn cpu_freq(&self) -> Result<Option<CpuFreq>> {
        let all = self.cpu_freq_percpu()?;
        Ok(match all.as_slice() {
            [] => None,
            [one] => Some(*one),
            many => {
                let n = many.len() as f64;
                let (mut c, mut lo, mut hi) = (0.0, 0.0, 0.0);
                for f in many {
                    c += f.current;
                    lo += f.min;
                    hi += f.max;
                }
                Some(CpuFreq {
                    current: c / n,
                    min: lo / n,
                    max: hi / n,
                })
            }
        })
    }
}

// ---------------------------------------------------------------------------------
// getloadavg
// ---------------------------------------------------------------------------------

/// The 1-, 5- and 15-minute load averages (psutil's `getloadavg()`).
///
/// With the default procfs this calls the C library's `getloadavg()` like psutil;
/// glibc takes it from `sysinfo(2)`, which has more precision than the two decimals
/// of `/proc/loadavg` (e.g. 0.087890625 where the file says 0.09). With any other
/// procfs (see [`Host::getloadavg`]) the first three numbers of `{procfs}/loadavg` are
/// returned (psutil ignores `PROCFS_PATH` here).
pub fn getloadavg() -> Result<[f64; 3]> {
    Host::current().getloadavg()
}

impl Host {
    /// [`getloadavg`] for `roots`: libc for the default `/proc`, else `{procfs}/loadavg`.
    pub fn getloadavg(&self) -> Result<[f64; 3]> {
        let roots: &Roots = self.roots();
        if roots.is_default_procfs() {
            return Ok(crate::sys::system::loadavg());
        }
        let path = roots.proc("loadavg");
        with_file(&path, FileKind::RECORD, |b| parse_loadavg(b, &path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_clamp_and_order() {
        let a = CpuTimes::from_array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(a.to_array(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        let b = CpuTimes { user: 0.5, ..a };
        assert_eq!(b.deltas(&a)[0], 0.0);
        assert_eq!(a.deltas(&b)[0], 0.5);
    }

    #[test]
    fn from_ticks_reorders() {
        let t = CpuTicks {
            ticks: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            columns: 10,
        };
        let c = CpuTimes::from_ticks(&t, 100.0);
        assert_eq!(
            c.to_array(),
            [0.01, 0.03, 0.04, 0.02, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1]
        );
    }

    #[test]
    fn zero_total() {
        let a = CpuTimes::default();
        assert_eq!(a.busy_percent_since(&a), 0.0);
        assert_eq!(a.percent_since(&a), CpuTimes::default());
    }

    /// The openat-based topology count gives what psutil's exists()-then-read gives:
    /// missing files (absent, dangling link, link loop) do not count, a present but
    /// unreadable one (here a directory: EISDIR on read) makes the file kind "found"
    /// without adding a value, and only `cpu<u32>*` entries are visited.
    #[test]
    fn topology_count_edge_cases() {
        let root = std::env::temp_dir().join(format!("psoxide-topo-{}", std::process::id()));
        let cpu = root.join("cpu");
        let mk = |name: &str, core: Option<&str>, siblings: Option<&str>| {
            let t = cpu.join(name).join("topology");
            std::fs::create_dir_all(&t).unwrap();
            if let Some(c) = core {
                std::fs::write(t.join("core_cpus_list"), c).unwrap();
            }
            if let Some(c) = siblings {
                std::fs::write(t.join("thread_siblings_list"), c).unwrap();
            }
        };
        // Only thread_siblings_list: cpu0/cpu1 share "0-1", cpu2x (still cpu[0-9]*) has "2".
        mk("cpu0", None, Some("0-1\n"));
        mk("cpu1", None, Some("0-1\n"));
        mk("cpu2x", None, Some("2\n"));
        // Not CPUs: no digit, or digits beyond u32.
        mk("cpufreq", Some("9"), Some("9"));
        mk("cpu99999999999", Some("8"), Some("8"));
        // core_cpus_list as a dangling link and as a link loop: missing.
        std::os::unix::fs::symlink("/nonexistent/psoxide", cpu.join("cpu0/topology/core_cpus_list")).unwrap();
        std::os::unix::fs::symlink("core_cpus_list", cpu.join("cpu1/topology/core_cpus_list")).unwrap();
        assert_eq!(count_topology(&cpu), Some(2));
        // A core_cpus_list that exists but cannot be read selects that file kind and
        // contributes nothing: no count at all (the caller then tries cpuinfo).
        std::fs::create_dir_all(cpu.join("cpu2x/topology/core_cpus_list")).unwrap();
        assert_eq!(count_topology(&cpu), None);
        assert_eq!(count_topology(&root.join("missing")), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
