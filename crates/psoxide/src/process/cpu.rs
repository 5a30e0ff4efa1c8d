//! CPU of `Process`: `cpu_times()`, `cpu_percent()`, `cpu_num()`, `cpu_affinity()`
//! with its setter `set_cpu_affinity()`, `num_ctx_switches()`, `num_threads()` and
//! `threads()`.
//!
//! `set_cpu_affinity()` first checks that the PID still belongs to the handle's
//! process (`check_target`, in `signals.rs`: by the pidfd the handle holds, else by
//! start ticks). The affinity syscalls act on the live kernel, whatever procfs root
//! the handle reads (as psutil's `PROCFS_PATH`).

use super::{CtxSwitches, Failed, Process, ProcessCpuTimes, ThreadSched, ThreadTimes};
use crate::constants::ProcessStatus;
use crate::error::{Error, Result};
use crate::linux::parse::cpulist::parse_cpulist;
use crate::linux::parse::pid_stat::{field, parse_pid_stat};
use crate::linux::parse::pid_status::line;
use crate::sys::errno::OsErr;
use crate::sys::fs::{put_buf, take_buf, FileKind};
use crate::sys::process as sys;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// psutil's fixed affinity mask size (`CPU_SETSIZE`, 1024 CPUs); larger CPU numbers
/// get a larger mask.
const MIN_MASK_CPUS: usize = 1024;
/// Largest `sched_getaffinity` buffer tried, in bytes (enough for 2^20 CPUs).
const MAX_MASK_BYTES: usize = 1 << 17;

impl Process {
    /// CPU times (psutil's `cpu_times()`), seconds.
    pub fn cpu_times(&self) -> Result<ProcessCpuTimes> {
        crate::process::attrs::serve_prefetched!(self, CpuTimes);
        let t = self.root.clk_tck;
        self.stat_with(field::UTIME | field::STIME | field::CUTIME | field::CSTIME | field::DELAYACCT, |s| ProcessCpuTimes {
            user: s.utime as f64 / t,
            system: s.stime as f64 / t,
            children_user: s.cutime as f64 / t,
            children_system: s.cstime as f64 / t,
            iowait: match s.delayacct {
                Some(v) => v as f64 / t,
                None => {
                    crate::debug::debug(|| "can't get blkio_ticks, set iowait to 0".into());
                    0.0
                }
            },
        })
    }

    /// CPU utilisation of this process in percent (psutil's `cpu_percent()`); can
    /// exceed 100 on several CPUs (100 = one CPU fully busy). With an interval: blocks
    /// for it and measures. Without: compares with this handle's previous call (the
    /// first call returns 0.0). Rounded to 1 decimal like psutil.
    pub fn cpu_percent(&self, interval: Option<Duration>) -> Result<f64> {
        if interval.is_none() {
            crate::process::attrs::serve_prefetched!(self, CpuPercent);
        }
        let ncpu = percent_cpu_count();
        let sample = |p: &Process| -> Result<(Instant, f64)> {
            let t = p.cpu_times()?;
            Ok((Instant::now(), t.user + t.system))
        };
        let (before, now) = match interval.filter(|d| !d.is_zero()) {
            Some(d) => {
                let a = sample(self)?;
                std::thread::sleep(d);
                let b = sample(self)?;
                (Some(a), b)
            }
            None => {
                let b = sample(self)?;
                (self.st().rare.as_ref().and_then(|r| r.cpu_last), b)
            }
        };
        self.st().rare().cpu_last = Some(now);
        let Some((t1, c1)) = before else { return Ok(0.0) };
        let (t2, c2) = now;
        // psutil scales wall time by the CPU count, then multiplies back; the same
        // order of operations keeps the float result identical.
        let dt = t2.duration_since(t1).as_secs_f64() * ncpu;
        if dt <= 0.0 {
            return Ok(0.0);
        }
        let overall = (c2 - c1) / dt * 100.0;
        Ok(crate::util::round1(overall * ncpu))
    }

    /// The CPU the process last ran on (psutil's `cpu_num()`).
    pub fn cpu_num(&self) -> Result<u32> {
        crate::process::attrs::serve_prefetched!(self, CpuNum);
        let processor = self.stat_with(field::PROCESSOR, |s| s.processor)?;
        processor.and_then(|p| u32::try_from(p).ok()).ok_or_else(|| {
            Error::parse(
                self.root.path(self.pid, "stat"),
                "field 39 (processor) missing or negative",
            )
        })
    }

