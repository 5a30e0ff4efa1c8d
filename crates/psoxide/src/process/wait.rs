//! `Process::wait()`, `wait_procs()`, and handles for children spawned with
//! `std::process::Command` (psutil's `Popen` role).
//!
//! How `wait` works on Linux:
//!
//! * With the pidfd the handle holds (see `signals.rs`): `poll()` it for POLLIN, which
//!   the kernel raises when the process has exited (it is then a zombie or gone), then
//!   `waitid(P_PIDFD)`, which for our own child reaps exactly that process and gives
//!   its exit status (never another child that got the PID); being reaped is asked
//!   of the pidfd (`pidfd_send_signal(fd, 0)` fails with `ESRCH`).
//! * With pidfds (5.3+, probed once) but none held: open a pidfd, check that it pins
//!   our process (start ticks), `poll()` it for POLLIN, then `waitpid()`: for our
//!   own child this reaps it and gives the exit status. For any other process (`ECHILD`) we
//!   keep waiting, as psutil does, until the process is reaped by its parent: `poll()`
//!   on the same pidfd for POLLHUP (raised on reap by recent kernels, so no polling
//!   there) in slices growing from 0.1 ms to 40 ms, re-checking the start ticks
//!   between slices for kernels that do not raise it. A non-child zombie therefore
//!   keeps `wait()` blocked until it is reaped, which keeps `wait()` consistent with
//!   `is_running()` (true for zombies) and with `wait_procs()`.
//! * Without pidfds: psutil's loop, `waitpid(WNOHANG)` with sleeps doubling from
//!   0.1 ms to 40 ms (blocking `waitpid` without a timeout), and for non-children the
//!   same back-off on the start-ticks check.
//!
//! Differences from psutil, all on the safe side: "the process is gone" is decided by
//! the start ticks, not by the PID's existence, so a recycled PID ends the wait (with
//! `None`) instead of making it wait for a stranger; one deadline covers the whole
//! wait (psutil restarts the timeout for the reap phase); poll timeouts are rounded
//! up to whole milliseconds (psutil truncates), so a wait never ends early.

use super::signals::Identity;
use super::enums::ExitStatus;
use super::{pidfd, Process, State};
use crate::error::{Error, Pid, Result};
use crate::sys::process::{self as sys, PollFlags, WaitResult};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// First back-off sleep of the polling loops (psutil: 0.1 ms).
const FIRST_INTERVAL: Duration = Duration::from_micros(100);
/// Longest back-off sleep (psutil: 40 ms).
const MAX_INTERVAL: Duration = Duration::from_millis(40);

/// Internal outcome of the waiting strategies.
enum Waited {
    Done(Option<ExitStatus>),
    TimedOut,
}

impl Process {
    /// Waits for the process to end (psutil's `wait(timeout)`).
    ///
    /// Returns, for a child of the calling process, its [`ExitStatus`] (the exit code,
    /// or [`ExitStatus::NegSignal`] with the negated signal number); for any other
    /// process `None` once it is gone (reaped by its parent); `None` at once when the
    /// process is already gone or its PID was recycled. A zombie child is reaped.
    /// `timeout` `None` blocks; `Some(0)` checks once; on expiry the error is
    /// `TimeoutExpired { seconds, pid, name }`. The result, `None` included, is cached:
    /// later calls return it at once. See the module docs for the mechanism.
    ///
    /// Errors: PID 0 gives `InvalidArgument` "can't wait for PID 0"; a failed
    /// `waitpid`/`poll` the OS error.
    ///
    /// Reaping a child this way means `std::process::Child::wait` on the same child
    /// will fail with ECHILD afterwards (and the other way round: after
    /// `Child::wait`, this returns `None`).
    pub fn wait(&self, timeout: Option<Duration>) -> Result<Option<ExitStatus>> {
        if self.pid == 0 {
            return Err(Error::invalid("can't wait for PID 0"));
        }
        if let Some(r) = self.st().wait_result() {
            return Ok(r);
        }
        let deadline = timeout.map(|t| Instant::now().checked_add(t));
        // A timeout too large for Instant is as good as none.
        let deadline = deadline.flatten();
        let nohang = timeout.is_some();
        let r = self.wait_inner(deadline, nohang)?;
        match r {
            Waited::Done(v) => {
                let mut st = self.st();
                st.rare().wait_result = Some(v);
                if v.is_some() {
                    st.gone = true;
                }
                Ok(v)
            }
            Waited::TimedOut => Err(Error::TimeoutExpired {
                seconds: timeout.unwrap_or_default().as_secs_f64(),
                pid: Some(self.pid),
                name: self.known_name(),
            }),
        }
    }

