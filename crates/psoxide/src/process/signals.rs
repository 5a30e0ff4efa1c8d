//! Actions and setters of `Process`: signals, CPU affinity, and the PID-reuse check
//! every action and setter starts with (spec 4.3; the nice, ionice and rlimit
//! setters are in `limits.rs`).
//!
//! Identity: every action and setter first re-reads field 22 of `/proc/PID/stat`
//! (through the handle's procfs root) and compares it with the start ticks captured
//! at construction. Different ticks mean the PID now belongs to another process:
//! `NoSuchProcess` with psutil's message "process no longer exists and its PID has
//! been reused", and the handle is marked gone. A missing `/proc/PID` gives plain
//! `NoSuchProcess` (psutil gets the same from the syscall's `ESRCH`). Unlike psutil,
//! the check is made on every call even after the handle was marked gone, so a
//! handle never acts on a recycled PID.
//!
//! Signals go further: with pidfd support (Linux 5.3+), a pidfd is opened first and
//! the identity is verified again while the pidfd is held. The pidfd pins one
//! process; if the PID still shows our start ticks after it was opened, the pidfd is
//! our process and `pidfd_send_signal` cannot reach a recycled PID. Without pidfd
//! (old kernels, seccomp, thread IDs, which `pidfd_open` refuses) the checked
//! `kill(2)` leaves the same small window as psutil between check and signal.
//!
//! The affinity syscalls and signals act on the live kernel,
//! whatever procfs root the handle reads (as psutil's `PROCFS_PATH`).

use super::{pidfd, Failed, Process};
use crate::error::{Error, Result};
use crate::linux::parse::cpulist::parse_cpulist;
use crate::linux::parse::pid_stat::parse_pid_stat;
use crate::sys::errno::OsErr;
use crate::sys::fs::{put_buf, take_buf, Eof};
use crate::sys::process as sys;
use std::os::fd::AsFd;

/// psutil's message when an action finds the PID recycled.
pub(crate) const PID_REUSED_MSG: &str = "process no longer exists and its PID has been reused";

/// psutil's refusal to signal PID 0 (which would signal our own process group).
const SIGNAL_PID0_MSG: &str = "preventing sending signal to process with PID 0 as it would affect every process in the process group of the calling process (os.getpid()) instead of PID 0";

/// psutil's fixed affinity mask size (`CPU_SETSIZE`, 1024 CPUs); larger CPU numbers
/// get a larger mask.
const MIN_MASK_CPUS: usize = 1024;
/// Largest `sched_getaffinity` buffer tried, in bytes (enough for 2^20 CPUs).
const MAX_MASK_BYTES: usize = 1 << 17;

/// What `/proc/PID/stat` says about the handle's identity now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Identity {
    /// Same start ticks: our process (possibly a zombie).
    Same,
    /// Other start ticks: the PID was recycled.
    Reused,
    /// No such PID any more.
    Gone,
    /// The file could not be read or parsed (e.g. EACCES); psutil treats this as
    /// "still running".
    Unknown,
}

impl Process {
    /// Reads the start ticks of whatever process owns the PID now.
    pub(super) fn identity(&self) -> Identity {
        let mut buf = take_buf();
        let r = match self.root.read(self.pid, "stat", &mut buf, Eof::ShortRead) {
            Ok(()) => match parse_pid_stat(&buf, &self.root.path(self.pid, "stat")) {
                Ok(s) if s.starttime == self.start_ticks => Identity::Same,
                Ok(_) => Identity::Reused,
                Err(_) => Identity::Unknown,
            },
            Err(e) if OsErr::of(&e).is_gone() => Identity::Gone,
            Err(_) => Identity::Unknown,
        };
        put_buf(buf);
        r
    }

    /// psutil's `_raise_if_pid_reused`, made strict: errors unless the PID still
    /// belongs to this handle's process (see the module docs). Marks the handle gone
    /// when it does not.
    pub(super) fn check_identity(&self) -> Result<()> {
        match self.identity() {
            Identity::Same | Identity::Unknown => Ok(()),
            Identity::Reused => {
                self.st().gone = true;
                Err(Error::NoSuchProcess {
                    pid: self.pid,
                    name: self.known_name(),
                    msg: PID_REUSED_MSG.into(),
                })
            }
            Identity::Gone => {
                self.st().gone = true;
                Err(Error::no_such_process(self.pid, self.known_name()))
            }
        }
    }

    /// Refuses PID 0, which the pid-taking syscalls read as "the caller", and PIDs
    /// above the kernel's `pid_t` range.
    pub(super) fn refuse_pid0(&self, call: &str) -> Result<()> {
        if self.pid == 0 {
            return Err(Error::invalid(format!(
                "can't use {call}() against PID 0 process"
            )));
        }
        if i32::try_from(self.pid).is_err() {
            return Err(Error::invalid(format!(
                "PID {} is out of the pid_t range",
                self.pid
            )));
        }
        Ok(())
    }

    /// Sends signal `sig` (psutil's `send_signal()`), refusing a recycled PID (see
    /// the module docs for how pidfds make this race-free).
    ///
    /// Errors: PID 0 gives `InvalidArgument`; a recycled PID `NoSuchProcess` with
    /// psutil's "PID has been reused" message; a process that is gone
    /// `NoSuchProcess`; EPERM `AccessDenied`; an invalid signal number the OS error
    /// (EINVAL). Signalling a zombie succeeds and does nothing, as in psutil.
    pub fn send_signal(&self, sig: i32) -> Result<()> {
        if self.pid == 0 {
            return Err(Error::invalid(SIGNAL_PID0_MSG));
        }
        self.check_identity()?;
        self.refuse_pid0("kill")?;
        if pidfd::supported() {
            match sys::pidfd_open(self.pid) {
                Ok(fd) => {
                    // The pidfd pins one process: check that it is ours.
                    self.check_identity()?;
                    return sys::pidfd_send_signal(fd.as_fd(), sig)
                        .map_err(|e| self.os_error(Failed::Signal("pidfd_send_signal", sig), e));
                }
                Err(e) if OsErr::of(&e) == OsErr::NoProcess => {
                    return Err(self.os_error(Failed::Signal("pidfd_open", sig), e))
                }
                // EINVAL/ENOENT: a thread ID (pidfds need a thread-group leader);
                // EMFILE/ENFILE/ENODEV/EPERM: no pidfd now. Use the checked kill(2).
                Err(_) => {}
            }
        }
        sys::kill(self.pid, sig).map_err(|e| self.os_error(Failed::Signal("kill", sig), e))
    }

    /// Stops the process with SIGSTOP (psutil's `suspend()`); see [`Process::send_signal`].
    pub fn suspend(&self) -> Result<()> {
        self.send_signal(sys::SIGSTOP)
    }

    /// Continues the process with SIGCONT (psutil's `resume()`); see [`Process::send_signal`].
    pub fn resume(&self) -> Result<()> {
        self.send_signal(sys::SIGCONT)
    }

    /// Sends SIGTERM (psutil's `terminate()`); see [`Process::send_signal`].
    pub fn terminate(&self) -> Result<()> {
        self.send_signal(sys::SIGTERM)
    }

    /// Sends SIGKILL (psutil's `kill()`); see [`Process::send_signal`].
    pub fn kill(&self) -> Result<()> {
        self.send_signal(sys::SIGKILL)
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
        self.check_identity()?;
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