    /// The CPUs the process may run on, ascending (psutil's `cpu_affinity()` getter),
    /// from `sched_getaffinity` with a buffer grown until the kernel accepts it.
    pub fn cpu_affinity(&self) -> Result<Vec<u32>> {
        crate::process::attrs::serve_prefetched!(self, CpuAffinity);
        self.refuse_pid0("sched_getaffinity")?;
        let mut words = vec![0u64; MIN_MASK_CPUS / 64];
        loop {
            match sys::sched_getaffinity(self.pid, &mut words) {
                Ok(n) => return Ok(mask_to_cpus(&words, n)),
                Err(e) if OsErr::of(&e) == OsErr::Invalid && words.len() * 8 < MAX_MASK_BYTES => {
                    words.resize(words.len() * 2, 0);
                }
                Err(e) => return Err(self.os_error(Failed::Call("sched_getaffinity"), e)),
            }
        }
    }

    /// Restricts the process to `cpus` (psutil's `cpu_affinity(cpus)`); duplicates are
    /// ignored. Checks PID reuse first.
    ///
    /// An empty `cpus` means "all eligible CPUs": the `Cpus_allowed_list` of
    /// `/proc/PID/status` (fallback: every CPU of `cpu_times_percpu()`). That list is
    /// the *current* mask, so `[]` cannot widen a narrowed mask (psutil quirk 4, kept;
    /// psutil 7.2.2 differed here because it only understood `N-M` lists).
    ///
    /// When the kernel answers EINVAL: a CPU outside `0..n` (n = number of CPUs)
    /// gives `InvalidArgument` "invalid CPU 99; choose between [0, 1]", one outside
    /// the eligible list "CPU number 3 is not eligible; choose between [0, 1]" (both
    /// name the eligible list); otherwise the OS error. As in psutil, a list with at
    /// least one usable CPU is accepted and the unusable ones are ignored by the
    /// kernel.
    pub fn set_cpu_affinity(&self, cpus: &[u32]) -> Result<()> {
        self.check_target()?;
        self.refuse_pid0("sched_setaffinity")?;
        let mut cpus = if cpus.is_empty() {
            self.eligible_cpus()?
        } else {
            cpus.to_vec()
        };
        cpus.sort_unstable();
        cpus.dedup();
        let words = cpus_to_mask(&cpus);
        let Err(e) = sys::sched_setaffinity(self.pid, &words) else {
            return Ok(());
        };
        if OsErr::of(&e) == OsErr::Invalid {
            let eligible = self.eligible_cpus()?;
            let all = crate::cpu::read_times_percpu(&self.root.roots)?.len();
            if let Some(err) = affinity_error(&cpus, &eligible, all) {
                return Err(err);
            }
        }
        Err(self.os_error(Failed::Call("sched_setaffinity"), e))
    }

    /// psutil's eligible CPUs: `Cpus_allowed_list` of `/proc/PID/status`, else
    /// `0..n` with n the number of per-CPU lines of `/proc/stat`.
    fn eligible_cpus(&self) -> Result<Vec<u32>> {
        let listed = self.with_status_tail(|s| match s.cpus_allowed_list {
            Some(l) => parse_cpulist(l, &self.root.path(self.pid, "status")).map(Some),
            None => Ok(None),
        })?;
        match listed {
            Some(l) => Ok(l),
            None => {
                let n = crate::cpu::read_times_percpu(&self.root.roots)?.len();
                Ok((0..n as u32).collect())
            }
        }
    }
    /// Number of threads (psutil's `num_threads()`).
    pub fn num_threads(&self) -> Result<u64> {
        crate::process::attrs::serve_prefetched!(self, NumThreads);
        // `Threads:` of `status` (psutil's source) when the oneshot snapshot has that
        // file; otherwise field 20 of `stat`, the same kernel counter in a file that
        // costs less to produce.
        if self.status_cached() {
            return self.with_status(|s| {
                self.status_check(s, line::THREADS)?;
                s.threads
                    .ok_or_else(|| Error::parse(self.root.path(self.pid, "status"), "Threads line missing"))
            });
        }
        let n = self.stat_with(field::NUM_THREADS, |s| s.num_threads)?;
        u64::try_from(n)
            .map_err(|_| Error::parse(self.root.path(self.pid, "stat"), format!("num_threads {n}")))
    }

    /// Voluntary and involuntary context switches (psutil's `num_ctx_switches()`).
    pub fn num_ctx_switches(&self) -> Result<CtxSwitches> {
        crate::process::attrs::serve_prefetched!(self, NumCtxSwitches);
        self.with_status_tail(|s| {
            self.status_check(s, line::VOLUNTARY | line::NONVOLUNTARY)?;
            match (s.voluntary_ctxt_switches, s.nonvoluntary_ctxt_switches) {
                (Some(voluntary), Some(involuntary)) => Ok(CtxSwitches { voluntary, involuntary }),
                _ => Err(Error::unsupported("'voluntary_ctxt_switches' and 'nonvoluntary_ctxt_switches' lines were not found in /proc/PID/status; the kernel is probably older than 2.6.23")),
            }
        })
    }