    /// The exit status a previous [`Process::wait`] returned (psutil's `returncode`
    /// attribute set by `wait_procs`, and the `exitcode=` of its repr); `None` before
    /// a wait returned a status, or when it returned `None`.
    pub fn returncode(&self) -> Option<ExitStatus> {
        self.st().wait_result().flatten()
    }

    /// True when the start ticks still show our process (zombies included).
    fn alive_by_identity(&self) -> bool {
        match self.identity() {
            Identity::Same | Identity::Unknown => true,
            Identity::Gone | Identity::Reused => {
                self.st().gone = true;
                false
            }
        }
    }

    fn wait_inner(&self, deadline: Option<Instant>, nohang: bool) -> Result<Waited> {
        if let Some(h) = &self.pidfd {
            return self.wait_pidfd(h.fd(), true, deadline);
        }
        if !self.alive_by_identity() {
            return Ok(Waited::Done(None));
        }
        if self.root.pidfd {
            // On failure (ESRCH: gone already; EINVAL/ENOENT: a thread ID;
            // EMFILE/ENFILE/ENODEV: no pidfd now) psutil falls back to its loop.
            if let Ok(fd) = sys::pidfd_open(self.pid) {
                return self.wait_pidfd(fd.as_fd(), false, deadline);
            }
        }
        self.wait_loop(deadline, nohang)
    }

    /// Whether the process `fd` refers to is not reaped: asked of the pidfd when it
    /// is the handle's own (`held`), else by start ticks.
    fn alive_by(&self, fd: BorrowedFd<'_>, held: bool) -> bool {
        if held {
            match sys::pidfd_alive(fd) {
                Ok(true) => return true,
                Ok(false) => {
                    self.st().gone = true;
                    return false;
                }
                Err(_) => {}
            }
        }
        self.alive_by_identity()
    }

    /// The pidfd strategy (see the module docs). `held`: `fd` is the pidfd the handle
    /// holds, so it is this process by construction; otherwise it was opened just now
    /// and is checked against the start ticks.
    fn wait_pidfd(&self, fd: BorrowedFd<'_>, held: bool, deadline: Option<Instant>) -> Result<Waited> {
        // The pidfd pins whatever process had the PID when it was opened.
        if !self.alive_by(fd, held) {
            return Ok(Waited::Done(None));
        }
        loop {
            let ev = pidfd::poll_once(fd, PollFlags::IN, deadline, None)
                .map_err(|e| Error::io(format!("poll(pidfd of pid={})", self.pid), e))?;
            if !ev.is_empty() {
                break;
            }
            if past(deadline) {
                return Ok(Waited::TimedOut);
            }
        }
        // Exited. Reap it if it is our child: through the held pidfd exactly that
        // process, whatever has the PID.
        let reaped = if held { self.waitid(fd)? } else { self.waitpid(false)? };
        match reaped {
            Reap::Reaped(status) => return Ok(Waited::Done(Some(status))),
            // Cannot happen after POLLIN with a blocking waitpid; treat as not ours.
            Reap::Running | Reap::NotChild => {}
        }
        // Not our child: wait until its parent reaps it.
        let mut interval = FIRST_INTERVAL;
        loop {
            if !self.alive_by(fd, held) {
                return Ok(Waited::Done(None));
            }
            if past(deadline) {
                return Ok(Waited::TimedOut);
            }
            let ev = pidfd::poll_once(fd, PollFlags::empty(), deadline, Some(interval))
                .map_err(|e| Error::io(format!("poll(pidfd of pid={})", self.pid), e))?;
            if ev.contains(PollFlags::HUP) {
                self.st().gone = true;
                return Ok(Waited::Done(None));
            }
            interval = (interval * 2).min(MAX_INTERVAL);
        }
    }

