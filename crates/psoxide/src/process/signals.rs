//! Signals to `Process` (`send_signal()`, `suspend()`, `resume()`, `terminate()`,
//! `kill()`), and the PID-reuse check every action and setter starts with (spec 4.3;
//! the setters are beside their getters, in `limits.rs` and `cpu.rs`).
//!
//! Identity, for a handle that holds a pidfd (made on the live procfs, with pidfds,
//! within the budget: see `pidfd.rs`): the pidfd *is* the process. Signals go
//! through it (`pidfd_send_signal`), so they reach that process or nobody: once it
//! is reaped they fail with `ESRCH`, which becomes `NoSuchProcess` (with psutil's
//! "its PID has been reused" message when another process has the PID now). Setters
//! first ask the pidfd whether its process is reaped (`pidfd_send_signal(fd, 0)`),
//! then make their PID-taking system call (`setpriority`, `ioprio_set`, `prlimit`,
//! `sched_setaffinity` have no pidfd form). The one window left is between those
//! two calls: the process would have to exit, be reaped and its PID be given to a
//! new process within a few microseconds.
//!
//! For a handle without a pidfd, every action and setter first re-reads field 22
//! of `/proc/PID/stat` (through the handle's procfs root) and compares it with the
//! start ticks captured at construction. Different ticks mean the PID now belongs
//! to another process: `NoSuchProcess` with psutil's message, and the handle is
//! marked gone. A missing `/proc/PID` gives plain `NoSuchProcess` (psutil gets the
//! same from the syscall's `ESRCH`). Unlike psutil, the check is made on every call
//! even after the handle was marked gone. Start ticks have the resolution of a
//! clock tick (10 ms), so a PID recycled within the tick its process started in
//! passes this check: that is the window of handles without a pidfd (and of psutil).
//! Signals then open a pidfd at call time and check the ticks again while it is
//! open, so the signal reaches the process the ticks matched; without pidfds (old
//! kernels, seccomp, thread IDs, which `pidfd_open` refuses) the checked `kill(2)`
//! leaves the same small window as psutil between check and signal.
//!
//! Signals act on the live kernel, whatever procfs root the handle reads (as psutil's
//! `PROCFS_PATH`).

use super::{Failed, Process};
use crate::error::{Error, Result};
use crate::linux::parse::pid_stat::{field, parse_pid_stat};
use crate::sys::errno::OsErr;
use crate::sys::fs::{put_buf, take_buf, FileKind};
use crate::sys::process as sys;
use std::os::fd::AsFd;

/// psutil's message when an action finds the PID recycled.
const PID_REUSED_MSG: &str = "process no longer exists and its PID has been reused";

/// psutil's refusal to signal PID 0 (which would signal our own process group).
const SIGNAL_PID0_MSG: &str = "preventing sending signal to process with PID 0 as it would affect every process in the process group of the calling process (os.getpid()) instead of PID 0";

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
        let r = match self.root.read(self.pid, "stat", &mut buf, FileKind::RECORD) {
            Ok(()) => match parse_pid_stat(&buf, std::path::Path::new("stat")) {
                Ok(s) if s.bad.mask() & field::STARTTIME != 0 => Identity::Unknown,
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

    /// The error for a handle whose pidfd's process was reaped: `NoSuchProcess`,
    /// with psutil's "PID has been reused" message when the PID shows a process now.
    /// Marks the handle gone.
    pub(super) fn reaped(&self) -> Error {
        self.st().gone = true;
        match self.identity() {
            Identity::Gone => Error::no_such_process(self.pid, self.known_name()),
            _ => Error::NoSuchProcess {
                pid: self.pid,
                name: self.known_name(),
                msg: PID_REUSED_MSG.into(),
            },
        }
    }

    /// What every setter starts with: errors unless the handle's process still has
    /// the PID (see the module docs: by its pidfd when it holds one, else psutil's
    /// `_raise_if_pid_reused` made strict). Marks the handle gone when it has not.
    pub(super) fn check_target(&self) -> Result<()> {
        if let Some(h) = &self.pidfd {
            match sys::pidfd_alive(h.fd()) {
                Ok(true) => return Ok(()),
                Ok(false) => return Err(self.reaped()),
                // Cannot happen on a valid pidfd; decide by the start ticks.
                Err(_) => {}
            }
        }
        self.check_identity()
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
        if let Some(h) = &self.pidfd {
            return match sys::pidfd_send_signal(h.fd(), sig) {
                Ok(()) => Ok(()),
                Err(e) if OsErr::of(&e) == OsErr::NoProcess => Err(self.reaped()),
                Err(e) => Err(self.os_error(Failed::Signal("pidfd_send_signal", sig), e)),
            };
        }
        self.check_identity()?;
        self.refuse_pid0("kill")?;
        if self.root.pidfd {
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
}