    /// The scheduler state and the context switches of each thread, from
    /// `/proc/PID/task/TID/status`, in thread-ID order; threads that exit meanwhile are
    /// skipped. Not in psutil (whose `num_ctx_switches()` is the main thread's, from
    /// `/proc/PID/status`): for exporters that count threads by state and sum every
    /// thread's switches, as process-exporter does.
    pub fn thread_scheds(&self) -> Result<Vec<ThreadSched>> {
        use crate::linux::parse::pid_status::{parse_pid_status, status_state};
        let mut dir = match self.open_dir_rel("task") {
            Ok(d) => d,
            Err(e) => return Err(self.os_error(Failed::File("task"), e)),
        };
        let mut tids: Vec<u32> = Vec::new();
        if let Err(e) = dir.for_each(|n| {
            if let Some(t) = crate::linux::parse::num::u64_dec(n).and_then(|v| u32::try_from(v).ok()) {
                tids.push(t);
            }
        }) {
            return Err(self.os_error(Failed::File("task"), e));
        }
        tids.sort_unstable();
        let mut out = Vec::with_capacity(tids.len());
        let mut buf = take_buf();
        let mut rel = String::with_capacity(24);
        let r = (|| {
            for tid in tids {
                rel.clear();
                let _ = write!(rel, "task/{tid}/status");
                match self.read_rel(&rel, &mut buf, FileKind::RECORD) {
                    Ok(()) => {}
                    Err(e) if OsErr::of(&e).is_gone() => continue,
                    Err(e) => return Err(self.os_error(Failed::File(&rel), e)),
                }
                // Parsed with the short path; the full one is built only for an error.
                let short = std::path::Path::new(&rel);
                let sched = (|| {
                    let st = parse_pid_status(&buf, short)?;
                    st.bad.check(line::VOLUNTARY | line::NONVOLUNTARY, short)?;
                    let (Some(voluntary), Some(involuntary)) =
                        (st.voluntary_ctxt_switches, st.nonvoluntary_ctxt_switches)
                    else {
                        return Err(Error::unsupported(format!(
                            "no context switch lines in {}; the kernel is probably older than 2.6.23",
                            self.root.path(self.pid, &rel).display()
                        )));
                    };
                    let state = status_state(&buf).ok_or_else(|| Error::parse_structure(short, "no State line"))?;
                    Ok(ThreadSched {
                        tid,
                        status: ProcessStatus::from_state_letter(state),
                        ctx_switches: CtxSwitches { voluntary, involuntary },
                    })
                })()
                .map_err(|e| super::full_path(&self.root, self.pid, &rel, e))?;
                out.push(sched);
            }
            Ok(())
        })();
        put_buf(buf);
        r.map(|()| out)
    }

    /// Threads with their CPU times (psutil's `threads()`), ordered as psutil orders
    /// them: by thread ID compared as text.
    pub fn threads(&self) -> Result<Vec<ThreadTimes>> {
        crate::process::attrs::serve_prefetched!(self, Threads);
        let mut dir = match self.open_dir_rel("task") {
            Ok(d) => d,
            Err(e) => return Err(self.os_error(Failed::File("task"), e)),
        };
        let mut tids: Vec<String> = Vec::new();
        // A listing that fails part-way keeps what it listed (the threads that
        // vanished meanwhile are skipped below anyway).
        let _ = dir.for_each(|n| tids.push(String::from_utf8_lossy(n).into_owned()));
        tids.sort();
        let mut out = Vec::with_capacity(tids.len());
        let mut vanished = false;
        let mut buf = take_buf();
        for tid in tids {
            let Ok(id) = tid.parse::<u32>() else { continue };
            let rel = format!("task/{tid}/stat");
            match self.read_rel(&rel, &mut buf, FileKind::RECORD) {
                Ok(()) => {
                    // A thread's times need only its utime and stime.
                    let s = parse_pid_stat(&buf, std::path::Path::new(&rel))
                        .and_then(|s| {
                            s.bad.check(field::UTIME | field::STIME, std::path::Path::new(&rel))?;
                            Ok(s)
                        })
                        .map_err(|e| super::full_path(&self.root, self.pid, &rel, e));
                    match s {
                        Ok(s) => out.push(ThreadTimes {
                            id,
                            user_time: s.utime as f64 / self.root.clk_tck,
                            system_time: s.stime as f64 / self.root.clk_tck,
                        }),
                        Err(e) => {
                            put_buf(buf);
                            return Err(e);
                        }
                    }
                }
                Err(e) if OsErr::of(&e).is_gone() => vanished = true,
                Err(e) => {
                    put_buf(buf);
                    return Err(self.os_error(Failed::File(&rel), e));
                }
            }
        }
        put_buf(buf);
        if vanished && !self.exists_now() {
            return Err(Error::no_such_process(self.pid, self.known_name()));
        }
        Ok(out)
    }
}