    /// psutil's fallback loop without pidfds.
    fn wait_loop(&self, deadline: Option<Instant>, nohang: bool) -> Result<Waited> {
        let mut interval = FIRST_INTERVAL;
        loop {
            match self.waitpid(nohang)? {
                Reap::Reaped(status) => return Ok(Waited::Done(Some(status))),
                Reap::NotChild => break,
                Reap::Running => {
                    if let Some(w) = sleep_or_timeout(deadline, &mut interval) {
                        return Ok(w);
                    }
                }
            }
        }
        // Not our child: poll the identity with back-off.
        loop {
            if !self.alive_by_identity() {
                return Ok(Waited::Done(None));
            }
            if let Some(w) = sleep_or_timeout(deadline, &mut interval) {
                return Ok(w);
            }
        }
    }

    /// `waitid(P_PIDFD)` on the handle's pidfd (blocking), restarted on EINTR.
    fn waitid(&self, fd: BorrowedFd<'_>) -> Result<Reap> {
        let what = || format!("waitid(P_PIDFD, pid={})", self.pid);
        match sys::waitid_pidfd(fd, false) {
            Ok(WaitResult::Status(status)) => match ExitStatus::from_wait_status(status) {
                Some(s) => Ok(Reap::Reaped(s)),
                None => Err(Error::parse(what(), format!("unknown process exit status {status:#x}"))),
            },
            Ok(WaitResult::Running) => Ok(Reap::Running),
            Ok(WaitResult::NotChild) => Ok(Reap::NotChild),
            Err(e) => Err(Error::io(what(), e)),
        }
    }

    /// `waitpid(pid, WNOHANG or 0)`, restarted on EINTR.
    fn waitpid(&self, nohang: bool) -> Result<Reap> {
        if i32::try_from(self.pid).is_err() {
            return Err(Error::invalid("PID out of the pid_t range"));
        }
        match sys::waitpid(self.pid, nohang) {
            Ok(WaitResult::Status(status)) => match ExitStatus::from_wait_status(status) {
                Some(s) => Ok(Reap::Reaped(s)),
                None => Err(Error::parse(
                    format!("waitpid(pid={})", self.pid),
                    format!("unknown process exit status {status:#x}"),
                )),
            },
            Ok(WaitResult::Running) => Ok(Reap::Running),
            Ok(WaitResult::NotChild) => Ok(Reap::NotChild),
            Err(e) => Err(Error::io(format!("waitpid(pid={})", self.pid), e)),
        }
    }