/// The CPUs whose bits are set in the first `n` bytes of a mask.
fn mask_to_cpus(words: &[u64], n: usize) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate().take(n.div_ceil(8)) {
        let mut w = *w;
        while w != 0 {
            let bit = w.trailing_zeros();
            let cpu = i as u64 * 64 + bit as u64;
            if cpu < n as u64 * 8 {
                out.push(cpu as u32);
            }
            w &= w - 1;
        }
    }
    out
}

/// A mask of at least 1024 CPUs with the bits of `cpus` set. CPU numbers no kernel
/// supports (2^20 and above) are left out: the kernel would ignore their bits anyway,
/// and a mask that holds nothing else makes it answer EINVAL.
fn cpus_to_mask(cpus: &[u32]) -> Vec<u64> {
    let limit = MAX_MASK_BYTES * 8;
    let max = cpus
        .iter()
        .map(|&c| c as usize)
        .filter(|&c| c < limit)
        .max()
        .map_or(0, |m| m + 1);
    let bits = max.max(MIN_MASK_CPUS);
    let mut words = vec![0u64; bits.div_ceil(64)];
    for &c in cpus {
        if let Some(w) = words.get_mut(c as usize / 64) {
            *w |= 1u64 << (c % 64);
        }
    }
    words
}

/// psutil's `ValueError` for an EINVAL from `sched_setaffinity`: the first CPU (in
/// ascending order) that does not exist or is not eligible; `None` when every CPU
/// looks fine (then the OS error stands).
fn affinity_error(cpus: &[u32], eligible: &[u32], ncpus: usize) -> Option<Error> {
    for &cpu in cpus {
        if cpu as usize >= ncpus {
            return Some(Error::invalid(format!(
                "invalid CPU {cpu}; choose between {eligible:?}"
            )));
        }
        if !eligible.contains(&cpu) {
            return Some(Error::invalid(format!(
                "CPU number {cpu} is not eligible; choose between {eligible:?}"
            )));
        }
    }
    None
}

/// The CPU count `cpu_percent` scales by (psutil's `cpu_count() or 1`), re-read at
/// most every [`NCPU_REUSE`]: a scan with `cpu_percent` asks once per process, and each
/// read opens `/sys/devices/system/cpu/online` (through `sysconf`). A CPU going on- or
/// offline is seen within that time.
fn percent_cpu_count() -> f64 {
    static LAST: std::sync::Mutex<Option<(Instant, u32)>> = std::sync::Mutex::new(None);
    let now = Instant::now();
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((at, n)) = *last {
        if now.duration_since(at) < NCPU_REUSE {
            return f64::from(n);
        }
    }
    let n = crate::cpu::cpu_count().unwrap_or(1).max(1);
    *last = Some((now, n));
    f64::from(n)
}

/// How long [`percent_cpu_count`] reuses a count: 10 ms, a few scheduler ticks.
const NCPU_REUSE: Duration = Duration::from_millis(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        let m = cpus_to_mask(&[0, 3, 64, 1023]);
        assert_eq!(m.len(), 16);
        assert_eq!(m[0], 0b1001);
        assert_eq!(m[1], 1);
        assert_eq!(m[15], 1 << 63);
        assert_eq!(mask_to_cpus(&m, 128), vec![0, 3, 64, 1023]);
        // Only the first n bytes count.
        assert_eq!(mask_to_cpus(&m, 8), vec![0, 3]);
        assert_eq!(mask_to_cpus(&m, 1), vec![0, 3]);
        assert_eq!(mask_to_cpus(&[0xff], 0), Vec::<u32>::new());
        let big = cpus_to_mask(&[5000]);
        assert_eq!(big.len(), 5001usize.div_ceil(64));
        assert_eq!(mask_to_cpus(&big, big.len() * 8), vec![5000]);
        assert_eq!(cpus_to_mask(&[]).len(), 16);
        let huge = cpus_to_mask(&[u32::MAX, 1 << 20]);
        assert_eq!(huge.len(), 16);
        assert!(huge.iter().all(|w| *w == 0));
    }

    #[test]
    fn affinity_messages() {
        assert_eq!(
            affinity_error(&[99], &[0, 1], 2).unwrap().to_string(),
            "invalid CPU 99; choose between [0, 1]"
        );
        assert_eq!(
            affinity_error(&[1, 3], &[0, 1], 4).unwrap().to_string(),
            "CPU number 3 is not eligible; choose between [0, 1]"
        );
        assert_eq!(
            affinity_error(&[0, 2, 7], &[1], 4).unwrap().to_string(),
            "CPU number 0 is not eligible; choose between [1]"
        );
        assert!(affinity_error(&[0, 1], &[0, 1], 2).is_none());
        assert!(affinity_error(&[], &[0], 1).is_none());
    }
}