    /// A handle for a child spawned with `std::process::Command` (psutil's `Popen`
    /// binding): like [`Process::new`] on `child.id()`, except that a child that is
    /// already gone (reaped through `Child::wait`/`try_wait`, or auto-reaped because
    /// SIGCHLD is ignored) still gives a handle. That handle has unknown start ticks
    /// (0) and is marked gone: `is_running()` is false, `wait()` returns `None`, and
    /// every action refuses with `NoSuchProcess`. A child that exited but was not
    /// reaped is a zombie and binds normally, so `wait()` returns its exit status.
    pub fn from_child(child: &std::process::Child) -> Result<Process> {
        match Process::new(child.id()) {
            Ok(p) => Ok(p),
            Err(Error::NoSuchProcess { .. }) => {
                let host = crate::context::Host::current();
                let root = host.proc_root()?;
                Ok(Process {
                    pid: child.id(),
                    start_ticks: 0,
                    host: Arc::clone(host.state()),
                    root,
                    pidfd: None,
                    dir: None,
            kept: super::kept::KeptFiles::default(),
                    may_store: Default::default(),
                    state: Mutex::new(State {
                        gone: true,
                        ..Default::default()
                    }),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// A handle with a chosen identity, for tests of the PID-reuse checks (a wrong
    /// `start_ticks` makes the handle look like one whose PID was recycled). Reads
    /// from the process-wide roots. Not part of the API.
    #[doc(hidden)]
    pub fn with_identity_for_tests(pid: Pid, start_ticks: u64) -> Result<Process> {
        if pid > i32::MAX as u32 {
            return Err(Error::invalid(format!("PID {pid} is out of the pid_t range")));
        }
        let host = crate::context::Host::current();
        let root = host.proc_root()?;
        Ok(Process {
            pid,
            start_ticks,
            host: Arc::clone(host.state()),
            root,
            pidfd: None,
            dir: None,
            kept: super::kept::KeptFiles::default(),
            may_store: Default::default(),
            state: Mutex::new(State::default()),
        })
    }
}

/// What `waitpid` said.
enum Reap {
    /// Our child ended and is now reaped.
    Reaped(ExitStatus),
    /// Our child is still running (WNOHANG).
    Running,
    /// Not a child of the calling process (ECHILD), or already reaped by someone else.
    NotChild,
}

fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// psutil's `sleep_or_timeout`: `Some(TimedOut)` when the deadline has passed (or the
/// wait was a single check), else sleeps `interval` (never past the deadline) and
/// doubles it up to 40 ms.
fn sleep_or_timeout(deadline: Option<Instant>, interval: &mut Duration) -> Option<Waited> {
    let now = Instant::now();
    let nap = match deadline {
        Some(d) if now >= d => return Some(Waited::TimedOut),
        Some(d) => (*interval).min(d - now),
        None => *interval,
    };
    std::thread::sleep(nap);
    *interval = (*interval * 2).min(MAX_INTERVAL);
    None
}

/// One process that [`wait_procs`] found gone, with what `wait` returned for it
/// (psutil sets this as the process's `returncode` attribute).
#[derive(Clone, Copy, Debug)]
pub struct GoneProcess<'a> {
    /// The process, as passed in.
    pub process: &'a Process,
    /// Its exit status when it was a child of ours; `None` otherwise.
    pub returncode: Option<ExitStatus>,
}

/// Waits for several processes to end (psutil's `wait_procs(procs, timeout,
/// callback)`), returning `(gone, alive)`.
///
/// `procs` is any iterator of `&Process` (e.g. `&vec` or `vec.iter()`); equal
/// handles (same PID and start time) are taken once. Each round calls
/// [`Process::wait`] on every process still alive with a slice of
/// `1 / number alive` seconds (at most the time left): a process is gone when `wait`
/// returns a status, or returns `None` and [`Process::is_running`] is false. For
/// each gone process `callback` (if any) is called at once with the process and its
/// return code. After the deadline a last non-blocking check is made. `timeout`
/// `None` waits until all are gone. Never returns `TimeoutExpired`; other errors of
/// `wait` are returned. Both lists keep the input order (psutil's order is
/// unspecified). [`Process::returncode`] also gives the return code later.
#[allow(clippy::type_complexity)]
pub fn wait_procs<'a, I>(
    procs: I,
    timeout: Option<Duration>,
    mut callback: Option<&mut dyn FnMut(&Process, Option<ExitStatus>)>,
) -> Result<(Vec<GoneProcess<'a>>, Vec<&'a Process>)>
where
    I: IntoIterator<Item = &'a Process>,
{
    let mut alive: Vec<&'a Process> = Vec::new();
    for p in procs {
        if !alive.contains(&p) {
            alive.push(p);
        }
    }
    let mut gone: Vec<GoneProcess<'a>> = Vec::new();
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let mut check = |p: &'a Process, t: Duration, gone: &mut Vec<GoneProcess<'a>>| -> Result<bool> {
        match p.wait(Some(t)) {
            Ok(rc) => {
                if rc.is_some() || !p.is_running() {
                    gone.push(GoneProcess {
                        process: p,
                        returncode: rc,
                    });
                    if let Some(cb) = callback.as_mut() {
                        cb(p, rc);
                    }
                    Ok(true)
                } else {
                    Ok(false)
                }
            }
            Err(Error::TimeoutExpired { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    };
    let mut out_of_time = timeout == Some(Duration::ZERO);
    while !alive.is_empty() && !out_of_time {
        let slice = Duration::from_secs_f64(1.0 / alive.len() as f64);
        let mut still = Vec::with_capacity(alive.len());
        let mut iter = alive.into_iter();
        for p in iter.by_ref() {
            let t = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        out_of_time = true;
                        still.push(p);
                        break;
                    }
                    left.min(slice)
                }
                None => slice,
            };
            if !check(p, t, &mut gone)? {
                still.push(p);
            }
        }
        still.extend(iter);
        alive = still;
    }
    // A last non-blocking look at the survivors.
    let mut still = Vec::with_capacity(alive.len());
    for p in alive {
        if !check(p, Duration::ZERO, &mut gone)? {
            still.push(p);
        }
    }
    Ok((gone, still))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    fn done(w: Waited) -> Option<ExitStatus> {
        match w {
            Waited::Done(v) => v,
            Waited::TimedOut => panic!("timed out"),
        }
    }

    /// The loop used without pidfds, driven directly (this kernel has pidfds).
    #[test]
    #[allow(clippy::zombie_processes)]
    fn fallback_loop_children() {
        // Blocking waitpid (no timeout).
        let c = Command::new("sh").args(["-c", "exit 4"]).spawn().unwrap();
        let p = Process::new(c.id()).unwrap();
        assert_eq!(done(p.wait_loop(None, false).unwrap()), Some(ExitStatus::Code(4)));
        // WNOHANG loop with a deadline: times out, then gets the signal death.
        let c = Command::new("sleep").arg("30").spawn().unwrap();
        let p = Process::new(c.id()).unwrap();
        let t = Instant::now();
        let d = Some(t + Duration::from_millis(120));
        assert!(matches!(p.wait_loop(d, true).unwrap(), Waited::TimedOut));
        assert!(t.elapsed() >= Duration::from_millis(120));
        sys::kill(c.id(), sys::SIGTERM).unwrap();
        let d = Some(Instant::now() + Duration::from_secs(5));
        assert_eq!(
            done(p.wait_loop(d, true).unwrap()),
            Some(ExitStatus::NegSignal(-15))
        );
    }

    #[test]
    fn fallback_loop_non_child() {
        let mut c = Command::new("sh")
            .args(["-c", "sleep 0.3 & echo $!; wait"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(c.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let p = Process::new(line.trim().parse().unwrap()).unwrap();
        let d = Some(Instant::now() + Duration::from_millis(50));
        assert!(matches!(p.wait_loop(d, true).unwrap(), Waited::TimedOut));
        let t = Instant::now();
        assert_eq!(done(p.wait_loop(None, false).unwrap()), None);
        assert!(t.elapsed() >= Duration::from_millis(150), "{:?}", t.elapsed());
        assert!(c.wait().unwrap().success());
    }

    #[test]
    fn sleep_or_timeout_backs_off() {
        let mut i = FIRST_INTERVAL;
        assert!(sleep_or_timeout(None, &mut i).is_none());
        assert_eq!(i, Duration::from_micros(200));
        for _ in 0..20 {
            i = (i * 2).min(MAX_INTERVAL);
        }
        assert_eq!(i, MAX_INTERVAL);
        let mut i = FIRST_INTERVAL;
        assert!(matches!(
            sleep_or_timeout(Some(Instant::now()), &mut i),
            Some(Waited::TimedOut)
        ));
        assert!(past(Some(Instant::now())));
        assert!(!past(None));
    }
}
